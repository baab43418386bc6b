/**
 * What a guest may send, derived from the capset the device offered it (the
 * bytes of virgl_caps_v2, or of v1, whose missing fields take the values
 * Mesa assumes for them): the commands Mesa's virgl driver can emit under
 * those caps, the object types and shader stages it can create, and the
 * limits it was promised. Everything else is refused.
 */
import { Command, COMMAND_COUNT, Limit, OBJECT_TYPE_COUNT, ObjectType, SHADER_STAGE_COUNT, ShaderStage } from './protocol.ts';

export interface DecoderConfig {
  /** By command number: the capsets let Mesa send it. */
  readonly commands: readonly boolean[];
  /** By object type: CREATE_OBJECT may create it. */
  readonly objectTypes: readonly boolean[];
  /** By stage: CREATE_OBJECT(SHADER) may create one, BIND_SHADER may bind one. */
  readonly shaderStages: readonly boolean[];
  /** Bit n: primitive mode n may be drawn. */
  readonly primModes: number;
  readonly maxRenderTargets: number;
  readonly maxViewports: number;
  readonly maxVertexAttribs: number;
  readonly maxSamplerViews: number;
  readonly maxSamplers: number;
  readonly maxUniformBlocks: number;
  /** By stage, in bytes. */
  readonly maxConstBufferBytes: readonly number[];
  readonly uniformBufferOffsetAlignment: number;
  readonly maxStreamoutBuffers: number;
  readonly vertexStreams: number;
  readonly textureViews: boolean;
  readonly startInstance: boolean;
  readonly dualSourceBlend: boolean;
  readonly copyTransferFromHost: boolean;
  /** Largest shader text (its NUL included) a CREATE_OBJECT(SHADER) may declare. */
  readonly maxShaderBytes: number;
  /** Shaders whose continuation packets may be outstanding at once. */
  readonly maxPendingShaders: number;
}

export interface DecoderOptions {
  maxShaderBytes?: number;
  maxPendingShaders?: number;
}

/** Byte offsets of the virgl_caps_v1 / virgl_caps_v2 fields the decoder needs. */
const CapsOffset = {
  BSET: 260,
  GLSL_LEVEL: 264,
  MAX_STREAMOUT_BUFFERS: 272,
  MAX_DUAL_SOURCE_RENDER_TARGETS: 276,
  MAX_RENDER_TARGETS: 280,
  PRIM_MASK: 288,
  MAX_UNIFORM_BLOCKS: 296,
  MAX_VIEWPORTS: 300,
  MAX_VERTEX_ATTRIBS: 356,
  UNIFORM_BUFFER_OFFSET_ALIGNMENT: 384,
  CAPABILITY_BITS: 392,
  MAX_SHADER_BUFFER_FRAG_COMPUTE: 432,
  MAX_SHADER_BUFFER_OTHER_STAGES: 436,
  MAX_SHADER_IMAGE_FRAG_COMPUTE: 440,
  MAX_SHADER_IMAGE_OTHER_STAGES: 444,
  MAX_COMBINED_ATOMIC_COUNTER_BUFFERS: 552,
  HOST_FEATURE_CHECK_VERSION: 556,
  CAPABILITY_BITS_V2: 688,
  MAX_SHADER_SAMPLER_VIEWS: 764,
  MAX_CONST_BUFFER_SIZE: 832,
  NUM_VIDEO_CAPS: 856,
} as const;

/** Bits of the caps' boolean set. */
const Bset = { CONDITIONAL_RENDER: 4, START_INSTANCE: 5, UBO: 18, TESSELLATION: 24 } as const;

/** capability_bits. */
const Cap = {
  TEXTURE_VIEW: 1,
  SET_MIN_SAMPLES: 2,
  MEMORY_BARRIER: 6,
  COMPUTE_SHADER: 7,
  FB_NO_ATTACH: 8,
  TEXTURE_BARRIER: 12,
  GUEST_MAY_INIT_LOG: 14,
  QBO: 16,
  TRANSFER: 17,
  TRANSFORM_FEEDBACK3: 23,
  COPY_TRANSFER: 26,
  APP_TWEAK_SUPPORT: 28,
  CLEAR_TEXTURE: 30,
  ARB_BUFFER_STORAGE: 31,
} as const;

/** capability_bits_v2. */
const Cap2 = { BLEND_EQUATION: 0, UNTYPED_RESOURCE: 1, MEMINFO: 3, STRING_MARKER: 4, IMPLICIT_MSAA: 6, COPY_TRANSFER_BOTH_DIRECTIONS: 7 } as const;

