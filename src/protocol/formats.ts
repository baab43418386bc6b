/**
 * The eight 2D pixel formats of virtio-gpu. Names list the channels in memory
 * byte order (B8G8R8X8 is bytes B, G, R, X: Linux's XRGB8888 on a
 * little-endian guest).
 */

export const Format = {
  B8G8R8A8_UNORM: 1,
  B8G8R8X8_UNORM: 2,
  A8R8G8B8_UNORM: 3,
  X8R8G8B8_UNORM: 4,
  R8G8B8A8_UNORM: 67,
  X8B8G8R8_UNORM: 68,
  A8B8G8R8_UNORM: 121,
  R8G8B8X8_UNORM: 134,
} as const;
export type Format = (typeof Format)[keyof typeof Format];

export interface FormatInfo {
  readonly name: keyof typeof Format;
  readonly bytesPerPixel: 4;
  /** Memory byte index of red, green, blue and alpha; alpha -1 means the format has no alpha (X). */
  readonly swizzle: readonly [r: number, g: number, b: number, a: number];
}

function info(name: keyof typeof Format, order: string): FormatInfo {
  const at = (c: string): number => order.indexOf(c);
  return { name, bytesPerPixel: 4, swizzle: [at('R'), at('G'), at('B'), at('A')] };
}

const FORMATS: ReadonlyMap<number, FormatInfo> = new Map<number, FormatInfo>(
  (Object.keys(Format) as (keyof typeof Format)[]).map((name) => [Format[name], info(name, name.replace(/8|_UNORM/g, ''))]),
);

export function formatInfo(format: number): FormatInfo | undefined {
  return FORMATS.get(format);
}

export function isFormat(format: number): format is Format {
  return FORMATS.has(format);
}
