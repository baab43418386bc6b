import { describe, expect, it } from 'vitest';
import { VIRGL_FORMATS } from '../../src/protocol/virgl-formats.ts';
import { GL, GL_FORMATS, glFormat } from '../../src/renderers/webgl2/formats.ts';
import { guestToGl, readToGuest } from '../../src/renderers/webgl2/pixel-layout.ts';
import { vertexFormat } from '../../src/renderers/webgl2/vertex-formats.ts';

describe('WebGL2 formats', () => {
  it('has a WebGL2 form for every format the device offers, with its size', () => {
    expect([...VIRGL_FORMATS.keys()].filter((n) => !glFormat(n))).toEqual([]);
    expect(GL_FORMATS.length).toBe(VIRGL_FORMATS.size);
    for (const format of GL_FORMATS) expect(format.bytesPerTexel, VIRGL_FORMATS.get(format.virgl)!.name).toBe(VIRGL_FORMATS.get(format.virgl)!.bytesPerTexel);
  });

  it('reads back exactly the bytes of a texel for each readable format', () => {
    const sizes: Record<string, number> = { unorm8: 1, u8: 1, i8: 1, u16: 2, i16: 2, f16: 2, u32: 4, i32: 4, f32: 4 };
    for (const format of GL_FORMATS.filter((f) => f.channels.length > 0)) {
      expect(format.channels.reduce((n, [, encoding]) => n + sizes[encoding]!, 0), VIRGL_FORMATS.get(format.virgl)!.name).toBe(format.bytesPerTexel);
    }
  });

  it('stores luminance and alpha formats in R8 and RG8, which WebGL2 can allocate, read through a swizzle and read back', () => {
    const forms = [9, 10, 12].map((n) => glFormat(n)!);
    expect(forms.map((f) => [f.internalFormat, f.format, f.swizzle, f.read, f.channels.length, f.renderable])).toEqual([
      [GL.R8, GL.RED, 'rrr1', 'unorm8', 1, false],
      [GL.R8, GL.RED, '000r', 'unorm8', 1, false],
      [GL.RG8, GL.RG, 'rrrg', 'unorm8', 2, false],
    ]);
    expect([2, 134, 67, 1].map((n) => glFormat(n)!.swizzle)).toEqual(['rgb1', 'rgb1', 'rgba', 'rgba']);
  });

  it('turns BGRA and padded guest texels into the RGBA WebGL2 stores, in place', () => {
    const bgra = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    guestToGl(glFormat(1)!, bgra, 2);
    expect([...bgra]).toEqual([3, 2, 1, 4, 7, 6, 5, 8]);
    const bgrx = Uint8Array.of(1, 2, 3, 0);
    guestToGl(glFormat(2)!, bgrx, 1);
    expect([...bgrx]).toEqual([3, 2, 1, 255]);
    const z24 = new Uint8Array(Uint32Array.of(0xabffffff, 0x00000001, 0x00800000).buffer);
    guestToGl(glFormat(21)!, z24, 3);
    expect([...new Uint32Array(z24.buffer)]).toEqual([0xffffffff, 0x00000100, 0x80000080]);
  });

  it('packs read-back pixels into the guest layout: BGRA bytes, halves, integers', () => {
    const out = new DataView(new ArrayBuffer(16));
    readToGuest(glFormat(1)!, Uint8Array.of(10, 20, 30, 40), 1, out, 0);
    expect([...new Uint8Array(out.buffer, 0, 4)]).toEqual([30, 20, 10, 40]);
    readToGuest(glFormat(92)!, Float32Array.of(1, -2.5, 0, 0), 1, out, 0);
    expect([out.getUint16(0, true), out.getUint16(2, true)]).toEqual([0x3c00, 0xc100]);
    readToGuest(glFormat(94)!, Float32Array.of(65504, 1e-7, 70000, 0.333251953125), 1, out, 0);
    expect([0, 2, 4, 6].map((o) => out.getUint16(o, true))).toEqual([0x7bff, 0x0002, 0x7c00, 0x3555]);
    readToGuest(glFormat(190)!, Int32Array.of(-2, 300, 0, 0), 1, out, 0);
    expect([out.getInt16(0, true), out.getInt16(2, true)]).toEqual([-2, 300]);
  });

  it('fetches the vertex formats Mesa uses, BGRA ones swapped by the shader', () => {
    expect(vertexFormat(31)).toMatchObject({ size: 4, type: 0x1406, normalized: false, integer: null });
    expect(vertexFormat(67)).toMatchObject({ size: 4, type: 0x1401, normalized: true });
    expect(vertexFormat(1)).toMatchObject({ size: 4, bgra: true });
    expect(vertexFormat(196)).toMatchObject({ size: 4, integer: 'uint' });
    expect(vertexFormat(300)).toBeUndefined();
  });
});