/** Room for any GL 3.0 program's TGSI text many times over, and little for a guest to make the host hold. */
const DEFAULT_MAX_SHADER_BYTES = 1 << 20;
const DEFAULT_MAX_PENDING_SHADERS = 8;

/** What Mesa assumes for the v2 fields a v1 capset lacks (virgl_ws_fill_new_caps_defaults); 0 for the others. */
const V2_DEFAULTS: Readonly<Record<number, number>> = {
  [CapsOffset.MAX_VERTEX_ATTRIBS]: 16,
  [CapsOffset.UNIFORM_BUFFER_OFFSET_ALIGNMENT]: 256,
  [CapsOffset.MAX_SHADER_SAMPLER_VIEWS]: 16,
};

class Caps {
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u32(offset: number): number {
    return offset + 4 <= this.view.byteLength ? this.view.getUint32(offset, true) : (V2_DEFAULTS[offset] ?? 0);
  }

  bit(offset: number, bit: number): boolean {
    return ((this.u32(offset) >>> bit) & 1) === 1;
  }

  get version(): number {
    return this.u32(CapsOffset.HOST_FEATURE_CHECK_VERSION);
  }

  cap(bit: number): boolean {
    return this.bit(CapsOffset.CAPABILITY_BITS, bit);
  }
}

type Offered = (caps: Caps) => boolean;
const always: Offered = () => true;

/**
 * When Mesa 22.3's virgl driver (virgl_context.c, virgl_screen.c, the drm
 * winsys) emits each command, by what the caps say.
 */
