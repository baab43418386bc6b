import { describe, expect, it } from 'vitest';
import { buildEdid } from '../../src/device/edid.ts';
import { rateLimitedLog } from '../../src/device/rate-limited-log.ts';

/** Decodes the fields a driver reads from a base EDID block. */
function parse(e: Uint8Array) {
  const dtd = e.subarray(54, 72);
  const hBlank = dtd[3]! | ((dtd[4]! & 0xf) << 8);
  const vBlank = dtd[6]! | ((dtd[7]! & 0xf) << 8);
  const width = dtd[2]! | ((dtd[4]! >> 4) << 8);
  const height = dtd[5]! | ((dtd[7]! >> 4) << 8);
  const clockHz = (dtd[0]! | (dtd[1]! << 8)) * 10_000;
  const standard = [];
  for (let i = 0; i < 8; i++) {
    const [a, b] = [e[38 + 2 * i]!, e[39 + 2 * i]!];
    if (a === 1 && b === 1) continue;
    const w = (a + 31) * 8;
    const ratio = [[16, 10], [4, 3], [5, 4], [16, 9]][b >> 6]!;
    standard.push(`${w}x${(w * ratio[1]!) / ratio[0]!}@${(b & 0x3f) + 60}`);
  }
  const name = Array.from(e.subarray(72 + 5, 90), (c) => String.fromCharCode(c)).join('').split('\n')[0];
  return { width, height, refresh: clockHz / ((width + hBlank) * (height + vBlank)), standard, name, vendor: String.fromCharCode(((e[8]! >> 2) & 0x1f) + 64, (((e[8]! & 3) << 3) | (e[9]! >> 5)) + 64, (e[9]! & 0x1f) + 64) };
}

describe('EDID', () => {
  it.each([[1024, 768], [1920, 1080], [800, 600], [4095, 2160], [16, 16]])('describes a %ix%i monitor as its preferred mode', (width, height) => {
    const e = buildEdid({ width, height, serial: 1 });
    expect(e.length).toBe(128);
    expect(Array.from(e.subarray(0, 8))).toEqual([0, 255, 255, 255, 255, 255, 255, 0]);
    expect(e.reduce((a, b) => a + b, 0) % 256).toBe(0);
    expect([e[18], e[19]]).toEqual([1, 4]);
    const p = parse(e);
    expect([p.width, p.height]).toEqual([width, height]);
    expect(p.refresh).toBeGreaterThan(20);
    expect(p.refresh).toBeLessThan(61);
    expect(p.name).toBe('VirtioGPU Web');
    expect(p.vendor).toBe('VGW');
  });

  it('lists the common standard modes other than the preferred one, at 60 Hz, and the established 640x480, 800x600, 1024x768', () => {
    expect(parse(buildEdid({ width: 1920, height: 1080, serial: 1 })).standard).toEqual(['1280x720@60', '1280x800@60', '1280x1024@60', '1440x900@60', '1600x900@60', '1680x1050@60', '1920x1200@60']);
    expect(parse(buildEdid({ width: 1024, height: 768, serial: 1 })).standard).toHaveLength(8);
    const e = buildEdid({ width: 800, height: 600, serial: 1 });
    expect([e[35], e[36]]).toEqual([0b0010_0001, 0b0000_1000]);
  });

  it('refuses sizes a detailed timing cannot hold', () => {
    expect(() => buildEdid({ width: 4096, height: 100, serial: 1 })).toThrow(RangeError);
    expect(() => buildEdid({ width: 0, height: 100, serial: 1 })).toThrow(RangeError);
  });
});

describe('rate-limited log', () => {
  it('passes a burst, drops the rest and reports how many it dropped', () => {
    let now = 0;
    const out: string[] = [];
    const log = rateLimitedLog((m) => out.push(m), { burst: 2, perSecond: 1 }, () => now);
    for (let i = 0; i < 10; i++) log(`m${i}`);
    expect(out).toEqual(['m0', 'm1']);
    now = 1000;
    log('later');
    expect(out[2]).toBe('later (8 earlier messages suppressed)');
  });
});
