/** The virgl command stream's wire facts (Mesa's virgl_protocol.h, virgl_hw.h and the gallium enums it carries): numbers, field offsets, bit layouts, enum ranges, protocol limits. */

/** Command numbers: the low byte of a command's header dword. */
export const Command = {
  NOP: 0,
  CREATE_OBJECT: 1,
  BIND_OBJECT: 2,
  DESTROY_OBJECT: 3,
  SET_VIEWPORT_STATE: 4,
  SET_FRAMEBUFFER_STATE: 5,
  SET_VERTEX_BUFFERS: 6,
  CLEAR: 7,
  DRAW_VBO: 8,
  RESOURCE_INLINE_WRITE: 9,
  SET_SAMPLER_VIEWS: 10,
  SET_INDEX_BUFFER: 11,
  SET_CONSTANT_BUFFER: 12,
  SET_STENCIL_REF: 13,
  SET_BLEND_COLOR: 14,
  SET_SCISSOR_STATE: 15,
  BLIT: 16,
  RESOURCE_COPY_REGION: 17,
  BIND_SAMPLER_STATES: 18,
  BEGIN_QUERY: 19,
  END_QUERY: 20,
  GET_QUERY_RESULT: 21,
  SET_POLYGON_STIPPLE: 22,
  SET_CLIP_STATE: 23,
  SET_SAMPLE_MASK: 24,
  SET_STREAMOUT_TARGETS: 25,
  SET_RENDER_CONDITION: 26,
  SET_UNIFORM_BUFFER: 27,
  SET_SUB_CTX: 28,
  CREATE_SUB_CTX: 29,
  DESTROY_SUB_CTX: 30,
  BIND_SHADER: 31,
  SET_TESS_STATE: 32,
  SET_MIN_SAMPLES: 33,
  SET_SHADER_BUFFERS: 34,
  SET_SHADER_IMAGES: 35,
  MEMORY_BARRIER: 36,
  LAUNCH_GRID: 37,
  SET_FRAMEBUFFER_STATE_NO_ATTACH: 38,
  TEXTURE_BARRIER: 39,
  SET_ATOMIC_BUFFERS: 40,
  SET_DEBUG_FLAGS: 41,
  GET_QUERY_RESULT_QBO: 42,
  TRANSFER3D: 43,
  END_TRANSFERS: 44,
  COPY_TRANSFER3D: 45,
  SET_TWEAKS: 46,
  CLEAR_TEXTURE: 47,
  PIPE_RESOURCE_CREATE: 48,
  PIPE_RESOURCE_SET_TYPE: 49,
  GET_MEMORY_INFO: 50,
  EMIT_STRING_MARKER: 51,
  LINK_SHADER: 52,
  CREATE_VIDEO_CODEC: 53,
  DESTROY_VIDEO_CODEC: 54,
  CREATE_VIDEO_BUFFER: 55,
  DESTROY_VIDEO_BUFFER: 56,
  BEGIN_FRAME: 57,
  DECODE_MACROBLOCK: 58,
  DECODE_BITSTREAM: 59,
  ENCODE_BITSTREAM: 60,
  END_FRAME: 61,
  CLEAR_SURFACE: 62,
  GET_PIPE_RESOURCE_LAYOUT: 63,
} as const;
export type Command = (typeof Command)[keyof typeof Command];
export const COMMAND_COUNT = 64;

export const ObjectType = {
  NULL: 0,
  BLEND: 1,
  RASTERIZER: 2,
  DSA: 3,
  SHADER: 4,
  VERTEX_ELEMENTS: 5,
  SAMPLER_VIEW: 6,
  SAMPLER_STATE: 7,
  SURFACE: 8,
  QUERY: 9,
  STREAMOUT_TARGET: 10,
  MSAA_SURFACE: 11,
} as const;
export type ObjectType = (typeof ObjectType)[keyof typeof ObjectType];
export const OBJECT_TYPE_COUNT = 12;

function namesOf(table: Readonly<Record<string, number>>, count: number): readonly string[] {
  const names = Array.from({ length: count }, (_, n) => `#${n}`);
  for (const [name, n] of Object.entries(table)) names[n] = name;
  return names;
}

