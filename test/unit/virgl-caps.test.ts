/**
 * The virgl capsets computed from the host's WebGL2 limits: WebGL2's minimums
 * give the capsets of the fixed profile they replace, larger limits raise the
 * fields they bound (each kept within what the protocol, decoder, parser and
 * device take), the decoder follows, the device offers its renderer's limits,
 * the limits are read from a context, and later contexts keep the promise.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { shortfalls, WEBGL2_MINIMUM_LIMITS, type HostGlLimits } from '../../src/device/host-gl-limits.ts';
import type { DeviceLimits } from '../../src/device/limits.ts';
import { virglCapset } from '../../src/device/virgl-caps.ts';
import { CapsetId, CommandType as C } from '../../src/protocol/constants.ts';
import * as W from '../../src/protocol/structs.ts';
import { RecordingRenderer } from '../../src/renderers/recording-renderer.ts';
import { readHostGlLimits } from '../../src/renderers/webgl2/host-limits.ts';
import { WorkerRenderer3d } from '../../src/renderers/worker-renderer-3d.ts';
import { decoderConfigFromCaps } from '../../src/virgl/config.ts';
import { hdr, rig, send } from './helpers.ts';

/** SHA-256 of the capsets the fixed OpenGL ES 3.0 profile wrote (v1, then v2), taken before they followed the context. */
const FIXED_PROFILE = {
  v1: 'd08021aaeaa7e4886f97c7fa6f2afe5b3198fb2c7525e61b48618b39324f394e',
  v2: '4dee92d845a006094c82e281e201da622d041801a8e58789cdd14cb4cf2e1a11',
};

/** Byte offsets of virgl_caps_v2 fields (Mesa's virgl_hw.h). */
const At = {
  RENDER_FORMATS: 68,
  MAX_TEXTURE_ARRAY_LAYERS: 268,
  MAX_RENDER_TARGETS: 280,
  MAX_UNIFORM_BLOCKS: 296,
  MAX_ALIASED_POINT_SIZE: 312,
  MAX_SMOOTH_POINT_SIZE: 320,
  MAX_ALIASED_LINE_WIDTH: 328,
  MAX_TEXTURE_LOD_BIAS: 340,
  MAX_VERTEX_OUTPUTS: 352,
  MAX_VERTEX_ATTRIBS: 356,
  UNIFORM_BUFFER_OFFSET_ALIGNMENT: 384,
  MAX_TEXTURE_2D_SIZE: 484,
  MAX_TEXTURE_3D_SIZE: 488,
  MAX_TEXTURE_CUBE_SIZE: 492,
  READBACK_FORMATS: 560,
  MAX_ANISOTROPY: 760,
  MAX_SHADER_SAMPLER_VIEWS: 764,
  MAX_CONST_BUFFER_SIZE: 832,
  MAX_UNIFORM_BLOCK_SIZE: 1372,
} as const;

/** What Chromium's WebGL2 on SwiftShader (ANGLE over Vulkan) reports. */
const SWIFTSHADER: HostGlLimits = {
  maxTextureSize: 8192,
  max3dTextureSize: 2048,
  maxCubeMapTextureSize: 16384,
  maxArrayTextureLayers: 2048,
  maxDrawBuffers: 8,
  maxColorAttachments: 8,
  maxVertexAttribs: 16,
  maxVertexOutputComponents: 128,
  maxVertexUniformBlocks: 14,
  maxFragmentUniformBlocks: 14,
  maxCombinedUniformBlocks: 60,
  maxUniformBufferBindings: 72,
  maxUniformBlockSize: 65536,
  maxTextureImageUnits: 32,
  maxVertexTextureImageUnits: 32,
  maxCombinedTextureImageUnits: 64,
  maxAliasedPointSize: 1023,
  maxAliasedLineWidth: 1,
  maxTextureLodBias: 15,
  uniformBufferOffsetAlignment: 256,
  maxTextureMaxAnisotropy: 16,
  colorBufferFloat: true,
};

/** The fields the tests read, by name, as numbers. */
function fields(caps: Uint8Array): Record<keyof typeof At, number> {
  const v = new DataView(caps.buffer, caps.byteOffset, caps.byteLength);
  const floats = new Set<string>(['MAX_ALIASED_POINT_SIZE', 'MAX_SMOOTH_POINT_SIZE', 'MAX_ALIASED_LINE_WIDTH', 'MAX_TEXTURE_LOD_BIAS', 'MAX_ANISOTROPY']);
  const read = ([name, at]: [string, number]): [string, number] => [name, floats.has(name) ? v.getFloat32(at, true) : v.getUint32(at, true)];
  return Object.fromEntries(Object.entries(At).map(read)) as Record<keyof typeof At, number>;
}

