/**
 * The virgl formats the device offers to a 3D guest (numbers from the virgl
 * protocol's format enum) and the bytes one texel of each takes. Every one is
 * something WebGL2 (OpenGL ES 3.0) can sample; `renderable` ones it can also
 * draw into, the float ones with EXT_color_buffer_float (which every WebGL2
 * implementation we target has, SwiftShader included; the capsets follow the
 * context): Mesa offers a guest OpenGL ES 3.0 only when float and
 * packed-float images are renderable. Formats outside this table are refused
 * at resource creation.
 */
export interface VirglFormatInfo {
  readonly name: string;
  readonly bytesPerTexel: number;
  /** A colour attachment in WebGL2 (those with `floatColorBuffer`: when it has EXT_color_buffer_float). */
  readonly renderable: boolean;
  /** Drawn into only with EXT_color_buffer_float: the 16- and 32-bit float formats and R11G11B10_FLOAT. */
  readonly floatColorBuffer: boolean;
  readonly depth: boolean;
}

const COLOUR: [number, string, number, boolean][] = [
  [1, 'B8G8R8A8_UNORM', 4, true],
  [2, 'B8G8R8X8_UNORM', 4, true],
  [7, 'B5G6R5_UNORM', 2, true],
  [8, 'R10G10B10A2_UNORM', 4, true],
  [9, 'L8_UNORM', 1, false],
  [10, 'A8_UNORM', 1, false],
  [12, 'L8A8_UNORM', 2, false],
  [28, 'R32_FLOAT', 4, true],
  [29, 'R32G32_FLOAT', 8, true],
  [30, 'R32G32B32_FLOAT', 12, false],
  [31, 'R32G32B32A32_FLOAT', 16, true],
  [64, 'R8_UNORM', 1, true],
  [65, 'R8G8_UNORM', 2, true],
  [67, 'R8G8B8A8_UNORM', 4, true],
  [74, 'R8_SNORM', 1, false],
  [75, 'R8G8_SNORM', 2, false],
  [77, 'R8G8B8A8_SNORM', 4, false],
  [91, 'R16_FLOAT', 2, true],
  [92, 'R16G16_FLOAT', 4, true],
  [94, 'R16G16B16A16_FLOAT', 8, true],
  [100, 'B8G8R8A8_SRGB', 4, true],
  [104, 'R8G8B8A8_SRGB', 4, true],
  [124, 'R11G11B10_FLOAT', 4, true],
  [125, 'R9G9B9E5_FLOAT', 4, false],
  [134, 'R8G8B8X8_UNORM', 4, true],
  [177, 'R8_UINT', 1, true],
  [178, 'R8G8_UINT', 2, true],
  [180, 'R8G8B8A8_UINT', 4, true],
  [181, 'R8_SINT', 1, true],
  [182, 'R8G8_SINT', 2, true],
  [184, 'R8G8B8A8_SINT', 4, true],
  [185, 'R16_UINT', 2, true],
  [186, 'R16G16_UINT', 4, true],
  [188, 'R16G16B16A16_UINT', 8, true],
  [189, 'R16_SINT', 2, true],
  [190, 'R16G16_SINT', 4, true],
  [192, 'R16G16B16A16_SINT', 8, true],
  [193, 'R32_UINT', 4, true],
  [194, 'R32G32_UINT', 8, true],
  [195, 'R32G32B32_UINT', 12, false],
  [196, 'R32G32B32A32_UINT', 16, true],
  [197, 'R32_SINT', 4, true],
  [198, 'R32G32_SINT', 8, true],
  [199, 'R32G32B32_SINT', 12, false],
  [200, 'R32G32B32A32_SINT', 16, true],
  [253, 'R10G10B10A2_UINT', 4, true],
];

const DEPTH: [number, string, number][] = [
  [16, 'Z16_UNORM', 2],
  [18, 'Z32_FLOAT', 4],
  [20, 'S8_UINT_Z24_UNORM', 4],
  [21, 'Z24X8_UNORM', 4],
  [126, 'Z32_FLOAT_S8X24_UINT', 8],
];

/** R32_FLOAT, R32G32_FLOAT, R32G32B32A32_FLOAT, R16_FLOAT, R16G16_FLOAT, R16G16B16A16_FLOAT, R11G11B10_FLOAT. */
const FLOAT_COLOR_BUFFERS: ReadonlySet<number> = new Set([28, 29, 31, 91, 92, 94, 124]);

export const VIRGL_FORMATS: ReadonlyMap<number, VirglFormatInfo> = new Map<number, VirglFormatInfo>([
  ...COLOUR.map(([n, name, bytesPerTexel, renderable]): [number, VirglFormatInfo] => [n, { name, bytesPerTexel, renderable, floatColorBuffer: FLOAT_COLOR_BUFFERS.has(n), depth: false }]),
  ...DEPTH.map(([n, name, bytesPerTexel]): [number, VirglFormatInfo] => [n, { name, bytesPerTexel, renderable: false, floatColorBuffer: false, depth: true }]),
]);

/** The formats a scanout can show (the four 32-bit RGB layouts virtio-gpu's 2D formats share). */
export const VIRGL_SCANOUT_FORMATS: readonly number[] = [1, 2, 67, 134];

/** RESOURCE_CREATE_3D's `flags` bit for an image whose row 0 is its top row, as QEMU and crosvm mark every 2D resource. */
export const VIRGL_RESOURCE_Y_0_TOP = 1 << 0;

/** RESOURCE_CREATE_3D's `bind` bit for images drawn into. */
export const VIRGL_BIND_RENDER_TARGET = 1 << 1;

/** Gallium texture targets, as RESOURCE_CREATE_3D's `target`. */
export const VirglTarget = {
  BUFFER: 0,
  TEXTURE_1D: 1,
  TEXTURE_2D: 2,
  TEXTURE_3D: 3,
  TEXTURE_CUBE: 4,
  TEXTURE_RECT: 5,
  TEXTURE_1D_ARRAY: 6,
  TEXTURE_2D_ARRAY: 7,
  TEXTURE_CUBE_ARRAY: 8,
} as const;
