/**
 * How each virgl format the device offers lives in WebGL2: the texture's
 * internal format, the format/type pair that uploads the guest's bytes, and
 * how the guest's byte layout differs from WebGL2's where it does (BGRA and
 * padded formats are stored as RGBA, so textures always hold the colours the
 * guest means and only transfers convert; luminance and alpha formats are
 * stored as red and green, and read through a swizzle).
 */
import { VIRGL_FORMATS } from '../../protocol/virgl-formats.ts';

/** WebGL2's enums (fixed by the OpenGL ES 3.0 specification), so the table is plain data and testable without a context. */
export const GL = {
  BYTE: 0x1400,
  UNSIGNED_BYTE: 0x1401,
  SHORT: 0x1402,
  UNSIGNED_SHORT: 0x1403,
  INT: 0x1404,
  UNSIGNED_INT: 0x1405,
  FLOAT: 0x1406,
  HALF_FLOAT: 0x140b,
  UNSIGNED_SHORT_5_6_5: 0x8363,
  UNSIGNED_INT_2_10_10_10_REV: 0x8368,
  UNSIGNED_INT_10F_11F_11F_REV: 0x8c3b,
  UNSIGNED_INT_5_9_9_9_REV: 0x8c3e,
  UNSIGNED_INT_24_8: 0x84fa,
  FLOAT_32_UNSIGNED_INT_24_8_REV: 0x8dad,
  DEPTH_COMPONENT: 0x1902,
  RED: 0x1903,
  RGB: 0x1907,
  RGBA: 0x1908,
  RG: 0x8227,
  RED_INTEGER: 0x8d94,
  RG_INTEGER: 0x8228,
  RGB_INTEGER: 0x8d98,
  RGBA_INTEGER: 0x8d99,
  DEPTH_STENCIL: 0x84f9,
  R8: 0x8229,
  RG8: 0x822b,
  RGBA8: 0x8058,
  RGB565: 0x8d62,
  RGB10_A2: 0x8059,
  RGB10_A2UI: 0x906f,
  R8_SNORM: 0x8f94,
  RG8_SNORM: 0x8f95,
  RGBA8_SNORM: 0x8f97,
  R16F: 0x822d,
  RG16F: 0x822f,
  RGBA16F: 0x881a,
  R32F: 0x822e,
  RG32F: 0x8230,
  RGB32F: 0x8815,
  RGBA32F: 0x8814,
  SRGB8_ALPHA8: 0x8c43,
  R11F_G11F_B10F: 0x8c3a,
  RGB9_E5: 0x8c3d,
  R8UI: 0x8232,
  RG8UI: 0x8238,
  RGBA8UI: 0x8d7c,
  R8I: 0x8231,
  RG8I: 0x8237,
  RGBA8I: 0x8d8e,
  R16UI: 0x8234,
  RG16UI: 0x823a,
  RGBA16UI: 0x8d76,
  R16I: 0x8233,
  RG16I: 0x8239,
  RGBA16I: 0x8d88,
  R32UI: 0x8236,
  RG32UI: 0x823c,
  RGB32UI: 0x8d71,
  RGBA32UI: 0x8d70,
  R32I: 0x8235,
  RG32I: 0x823b,
  RGB32I: 0x8d83,
  RGBA32I: 0x8d82,
  DEPTH_COMPONENT16: 0x81a5,
  DEPTH_COMPONENT24: 0x81a6,
  DEPTH_COMPONENT32F: 0x8cac,
  DEPTH24_STENCIL8: 0x88f0,
  DEPTH32F_STENCIL8: 0x8cad,
} as const;

/**
 * How the guest's bytes differ from what WebGL2 stores.
 * `swap-rb`: B and R change places (BGRA as RGBA); `opaque`: the X byte is
 * padding, so alpha reads as 1; `z24x8`: a 24-bit depth in the low bits of a
 * dword, where WebGL2's UNSIGNED_INT depth is the whole dword.
 */
export type Layout = 'native' | 'swap-rb' | 'swap-rb-opaque' | 'opaque' | 'z24x8';

/** What `readPixels` returns for a colour format: WebGL2 reads normalized formats as RGBA bytes, integer ones as 32-bit integers, float ones as floats. */
export type ReadKind = 'unorm8' | 'float' | 'uint' | 'int' | 'none';