const capsV2 = (limits: HostGlLimits, maxDimension?: number): Uint8Array => virglCapset(CapsetId.VIRGL2, 2, limits, maxDimension)!;
const hasFormat = (caps: Uint8Array, mask: number, format: number): boolean => ((new DataView(caps.buffer, caps.byteOffset).getUint32(mask + 4 * (format >> 5), true) >>> (format & 31)) & 1) === 1;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Every numeric limit set to `value`. */
function everywhere(value: number): HostGlLimits {
  return { ...(Object.fromEntries(Object.keys(WEBGL2_MINIMUM_LIMITS).map((name) => [name, value])) as Record<keyof HostGlLimits, number>), colorBufferFloat: true };
}

describe('capsets from WebGL2 limits', () => {
  it("from WebGL2's minimums: the fixed profile's capsets, 13 uniform blocks (ES 3.0's 12 and the default uniforms') included", () => {
    for (const [id, version, hash] of [[CapsetId.VIRGL, 1, FIXED_PROFILE.v1], [CapsetId.VIRGL2, 2, FIXED_PROFILE.v2]] as const) {
      const caps = virglCapset(id, version, WEBGL2_MINIMUM_LIMITS)!;
      expect(new DataView(caps.buffer).getUint32(At.MAX_UNIFORM_BLOCKS, true)).toBe(13);
      expect(sha256(caps)).toBe(hash);
    }
    expect(virglCapset(CapsetId.VIRGL2, 2)).toEqual(virglCapset(CapsetId.VIRGL2, 2, WEBGL2_MINIMUM_LIMITS));
    expect(fields(capsV2(WEBGL2_MINIMUM_LIMITS))).toMatchObject({
      MAX_TEXTURE_2D_SIZE: 2048, MAX_TEXTURE_3D_SIZE: 256, MAX_TEXTURE_CUBE_SIZE: 2048, MAX_TEXTURE_ARRAY_LAYERS: 256, MAX_RENDER_TARGETS: 4, MAX_VERTEX_ATTRIBS: 16,
      MAX_VERTEX_OUTPUTS: 16, MAX_SHADER_SAMPLER_VIEWS: 16, MAX_CONST_BUFFER_SIZE: 16384, MAX_UNIFORM_BLOCK_SIZE: 16384, MAX_ALIASED_POINT_SIZE: 64,
      MAX_ALIASED_LINE_WIDTH: 1, MAX_TEXTURE_LOD_BIAS: 2, MAX_ANISOTROPY: 1, UNIFORM_BUFFER_OFFSET_ALIGNMENT: 256,
    });
  });

  it("raises each field to what SwiftShader serves, textures up to the device's largest dimension", () => {
    expect(fields(capsV2(SWIFTSHADER))).toEqual({
      ...fields(capsV2(WEBGL2_MINIMUM_LIMITS)),
      MAX_TEXTURE_2D_SIZE: 8192, MAX_TEXTURE_3D_SIZE: 2048, MAX_TEXTURE_CUBE_SIZE: 8192, MAX_TEXTURE_ARRAY_LAYERS: 2048, MAX_RENDER_TARGETS: 8,
      MAX_VERTEX_OUTPUTS: 32, MAX_UNIFORM_BLOCKS: 14, MAX_SHADER_SAMPLER_VIEWS: 32, MAX_CONST_BUFFER_SIZE: 65536, MAX_UNIFORM_BLOCK_SIZE: 65536,
      MAX_ALIASED_POINT_SIZE: 1023, MAX_SMOOTH_POINT_SIZE: 1023, MAX_TEXTURE_LOD_BIAS: 15, MAX_ANISOTROPY: 16,
    });
    const constSizes = new Uint32Array(capsV2(SWIFTSHADER).slice(At.MAX_CONST_BUFFER_SIZE, At.MAX_CONST_BUFFER_SIZE + 24).buffer);
    expect([...constSizes]).toEqual(Array(6).fill(65536));
    expect(fields(capsV2(SWIFTSHADER, 4096))).toMatchObject({ MAX_TEXTURE_2D_SIZE: 4096, MAX_TEXTURE_3D_SIZE: 2048, MAX_TEXTURE_CUBE_SIZE: 4096 });
  });

  it('offers the least of what the stages share: blocks and texture units of one program', () => {
    const combined = { ...SWIFTSHADER, maxVertexUniformBlocks: 16, maxCombinedUniformBlocks: 26, maxUniformBufferBindings: 36, maxVertexTextureImageUnits: 20, maxCombinedTextureImageUnits: 40 };
    expect(fields(capsV2(combined))).toMatchObject({ MAX_UNIFORM_BLOCKS: 13, MAX_SHADER_SAMPLER_VIEWS: 20 });
    expect(fields(capsV2({ ...SWIFTSHADER, maxColorAttachments: 6 })).MAX_RENDER_TARGETS).toBe(6);
  });

  it('keeps huge limits within what the protocol, the decoder, the TGSI parser and the device take', () => {
    expect(fields(capsV2(everywhere(1 << 20)))).toMatchObject({
      MAX_TEXTURE_2D_SIZE: 8192, MAX_TEXTURE_3D_SIZE: 8192, MAX_TEXTURE_CUBE_SIZE: 8192, MAX_TEXTURE_ARRAY_LAYERS: 2048, MAX_RENDER_TARGETS: 8, MAX_VERTEX_ATTRIBS: 32,
      MAX_VERTEX_OUTPUTS: 64, MAX_UNIFORM_BLOCKS: 32, MAX_SHADER_SAMPLER_VIEWS: 32, MAX_CONST_BUFFER_SIZE: 65536, MAX_UNIFORM_BLOCK_SIZE: 65536, MAX_ANISOTROPY: 16,
    });
  });

  it("never offers less than WebGL2's minimums, but never textures past the device's largest dimension", () => {
    expect(capsV2(everywhere(0))).toEqual(capsV2({ ...WEBGL2_MINIMUM_LIMITS, uniformBufferOffsetAlignment: 0 }));
    expect(fields(capsV2(WEBGL2_MINIMUM_LIMITS, 1024))).toMatchObject({ MAX_TEXTURE_2D_SIZE: 1024, MAX_TEXTURE_3D_SIZE: 256, MAX_TEXTURE_CUBE_SIZE: 1024 });
  });

  it('offers float formats to draw into only with EXT_color_buffer_float', () => {
    const floats = [28, 29, 31, 91, 92, 94, 124];
    const without = capsV2({ ...SWIFTSHADER, colorBufferFloat: false });
    const withFloat = capsV2(SWIFTSHADER);
    for (const mask of [At.RENDER_FORMATS, At.READBACK_FORMATS]) {
      expect(floats.map((f) => hasFormat(withFloat, mask, f))).toEqual(floats.map(() => true));
      expect(floats.map((f) => hasFormat(without, mask, f))).toEqual(floats.map(() => false));
      expect([1, 2, 67, 134].map((f) => hasFormat(without, mask, f))).toEqual([true, true, true, true]);
    }
  });

  it('gives the decoder the limits it offers', () => {
    expect(decoderConfigFromCaps(capsV2(SWIFTSHADER))).toMatchObject({
      maxRenderTargets: 8, maxVertexAttribs: 16, maxSamplerViews: 32, maxSamplers: 32, maxUniformBlocks: 14, maxConstBufferBytes: Array(6).fill(65536), uniformBufferOffsetAlignment: 256,
    });
    expect(decoderConfigFromCaps(capsV2(everywhere(1 << 20)))).toMatchObject({ maxRenderTargets: 8, maxVertexAttribs: 32, maxSamplerViews: 32, maxSamplers: 32, maxUniformBlocks: 32 });
    expect(decoderConfigFromCaps(capsV2(WEBGL2_MINIMUM_LIMITS))).toMatchObject({ maxRenderTargets: 4, maxSamplerViews: 16, maxUniformBlocks: 13, maxConstBufferBytes: Array(6).fill(16384) });
  });
});