export const COMMAND_NAMES = namesOf(Command, COMMAND_COUNT);
export const OBJECT_TYPE_NAMES = namesOf(ObjectType, OBJECT_TYPE_COUNT);

/** The header dword: command, object type (object commands only), and the length in dwords that follow it. */
export const Header = {
  command: (header: number): number => header & 0xff,
  objectType: (header: number): number => (header >>> 8) & 0xff,
  length: (header: number): number => header >>> 16,
  encode: (command: number, objectType: number, length: number): number => (command | (objectType << 8) | (length << 16)) >>> 0,
} as const;
export const MAX_COMMAND_DWORDS = 0xffff;

/** Shader stages, in virgl's numbering (not gallium's). */
export const ShaderStage = { VERTEX: 0, FRAGMENT: 1, GEOMETRY: 2, TESS_CTRL: 3, TESS_EVAL: 4, COMPUTE: 5 } as const;
export type ShaderStage = (typeof ShaderStage)[keyof typeof ShaderStage];
export const SHADER_STAGE_COUNT = 6;
export const SHADER_STAGE_NAMES = namesOf(ShaderStage, SHADER_STAGE_COUNT);

/** Protocol-wide limits (gallium's PIPE_MAX_*, as the reference host has them). */
export const Limit = {
  COLOR_BUFS: 8,
  CLIP_PLANES: 8,
  VIEWPORTS: 16,
  ATTRIBS: 32,
  SAMPLERS: 32,
  SAMPLER_VIEWS: 128,
  CONSTANT_BUFFERS: 32,
  SO_BUFFERS: 4,
  SO_OUTPUTS: 64,
  TEXTURE_LEVELS: 16,
  STIPPLE_ROWS: 32,
} as const;

/** A bit field of a packed dword. */
export interface BitField {
  readonly shift: number;
  readonly mask: number;
}

const bits = (shift: number, width: number): BitField => ({ shift, mask: 2 ** width - 1 });

export function field(word: number, f: BitField): number {
  return (word >>> f.shift) & f.mask;
}

export function flag(word: number, bit: number): boolean {
  return ((word >>> bit) & 1) === 1;
}

/** Dword offsets of every command's fields, counted from its header (0), and the lengths the protocol fixes. */
export const Obj = { HANDLE: 1 } as const;

export const Blend = {
  SIZE: 3 + Limit.COLOR_BUFS,
  S0: 2,
  S1: 3,
  RT0: 4,
  S0_INDEPENDENT_BLEND: 0,
  S0_LOGICOP_ENABLE: 1,
  S0_DITHER: 2,
  S0_ALPHA_TO_COVERAGE: 3,
  S0_ALPHA_TO_ONE: 4,
  S1_LOGICOP_FUNC: bits(0, 4),
  RT_BLEND_ENABLE: 0,
  RT_RGB_FUNC: bits(1, 3),
  RT_RGB_SRC_FACTOR: bits(4, 5),
  RT_RGB_DST_FACTOR: bits(9, 5),
  RT_ALPHA_FUNC: bits(14, 3),
  RT_ALPHA_SRC_FACTOR: bits(17, 5),
  RT_ALPHA_DST_FACTOR: bits(22, 5),
  RT_COLORMASK: bits(27, 4),
} as const;

export const Dsa = {
  SIZE: 5,
  S0: 2,
  STENCIL0: 3,
  ALPHA_REF: 5,
  S0_DEPTH_ENABLE: 0,
  S0_DEPTH_WRITEMASK: 1,
  S0_DEPTH_FUNC: bits(2, 3),
  S0_ALPHA_ENABLE: 8,
  S0_ALPHA_FUNC: bits(9, 3),
  STENCIL_ENABLE: 0,
  STENCIL_FUNC: bits(1, 3),
  STENCIL_FAIL_OP: bits(4, 3),
  STENCIL_ZPASS_OP: bits(7, 3),
  STENCIL_ZFAIL_OP: bits(10, 3),
  STENCIL_VALUEMASK: bits(13, 8),
  STENCIL_WRITEMASK: bits(21, 8),
} as const;