/** How one channel of a pixel is stored in the guest's bytes, for packing what `readPixels` gave. */
export type ChannelEncoding = 'unorm8' | 'f16' | 'f32' | 'u8' | 'u16' | 'u32' | 'i8' | 'i16' | 'i32';

export interface GlFormat {
  readonly virgl: number;
  readonly internalFormat: number;
  /** The format/type pair texSubImage takes for the bytes after `layout` is undone. */
  readonly format: number;
  readonly type: number;
  readonly bytesPerTexel: number;
  readonly layout: Layout;
  readonly read: ReadKind;
  /** For each byte channel of the guest's pixel, which RGBA channel of the read pixel it holds and how; empty for packed formats, which are not read back. */
  readonly channels: readonly (readonly [source: 0 | 1 | 2 | 3, encoding: ChannelEncoding])[];
  readonly depth: boolean;
  readonly stencil: boolean;
  /** A colour attachment in WebGL2 (float ones need EXT_color_buffer_float). */
  readonly renderable: boolean;
  /** Filterable when sampled (integer and 32-bit float textures are not, in WebGL2). */
  readonly filterable: boolean;
  /**
   * Which stored channel each of the format's r, g, b and a is, as letters of `rgba01`: `rgba`
   * unless the format is stored as another (luminance and alpha ones as R8 and RG8, which WebGL2
   * can allocate) or pads its alpha. Samplers apply it, composed with the view's swizzle.
   */
  readonly swizzle: string;
}

type Row = [virgl: number, internal: number, format: number, type: number, layout: Layout, read: ReadKind, channels: string];