describe('the device', () => {
  it("offers its renderer's limits, textures within its own largest dimension", async () => {
    const capset = async (limits: Partial<DeviceLimits>) => {
      const r = rig({ features: { virgl: true }, renderer3d: new RecordingRenderer(SWIFTSHADER), limits });
      return (await send(r, W.GetCapset, { hdr: hdr(C.GET_CAPSET), capsetId: CapsetId.VIRGL2, capsetVersion: 2 })).subarray(24);
    };
    expect(await capset({})).toEqual(capsV2(SWIFTSHADER));
    expect(await capset({ maxDimension: 4096 })).toEqual(capsV2(SWIFTSHADER, 4096));
  });

  it("offers WebGL2's minimums with the default renderer", async () => {
    const r = rig({ features: { virgl: true } });
    expect((await send(r, W.GetCapset, { hdr: hdr(C.GET_CAPSET), capsetId: CapsetId.VIRGL, capsetVersion: 1 })).subarray(24)).toEqual(virglCapset(CapsetId.VIRGL, 1, WEBGL2_MINIMUM_LIMITS));
  });
});

/** A WebGL2 context that answers getParameter from `answers` (by constant name) and has the extensions named. */
function fakeGl(answers: Readonly<Record<string, unknown>>, extensions: readonly string[]): WebGL2RenderingContext {
  const MAX_TEXTURE_MAX_ANISOTROPY_EXT = 0x84ff;
  const anisotropic = { MAX_TEXTURE_MAX_ANISOTROPY_EXT };
  return new Proxy({} as WebGL2RenderingContext, {
    get(_target, name) {
      if (name === 'getParameter') return (pname: unknown) => (pname === MAX_TEXTURE_MAX_ANISOTROPY_EXT ? answers.MAX_TEXTURE_MAX_ANISOTROPY_EXT : answers[String(pname)]);
      if (name === 'getExtension') return (ext: string) => (!extensions.includes(ext) ? null : ext === 'EXT_texture_filter_anisotropic' ? anisotropic : {});
      // Each constant is its own name, so getParameter can answer by name.
      return name;
    },
  });
}

