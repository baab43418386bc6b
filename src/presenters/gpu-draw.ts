/** What the WebGL2 and WebGPU surfaces compute alike: where a quad goes and how texels become display colours. */
import { Format, formatInfo } from '../protocol/formats.ts';

/** Per-draw parameters, as both vertex shaders read them: the quad in clip space (left, top, right, bottom). */
export const DRAW_PARAMS_FLOATS = 4;

/** Fills `out` for a quad covering (x, y, width, height) pixels of a target of targetWidth x targetHeight. */
export function drawParams(out: Float32Array<ArrayBuffer>, x: number, y: number, width: number, height: number, targetWidth: number, targetHeight: number): Float32Array<ArrayBuffer> {
  out[0] = (x / targetWidth) * 2 - 1;
  out[1] = 1 - (y / targetHeight) * 2;
  out[2] = ((x + width) / targetWidth) * 2 - 1;
  out[3] = 1 - ((y + height) / targetHeight) * 2;
  return out;
}

/** The format a picture's texels are drawn with: RGB as they are, alpha not shown. */
export const PICTURE_TEXELS = Format.R8G8B8X8_UNORM;

const COMPONENTS = ['t.x', 't.y', 't.z', 't.w'] as const;

/** The format the cursor is drawn with: texels already RGBA, with an alpha that blends it over the frame. */
export const CURSOR_TEXELS = 0;

/**
 * The shader expression that turns texel `t` into a display colour, written
 * into the shader rather than passed as a matrix: a software rasteriser
 * (SwiftShader) pays for a per-pixel matrix product, a register swizzle is free.
 * A scanout format maps its memory bytes to RGB and shows alpha as opaque;
 * CURSOR_TEXELS keeps the texel. `vec4` is the language's constructor (GLSL vec4, WGSL vec4f).
 */
export function colourOf(format: number, vec4: 'vec4' | 'vec4f'): string {
  if (format === CURSOR_TEXELS) return 't';
  const swizzle = formatInfo(format)?.swizzle ?? [0, 1, 2, 3];
  const channels = [0, 1, 2].map((channel) => COMPONENTS[swizzle[channel] as number] ?? '0.0');
  return `${vec4}(${channels.join(', ')}, 1.0)`;
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
