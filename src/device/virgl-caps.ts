/**
 * The capability sets a virgl guest reads (capset 1 "virgl", version 1, and
 * capset 2 "virgl2", version 2), computed from what the renderer's WebGL2
 * context serves (HostGlLimits). Mesa's virgl driver turns these into its GL
 * limits, so the guest never asks for more than the renderer can do: GLSL
 * 1.30 (OpenGL 3.0 / ES 3.0), no geometry or compute shaders, no texture
 * buffers, no multisample textures, and the context's sizes and counts, each
 * kept within what the protocol, the decoder, the TGSI parser and the device
 * take, and never below what every WebGL2 serves.
 */
import { CapsetId } from '../protocol/constants.ts';
import { VIRGL_FORMATS, VIRGL_SCANOUT_FORMATS } from '../protocol/virgl-formats.ts';
import { Limit } from '../virgl/protocol.ts';
import { DEFAULT_TGSI_LIMITS } from '../virgl/tgsi/limits.ts';
import { WEBGL2_MINIMUM_LIMITS, type HostGlLimits } from './host-gl-limits.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { MAX_ARRAY_LAYERS } from './resource-3d.ts';

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
  /** As Linux's virtio_gpu driver names it. */
  name: string;
  maxVersion: number;
  maxSize: number;
}

