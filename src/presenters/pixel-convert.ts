/** CPU conversion of virtio-gpu pixels to RGBA8, for the memory and canvas 2D presenters and cursor images. */
import { formatInfo } from '../protocol/formats.ts';

export interface PixelRegion {
  format: number;
  pixels: Uint8Array;
  stride: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function words(bytes: Uint8Array | Uint8ClampedArray): Uint32Array | null {
  return LITTLE_ENDIAN && bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2) : null;
}

/**
 * Converts `src` into `dst` (RGBA8, `dstStride` bytes a row) at (dstX, dstY).
 * `opaque` forces alpha to 255, as a display shows it.
 */
export function convertToRgba(src: PixelRegion, dst: Uint8Array | Uint8ClampedArray, dstStride: number, dstX: number, dstY: number, opaque: boolean): void {
  const info = formatInfo(src.format);
  if (!info) throw new RangeError(`unknown pixel format ${src.format}`);
  const from = words(src.pixels);
  const to = words(dst);
  if (from && to && src.stride % 4 === 0 && dstStride % 4 === 0) {
    convertWords(src, from, to, dstStride >> 2, dstX, dstY, info.swizzle, opaque);
    return;
  }
  const [r, g, b, a] = info.swizzle;
  const constantAlpha = opaque || a < 0;
  const { pixels, stride, width, height } = src;
  for (let row = 0; row < height; row++) {
    let s = (src.y + row) * stride + src.x * 4;
    let d = (dstY + row) * dstStride + dstX * 4;
    const end = s + width * 4;
    for (; s < end; s += 4, d += 4) {
      dst[d] = pixels[s + r] as number;
      dst[d + 1] = pixels[s + g] as number;
      dst[d + 2] = pixels[s + b] as number;
      dst[d + 3] = constantAlpha ? 255 : (pixels[s + a] as number);
    }
  }
}

/** The same conversion a 32-bit pixel at a time (little-endian hosts): one load and one store per pixel. */
function convertWords(src: PixelRegion, from: Uint32Array, to: Uint32Array, dstPitch: number, dstX: number, dstY: number, swizzle: readonly number[], opaque: boolean): void {
  const [r, g, b, a] = swizzle as [number, number, number, number];
  const sr = r * 8, sg = g * 8, sb = b * 8, sa = a * 8;
  const keepAlpha = !opaque && a >= 0;
  const pitch = src.stride >> 2;
  for (let row = 0; row < src.height; row++) {
    let s = (src.y + row) * pitch + src.x;
    let d = (dstY + row) * dstPitch + dstX;
    const end = s + src.width;
    if (keepAlpha) {
      for (; s < end; s++, d++) {
        const v = from[s] as number;
        to[d] = ((v >>> sr) & 0xff) | (((v >>> sg) & 0xff) << 8) | (((v >>> sb) & 0xff) << 16) | (((v >>> sa) & 0xff) << 24);
      }
    } else if (sr === 16 && sg === 8 && sb === 0) {
      // B, G, R in memory (Linux's XRGB8888, what scanouts nearly always hold): swap red and blue, a third fewer operations.
      for (; s < end; s++, d++) {
        const v = from[s] as number;
        to[d] = (v & 0xff00) | ((v >>> 16) & 0xff) | ((v & 0xff) << 16) | 0xff000000;
      }
    } else {
      for (; s < end; s++, d++) {
        const v = from[s] as number;
        to[d] = ((v >>> sr) & 0xff) | (((v >>> sg) & 0xff) << 8) | (((v >>> sb) & 0xff) << 16) | 0xff000000;
      }
    }
  }
}

/** Blends a straight-alpha RGBA image over an opaque RGBA frame, clipped to the frame. */
export function blendOver(frame: Uint8Array | Uint8ClampedArray, frameWidth: number, frameHeight: number, image: Uint8Array, imageWidth: number, imageHeight: number, left: number, top: number): void {
  const x0 = Math.max(0, left), y0 = Math.max(0, top);
  const x1 = Math.min(frameWidth, left + imageWidth), y1 = Math.min(frameHeight, top + imageHeight);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const s = ((y - top) * imageWidth + (x - left)) * 4;
      const d = (y * frameWidth + x) * 4;
      const alpha = image[s + 3] as number;
      if (alpha === 0) continue;
      for (let c = 0; c < 3; c++) {
        frame[d + c] = Math.round(((image[s + c] as number) * alpha + (frame[d + c] as number) * (255 - alpha)) / 255);
      }
    }
  }
}