const RGBA = 'rgba';
/** Channels as letters in the guest's byte order; the encoding comes from the read kind and the type. */
const COLOUR: Row[] = [
  [1, GL.RGBA8, GL.RGBA, GL.UNSIGNED_BYTE, 'swap-rb', 'unorm8', 'bgra'],
  [2, GL.RGBA8, GL.RGBA, GL.UNSIGNED_BYTE, 'swap-rb-opaque', 'unorm8', 'bgr-'],
  [7, GL.RGB565, GL.RGB, GL.UNSIGNED_SHORT_5_6_5, 'native', 'none', ''],
  [8, GL.RGB10_A2, GL.RGBA, GL.UNSIGNED_INT_2_10_10_10_REV, 'native', 'none', ''],
  [9, GL.R8, GL.RED, GL.UNSIGNED_BYTE, 'native', 'unorm8', 'r'],
  [10, GL.R8, GL.RED, GL.UNSIGNED_BYTE, 'native', 'unorm8', 'r'],
  [12, GL.RG8, GL.RG, GL.UNSIGNED_BYTE, 'native', 'unorm8', 'rg'],
  [28, GL.R32F, GL.RED, GL.FLOAT, 'native', 'float', 'r'],
  [29, GL.RG32F, GL.RG, GL.FLOAT, 'native', 'float', 'rg'],
  [30, GL.RGB32F, GL.RGB, GL.FLOAT, 'native', 'none', ''],
  [31, GL.RGBA32F, GL.RGBA, GL.FLOAT, 'native', 'float', RGBA],
  [64, GL.R8, GL.RED, GL.UNSIGNED_BYTE, 'native', 'unorm8', 'r'],
  [65, GL.RG8, GL.RG, GL.UNSIGNED_BYTE, 'native', 'unorm8', 'rg'],
  [67, GL.RGBA8, GL.RGBA, GL.UNSIGNED_BYTE, 'native', 'unorm8', RGBA],
  [74, GL.R8_SNORM, GL.RED, GL.BYTE, 'native', 'none', ''],
  [75, GL.RG8_SNORM, GL.RG, GL.BYTE, 'native', 'none', ''],
  [77, GL.RGBA8_SNORM, GL.RGBA, GL.BYTE, 'native', 'none', ''],
  [91, GL.R16F, GL.RED, GL.HALF_FLOAT, 'native', 'float', 'r'],
  [92, GL.RG16F, GL.RG, GL.HALF_FLOAT, 'native', 'float', 'rg'],
  [94, GL.RGBA16F, GL.RGBA, GL.HALF_FLOAT, 'native', 'float', RGBA],
  [100, GL.SRGB8_ALPHA8, GL.RGBA, GL.UNSIGNED_BYTE, 'swap-rb', 'unorm8', 'bgra'],
  [104, GL.SRGB8_ALPHA8, GL.RGBA, GL.UNSIGNED_BYTE, 'native', 'unorm8', RGBA],
  [124, GL.R11F_G11F_B10F, GL.RGB, GL.UNSIGNED_INT_10F_11F_11F_REV, 'native', 'none', ''],
  [125, GL.RGB9_E5, GL.RGB, GL.UNSIGNED_INT_5_9_9_9_REV, 'native', 'none', ''],
  [134, GL.RGBA8, GL.RGBA, GL.UNSIGNED_BYTE, 'opaque', 'unorm8', 'rgb-'],
  [177, GL.R8UI, GL.RED_INTEGER, GL.UNSIGNED_BYTE, 'native', 'uint', 'r'],
  [178, GL.RG8UI, GL.RG_INTEGER, GL.UNSIGNED_BYTE, 'native', 'uint', 'rg'],
  [180, GL.RGBA8UI, GL.RGBA_INTEGER, GL.UNSIGNED_BYTE, 'native', 'uint', RGBA],
  [181, GL.R8I, GL.RED_INTEGER, GL.BYTE, 'native', 'int', 'r'],
  [182, GL.RG8I, GL.RG_INTEGER, GL.BYTE, 'native', 'int', 'rg'],
  [184, GL.RGBA8I, GL.RGBA_INTEGER, GL.BYTE, 'native', 'int', RGBA],
  [185, GL.R16UI, GL.RED_INTEGER, GL.UNSIGNED_SHORT, 'native', 'uint', 'r'],
  [186, GL.RG16UI, GL.RG_INTEGER, GL.UNSIGNED_SHORT, 'native', 'uint', 'rg'],
  [188, GL.RGBA16UI, GL.RGBA_INTEGER, GL.UNSIGNED_SHORT, 'native', 'uint', RGBA],
  [189, GL.R16I, GL.RED_INTEGER, GL.SHORT, 'native', 'int', 'r'],
  [190, GL.RG16I, GL.RG_INTEGER, GL.SHORT, 'native', 'int', 'rg'],
  [192, GL.RGBA16I, GL.RGBA_INTEGER, GL.SHORT, 'native', 'int', RGBA],
  [193, GL.R32UI, GL.RED_INTEGER, GL.UNSIGNED_INT, 'native', 'uint', 'r'],
  [194, GL.RG32UI, GL.RG_INTEGER, GL.UNSIGNED_INT, 'native', 'uint', 'rg'],
  [195, GL.RGB32UI, GL.RGB_INTEGER, GL.UNSIGNED_INT, 'native', 'none', ''],
  [196, GL.RGBA32UI, GL.RGBA_INTEGER, GL.UNSIGNED_INT, 'native', 'uint', RGBA],
  [197, GL.R32I, GL.RED_INTEGER, GL.INT, 'native', 'int', 'r'],
  [198, GL.RG32I, GL.RG_INTEGER, GL.INT, 'native', 'int', 'rg'],
  [199, GL.RGB32I, GL.RGB_INTEGER, GL.INT, 'native', 'none', ''],
  [200, GL.RGBA32I, GL.RGBA_INTEGER, GL.INT, 'native', 'int', RGBA],
  [253, GL.RGB10_A2UI, GL.RGBA_INTEGER, GL.UNSIGNED_INT_2_10_10_10_REV, 'native', 'none', ''],
];

const DEPTH: [virgl: number, internal: number, format: number, type: number, layout: Layout, stencil: boolean][] = [
  [16, GL.DEPTH_COMPONENT16, GL.DEPTH_COMPONENT, GL.UNSIGNED_SHORT, 'native', false],
  [18, GL.DEPTH_COMPONENT32F, GL.DEPTH_COMPONENT, GL.FLOAT, 'native', false],
  [20, GL.DEPTH24_STENCIL8, GL.DEPTH_STENCIL, GL.UNSIGNED_INT_24_8, 'native', true],
  [21, GL.DEPTH_COMPONENT24, GL.DEPTH_COMPONENT, GL.UNSIGNED_INT, 'z24x8', false],
  [126, GL.DEPTH32F_STENCIL8, GL.DEPTH_STENCIL, GL.FLOAT_32_UNSIGNED_INT_24_8_REV, 'native', true],
];