/** Rasterizer state: S0's single-bit flags by bit, then the other fields. */
export const Rasterizer = {
  SIZE: 9,
  S0: 2,
  POINT_SIZE: 3,
  SPRITE_COORD_ENABLE: 4,
  S3: 5,
  LINE_WIDTH: 6,
  OFFSET_UNITS: 7,
  OFFSET_SCALE: 8,
  OFFSET_CLAMP: 9,
  FLATSHADE: 0,
  DEPTH_CLIP: 1,
  CLIP_HALFZ: 2,
  RASTERIZER_DISCARD: 3,
  FLATSHADE_FIRST: 4,
  LIGHT_TWOSIDE: 5,
  SPRITE_COORD_MODE: 6,
  POINT_QUAD_RASTERIZATION: 7,
  CULL_FACE: bits(8, 2),
  FILL_FRONT: bits(10, 2),
  FILL_BACK: bits(12, 2),
  SCISSOR: 14,
  FRONT_CCW: 15,
  CLAMP_VERTEX_COLOR: 16,
  CLAMP_FRAGMENT_COLOR: 17,
  OFFSET_LINE: 18,
  OFFSET_POINT: 19,
  OFFSET_TRI: 20,
  POLY_SMOOTH: 21,
  POLY_STIPPLE_ENABLE: 22,
  POINT_SMOOTH: 23,
  POINT_SIZE_PER_VERTEX: 24,
  MULTISAMPLE: 25,
  LINE_SMOOTH: 26,
  LINE_STIPPLE_ENABLE: 27,
  LINE_LAST_PIXEL: 28,
  HALF_PIXEL_CENTER: 29,
  BOTTOM_EDGE_RULE: 30,
  FORCE_PERSAMPLE_INTERP: 31,
  S3_LINE_STIPPLE_PATTERN: bits(0, 16),
  S3_LINE_STIPPLE_FACTOR: bits(16, 8),
  S3_CLIP_PLANE_ENABLE: bits(24, 8),
} as const;

/**
 * Shader packets. The first packet's OFFSET field holds the text's total
 * length in bytes (its NUL included); a continuation packet sets bit 31 and
 * holds the byte offset its text continues at, and carries no stream-output
 * declarations (its SO_NUM_OUTPUTS is 0).
 */
export const Shader = {
  TYPE: 2,
  OFFSET: 3,
  NUM_TOKENS: 4,
  SO_NUM_OUTPUTS: 5,
  SO_STRIDE0: 6,
  SO_OUTPUT0: 10,
  BASE_HEADER: 5,
  headerSize: (soOutputs: number): number => 5 + (soOutputs > 0 ? 4 + 2 * soOutputs : 0),
  OFFSET_VALUE: bits(0, 31),
  OFFSET_CONTINUATION: 31,
  SO_REGISTER_INDEX: bits(0, 8),
  SO_START_COMPONENT: bits(8, 2),
  SO_NUM_COMPONENTS: bits(10, 3),
  SO_BUFFER: bits(13, 3),
  SO_DST_OFFSET: bits(16, 16),
  SO_STREAM: bits(0, 2),
} as const;

export const VertexElements = { FIRST: 2, PER_ELEMENT: 4, SRC_OFFSET: 0, INSTANCE_DIVISOR: 1, BUFFER_INDEX: 2, FORMAT: 3 } as const;

export const SamplerView = {
  SIZE: 6,
  RESOURCE: 2,
  FORMAT: 3,
  RANGE0: 4,
  RANGE1: 5,
  SWIZZLE: 6,
  FORMAT_VALUE: bits(0, 24),
  FORMAT_TARGET: bits(24, 8),
  LAYER_FIRST: bits(0, 16),
  LAYER_LAST: bits(16, 16),
  LEVEL_FIRST: bits(0, 8),
  LEVEL_LAST: bits(8, 8),
  SWIZZLE_R: bits(0, 3),
  SWIZZLE_G: bits(3, 3),
  SWIZZLE_B: bits(6, 3),
  SWIZZLE_A: bits(9, 3),
} as const;