const OFFERED: Record<Command, Offered> = {
  [Command.NOP]: always,
  [Command.CREATE_OBJECT]: always,
  [Command.BIND_OBJECT]: always,
  [Command.DESTROY_OBJECT]: always,
  [Command.SET_VIEWPORT_STATE]: always,
  [Command.SET_FRAMEBUFFER_STATE]: always,
  [Command.SET_VERTEX_BUFFERS]: always,
  [Command.CLEAR]: always,
  [Command.DRAW_VBO]: always,
  [Command.RESOURCE_INLINE_WRITE]: always,
  [Command.SET_SAMPLER_VIEWS]: always,
  [Command.SET_INDEX_BUFFER]: always,
  [Command.SET_CONSTANT_BUFFER]: always,
  [Command.SET_STENCIL_REF]: always,
  [Command.SET_BLEND_COLOR]: always,
  [Command.SET_SCISSOR_STATE]: always,
  [Command.BLIT]: always,
  [Command.RESOURCE_COPY_REGION]: always,
  [Command.BIND_SAMPLER_STATES]: always,
  [Command.BEGIN_QUERY]: always,
  [Command.END_QUERY]: always,
  [Command.GET_QUERY_RESULT]: always,
  // The state tracker sends these for the compatibility profile whatever the caps say.
  [Command.SET_POLYGON_STIPPLE]: always,
  [Command.SET_CLIP_STATE]: always,
  [Command.SET_SAMPLE_MASK]: always,
  [Command.SET_STREAMOUT_TARGETS]: (c) => c.u32(CapsOffset.MAX_STREAMOUT_BUFFERS) > 0,
  [Command.SET_RENDER_CONDITION]: (c) => c.bit(CapsOffset.BSET, Bset.CONDITIONAL_RENDER),
  [Command.SET_UNIFORM_BUFFER]: (c) => c.bit(CapsOffset.BSET, Bset.UBO),
  [Command.SET_SUB_CTX]: always,
  [Command.CREATE_SUB_CTX]: always,
  [Command.DESTROY_SUB_CTX]: always,
  [Command.BIND_SHADER]: always,
  [Command.SET_TESS_STATE]: (c) => c.bit(CapsOffset.BSET, Bset.TESSELLATION),
  [Command.SET_MIN_SAMPLES]: (c) => c.cap(Cap.SET_MIN_SAMPLES),
  [Command.SET_SHADER_BUFFERS]: (c) => c.u32(CapsOffset.MAX_SHADER_BUFFER_FRAG_COMPUTE) + c.u32(CapsOffset.MAX_SHADER_BUFFER_OTHER_STAGES) > 0,
  [Command.SET_SHADER_IMAGES]: (c) => c.u32(CapsOffset.MAX_SHADER_IMAGE_FRAG_COMPUTE) + c.u32(CapsOffset.MAX_SHADER_IMAGE_OTHER_STAGES) > 0,
  [Command.MEMORY_BARRIER]: (c) => c.cap(Cap.MEMORY_BARRIER),
  [Command.LAUNCH_GRID]: (c) => c.cap(Cap.COMPUTE_SHADER),
  [Command.SET_FRAMEBUFFER_STATE_NO_ATTACH]: (c) => c.cap(Cap.FB_NO_ATTACH),
  [Command.TEXTURE_BARRIER]: (c) => c.cap(Cap.TEXTURE_BARRIER) || c.bit(CapsOffset.CAPABILITY_BITS_V2, Cap2.BLEND_EQUATION),
  [Command.SET_ATOMIC_BUFFERS]: (c) => c.u32(CapsOffset.MAX_COMBINED_ATOMIC_COUNTER_BUFFERS) > 0,
  [Command.SET_DEBUG_FLAGS]: (c) => c.cap(Cap.GUEST_MAY_INIT_LOG),
  [Command.GET_QUERY_RESULT_QBO]: (c) => c.cap(Cap.QBO),
  [Command.TRANSFER3D]: (c) => c.cap(Cap.TRANSFER),
  [Command.END_TRANSFERS]: (c) => c.cap(Cap.TRANSFER),
  [Command.COPY_TRANSFER3D]: (c) => c.cap(Cap.TRANSFER) && c.cap(Cap.COPY_TRANSFER),
  [Command.SET_TWEAKS]: (c) => c.cap(Cap.APP_TWEAK_SUPPORT),
  [Command.CLEAR_TEXTURE]: (c) => c.cap(Cap.CLEAR_TEXTURE),
  // Coherent buffer storage is what makes the winsys create blobs (RESOURCE_CREATE_BLOB carries this command).
  [Command.PIPE_RESOURCE_CREATE]: (c) => c.cap(Cap.ARB_BUFFER_STORAGE) && c.version >= 4,
  [Command.PIPE_RESOURCE_SET_TYPE]: (c) => c.bit(CapsOffset.CAPABILITY_BITS_V2, Cap2.UNTYPED_RESOURCE),
  [Command.GET_MEMORY_INFO]: (c) => c.bit(CapsOffset.CAPABILITY_BITS_V2, Cap2.MEMINFO),
  [Command.EMIT_STRING_MARKER]: (c) => c.bit(CapsOffset.CAPABILITY_BITS_V2, Cap2.STRING_MARKER),
  [Command.LINK_SHADER]: (c) => c.version >= 7,
  [Command.CREATE_VIDEO_CODEC]: (c) => c.u32(CapsOffset.NUM_VIDEO_CAPS) > 0,
  [Command.DESTROY_VIDEO_CODEC]: (c) => c.u32(CapsOffset.NUM_VIDEO_CAPS) > 0,
  [Command.CREATE_VIDEO_BUFFER]: (c) => c.u32(CapsOffset.NUM_VIDEO_CAPS) > 0,
  [Command.DESTROY_VIDEO_BUFFER]: (c) => c.u32(CapsOffset.NUM_VIDEO_CAPS) > 0,
  [Command.BEGIN_FRAME]: (c) => c.u32(CapsOffset.NUM_VIDEO_CAPS) > 0,
  [Command.DECODE_MACROBLOCK]: (c) => c.u32(CapsOffset.NUM_VIDEO_CAPS) > 0,
  [Command.DECODE_BITSTREAM]: (c) => c.u32(CapsOffset.NUM_VIDEO_CAPS) > 0,
  [Command.ENCODE_BITSTREAM]: (c) => c.u32(CapsOffset.NUM_VIDEO_CAPS) > 0,
  [Command.END_FRAME]: (c) => c.u32(CapsOffset.NUM_VIDEO_CAPS) > 0,
  // Newer than Mesa 22.3; later drivers send it to hosts of this feature level.
  [Command.CLEAR_SURFACE]: (c) => c.version >= 21,
  [Command.GET_PIPE_RESOURCE_LAYOUT]: () => false,
};

