/** What the WebGL2 and WebGPU surfaces compute alike: where a quad goes and how texels become display colours. */
import { formatInfo } from '../protocol/formats.ts';

/**
 * Per-draw parameters, laid out as both shaders read them:
 * rect (clip-space left, top, right, bottom), a column-major 4x4 swizzle, a bias.
 * colour = swizzle * texel + bias.
 */
export const DRAW_PARAMS_FLOATS = 4 + 16 + 4;

const IDENTITY_SWIZZLE = [0, 1, 2, 3] as const;

/**
 * Fills `out` for a quad covering (x, y, width, height) pixels of a target of
 * targetWidth x targetHeight. `format` 0 means the texels are already RGBA
 * with meaningful alpha (the cursor); a scanout format maps its memory bytes
 * to RGB and shows alpha as opaque.
 */
export function drawParams(out: Float32Array<ArrayBuffer>, x: number, y: number, width: number, height: number, targetWidth: number, targetHeight: number, format: number): Float32Array<ArrayBuffer> {
  out[0] = (x / targetWidth) * 2 - 1;
  out[1] = 1 - (y / targetHeight) * 2;
  out[2] = ((x + width) / targetWidth) * 2 - 1;
  out[3] = 1 - ((y + height) / targetHeight) * 2;
  const swizzle = format === 0 ? IDENTITY_SWIZZLE : formatInfo(format)?.swizzle ?? IDENTITY_SWIZZLE;
  const opaque = format !== 0;
  out.fill(0, 4, DRAW_PARAMS_FLOATS);
  for (let channel = 0; channel < 4; channel++) {
    const from = swizzle[channel] as number;
    if (channel === 3 && opaque) continue;
    if (from >= 0) out[4 + from * 4 + channel] = 1;
  }
  out[DRAW_PARAMS_FLOATS - 1] = opaque ? 1 : 0;
  return out;
}

/** Reverses row order in place (GL reads bottom-up). */
export function flipRows(data: Uint8Array, width: number, height: number): void {
  const stride = width * 4;
  const row = new Uint8Array(stride);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    row.set(data.subarray(top * stride, top * stride + stride));
    data.copyWithin(top * stride, bottom * stride, bottom * stride + stride);
    data.set(row, bottom * stride);
  }
}

/** Sizes `canvas` to a scanout of width x height; false while the scanout is disabled (0 x 0), which keeps the old size. */
export function fitCanvas(canvas: OffscreenCanvas, width: number, height: number): boolean {
  if (width === 0 || height === 0) return false;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  return true;
}