describe('reading the limits from WebGL2', () => {
  const swiftShaderAnswers = {
    MAX_TEXTURE_SIZE: 8192, MAX_3D_TEXTURE_SIZE: 2048, MAX_CUBE_MAP_TEXTURE_SIZE: 16384, MAX_ARRAY_TEXTURE_LAYERS: 2048, MAX_DRAW_BUFFERS: 8, MAX_COLOR_ATTACHMENTS: 8,
    MAX_VERTEX_ATTRIBS: 16, MAX_VERTEX_OUTPUT_COMPONENTS: 128, MAX_VERTEX_UNIFORM_BLOCKS: 14, MAX_FRAGMENT_UNIFORM_BLOCKS: 14, MAX_COMBINED_UNIFORM_BLOCKS: 60,
    MAX_UNIFORM_BUFFER_BINDINGS: 72, MAX_UNIFORM_BLOCK_SIZE: 65536, MAX_TEXTURE_IMAGE_UNITS: 32, MAX_VERTEX_TEXTURE_IMAGE_UNITS: 32, MAX_COMBINED_TEXTURE_IMAGE_UNITS: 64,
    ALIASED_POINT_SIZE_RANGE: Float32Array.of(1, 1023), ALIASED_LINE_WIDTH_RANGE: Float32Array.of(1, 1), MAX_TEXTURE_LOD_BIAS: 15, UNIFORM_BUFFER_OFFSET_ALIGNMENT: 256,
    MAX_TEXTURE_MAX_ANISOTROPY_EXT: 16,
  };

  it('reads each limit, the tops of the ranges, and the extensions', () => {
    expect(readHostGlLimits(fakeGl(swiftShaderAnswers, ['EXT_color_buffer_float', 'EXT_texture_filter_anisotropic']))).toEqual(SWIFTSHADER);
    expect(readHostGlLimits(fakeGl(swiftShaderAnswers, []))).toEqual({ ...SWIFTSHADER, maxTextureMaxAnisotropy: 1, colorBufferFloat: false });
  });

  it("takes WebGL2's minimums where a lost context answers nothing", () => {
    expect(readHostGlLimits(fakeGl({}, ['EXT_color_buffer_float']))).toEqual(WEBGL2_MINIMUM_LIMITS);
  });
});

describe('a context made after the guest read its capsets', () => {
  it('names what it serves less of than was promised', () => {
    expect(shortfalls(SWIFTSHADER, SWIFTSHADER)).toEqual([]);
    expect(shortfalls(WEBGL2_MINIMUM_LIMITS, SWIFTSHADER)).toEqual([]);
    expect(shortfalls(SWIFTSHADER, { ...SWIFTSHADER, maxTextureSize: 4096, uniformBufferOffsetAlignment: 512, colorBufferFloat: false })).toEqual([
      'maxTextureSize 4096 (promised 8192)',
      'uniformBufferOffsetAlignment 512 (promised 256)',
      'colorBufferFloat false (promised true)',
    ]);
  });

  it("is a new GPU worker's, which the proxy asks to keep the first worker's limits", async () => {
    const asked: unknown[] = [];
    const remote = { virglInit: (promised: unknown) => (asked.push(promised), Promise.resolve({ ok: true, renderer: 'new', limits: WEBGL2_MINIMUM_LIMITS })) };
    const proxy = new WorkerRenderer3d(() => remote as unknown as Parameters<WorkerRenderer3d['restarted']>[0], () => {}, SWIFTSHADER);
    await proxy.restarted(remote as unknown as Parameters<WorkerRenderer3d['restarted']>[0]);
    expect(asked).toEqual([SWIFTSHADER]);
    expect(proxy.limits).toBe(SWIFTSHADER);
  });
});
