/**
 * The capability sets a virgl guest reads (capset 1 "virgl", version 1, and
 * capset 2 "virgl2", version 2), written from one profile: what a WebGL2 /
 * OpenGL ES 3.0 host can honour with no extensions. Mesa's virgl driver turns
 * these into its GL limits, so the guest never asks for more than the
 * renderer can do: GLSL 1.30 (OpenGL 3.0 / ES 3.0), 4 render targets, no
 * geometry or compute shaders, no texture buffers, no multisample textures.
 */
import { VIRGL_FORMATS, VIRGL_SCANOUT_FORMATS } from '../protocol/virgl-formats.ts';
import { CapsetId } from '../protocol/constants.ts';

/** Sizes of the two layouts (virgl_caps_v1 and virgl_caps_v2 of the virgl protocol). */
export const CAPS_V1_SIZE = 308;
export const CAPS_V2_SIZE = 1376;

/** Bits of the 32-bit boolean set in caps v1, by position. */
const Bool = {
  PRIMITIVE_RESTART: 6,
  BLEND_EQ_SEP: 7,
  INSTANCEID: 8,
  VERTEX_ELEMENT_INSTANCE_DIVISOR: 9,
  SEAMLESS_CUBE_MAP: 10,
  OCCLUSION_QUERY: 11,
  STREAMOUT_PAUSE_RESUME: 13,
  UBO: 18,
} as const;

/** capability_bits of caps v2. */
const Cap = {
  TGSI_INVARIANT: 1 << 0,
  FBO_MIXED_COLOR_FORMATS: 1 << 18,
  HOST_IS_GLES: 1 << 19,
} as const;

/** Primitive types an ES 3.0 host draws: points, lines, line loop/strip, triangles, strip, fan. */
const PRIM_MASK = 0x7f;
/** The host-behaviour level of the virgl protocol this device follows (that of virglrenderer 0.10). */
const HOST_FEATURE_CHECK_VERSION = 15;
const RENDERER_NAME = 'virtio-gpu-web (OpenGL ES 3.0 profile)';

export interface CapsetInfo {
  id: number;
  maxVersion: number;
  maxSize: number;
}

export const VIRGL_CAPSETS: readonly CapsetInfo[] = [
  { id: CapsetId.VIRGL, maxVersion: 1, maxSize: CAPS_V1_SIZE },
  { id: CapsetId.VIRGL2, maxVersion: 2, maxSize: CAPS_V2_SIZE },
];

class CapsWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private at = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u32(...values: number[]): this {
    for (const v of values) {
      this.view.setUint32(this.at, v >>> 0, true);
      this.at += 4;
    }
    return this;
  }

  i32(...values: number[]): this {
    for (const v of values) {
      this.view.setInt32(this.at, v, true);
      this.at += 4;
    }
    return this;
  }

  f32(...values: number[]): this {
    for (const v of values) {
      this.view.setFloat32(this.at, v, true);
      this.at += 4;
    }
    return this;
  }

  /** A 512-bit format mask (16 words). */
  formats(formats: Iterable<number>): this {
    const words = new Uint32Array(16);
    for (const f of formats) words[f >>> 5]! |= 1 << (f & 31);
    return this.u32(...words);
  }

  text(value: string, size: number): this {
    this.bytes.set(new TextEncoder().encode(value).subarray(0, size - 1), this.at);
    this.at += size;
    return this;
  }

  zeros(words: number): this {
    this.at += 4 * words;
    return this;
  }

  done(): Uint8Array {
    if (this.at !== this.bytes.length) throw new Error(`virtio-gpu-web: caps layout wrote ${this.at} of ${this.bytes.length} bytes`);
    return this.bytes;
  }
}

const sampled = [...VIRGL_FORMATS.keys()];
const renderable = [...VIRGL_FORMATS].filter(([, f]) => f.renderable).map(([n]) => n);

function writeV1(w: CapsWriter, maxVersion: number): CapsWriter {
  let bools = 0;
  for (const bit of Object.values(Bool)) bools |= 1 << bit;
  return w
    .u32(maxVersion)
    .formats(sampled)
    .formats(renderable)
    .formats([])
    .formats([])
    .u32(bools)
    .u32(130) // glsl_level
    .u32(256) // max_texture_array_layers
    .u32(4) // max_streamout_buffers
    .u32(0) // max_dual_source_render_targets
    .u32(4) // max_render_targets
    .u32(1) // max_samples: the guest fakes multisampling
    .u32(PRIM_MASK)
    .u32(0) // max_tbo_size: no texture buffers
    .u32(13) // max_uniform_blocks: 12 blocks plus the default uniforms
    .u32(1) // max_viewports
    .u32(0); // max_texture_gather_components
}

function capsV1(): Uint8Array {
  return writeV1(new CapsWriter(CAPS_V1_SIZE), 1).done();
}

function capsV2(): Uint8Array {
  const w = writeV1(new CapsWriter(CAPS_V2_SIZE), 2);
  w.f32(1, 64, 1, 64) // point sizes: aliased, smooth
    .f32(1, 1, 1, 1) // line widths: aliased, smooth
    .f32(2) // max_texture_lod_bias
    .u32(0, 0) // geometry shader outputs
    .u32(16) // max_vertex_outputs
    .u32(16) // max_vertex_attribs
    .u32(0) // max_shader_patch_varyings
    .i32(-8, 7) // texel offsets
    .i32(0, 0) // gather offsets
    .u32(0, 256, 0) // buffer offset alignments: texture buffer, uniform, shader storage
    .u32(Cap.TGSI_INVARIANT | Cap.FBO_MIXED_COLOR_FORMATS | Cap.HOST_IS_GLES)
    .zeros(8) // sample_locations
    .u32(2048) // max_vertex_attrib_stride
    .zeros(4) // shader buffers and images
    .u32(0) // max_image_samples
    .u32(0, 0) // compute invocations, shared memory
    .zeros(6) // compute grid and block sizes
    .u32(2048, 256, 2048) // largest 2D, 3D and cube textures
    .u32(0) // max_combined_shader_buffers
    .zeros(12) // atomic counters and their buffers, per stage
    .u32(0, 0) // combined atomic counters and buffers
    .u32(HOST_FEATURE_CHECK_VERSION)
    .formats(renderable) // readback
    .formats(VIRGL_SCANOUT_FORMATS)
    .u32(0) // capability_bits_v2
    .u32(0) // max_video_memory
    .text(RENDERER_NAME, 64)
    .f32(1) // max_anisotropy
    .u32(16) // max_shader_sampler_views
    .formats([]) // multisample formats
    .u32(16384, 16384, 16384, 16384, 16384, 16384) // max_const_buffer_size per stage
    .u32(0) // num_video_caps
    .zeros(4 * 32) // video caps
    .u32(16384); // max_uniform_block_size
  return w.done();
}

/**
 * The capset bytes for `id` at `version` (any version up to the capset's
 * maximum: the layout only grows), or null when the device has no such capset.
 */
export function virglCapset(id: number, version: number): Uint8Array | null {
  const info = VIRGL_CAPSETS.find((c) => c.id === id);
  if (!info || version > info.maxVersion) return null;
  return id === CapsetId.VIRGL ? capsV1() : capsV2();
}
