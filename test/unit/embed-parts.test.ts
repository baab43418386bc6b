import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SerialLog } from '../../src/embed/serial-log.ts';
import { attachVirtioGpuToV86 } from '../../src/embed/v86-embed.ts';
import { StatsMeter } from '../../src/embed/stats.ts';
import { createMemoryPresenter } from '../../src/presenters/memory-surface.ts';
import { attachVirtioGpu, V86_VERSIONS, type V86Like } from '../../src/vm/v86.ts';

describe('SerialLog', () => {
  it('keeps the newest characters up to its bound', () => {
    const log = new SerialLog(10_000);
    const text = Array.from({ length: 3000 }, (_, i) => `line ${i}\n`).join('');
    for (const ch of text) log.push(ch.charCodeAt(0));
    expect(log.text).toBe(text.slice(-10_000));
    log.push(0x41);
    expect(log.text.endsWith('\nA')).toBe(true);
    expect(log.text.length).toBeLessThanOrEqual(10_001);
  });

  it('counts every character received, and slices from such a count past what it dropped', () => {
    const log = new SerialLog(100);
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join('');
    for (const ch of text) log.push(ch.charCodeAt(0));
    expect(log.received).toBe(text.length);
    expect(log.since(text.length - 8)).toBe(text.slice(-8));
    expect(log.since(0)).toBe(log.text);
  });
});

describe('StatsMeter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('gives totals and rates over the last second or so', () => {
    const totals = { frames: 0, commands: 0, bytesFromGuest: 0, bytesToGuest: 0, draws: 0, gpuBytes: 0 };
    const meter = new StatsMeter(() => ({ ...totals }), null);
    for (let step = 0; step < 4; step++) {
      totals.frames += 15;
      totals.commands += 100;
      totals.bytesFromGuest += 1000;
      totals.bytesToGuest += 24;
      vi.advanceTimersByTime(500);
    }
    const stats = meter.stats();
    expect(stats).toMatchObject({ frames: 60, commands: 400, bytesFromGuest: 4000, bytesToGuest: 96, threeD: null });
    expect(stats.framesPerSecond).toBeCloseTo(30, 5);
    expect(stats.commandsPerSecond).toBeCloseTo(200, 5);
    expect(stats.bytesPerSecond).toBeCloseTo(2048, 5);
    meter.stop();
  });

  it("with 3D, gives the renderer, the capsets, the draws and their rate, and the GPU memory now", () => {
    const totals = { frames: 0, commands: 0, bytesFromGuest: 0, bytesToGuest: 0, draws: 0, gpuBytes: 0 };
    const meter = new StatsMeter(() => ({ ...totals }), { renderer: 'SwiftShader', capsets: ['virgl2 (version 2)'] });
    for (let step = 0; step < 4; step++) {
      totals.draws += 50;
      totals.gpuBytes = 4096 * (step + 1);
      vi.advanceTimersByTime(500);
    }
    const { threeD } = meter.stats();
    expect(threeD).toMatchObject({ renderer: 'SwiftShader', capsets: ['virgl2 (version 2)'], draws: 200, gpuBytes: 16384 });
    expect(threeD?.drawsPerSecond).toBeCloseTo(100, 5);
    meter.stop();
  });
});

describe('attachVirtioGpuToV86 misuse', () => {
  const emulator = (running: boolean) => ({
    is_running: () => running,
    add_listener: () => {},
    remove_listener: () => {},
    run: () => {},
    serial0_send: () => {},
  });
  const container = {} as HTMLElement;

  it('refuses an emulator that already runs, saying how to construct it', async () => {
    await expect(attachVirtioGpuToV86(emulator(true), container)).rejects.toThrow('construct V86 with autostart: false');
  });

  it('refuses a scanout count out of range', async () => {
    await expect(attachVirtioGpuToV86(emulator(false), container, { scanouts: 0 })).rejects.toThrow('scanouts must be a count from 1 to 16');
  });
});

describe('attachVirtioGpu and another v86', () => {
  it('names each internal it needs that this v86 lacks, and the versions it works with', () => {
    const cpu = { devices: { pci: { register_device: () => {}, raise_irq: () => {}, lower_irq: () => {} } }, io: { register_read: () => {} }, read_blob: () => new Uint8Array(), write_blob: () => {}, memory_size: [128 << 20] };
    expect(() => attachVirtioGpu({ v86: { cpu } } as unknown as V86Like, { scanouts: [{ width: 64, height: 64 }], presenter: createMemoryPresenter() })).toThrow(
      `this v86 has no cpu.io.register_write; virtio-gpu-web works with v86 ${V86_VERSIONS}`,
    );
  });

  it('names the same range as package.json gives npm', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { peerDependencies: Record<string, string> };
    expect(pkg.peerDependencies.v86).toBe(V86_VERSIONS);
  });
});

describe('a browser without WebGPU', () => {
  it("loads the GPU worker's modules: nothing reads WebGPU's globals before choosing it (Firefox has none)", async () => {
    expect(typeof (globalThis as { GPUTextureUsage?: unknown }).GPUTextureUsage).toBe('undefined');
    await expect(import('../../src/presenters/backends.ts')).resolves.toHaveProperty('createSurfaces');
  });
});