export const VIRGL_CAPSETS: readonly CapsetInfo[] = [
  { id: CapsetId.VIRGL, name: 'virgl', maxVersion: 1, maxSize: CAPS_V1_SIZE },
  { id: CapsetId.VIRGL2, name: 'virgl2', maxVersion: 2, maxSize: CAPS_V2_SIZE },
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

/** The sizes and counts the capsets carry, as the host's limits give them. */
function derive(h: HostGlLimits) {
  return {
    texture2d: h.maxTextureSize,
    texture3d: h.max3dTextureSize,
    textureCube: h.maxCubeMapTextureSize,
    arrayLayers: h.maxArrayTextureLayers,
    renderTargets: Math.min(h.maxDrawBuffers, h.maxColorAttachments),
    vertexAttribs: h.maxVertexAttribs,
    vertexOutputs: Math.floor(h.maxVertexOutputComponents / 4),
    // Mesa counts the default uniforms among a stage's constant buffers, and the emitted GLSL makes each a uniform
    // block; one program binds both stages' blocks at once.
    uniformBlocks: Math.min(h.maxVertexUniformBlocks, h.maxFragmentUniformBlocks, Math.floor(h.maxCombinedUniformBlocks / 2), Math.floor(h.maxUniformBufferBindings / 2)),
    constBufferBytes: h.maxUniformBlockSize,
    // Each stage's views take texture units of one program, as the blocks do binding points.
    samplerViews: Math.min(h.maxTextureImageUnits, h.maxVertexTextureImageUnits, Math.floor(h.maxCombinedTextureImageUnits / 2)),
    pointSize: h.maxAliasedPointSize,
    lineWidth: h.maxAliasedLineWidth,
    lodBias: h.maxTextureLodBias,
    anisotropy: h.maxTextureMaxAnisotropy,
  };
}

type Offer = ReturnType<typeof derive>;

/**
 * OpenGL ES 3.0 asks for 12 uniform blocks a stage besides the default uniforms, and Mesa offers the guest
 * ES 3.0 only then: 13 with them. A host with WebGL2's minimum of 12 a stage cannot link a program that uses
 * all 12 and default uniforms too (the emitted GLSL puts those in a block of their own); such a draw fails,
 * logged, where offering 12 would take ES 3.0 from every guest on that host (Chrome on Windows has 12).
 */
const ES3_UNIFORM_BLOCKS = 13;

const FLOOR: Offer = { ...derive(WEBGL2_MINIMUM_LIMITS), uniformBlocks: ES3_UNIFORM_BLOCKS };

/** The most the rest of the host takes: the device's resource checks, the stream decoder's and the TGSI parser's bounds. */
function ceiling(maxDimension: number): Offer {
  const tgsi = DEFAULT_TGSI_LIMITS.registers;
  return {
    texture2d: maxDimension,
    texture3d: maxDimension,
    textureCube: maxDimension,
    arrayLayers: MAX_ARRAY_LAYERS,
    renderTargets: Limit.COLOR_BUFS,
    vertexAttribs: Limit.ATTRIBS,
    vertexOutputs: tgsi.output,
    uniformBlocks: Math.min(Limit.CONSTANT_BUFFERS, DEFAULT_TGSI_LIMITS.constBuffers),
    constBufferBytes: tgsi.const * 16,
    samplerViews: Math.min(Limit.SAMPLERS, tgsi.sampler, tgsi.samplerView),
    // Floats the guest only compares against.
    pointSize: Infinity,
    lineWidth: Infinity,
    lodBias: Infinity,
    // The sampler state carries 6 bits of it; no GPU offers more than 16.
    anisotropy: 16,
  };
}

function offer(h: HostGlLimits, maxDimension: number): Offer {
  const most = ceiling(maxDimension);
  const wanted = derive(h);
  const offered = { ...wanted };
  for (const name of Object.keys(wanted) as (keyof Offer)[]) offered[name] = Math.min(Math.max(wanted[name], FLOOR[name]), most[name]);
  return offered;
}

const sampled = [...VIRGL_FORMATS.keys()];

function renderable(h: HostGlLimits): number[] {
  return [...VIRGL_FORMATS].filter(([, f]) => f.renderable && (h.colorBufferFloat || !f.floatColorBuffer)).map(([n]) => n);
}

function writeV1(w: CapsWriter, maxVersion: number, h: HostGlLimits, o: Offer): CapsWriter {
  let bools = 0;
  for (const bit of Object.values(Bool)) bools |= 1 << bit;
  return w
    .u32(maxVersion)
    .formats(sampled)
    .formats(renderable(h))
    .formats([])
    .formats([])
    .u32(bools)
    .u32(130) // glsl_level
    .u32(o.arrayLayers) // max_texture_array_layers
    // Separate transform feedback attributes, one buffer each: WebGL2 has at least 4, the protocol carries at most 4.
    .u32(4) // max_streamout_buffers
    .u32(0) // max_dual_source_render_targets
    .u32(o.renderTargets) // max_render_targets
    .u32(1) // max_samples: the guest fakes multisampling
    .u32(PRIM_MASK)
    .u32(0) // max_tbo_size: no texture buffers
    .u32(o.uniformBlocks) // max_uniform_blocks, the default uniforms' included
    .u32(1) // max_viewports
    .u32(0); // max_texture_gather_components
}

function capsV1(h: HostGlLimits, o: Offer): Uint8Array {
  return writeV1(new CapsWriter(CAPS_V1_SIZE), 1, h, o).done();
}

function capsV2(h: HostGlLimits, o: Offer): Uint8Array {
  const w = writeV1(new CapsWriter(CAPS_V2_SIZE), 2, h, o);
  // WebGL2 has neither smooth points nor smooth lines: those are drawn aliased.
  w.f32(1, o.pointSize, 1, o.pointSize) // point sizes: aliased, smooth
    .f32(1, o.lineWidth, 1, o.lineWidth) // line widths: aliased, smooth
    .f32(o.lodBias) // max_texture_lod_bias
    .u32(0, 0) // geometry shader outputs
    .u32(o.vertexOutputs) // max_vertex_outputs
    .u32(o.vertexAttribs) // max_vertex_attribs
    .u32(0) // max_shader_patch_varyings
    // What the GLSL emitter clamps texel offsets to (glsl/texture.ts), every WebGL2's range.
    .i32(-8, 7) // texel offsets
    .i32(0, 0) // gather offsets
    .u32(0, h.uniformBufferOffsetAlignment, 0) // buffer offset alignments: texture buffer, uniform, shader storage
    .u32(Cap.TGSI_INVARIANT | Cap.FBO_MIXED_COLOR_FORMATS | Cap.HOST_IS_GLES)
    .zeros(8) // sample_locations
    .u32(2048) // max_vertex_attrib_stride
    .zeros(4) // shader buffers and images
    .u32(0) // max_image_samples
    .u32(0, 0) // compute invocations, shared memory
    .zeros(6) // compute grid and block sizes
    .u32(o.texture2d, o.texture3d, o.textureCube) // largest 2D, 3D and cube textures
    .u32(0) // max_combined_shader_buffers
    .zeros(12) // atomic counters and their buffers, per stage
    .u32(0, 0) // combined atomic counters and buffers
    .u32(HOST_FEATURE_CHECK_VERSION)
    .formats(renderable(h)) // readback
    .formats(VIRGL_SCANOUT_FORMATS)
    .u32(0) // capability_bits_v2
    .u32(0) // max_video_memory
    .text(RENDERER_NAME, 64)
    .f32(o.anisotropy) // max_anisotropy
    .u32(o.samplerViews) // max_shader_sampler_views
    .formats([]) // multisample formats
    .u32(...Array<number>(6).fill(o.constBufferBytes)) // max_const_buffer_size per stage
    .u32(0) // num_video_caps
    .zeros(4 * 32) // video caps
    .u32(o.constBufferBytes); // max_uniform_block_size
  return w.done();
}

/**
 * The capset bytes for `id` at `version` (any version up to the capset's
 * maximum: the layout only grows) offering what `host` serves, textures no
 * larger than the device's `maxDimension`; null when the device has no such
 * capset.
 */
export function virglCapset(id: number, version: number, host: HostGlLimits = WEBGL2_MINIMUM_LIMITS, maxDimension = DEFAULT_LIMITS.maxDimension): Uint8Array | null {
  const info = VIRGL_CAPSETS.find((c) => c.id === id);
  if (!info || version > info.maxVersion) return null;
  const offered = offer(host, maxDimension);
  return id === CapsetId.VIRGL ? capsV1(host, offered) : capsV2(host, offered);
}