export const SamplerState = {
  SIZE: 9,
  S0: 2,
  LOD_BIAS: 3,
  MIN_LOD: 4,
  MAX_LOD: 5,
  BORDER_COLOR0: 6,
  WRAP_S: bits(0, 3),
  WRAP_T: bits(3, 3),
  WRAP_R: bits(6, 3),
  MIN_IMG_FILTER: bits(9, 2),
  MIN_MIP_FILTER: bits(11, 2),
  MAG_IMG_FILTER: bits(13, 2),
  COMPARE_MODE: 15,
  COMPARE_FUNC: bits(16, 3),
  SEAMLESS_CUBE_MAP: 19,
  MAX_ANISOTROPY: bits(20, 6),
} as const;

export const Surface = {
  SIZE: 5,
  MSAA_SIZE: 6,
  RESOURCE: 2,
  FORMAT: 3,
  LEVEL: 4,
  LAYERS: 5,
  SAMPLE_COUNT: 6,
  LAYER_FIRST: bits(0, 16),
  LAYER_LAST: bits(16, 16),
} as const;

export const Query = { SIZE: 4, TYPE_INDEX: 2, OFFSET: 3, RESOURCE: 4, TYPE: bits(0, 16), INDEX: bits(16, 16) } as const;

export const StreamoutTarget = { SIZE: 4, RESOURCE: 2, OFFSET: 3, BUFFER_SIZE: 4 } as const;

/** SET_VIEWPORT_STATE; SET_SCISSOR_STATE shares its first two fields. */
export const Viewport = { FIRST: 2, START_SLOT: 1, PER_VIEWPORT: 6 } as const;

export const Framebuffer = { NR_CBUFS: 1, ZSURF: 2, CBUF0: 3 } as const;

export const VertexBuffers = { PER_BUFFER: 3, STRIDE: 1, OFFSET: 2, RESOURCE: 3 } as const;

export const Clear = { SIZE: 8, BUFFERS: 1, COLOR0: 2, DEPTH: 6, STENCIL: 8 } as const;

/** CLEAR's buffer bits: depth, stencil, then one per colour buffer. */
export const ClearBits = { DEPTH: 1, STENCIL: 2, COLOR0_SHIFT: 2 } as const;

export const Draw = {
  SIZE: 12,
  START: 1,
  COUNT: 2,
  MODE: 3,
  INDEXED: 4,
  INSTANCE_COUNT: 5,
  INDEX_BIAS: 6,
  START_INSTANCE: 7,
  PRIMITIVE_RESTART: 8,
  RESTART_INDEX: 9,
  MIN_INDEX: 10,
  MAX_INDEX: 11,
  COUNT_FROM_SO: 12,
} as const;

/** The layout RESOURCE_INLINE_WRITE, TRANSFER3D and COPY_TRANSFER3D share. */
export const TransferBox = { RESOURCE: 1, LEVEL: 2, USAGE: 3, STRIDE: 4, LAYER_STRIDE: 5, X: 6, Y: 7, Z: 8, W: 9, H: 10, D: 11 } as const;

export const InlineWrite = { HEADER: 11, DATA: 12 } as const;

export const Transfer3d = { SIZE: 13, DATA_OFFSET: 12, DIRECTION: 13 } as const;
export const TransferDirection = { TO_HOST: 1, FROM_HOST: 2 } as const;

export const CopyTransfer3d = { SIZE: 14, SRC_RESOURCE: 12, SRC_OFFSET: 13, FLAGS: 14, SYNCHRONIZED: 0, READ_FROM_HOST: 1 } as const;

export const SamplerBinding = { SHADER_TYPE: 1, START_SLOT: 2, HANDLE0: 3 } as const;

export const IndexBuffer = { UNBIND_SIZE: 1, SIZE: 3, RESOURCE: 1, INDEX_SIZE: 2, OFFSET: 3 } as const;