const CHANNEL_OF = { r: 0, g: 1, b: 2, a: 3 } as const;
const BYTES_OF: Record<number, 1 | 2 | 4> = { [GL.UNSIGNED_BYTE]: 1, [GL.BYTE]: 1, [GL.UNSIGNED_SHORT]: 2, [GL.SHORT]: 2, [GL.HALF_FLOAT]: 2, [GL.UNSIGNED_INT]: 4, [GL.INT]: 4, [GL.FLOAT]: 4 };

function encodingOf(read: ReadKind, type: number): ChannelEncoding {
  const bytes = BYTES_OF[type] ?? 4;
  switch (read) {
    case 'unorm8':
    case 'none':
      return 'unorm8';
    case 'float':
      return bytes === 2 ? 'f16' : 'f32';
    case 'uint':
      return bytes === 1 ? 'u8' : bytes === 2 ? 'u16' : 'u32';
    case 'int':
      return bytes === 1 ? 'i8' : bytes === 2 ? 'i16' : 'i32';
  }
}

const FILTERABLE_FLOAT = new Set<number>([GL.R16F, GL.RG16F, GL.RGBA16F, GL.R11F_G11F_B10F, GL.RGB9_E5]);
/** Colour formats WebGL2 cannot draw into. */
const NOT_RENDERABLE = new Set<number>([GL.RGB32F, GL.R8_SNORM, GL.RG8_SNORM, GL.RGBA8_SNORM, GL.RGB9_E5, GL.RGB32UI, GL.RGB32I]);
/**
 * L8, A8 and L8A8: texStorage takes no unsized LUMINANCE or ALPHA, so they are stored in R8 and
 * RG8 and sampled through a swizzle. They are not drawn into: a fragment's r would land where the
 * format keeps no red.
 */
const STORED_SWIZZLED: Readonly<Record<number, string>> = { 9: 'rrr1', 10: '000r', 12: 'rrrg' };
const PADDED: ReadonlySet<Layout> = new Set(['swap-rb-opaque', 'opaque']);

function colour([virgl, internalFormat, format, type, layout, read, letters]: Row): GlFormat {
  const integer = read === 'uint' || read === 'int';
  const float = type === GL.FLOAT || type === GL.HALF_FLOAT || FILTERABLE_FLOAT.has(internalFormat);
  return {
    virgl,
    internalFormat,
    format,
    type,
    bytesPerTexel: VIRGL_FORMATS.get(virgl)!.bytesPerTexel,
    layout,
    read,
    channels: [...letters].map((letter) => [letter === '-' ? 3 : CHANNEL_OF[letter as keyof typeof CHANNEL_OF], encodingOf(read, type)] as const),
    depth: false,
    stencil: false,
    renderable: !NOT_RENDERABLE.has(internalFormat) && STORED_SWIZZLED[virgl] === undefined,
    filterable: !integer && (!float || FILTERABLE_FLOAT.has(internalFormat)),
    swizzle: STORED_SWIZZLED[virgl] ?? (PADDED.has(layout) ? 'rgb1' : RGBA),
  };
}

function depth([virgl, internalFormat, format, type, layout, stencil]: (typeof DEPTH)[number]): GlFormat {
  return { virgl, internalFormat, format, type, bytesPerTexel: VIRGL_FORMATS.get(virgl)!.bytesPerTexel, layout, read: 'none', channels: [], depth: true, stencil, renderable: true, filterable: false, swizzle: RGBA };
}

const TABLE: ReadonlyMap<number, GlFormat> = new Map([...COLOUR.map(colour), ...DEPTH.map(depth)].map((f) => [f.virgl, f]));

/** The WebGL2 form of a virgl format the device offers; undefined for any other number. */
export function glFormat(virgl: number): GlFormat | undefined {
  return TABLE.get(virgl);
}

/** Every offered format, for tests that each has a WebGL2 form. */
export const GL_FORMATS: readonly GlFormat[] = [...TABLE.values()];

/** Depth stored as normalized integers (16 or 24 bits), not as a float. */
export function isFixedPointDepth(format: GlFormat): boolean {
  return format.depth && format.type !== GL.FLOAT && format.type !== GL.FLOAT_32_UNSIGNED_INT_24_8_REV;
}
