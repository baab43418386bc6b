/** Converts texels between the guest's byte layout and what WebGL2 stores and reads back, in place or row by row, allocating nothing. */
import type { ChannelEncoding, GlFormat } from './formats.ts';

/** Undoes `format.layout` on guest texels in place, so texSubImage can take them as `format.format`/`format.type`. */
export function guestToGl(format: GlFormat, texels: Uint8Array, count: number): void {
  switch (format.layout) {
    case 'native':
      return;
    case 'swap-rb':
    case 'swap-rb-opaque': {
      const opaque = format.layout === 'swap-rb-opaque';
      for (let i = 0, end = count * 4; i < end; i += 4) {
        const b = texels[i]!;
        texels[i] = texels[i + 2]!;
        texels[i + 2] = b;
        if (opaque) texels[i + 3] = 255;
      }
      return;
    }
    case 'opaque':
      for (let i = 3, end = count * 4; i < end; i += 4) texels[i] = 255;
      return;
    case 'z24x8': {
      // The top byte repeated below widens 24-bit unorm to 32-bit exactly at both ends (0xffffff is 1.0, not 1 - 2^-24), as OpenGL's conversion rounds.
      const words = new Uint32Array(texels.buffer, texels.byteOffset, count);
      for (let i = 0; i < count; i++) {
        const depth = words[i]! & 0xffffff;
        words[i] = ((depth << 8) | (depth >>> 16)) >>> 0;
      }
      return;
    }
  }
}

const half = new Float32Array(1);
const halfBits = new Uint32Array(half.buffer);

/** `value >>> shift`, rounded to nearest even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  return kept + (rest > halfway || (rest === halfway && kept & 1) ? 1 : 0);
}

/** IEEE half precision of a float, rounded to nearest even as GL converts; a carry out of the mantissa lands in the exponent, as it should. */
function toHalf(value: number): number {
  half[0] = value;
  const bits = halfBits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const rebiased = exponent - 112;
  if (rebiased >= 31) return sign | 0x7c00;
  if (rebiased > 0) return sign | roundShift((rebiased << 23) | mantissa, 13);
  if (rebiased < -10) return sign;
  return sign | roundShift(mantissa | 0x800000, 14 - rebiased);
}

/**
 * Packs `count` pixels that readPixels gave (RGBA: bytes for `unorm8`, else
 * 32-bit floats or integers, as `read` says) into the guest's layout of
 * `format`, at `out[at...]`. Formats without `channels` are not packed.
 */
export function readToGuest(format: GlFormat, read: Uint8Array | Float32Array | Uint32Array | Int32Array, count: number, out: DataView, at: number): void {
  const channels = format.channels;
  let o = at;
  for (let p = 0; p < count; p++) {
    const base = p * 4;
    for (let c = 0; c < channels.length; c++) {
      const [source, encoding] = channels[c]!;
      o += writeChannel(out, o, encoding, read[base + source]!);
    }
  }
}

function writeChannel(out: DataView, at: number, encoding: ChannelEncoding, value: number): number {
  switch (encoding) {
    case 'unorm8':
    case 'u8':
    case 'i8':
      out.setUint8(at, value & 0xff);
      return 1;
    case 'u16':
    case 'i16':
      out.setUint16(at, value & 0xffff, true);
      return 2;
    case 'f16':
      out.setUint16(at, toHalf(value), true);
      return 2;
    case 'u32':
    case 'i32':
      out.setUint32(at, value >>> 0, true);
      return 4;
    case 'f32':
      out.setFloat32(at, value, true);
      return 4;
  }
}
