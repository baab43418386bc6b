import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodePng, encodePng } from '../../src/node/png.ts';

function noise(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = i % 7 === 0 ? (i >> 3) & 0xff : seed >>> 24;
  }
  return data;
}

describe('PNG', () => {
  it('decodes what encodePng writes', () => {
    const data = noise(37, 19);
    expect(decodePng(encodePng(37, 19, data))).toEqual({ width: 37, height: 19, data });
  });

  it('decodes the filtered RGBA and RGB files another encoder writes', () => {
    // Opaque: an RGB file has no alpha, and pngjs blends translucent pixels when it drops it.
    const data = noise(64, 33).map((v, i) => (i % 4 === 3 ? 255 : v));
    for (const colorType of [6, 2] as const) {
      const png = new PNG({ width: 64, height: 33 });
      png.data = Buffer.from(data);
      const file = PNG.sync.write(png, { colorType, filterType: -1 });
      expect(decodePng(file)).toEqual({ width: 64, height: 33, data });
    }
  });

  it('refuses what it cannot read, saying so', () => {
    expect(() => decodePng(new Uint8Array(20))).toThrow('not a PNG file');
    const grey = PNG.sync.write(Object.assign(new PNG({ width: 2, height: 2 }), { data: Buffer.alloc(16, 255) }), { colorType: 0 });
    expect(() => decodePng(grey)).toThrow(/only 8-bit RGB\/RGBA/);
  });
});