const CREATABLE: Record<ObjectType, Offered> = {
  [ObjectType.NULL]: () => false,
  [ObjectType.BLEND]: always,
  [ObjectType.RASTERIZER]: always,
  [ObjectType.DSA]: always,
  [ObjectType.SHADER]: always,
  [ObjectType.VERTEX_ELEMENTS]: always,
  [ObjectType.SAMPLER_VIEW]: always,
  [ObjectType.SAMPLER_STATE]: always,
  [ObjectType.SURFACE]: always,
  [ObjectType.QUERY]: always,
  [ObjectType.STREAMOUT_TARGET]: (c) => c.u32(CapsOffset.MAX_STREAMOUT_BUFFERS) > 0,
  [ObjectType.MSAA_SURFACE]: (c) => c.bit(CapsOffset.CAPABILITY_BITS_V2, Cap2.IMPLICIT_MSAA),
};

/** Mesa offers geometry shaders from GLSL 1.50 on. */
const STAGES: Record<ShaderStage, Offered> = {
  [ShaderStage.VERTEX]: always,
  [ShaderStage.FRAGMENT]: always,
  [ShaderStage.GEOMETRY]: (c) => c.u32(CapsOffset.GLSL_LEVEL) >= 150,
  [ShaderStage.TESS_CTRL]: (c) => c.bit(CapsOffset.BSET, Bset.TESSELLATION),
  [ShaderStage.TESS_EVAL]: (c) => c.bit(CapsOffset.BSET, Bset.TESSELLATION),
  [ShaderStage.COMPUTE]: (c) => c.cap(Cap.COMPUTE_SHADER),
};

function evaluate(table: Readonly<Record<number, Offered>>, count: number, caps: Caps): boolean[] {
  return Array.from({ length: count }, (_, n) => table[n]?.(caps) === true);
}

export function decoderConfigFromCaps(capset: Uint8Array, options: DecoderOptions = {}): DecoderConfig {
  const caps = new Caps(capset);
  const limit = (offset: number, most: number) => Math.min(caps.u32(offset), most);
  // Hosts before feature level 12 did not say, and Mesa then assumes 4096 vec4s.
  const constBytes = (stage: number) => (caps.version >= 12 ? caps.u32(CapsOffset.MAX_CONST_BUFFER_SIZE + 4 * stage) : 4096 * 16);
  return {
    commands: evaluate(OFFERED, COMMAND_COUNT, caps),
    objectTypes: evaluate(CREATABLE, OBJECT_TYPE_COUNT, caps),
    shaderStages: evaluate(STAGES, SHADER_STAGE_COUNT, caps),
    primModes: caps.u32(CapsOffset.PRIM_MASK),
    maxRenderTargets: limit(CapsOffset.MAX_RENDER_TARGETS, Limit.COLOR_BUFS),
    maxViewports: limit(CapsOffset.MAX_VIEWPORTS, Limit.VIEWPORTS),
    maxVertexAttribs: limit(CapsOffset.MAX_VERTEX_ATTRIBS, Limit.ATTRIBS),
    maxSamplerViews: limit(CapsOffset.MAX_SHADER_SAMPLER_VIEWS, Limit.SAMPLER_VIEWS),
    maxSamplers: limit(CapsOffset.MAX_SHADER_SAMPLER_VIEWS, Limit.SAMPLERS),
    maxUniformBlocks: limit(CapsOffset.MAX_UNIFORM_BLOCKS, Limit.CONSTANT_BUFFERS),
    maxConstBufferBytes: Array.from({ length: SHADER_STAGE_COUNT }, (_, stage) => constBytes(stage)),
    uniformBufferOffsetAlignment: Math.max(1, caps.u32(CapsOffset.UNIFORM_BUFFER_OFFSET_ALIGNMENT)),
    maxStreamoutBuffers: limit(CapsOffset.MAX_STREAMOUT_BUFFERS, Limit.SO_BUFFERS),
    vertexStreams: caps.cap(Cap.TRANSFORM_FEEDBACK3) || caps.version < 2 ? 4 : 1,
    textureViews: caps.cap(Cap.TEXTURE_VIEW),
    startInstance: caps.bit(CapsOffset.BSET, Bset.START_INSTANCE),
    dualSourceBlend: caps.u32(CapsOffset.MAX_DUAL_SOURCE_RENDER_TARGETS) > 0,
    copyTransferFromHost: caps.bit(CapsOffset.CAPABILITY_BITS_V2, Cap2.COPY_TRANSFER_BOTH_DIRECTIONS),
    maxShaderBytes: options.maxShaderBytes ?? DEFAULT_MAX_SHADER_BYTES,
    maxPendingShaders: options.maxPendingShaders ?? DEFAULT_MAX_PENDING_SHADERS,
  };
}