export const ConstantBuffer = { SHADER_TYPE: 1, INDEX: 2, DATA: 3 } as const;

export const UniformBuffer = { SIZE: 5, SHADER_TYPE: 1, INDEX: 2, OFFSET: 3, LENGTH: 4, RESOURCE: 5 } as const;

export const StencilRef = { SIZE: 1, VALUE: 1, FRONT: bits(0, 8), BACK: bits(8, 8) } as const;

export const BlendColor = { SIZE: 4, RGBA: 1 } as const;

export const Scissor = { PER_SCISSOR: 2, LOW: bits(0, 16), HIGH: bits(16, 16) } as const;

export const CopyRegion = {
  SIZE: 13,
  DST_RESOURCE: 1,
  DST_LEVEL: 2,
  DST_X: 3,
  DST_Y: 4,
  DST_Z: 5,
  SRC_RESOURCE: 6,
  SRC_LEVEL: 7,
  SRC_X: 8,
  SRC_Y: 9,
  SRC_Z: 10,
  SRC_W: 11,
  SRC_H: 12,
  SRC_D: 13,
} as const;

/** BLIT: S0 and the scissor, then a destination and a source, each `resource, level, format, x, y, z, w, h, d`. */
export const Blit = {
  SIZE: 21,
  S0: 1,
  SCISSOR_MIN: 2,
  SCISSOR_MAX: 3,
  DST: 4,
  SRC: 13,
  RESOURCE: 0,
  LEVEL: 1,
  FORMAT: 2,
  BOX: 3,
  S0_MASK: bits(0, 8),
  S0_FILTER: bits(8, 2),
  S0_SCISSOR_ENABLE: 10,
  S0_RENDER_CONDITION_ENABLE: 11,
  S0_ALPHA_BLEND: 12,
} as const;

/** BLIT's mask: colour channels, then depth and stencil. */
export const BLIT_MASK_ALL = 0x3f;

export const QueryCommand = { HANDLE: 1, WAIT: 2, RESULT_SIZE: 2 } as const;

export const Stipple = { SIZE: Limit.STIPPLE_ROWS, ROW0: 1 } as const;

export const ClipState = { SIZE: 4 * Limit.CLIP_PLANES, PLANE0: 1 } as const;

export const SampleMask = { SIZE: 1, MASK: 1 } as const;

export const StreamoutTargets = { APPEND_BITMASK: 1, HANDLE0: 2 } as const;

export const RenderCondition = { SIZE: 3, HANDLE: 1, CONDITION: 2, MODE: 3 } as const;

export const SubContext = { SIZE: 1, ID: 1 } as const;

export const BindShader = { SIZE: 2, HANDLE: 1, TYPE: 2 } as const;

/** LINK_SHADER's handles, in this order of stages. */
export const LinkShader = {
  SIZE: 6,
  STAGES: [ShaderStage.VERTEX, ShaderStage.FRAGMENT, ShaderStage.GEOMETRY, ShaderStage.TESS_CTRL, ShaderStage.TESS_EVAL, ShaderStage.COMPUTE],
} as const;

export const Tweaks = { SIZE: 2, ID: 1, VALUE: 2 } as const;
/** Tweak ids: BGRA emulation, BGRA destination swizzle, transform-feedback-3 samples-passed multiplier. */
export const TWEAK_COUNT = 3;

export const ClearTexture = { SIZE: 12, RESOURCE: 1, LEVEL: 2, BOX: 3, DATA: 9 } as const;

export const ClearSurface = {
  SIZE: 10,
  S0: 1,
  HANDLE: 2,
  COLOR0: 3,
  X: 7,
  Y: 8,
  WIDTH: 9,
  HEIGHT: 10,
  S0_RENDER_CONDITION: 0,
  S0_BUFFERS: bits(1, 3),
} as const;

export const PipeResourceCreate = {
  SIZE: 11,
  TARGET: 1,
  FORMAT: 2,
  BIND: 3,
  WIDTH: 4,
  HEIGHT: 5,
  DEPTH: 6,
  ARRAY_SIZE: 7,
  LAST_LEVEL: 8,
  NR_SAMPLES: 9,
  FLAGS: 10,
  BLOB_ID: 11,
} as const;

/** gallium's primitive modes; PATCHES is the last. */
export const PRIM_MODE_COUNT = 15;
/** gallium's texture targets: BUFFER, 1D, 2D, 3D, CUBE, RECT, 1D_ARRAY, 2D_ARRAY, CUBE_ARRAY. */
export const TEXTURE_TARGET_COUNT = 9;
/** virgl's query types (gallium's PIPE_QUERY_* in virglrenderer's numbering). */
export const QueryType = {
  OCCLUSION_COUNTER: 0,
  OCCLUSION_PREDICATE: 1,
  TIMESTAMP: 2,
  TIMESTAMP_DISJOINT: 3,
  TIME_ELAPSED: 4,
  PRIMITIVES_GENERATED: 5,
  PRIMITIVES_EMITTED: 6,
  SO_STATISTICS: 7,
  SO_OVERFLOW_PREDICATE: 8,
  GPU_FINISHED: 9,
  PIPELINE_STATISTICS: 10,
  OCCLUSION_PREDICATE_CONSERVATIVE: 11,
  SO_OVERFLOW_ANY_PREDICATE: 12,
} as const;
export const QUERY_TYPE_COUNT = 13;
export const QUERY_TYPE_NAMES = namesOf(QueryType, QUERY_TYPE_COUNT);
/**
 * struct virgl_host_query_state: what the host writes at the start of a
 * query's buffer once its result is known (the guest reads it there).
 */
export const HostQueryState = {
  SIZE: 16,
  /** The state a result is known in (VIRGL_QUERY_STATE_DONE), with a 4-byte result (all but timer queries). */
  encode(result: number): Uint8Array {
    const state = new Uint8Array(16);
    const view = new DataView(state.buffer);
    view.setUint32(0, 1, true);
    view.setUint32(4, 4, true);
    view.setBigUint64(8, BigInt(result), true);
    return state;
  },
} as const;
/** Swizzles X, Y, Z, W, 0, 1. */
export const SWIZZLE_COUNT = 6;
/** ADD, SUBTRACT, REVERSE_SUBTRACT, MIN, MAX. */
export const BLEND_FUNC_COUNT = 5;
/** FILL, LINE, POINT. */
export const POLYGON_MODE_COUNT = 3;
/** Image filters NEAREST, LINEAR. */
export const TEX_FILTER_COUNT = 2;
/** Mipmap filters NEAREST, LINEAR, NONE. */
export const MIP_FILTER_COUNT = 3;
/** WAIT, NO_WAIT, BY_REGION_WAIT, BY_REGION_NO_WAIT. */
export const RENDER_CONDITION_MODE_COUNT = 4;
export const INDEX_SIZES: readonly number[] = [1, 2, 4];

/** gallium's blend factors: ONE..SRC1_ALPHA (0x01-0x0a) and their inverses ZERO..INV_SRC1_ALPHA (0x11-0x1a, without 0x16). */
export function isBlendFactor(factor: number): boolean {
  return (factor >= 0x01 && factor <= 0x0a) || (factor >= 0x11 && factor <= 0x1a && factor !== 0x16);
}

/** The dual-source factors SRC1_COLOR, SRC1_ALPHA, INV_SRC1_COLOR, INV_SRC1_ALPHA. */
export function isDualSourceFactor(factor: number): boolean {
  return factor === 0x09 || factor === 0x0a || factor === 0x19 || factor === 0x1a;
}

/** The numbers of virgl's format enum below VIRGL_FORMAT_MAX (322) that name a format. */
const FORMAT_GAPS: readonly number[] = [0, 73, 78, 79, 80, 81, 86, 307, 309, 310];
const FORMAT_LIMIT = 322;
const validFormats = new Uint8Array(FORMAT_LIMIT).fill(1);
for (const gap of FORMAT_GAPS) validFormats[gap] = 0;

export function isFormat(format: number): boolean {
  return format < FORMAT_LIMIT && validFormats[format] === 1;
}
