/**
 * The virgl stream decoder: hand-built streams decode to the sink calls they
 * encode; every malformed or ruled-out command ends its stream with where and
 * why, after the commands before it and before any after it; random and
 * mutated streams never throw and never reach the sink with values out of
 * range; the streams Mesa sent for the 3d guest's programs decode whole.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { virglCapset } from '../../src/device/virgl-caps.ts';
import { CapsetId } from '../../src/protocol/constants.ts';
import type { VirglSink } from '../../src/virgl/commands.ts';
import { decoderConfigFromCaps, type DecoderConfig } from '../../src/virgl/config.ts';
import { formatDecodeError, VirglDecoder, type DecodeError } from '../../src/virgl/decoder.ts';
import { Command as C, COMMAND_NAMES, Header, isFormat, ObjectType as O, ShaderStage as S } from '../../src/virgl/protocol.ts';
import {
  bytesOf, CAPABILITY_BITS, capsWith, cmd, deviceConfig as device, everythingConfig as everything, fixtureFiles, setBits, shaderPackets, submits, textDwords, VIRGL_FIXTURES as FIXTURES,
} from '../fuzz/virgl-fixtures.ts';

const f = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0]!;
function shader(handle: number, stage: number, text: string, tokens = 8): number[] {
  return cmd(C.CREATE_OBJECT, O.SHADER, handle, stage, text.length + 1, tokens, 0, ...textDwords(text));
}

/** Arguments as plain values: scratch arrays cut to their counts, spans to their windows, shader text as a string. */
function plain(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as Uint8Array);
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if ('u32' in o && 'count' in o) return Array.from((o.u32 as Uint32Array).subarray(o.start as number, (o.start as number) + (o.count as number)));
  if ('bytes' in o) return Array.from((o.bytes as Uint8Array).subarray(o.start as number, (o.start as number) + (o.length as number)));
  if ('u32' in o && 'i32' in o) return Array.from(o.u32 as Uint32Array);
  if ('outputCount' in o) {
    const count = o.outputCount as number;
    return { ...o, strides: Array.from(o.strides as Uint32Array), outputs: plain((o.outputs as unknown[]).slice(0, count)) };
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)]));
}

/** Methods that pass a scratch array and its count: the argument indexes of both. */
const COUNTED: Partial<Record<keyof VirglSink, readonly [number, number]>> = {
  createVertexElements: [1, 2],
  setViewportStates: [1, 2],
  setScissorStates: [1, 2],
  setFramebufferState: [1, 2],
  setVertexBuffers: [0, 1],
  setSamplerViews: [2, 3],
  bindSamplerStates: [2, 3],
  setStreamoutTargets: [1, 2],
};

type Call = [string, ...unknown[]];

function recorder(): { sink: VirglSink; calls: Call[] } {
  const calls: Call[] = [];
  const sink = new Proxy({} as VirglSink, {
    get: (_target, property) => (...args: unknown[]) => {
      const method = String(property) as keyof VirglSink;
      const counted = COUNTED[method];
      const shown = args.map((arg, i) => (counted && i === counted[0] ? plain((arg as unknown[]).slice(0, args[counted[1]] as number)) : plain(arg)));
      if (method === 'createShader') shown[2] = new TextDecoder().decode(args[2] as Uint8Array);
      calls.push([method, ...shown]);
    },
  });
  return { sink, calls };
}

function run(dwords: readonly number[], config: DecoderConfig = device, decoder = new VirglDecoder(config)): { calls: Call[]; error: DecodeError | null } {
  const { sink, calls } = recorder();
  const error = decoder.decode(bytesOf(dwords), sink);
  return { calls, error };
}

describe('the configuration the device offers', () => {
  it('offers the commands Mesa 22.3 sends to an OpenGL ES 3.0 host, and the limits the caps promise', () => {
    const offered = COMMAND_NAMES.filter((_, n) => device.commands[n]);
    expect(offered).toEqual([
      'NOP', 'CREATE_OBJECT', 'BIND_OBJECT', 'DESTROY_OBJECT', 'SET_VIEWPORT_STATE', 'SET_FRAMEBUFFER_STATE', 'SET_VERTEX_BUFFERS', 'CLEAR', 'DRAW_VBO',
      'RESOURCE_INLINE_WRITE', 'SET_SAMPLER_VIEWS', 'SET_INDEX_BUFFER', 'SET_CONSTANT_BUFFER', 'SET_STENCIL_REF', 'SET_BLEND_COLOR', 'SET_SCISSOR_STATE',
      'BLIT', 'RESOURCE_COPY_REGION', 'BIND_SAMPLER_STATES', 'BEGIN_QUERY', 'END_QUERY', 'GET_QUERY_RESULT', 'SET_POLYGON_STIPPLE', 'SET_CLIP_STATE',
      'SET_SAMPLE_MASK', 'SET_STREAMOUT_TARGETS', 'SET_UNIFORM_BUFFER', 'SET_SUB_CTX', 'CREATE_SUB_CTX', 'DESTROY_SUB_CTX', 'BIND_SHADER', 'LINK_SHADER',
    ]);
    expect(device).toMatchObject({ maxRenderTargets: 4, maxViewports: 1, maxVertexAttribs: 16, maxSamplerViews: 16, maxSamplers: 16, maxUniformBlocks: 13, maxStreamoutBuffers: 4, primModes: 0x7f, textureViews: false, startInstance: false });
    expect(device.shaderStages).toEqual([true, true, false, false, false, false]);
    expect(device.objectTypes).toEqual([false, true, true, true, true, true, true, true, true, true, true, false]);
  });

  it('refuses up front capsets that offer what the decoder cannot decode', () => {
    const compute = decoderConfigFromCaps(capsWith((v) => setBits(v, CAPABILITY_BITS, 1 << 7)));
    expect(() => new VirglDecoder(compute)).toThrow(/LAUNCH_GRID, compute shaders/);
  });

  it('reads a v1 capset as Mesa does: the fields v2 adds take Mesa\'s defaults', () => {
    const v1 = decoderConfigFromCaps(virglCapset(CapsetId.VIRGL, 1)!);
    expect(v1.commands[C.LINK_SHADER]).toBe(false);
    expect(v1).toMatchObject({ maxVertexAttribs: 16, maxSamplerViews: 16, uniformBufferOffsetAlignment: 256, maxConstBufferBytes: Array(6).fill(65536) });
  });
});

describe('commands decode to sink calls', () => {
  it('creates every object type, binds and destroys objects', () => {
    const blendRt0 = 1 | (0 << 1) | (3 << 4) | (0x13 << 9) | (0 << 14) | (1 << 17) | (0x11 << 22) | (0xf << 27);
    const { calls, error } = run([
      ...cmd(C.CREATE_OBJECT, O.BLEND, 1, 1 << 3, 5, blendRt0, 0, 0, 0, 0, 0, 0, 0),
      ...cmd(C.CREATE_OBJECT, O.RASTERIZER, 2, (1 << 1) | (2 << 8) | (1 << 14) | (1 << 15) | (1 << 29), f(1.5), 0, 0xffff | (3 << 16) | (5 << 24), f(2), f(1), f(0.5), f(0)),
      ...cmd(C.CREATE_OBJECT, O.DSA, 3, 1 | 2 | (1 << 2) | (1 << 8) | (6 << 9), 1 | (7 << 1) | (1 << 4) | (2 << 7) | (3 << 10) | (0xff << 13) | (0xf << 21), 0, f(0.5)),
      ...cmd(C.CREATE_OBJECT, O.VERTEX_ELEMENTS, 4, 0, 0, 0, 29, 8, 1, 1, 30),
      ...cmd(C.CREATE_OBJECT, O.SAMPLER_VIEW, 5, 9, 67, 3 << 16, 1 | (4 << 8), 0 | (1 << 3) | (2 << 6) | (5 << 9)),
      ...cmd(C.CREATE_OBJECT, O.SAMPLER_STATE, 6, 2 | (4 << 3) | (1 << 6) | (1 << 9) | (2 << 11) | (1 << 13) | (1 << 15) | (3 << 16) | (1 << 19) | (4 << 20), f(0.25), f(-1), f(8), f(1), 0, 0, f(1)),
      ...cmd(C.CREATE_OBJECT, O.SURFACE, 7, 10, 2, 1, 2 | (5 << 16)),
      ...cmd(C.CREATE_OBJECT, O.QUERY, 8, 5 | (2 << 16), 16, 11),
      ...cmd(C.CREATE_OBJECT, O.STREAMOUT_TARGET, 9, 12, 0, 256),
      ...cmd(C.BIND_OBJECT, O.BLEND, 1),
      ...cmd(C.BIND_OBJECT, O.VERTEX_ELEMENTS, 0),
      ...cmd(C.DESTROY_OBJECT, O.SURFACE, 7),
    ]);
    expect(error).toBeNull();
    const off = { blendEnable: false, rgbFunc: 0, rgbSrcFactor: 0, rgbDstFactor: 0, alphaFunc: 0, alphaSrcFactor: 0, alphaDstFactor: 0, colorMask: 0 };
    expect(calls[0]).toEqual([
      'createBlend',
      1,
      {
        independentBlendEnable: false,
        logicOpEnable: false,
        dither: false,
        alphaToCoverage: true,
        alphaToOne: false,
        logicOpFunc: 5,
        targets: [{ blendEnable: true, rgbFunc: 0, rgbSrcFactor: 3, rgbDstFactor: 0x13, alphaFunc: 0, alphaSrcFactor: 1, alphaDstFactor: 0x11, colorMask: 15 }, ...Array(7).fill(off)],
      },
    ]);
    expect(calls[1]?.[0]).toBe('createRasterizer');
    expect(calls[1]?.[2]).toMatchObject({ depthClip: true, cullFace: 2, scissor: true, frontCcw: true, halfPixelCenter: true, flatshade: false, pointSize: 1.5, lineStipplePattern: 0xffff, lineStippleFactor: 3, clipPlaneEnable: 5, lineWidth: 2, offsetUnits: 1, offsetScale: 0.5 });
    expect(calls[2]).toEqual([
      'createDsa',
      3,
      {
        depthEnabled: true,
        depthWriteMask: true,
        depthFunc: 1,
        alphaEnabled: true,
        alphaFunc: 6,
        alphaRef: 0.5,
        stencil: [
          { enabled: true, func: 7, failOp: 1, zpassOp: 2, zfailOp: 3, valueMask: 255, writeMask: 15 },
          { enabled: false, func: 0, failOp: 0, zpassOp: 0, zfailOp: 0, valueMask: 0, writeMask: 0 },
        ],
      },
    ]);
    expect(calls.slice(3)).toEqual([
      ['createVertexElements', 4, [{ srcOffset: 0, instanceDivisor: 0, bufferIndex: 0, format: 29 }, { srcOffset: 8, instanceDivisor: 1, bufferIndex: 1, format: 30 }], 2],
      ['createSamplerView', 5, { resource: 9, format: 67, target: null, firstElement: 3 << 16, lastElement: 0x401, firstLayer: 0, lastLayer: 3, firstLevel: 1, lastLevel: 4, swizzleR: 0, swizzleG: 1, swizzleB: 2, swizzleA: 5 }],
      [
        'createSamplerState',
        6,
        { wrapS: 2, wrapT: 4, wrapR: 1, minImgFilter: 1, minMipFilter: 2, magImgFilter: 1, compareMode: true, compareFunc: 3, seamlessCubeMap: true, maxAnisotropy: 4, lodBias: 0.25, minLod: -1, maxLod: 8, borderColor: [f(1), 0, 0, f(1)] },
      ],
      ['createSurface', 7, { resource: 10, format: 2, level: 1, firstLayer: 2, lastLayer: 5, sampleCount: 0 }],
      ['createQuery', 8, { type: 5, index: 2, resource: 11, offset: 16 }],
      ['createStreamoutTarget', 9, 12, 0, 256],
      ['bindObject', O.BLEND, 1],
      ['bindObject', O.VERTEX_ELEMENTS, 0],
      ['destroyObject', O.SURFACE, 7],
    ]);
  });

  it('hands over a shader with its header fields and stream-output declarations', () => {
    const soOutput = 1 | (0 << 8) | (4 << 10) | (1 << 13) | (16 << 16);
    const text = 'VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n';
    const { calls, error } = run([
      ...shader(10, S.FRAGMENT, 'FRAG\nEND\n', 3),
      ...cmd(C.CREATE_OBJECT, O.SHADER, 11, S.VERTEX, text.length + 1, 12, 1, 4, 8, 0, 0, soOutput, 0, ...textDwords(text)),
    ]);
    expect(error).toBeNull();
    expect(calls).toEqual([
      ['createShader', 10, { stage: S.FRAGMENT, numTokens: 3, outputCount: 0, strides: [0, 0, 0, 0], outputs: [] }, 'FRAG\nEND\n'],
      ['createShader', 11, { stage: S.VERTEX, numTokens: 12, outputCount: 1, strides: [4, 8, 0, 0], outputs: [{ registerIndex: 1, startComponent: 0, numComponents: 4, buffer: 1, dstOffset: 16, stream: 0 }] }, text],
    ]);
  });

  it('assembles a shader from continuation packets, across streams', () => {
    const text = `FRAG\n${'DCL TEMP[0]\n'.repeat(9)}END\n`;
    const decoder = new VirglDecoder(device);
    const packets = shaderPackets(20, S.FRAGMENT, text, 8, 40);
    expect(packets.length).toBeGreaterThan(3);
    const first = run([...packets[0]!, ...packets[1]!], device, decoder);
    expect(first).toEqual({ calls: [], error: null });
    const rest = run(packets.slice(2).flat(), device, decoder);
    expect(rest.error).toBeNull();
    expect(rest.calls).toEqual([['createShader', 20, { stage: S.FRAGMENT, numTokens: 40, outputCount: 0, strides: [0, 0, 0, 0], outputs: [] }, text]]);
  });

  it('sets pipeline state', () => {
    const planes = Array.from({ length: 32 }, (_, i) => i / 4);
    const { calls, error } = run([
      ...cmd(C.SET_VIEWPORT_STATE, 0, 0, f(320), f(-240), f(0.5), f(320), f(240), f(0.5)),
      ...cmd(C.SET_FRAMEBUFFER_STATE, 0, 2, 3, 1, 2),
      ...cmd(C.SET_VERTEX_BUFFERS, 0, 20, 0, 8, 16, 64, 9),
      ...cmd(C.SET_SAMPLER_VIEWS, 0, S.FRAGMENT, 0, 5, 0),
      ...cmd(C.BIND_SAMPLER_STATES, 0, S.FRAGMENT, 2, 6),
      ...cmd(C.SET_INDEX_BUFFER, 0, 12, 2, 64),
      ...cmd(C.SET_INDEX_BUFFER, 0, 0),
      ...cmd(C.SET_CONSTANT_BUFFER, 0, S.VERTEX, 0, f(1), f(2), f(3), f(4)),
      ...cmd(C.SET_CONSTANT_BUFFER, 0, S.GEOMETRY, 3),
      ...cmd(C.SET_UNIFORM_BUFFER, 0, S.FRAGMENT, 1, 256, 64, 13),
      ...cmd(C.SET_STENCIL_REF, 0, 0x0201),
      ...cmd(C.SET_BLEND_COLOR, 0, f(1), f(0.5), f(0.25), f(0)),
      ...cmd(C.SET_SCISSOR_STATE, 0, 0, 10 | (20 << 16), 100 | (200 << 16)),
      ...cmd(C.SET_POLYGON_STIPPLE, 0, ...Array.from({ length: 32 }, (_, i) => i)),
      ...cmd(C.SET_CLIP_STATE, 0, ...planes.map(f)),
      ...cmd(C.SET_SAMPLE_MASK, 0, 0xffffffff),
      ...cmd(C.SET_STREAMOUT_TARGETS, 0, 1, 9, 0),
      ...cmd(C.BIND_SHADER, 0, 10, S.FRAGMENT),
      ...cmd(C.BIND_SHADER, 0, 0, S.GEOMETRY),
      ...cmd(C.LINK_SHADER, 0, 3, 4, 0, 0, 0, 0),
    ]);
    expect(error).toBeNull();
    expect(calls).toEqual([
      ['setViewportStates', 0, [{ scaleX: 320, scaleY: -240, scaleZ: 0.5, translateX: 320, translateY: 240, translateZ: 0.5 }], 1],
      ['setFramebufferState', 3, [1, 2], 2],
      ['setVertexBuffers', [{ stride: 20, offset: 0, resource: 8 }, { stride: 16, offset: 64, resource: 9 }], 2],
      ['setSamplerViews', S.FRAGMENT, 0, [5, 0], 2],
      ['bindSamplerStates', S.FRAGMENT, 2, [6], 1],
      ['setIndexBuffer', 12, 2, 64],
      ['setIndexBuffer', 0, 0, 0],
      ['setConstantBuffer', S.VERTEX, 0, [f(1), f(2), f(3), f(4)]],
      ['setConstantBuffer', S.GEOMETRY, 3, []],
      ['setUniformBuffer', S.FRAGMENT, 1, 256, 64, 13],
      ['setStencilRef', 1, 2],
      ['setBlendColor', 1, 0.5, 0.25, 0],
      ['setScissorStates', 0, [{ minX: 10, minY: 20, maxX: 100, maxY: 200 }], 1],
      ['setPolygonStipple', Array.from({ length: 32 }, (_, i) => i)],
      ['setClipState', planes],
      ['setSampleMask', 0xffffffff],
      ['setStreamoutTargets', 1, [9, 0], 2],
      ['bindShader', S.FRAGMENT, 10],
      ['bindShader', S.GEOMETRY, 0],
      ['linkShader', [3, 4, 0, 0, 0, 0]],
    ]);
  });

  it('clears, draws, writes, blits, copies and queries', () => {
    const { calls, error } = run([
      ...cmd(C.CLEAR, 0, 4 | 1, f(0.1), f(0.2), f(0.3), f(1), 0, 0x3ff00000, 7),
      ...cmd(C.DRAW_VBO, 0, 0, 6, 4, 1, 1, -2 >>> 0, 0, 1, 0xffff, 0, 5, 0),
      ...cmd(C.RESOURCE_INLINE_WRITE, 0, 8, 0, 0, 0, 0, 16, 0, 0, 8, 1, 1, 0x04030201, 0x08070605),
      ...cmd(C.BLIT, 0, 0xf | (1 << 8) | (1 << 10), 1 | (2 << 16), 30 | (40 << 16), 20, 0, 67, 0, 0, 0, 64, -64 >>> 0, 1, 21, 1, 2, 0, 0, 0, 32, 32, 1),
      ...cmd(C.RESOURCE_COPY_REGION, 0, 30, 0, 1, 2, 0, 31, 1, 0, 0, 0, 4, 4, 1),
      ...cmd(C.BEGIN_QUERY, 0, 8),
      ...cmd(C.END_QUERY, 0, 8),
      ...cmd(C.GET_QUERY_RESULT, 0, 8, 1),
    ]);
    expect(error).toBeNull();
    const box = (x: number, y: number, z: number, width: number, height: number, depth: number) => ({ x, y, z, width, height, depth });
    expect(calls).toEqual([
      ['clear', 5, [f(0.1), f(0.2), f(0.3), f(1)], 1, 7],
      ['drawVbo', { start: 0, count: 6, mode: 4, indexed: true, instanceCount: 1, indexBias: -2, startInstance: 0, primitiveRestart: true, restartIndex: 0xffff, minIndex: 0, maxIndex: 5, countFromStreamOutput: 0 }],
      ['resourceInlineWrite', { resource: 8, level: 0, usage: 0, stride: 0, layerStride: 0, box: box(16, 0, 0, 8, 1, 1) }, [1, 2, 3, 4, 5, 6, 7, 8]],
      [
        'blit',
        {
          mask: 15,
          filter: 1,
          scissorEnable: true,
          renderConditionEnable: false,
          alphaBlend: false,
          scissor: { minX: 1, minY: 2, maxX: 30, maxY: 40 },
          dst: { resource: 20, level: 0, format: 67, box: box(0, 0, 0, 64, -64, 1) },
          src: { resource: 21, level: 1, format: 2, box: box(0, 0, 0, 32, 32, 1) },
        },
      ],
      ['resourceCopyRegion', { dstResource: 30, dstLevel: 0, dstX: 1, dstY: 2, dstZ: 0, srcResource: 31, srcLevel: 1, srcBox: box(0, 0, 0, 4, 4, 1) }],
      ['beginQuery', 8],
      ['endQuery', 8],
      ['getQueryResult', 8, true],
    ]);
  });

  it('handles sub-contexts and skips NOPs', () => {
    const { calls, error } = run([...cmd(C.CREATE_SUB_CTX, 0, 1), ...cmd(C.SET_SUB_CTX, 0, 1), ...cmd(C.NOP, 0, 7, 7), ...cmd(C.SET_SUB_CTX, 0, 0), ...cmd(C.DESTROY_SUB_CTX, 0, 1)]);
    expect(error).toBeNull();
    expect(calls).toEqual([
      ['createSubContext', 1],
      ['setSubContext', 1],
      ['setSubContext', 0],
      ['destroySubContext', 1],
    ]);
  });

  it('decodes, where the capsets offer them, transfers, tweaks, texture and surface clears, stream-created resources, render conditions, MSAA surfaces, view targets and base instances', () => {
    const region = { resource: 8, level: 1, usage: 2, stride: 256, layerStride: 4096, box: { x: 1, y: 2, z: 0, width: 3, height: 4, depth: 1 } };
    const { calls, error } = run(
      [
        ...cmd(C.TRANSFER3D, 0, 8, 1, 2, 256, 4096, 1, 2, 0, 3, 4, 1, 512, 2),
        ...cmd(C.END_TRANSFERS, 0, 0, 0, 0),
        ...cmd(C.COPY_TRANSFER3D, 0, 8, 1, 2, 256, 4096, 1, 2, 0, 3, 4, 1, 9, 64, 3),
        ...cmd(C.SET_TWEAKS, 0, 2, 7),
        ...cmd(C.CLEAR_TEXTURE, 0, 8, 0, 0, 0, 0, 4, 4, 1, 1, 2, 3, 4),
        ...cmd(C.CLEAR_SURFACE, 0, 1 | (4 << 1), 7, f(1), 0, 0, f(1), 5, 6, 70, 80),
        ...cmd(C.PIPE_RESOURCE_CREATE, 0, 0, 64, 1 << 4, 4096, 1, 1, 1, 0, 0, 3, 1),
        ...cmd(C.SET_RENDER_CONDITION, 0, 8, 1, 3),
        ...cmd(C.CREATE_OBJECT, O.MSAA_SURFACE, 7, 10, 2, 0, 0, 4),
        ...cmd(C.CREATE_OBJECT, O.SAMPLER_VIEW, 5, 9, 67 | (7 << 24), 0, 0, 0),
        ...cmd(C.DRAW_VBO, 0, 0, 3, 4, 0, 2, 0, 5, 0, 0, 0, 0, 0),
      ],
      everything,
    );
    expect(error).toBeNull();
    expect(calls.map((c) => c[0])).toEqual([
      'transfer3d',
      'endTransfers',
      'copyTransfer3d',
      'setTweak',
      'clearTexture',
      'clearSurface',
      'pipeResourceCreate',
      'setRenderCondition',
      'createSurface',
      'createSamplerView',
      'drawVbo',
    ]);
    expect(calls[0]).toEqual(['transfer3d', { ...region, dataOffset: 512, toHost: false }]);
    expect(calls[2]).toEqual(['copyTransfer3d', { ...region, srcResource: 9, srcOffset: 64, synchronized: true, readFromHost: true }]);
    expect(calls[3]).toEqual(['setTweak', 2, 7]);
    expect(calls[4]).toEqual(['clearTexture', 8, 0, { x: 0, y: 0, z: 0, width: 4, height: 4, depth: 1 }, [1, 2, 3, 4]]);
    expect(calls[5]).toEqual(['clearSurface', { surface: 7, buffers: 4, renderConditionEnable: true, value: [f(1), 0, 0, f(1)], x: 5, y: 6, width: 70, height: 80 }]);
    expect(calls[6]).toEqual(['pipeResourceCreate', { target: 0, format: 64, bind: 1 << 4, width: 4096, height: 1, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: 3, blobId: 1 }]);
    expect(calls[7]).toEqual(['setRenderCondition', 8, true, 3]);
    expect(calls[8]).toEqual(['createSurface', 7, { resource: 10, format: 2, level: 0, firstLayer: 0, lastLayer: 0, sampleCount: 4 }]);
    expect(calls[9]?.[2]).toMatchObject({ format: 67, target: 7 });
    expect(calls[10]?.[1]).toMatchObject({ startInstance: 5, instanceCount: 2 });
  });

  it('hands the sink the same scratch structures command after command', () => {
    const seen: unknown[] = [];
    const sink = new Proxy({} as VirglSink, { get: () => (arg: unknown) => seen.push(arg) });
    const draw = cmd(C.DRAW_VBO, 0, 0, 3, 4, 0, 1, 0, 0, 0, 0, 0, 2, 0);
    const decoder = new VirglDecoder(device);
    expect(decoder.decode(bytesOf([...draw, ...draw]), sink)).toBeNull();
    expect(decoder.decode(bytesOf(draw), sink)).toBeNull();
    expect(seen).toHaveLength(3);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
  });

  it('reads a stream that does not start on a dword boundary', () => {
    const dwords = [...cmd(C.SET_SAMPLE_MASK, 0, 3), ...cmd(C.DRAW_VBO, 0, 0, 3, 4, 0, 1, 0, 0, 0, 0, 0, 2, 0)];
    const shifted = new Uint8Array(1 + dwords.length * 4).subarray(1);
    shifted.set(bytesOf(dwords));
    const { sink, calls } = recorder();
    expect(new VirglDecoder(device).decode(shifted, sink)).toBeNull();
    expect(calls).toEqual(run(dwords).calls);
  });
});

describe('commands the capsets rule out are refused by name', () => {
  const ruledOut = COMMAND_NAMES.filter((_, n) => !device.commands[n]);

  it('names them', () => {
    expect(ruledOut).toEqual([
      'SET_RENDER_CONDITION', 'SET_TESS_STATE', 'SET_MIN_SAMPLES', 'SET_SHADER_BUFFERS', 'SET_SHADER_IMAGES', 'MEMORY_BARRIER', 'LAUNCH_GRID',
      'SET_FRAMEBUFFER_STATE_NO_ATTACH', 'TEXTURE_BARRIER', 'SET_ATOMIC_BUFFERS', 'SET_DEBUG_FLAGS', 'GET_QUERY_RESULT_QBO', 'TRANSFER3D', 'END_TRANSFERS',
      'COPY_TRANSFER3D', 'SET_TWEAKS', 'CLEAR_TEXTURE', 'PIPE_RESOURCE_CREATE', 'PIPE_RESOURCE_SET_TYPE', 'GET_MEMORY_INFO', 'EMIT_STRING_MARKER',
      'CREATE_VIDEO_CODEC', 'DESTROY_VIDEO_CODEC', 'CREATE_VIDEO_BUFFER', 'DESTROY_VIDEO_BUFFER', 'BEGIN_FRAME', 'DECODE_MACROBLOCK', 'DECODE_BITSTREAM',
      'ENCODE_BITSTREAM', 'END_FRAME', 'CLEAR_SURFACE', 'GET_PIPE_RESOURCE_LAYOUT',
    ]);
  });

  it.each(ruledOut)('%s', (name) => {
    const command = COMMAND_NAMES.indexOf(name);
    const { calls, error } = run([...cmd(C.SET_SAMPLE_MASK, 0, 1), ...cmd(command, 0, 1, 2), ...cmd(C.SET_SAMPLE_MASK, 0, 2)]);
    expect(calls).toEqual([['setSampleMask', 1]]);
    expect(error).toEqual({ offset: 8, command: name, reason: "not offered by this device's capsets" });
    expect(formatDecodeError(error!)).toBe(`${name} at byte 8: not offered by this device's capsets`);
  });
});

const TEXT = textDwords('FRAG\nEND\n');
const shaderHeader = (stage: number, offlen: number, tokens: number, outputs: number) => [Header.encode(C.CREATE_OBJECT, O.SHADER, 5 + TEXT.length), 30, stage, offlen, tokens, outputs];

/** Each: a command, the name the error gives it, and the reason. */
const MALFORMED: [string, number[], string, RegExp, DecoderConfig?][] = [
  ['a length past the stream', [Header.encode(C.CLEAR, 0, 8), 1, 2], 'CLEAR', /length 8 dwords runs past the stream's end \(4 left\)/],
  ['an unknown command', cmd(200, 0), 'command 200', /^unknown command$/],
  ['an object type on a plain command', cmd(C.SET_SAMPLE_MASK, 3, 1), 'SET_SAMPLE_MASK', /object type 3 on a command that takes none/],
  ['an unknown object type', cmd(C.CREATE_OBJECT, 12, 1), 'CREATE_OBJECT(#12)', /unknown object type/],
  ['object type 0', cmd(C.DESTROY_OBJECT, 0, 1), 'DESTROY_OBJECT(NULL)', /unknown object type/],
  ['an object type the capsets rule out', cmd(C.CREATE_OBJECT, O.MSAA_SURFACE, 7, 10, 2, 0, 0, 4), 'CREATE_OBJECT(MSAA_SURFACE)', /not offered by this device's capsets/],
  ['binding what cannot be bound', cmd(C.BIND_OBJECT, O.SURFACE, 1), 'BIND_OBJECT(SURFACE)', /not an object type this command takes/],
  ['a fixed length missed', cmd(C.CREATE_OBJECT, O.BLEND, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), 'CREATE_OBJECT(BLEND)', /length 10 dwords; expected 11 dwords/],
  ['a length not made of whole items', cmd(C.SET_VERTEX_BUFFERS, 0, 1, 2, 3, 4), 'SET_VERTEX_BUFFERS', /expected 0 \+ 3 per vertex buffer dwords, at most 16 vertex buffers/],
  ['more vertex buffers than the device has', cmd(C.SET_VERTEX_BUFFERS, 0, ...Array(51).fill(0)), 'SET_VERTEX_BUFFERS', /length 51/],
  ['more vertex elements than the device has', cmd(C.CREATE_OBJECT, O.VERTEX_ELEMENTS, 4, ...Array(68).fill(29)), 'CREATE_OBJECT(VERTEX_ELEMENTS)', /at most 16 elements/],
  ['more colour buffers than the device has', cmd(C.SET_FRAMEBUFFER_STATE, 0, 5, 0, 1, 2, 3, 4, 5), 'SET_FRAMEBUFFER_STATE', /at most 4 colour buffers/],
  ['a colour buffer count the length disagrees with', cmd(C.SET_FRAMEBUFFER_STATE, 0, 2, 0, 1), 'SET_FRAMEBUFFER_STATE', /2 colour buffers in a command with room for 1/],
  ['object handle 0', cmd(C.CREATE_OBJECT, O.DSA, 0, 0, 0, 0, 0), 'CREATE_OBJECT(DSA)', /handle is 0/],
  ['destroying handle 0', cmd(C.DESTROY_OBJECT, O.BLEND, 0), 'DESTROY_OBJECT(BLEND)', /handle is 0/],
  ['a blend factor that is none', cmd(C.CREATE_OBJECT, O.BLEND, 1, 0, 0, 1 | (0x16 << 4), 0, 0, 0, 0, 0, 0, 0), 'CREATE_OBJECT(BLEND)', /target 0: rgb src factor 22 is not a blend factor/],
  ['a dual-source factor', cmd(C.CREATE_OBJECT, O.BLEND, 1, 1, 0, 0, 1 | (1 << 4) | (0x09 << 9) | (1 << 17) | (1 << 22), 0, 0, 0, 0, 0, 0), 'CREATE_OBJECT(BLEND)', /target 1: rgb dst factor 9 is dual-source/],
  ['a blend function out of range', cmd(C.CREATE_OBJECT, O.BLEND, 1, 0, 0, 1 | (5 << 1) | (1 << 4) | (1 << 9) | (1 << 17) | (1 << 22), 0, 0, 0, 0, 0, 0, 0), 'CREATE_OBJECT(BLEND)', /rgb func 5/],
  ['a fill mode out of range', cmd(C.CREATE_OBJECT, O.RASTERIZER, 2, 3 << 10, 0, 0, 0, 0, 0, 0, 0), 'CREATE_OBJECT(RASTERIZER)', /front fill mode 3/],
  ['a vertex format that is none', cmd(C.CREATE_OBJECT, O.VERTEX_ELEMENTS, 4, 0, 0, 0, 73), 'CREATE_OBJECT(VERTEX_ELEMENTS)', /element 0: format 73 is not a virgl format/],
  ['a vertex buffer index past the device', cmd(C.CREATE_OBJECT, O.VERTEX_ELEMENTS, 4, 0, 0, 16, 29), 'CREATE_OBJECT(VERTEX_ELEMENTS)', /vertex buffer index 16/],
  ['a sampler view of resource 0', cmd(C.CREATE_OBJECT, O.SAMPLER_VIEW, 5, 0, 67, 0, 0, 0), 'CREATE_OBJECT(SAMPLER_VIEW)', /resource is 0/],
  ['a sampler view of format 0', cmd(C.CREATE_OBJECT, O.SAMPLER_VIEW, 5, 9, 0, 0, 0, 0), 'CREATE_OBJECT(SAMPLER_VIEW)', /format 0 is not a virgl format/],
  ['a swizzle out of range', cmd(C.CREATE_OBJECT, O.SAMPLER_VIEW, 5, 9, 67, 0, 0, 6 << 9), 'CREATE_OBJECT(SAMPLER_VIEW)', /swizzle 6/],
  ['a view target out of range', cmd(C.CREATE_OBJECT, O.SAMPLER_VIEW, 5, 9, 67 | (9 << 24), 0, 0, 0), 'CREATE_OBJECT(SAMPLER_VIEW)', /target 9/, everything],
  ['a min filter out of range', cmd(C.CREATE_OBJECT, O.SAMPLER_STATE, 6, 2 << 9, 0, 0, 0, 0, 0, 0, 0), 'CREATE_OBJECT(SAMPLER_STATE)', /min filter 2/],
  ['a mip filter out of range', cmd(C.CREATE_OBJECT, O.SAMPLER_STATE, 6, 3 << 11, 0, 0, 0, 0, 0, 0, 0), 'CREATE_OBJECT(SAMPLER_STATE)', /mip filter 3/],
  ['a surface level out of range', cmd(C.CREATE_OBJECT, O.SURFACE, 7, 10, 2, 16, 0), 'CREATE_OBJECT(SURFACE)', /level 16/],
  ['surface layers the wrong way round', cmd(C.CREATE_OBJECT, O.SURFACE, 7, 10, 2, 0, 3 | (1 << 16)), 'CREATE_OBJECT(SURFACE)', /layers 3\.\.1/],
  ['a surface format past the enum', cmd(C.CREATE_OBJECT, O.SURFACE, 7, 10, 1000, 0, 0), 'CREATE_OBJECT(SURFACE)', /format 1000/],
  ['a query type out of range', cmd(C.CREATE_OBJECT, O.QUERY, 8, 13, 0, 11), 'CREATE_OBJECT(QUERY)', /query type 13/],
  ['a query without its result resource', cmd(C.CREATE_OBJECT, O.QUERY, 8, 0, 0, 0), 'CREATE_OBJECT(QUERY)', /result resource is 0/],
  ['a streamout target of resource 0', cmd(C.CREATE_OBJECT, O.STREAMOUT_TARGET, 9, 0, 0, 16), 'CREATE_OBJECT(STREAMOUT_TARGET)', /resource is 0/],
  ['a shader stage the capsets rule out', [...shaderHeader(S.GEOMETRY, 10, 3, 0), ...TEXT], 'CREATE_OBJECT(SHADER)', /GEOMETRY shaders: not offered/],
  ['a shader stage out of range', [...shaderHeader(9, 10, 3, 0), ...TEXT], 'CREATE_OBJECT(SHADER)', /shader stage 9/],
  ['a shader of no tokens', [...shaderHeader(S.FRAGMENT, 10, 0, 0), ...TEXT], 'CREATE_OBJECT(SHADER)', /0 tokens/],
  ['a shader text of 0 bytes', [...shaderHeader(S.FRAGMENT, 0, 3, 0), ...TEXT], 'CREATE_OBJECT(SHADER)', /shader text of 0 bytes/],
  ['a shader text past the limit', [...shaderHeader(S.FRAGMENT, (1 << 20) + 1, 3, 0), ...TEXT], 'CREATE_OBJECT(SHADER)', /at most 1048576/],
  ['a packet longer than its text', [...shaderHeader(S.FRAGMENT, 4, 3, 0), ...TEXT], 'CREATE_OBJECT(SHADER)', /carries 12 bytes for a text of 4/],
  ['shader text without its NUL', [...shaderHeader(S.FRAGMENT, 9, 3, 0), ...TEXT], 'CREATE_OBJECT(SHADER)', /does not end with a NUL/],
  ['shader text that is not 7-bit', [...shaderHeader(S.FRAGMENT, 10, 3, 0), TEXT[0]! | 0x80, ...TEXT.slice(1)], 'CREATE_OBJECT(SHADER)', /byte 0 is 198/],
  ['too many stream outputs', [...shaderHeader(S.VERTEX, 10, 3, 65), ...TEXT], 'CREATE_OBJECT(SHADER)', /65 stream outputs/],
  ['stream outputs past the packet', [...shaderHeader(S.VERTEX, 10, 3, 2), ...TEXT], 'CREATE_OBJECT(SHADER)', /short of its 13-dword header/],
  ['a stream output past the vec4', cmd(C.CREATE_OBJECT, O.SHADER, 30, S.VERTEX, 10, 3, 1, 4, 0, 0, 0, (3 << 8) | (2 << 10), 0, ...TEXT), 'CREATE_OBJECT(SHADER)', /stream output 0: components 3\.\.4/],
  ['a stream output to a buffer past the device', cmd(C.CREATE_OBJECT, O.SHADER, 30, S.VERTEX, 10, 3, 1, 4, 0, 0, 0, (1 << 10) | (4 << 13), 0, ...TEXT), 'CREATE_OBJECT(SHADER)', /buffer 4/],
  ['a continuation packet for no shader', [...shaderHeader(S.FRAGMENT, 0x8000_0010, 3, 0), ...TEXT], 'CREATE_OBJECT(SHADER)', /continuation packet for shader 30, which waits for none/],
  ['a viewport past the device', cmd(C.SET_VIEWPORT_STATE, 0, 1, 0, 0, 0, 0, 0, 0), 'SET_VIEWPORT_STATE', /1 viewports from slot 1: the device offers 1 slots/],
  ['a scissor past the device', cmd(C.SET_SCISSOR_STATE, 0, 1, 0, 0), 'SET_SCISSOR_STATE', /1 scissors from slot 1/],
  ['sampler views of stage 6', cmd(C.SET_SAMPLER_VIEWS, 0, 6, 0, 1), 'SET_SAMPLER_VIEWS', /shader stage 6/],
  ['sampler views past the device', cmd(C.SET_SAMPLER_VIEWS, 0, S.FRAGMENT, 10, 1, 2, 3, 4, 5, 6, 7), 'SET_SAMPLER_VIEWS', /7 sampler views from slot 10: the device offers 16/],
  ['sampler states past the device', cmd(C.BIND_SAMPLER_STATES, 0, S.FRAGMENT, 0, ...Array(17).fill(1)), 'BIND_SAMPLER_STATES', /at most 16 sampler states/],
  ['an index size of 3', cmd(C.SET_INDEX_BUFFER, 0, 12, 3, 0), 'SET_INDEX_BUFFER', /index size 3/],
  ['an index buffer of 2 dwords', cmd(C.SET_INDEX_BUFFER, 0, 12, 2), 'SET_INDEX_BUFFER', /expected 1 or 3 dwords/],
  ['an index buffer without its size', cmd(C.SET_INDEX_BUFFER, 0, 12), 'SET_INDEX_BUFFER', /resource 12 without an index size/],
  ['more constants than the stage has', cmd(C.SET_CONSTANT_BUFFER, 0, S.VERTEX, 0, ...Array(4097).fill(0)), 'SET_CONSTANT_BUFFER', /length 4099 dwords/],
  ['a constant buffer index past the device', cmd(C.SET_CONSTANT_BUFFER, 0, S.VERTEX, 13), 'SET_CONSTANT_BUFFER', /buffer index 13/],
  ['a uniform buffer offset off the alignment', cmd(C.SET_UNIFORM_BUFFER, 0, S.VERTEX, 1, 4, 64, 13), 'SET_UNIFORM_BUFFER', /offset 4 is not a multiple of 256/],
  ['a uniform buffer of resource 0', cmd(C.SET_UNIFORM_BUFFER, 0, S.VERTEX, 1, 0, 64, 0), 'SET_UNIFORM_BUFFER', /resource is 0/],
  ['streamout appends past the device', cmd(C.SET_STREAMOUT_TARGETS, 0, 0x10, 1), 'SET_STREAMOUT_TARGETS', /append bitmask 0x10/],
  ['more streamout targets than the device has', cmd(C.SET_STREAMOUT_TARGETS, 0, 0, 1, 2, 3, 4, 5), 'SET_STREAMOUT_TARGETS', /at most 4 targets/],
  ['binding a shader at a stage the capsets rule out', cmd(C.BIND_SHADER, 0, 5, S.GEOMETRY), 'BIND_SHADER', /GEOMETRY shader 5: that stage is not offered/],
  ['binding at stage 7', cmd(C.BIND_SHADER, 0, 5, 7), 'BIND_SHADER', /shader stage 7/],
  ['linking a shader of a stage the capsets rule out', cmd(C.LINK_SHADER, 0, 3, 4, 5, 0, 0, 0), 'LINK_SHADER', /GEOMETRY shader 5/],
  ['clearing a colour buffer past the device', cmd(C.CLEAR, 0, 1 << 6, 0, 0, 0, 0, 0, 0, 0), 'CLEAR', /buffers 0x40/],
  ['drawing quads (the guest converts them)', cmd(C.DRAW_VBO, 0, 0, 4, 7, 0, 1, 0, 0, 0, 0, 0, 3, 0), 'DRAW_VBO', /primitive mode 7: not offered/],
  ['a primitive mode out of range', cmd(C.DRAW_VBO, 0, 0, 4, 15, 0, 1, 0, 0, 0, 0, 0, 3, 0), 'DRAW_VBO', /primitive mode 15 is out of range/],
  ['indexed neither 0 nor 1', cmd(C.DRAW_VBO, 0, 0, 4, 4, 2, 1, 0, 0, 0, 0, 0, 3, 0), 'DRAW_VBO', /indexed 2/],
  ['a base instance the capsets rule out', cmd(C.DRAW_VBO, 0, 0, 4, 4, 0, 1, 0, 1, 0, 0, 0, 3, 0), 'DRAW_VBO', /start instance 1/],
  ['a draw of the tessellation layout', cmd(C.DRAW_VBO, 0, 0, 4, 4, 0, 1, 0, 0, 0, 0, 0, 3, 0, 3, 0), 'DRAW_VBO', /length 14 dwords; expected 12/],
  ['an inline write to resource 0', cmd(C.RESOURCE_INLINE_WRITE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 1, 0), 'RESOURCE_INLINE_WRITE', /resource is 0/],
  ['an inline write of an empty box', cmd(C.RESOURCE_INLINE_WRITE, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0), 'RESOURCE_INLINE_WRITE', /empty box 0x1x1/],
  ['an inline write without data', cmd(C.RESOURCE_INLINE_WRITE, 0, 8, 0, 0, 0, 0, 0, 0, 0, 4, 1, 1), 'RESOURCE_INLINE_WRITE', /expected 12 to 65535/],
  ['a blit mask past depth and stencil', cmd(C.BLIT, 0, 0x40, 0, 0, 20, 0, 67, 0, 0, 0, 1, 1, 1, 21, 0, 67, 0, 0, 0, 1, 1, 1), 'BLIT', /mask 0x40/],
  ['a blit filter out of range', cmd(C.BLIT, 0, 1 | (2 << 8), 0, 0, 20, 0, 67, 0, 0, 0, 1, 1, 1, 21, 0, 67, 0, 0, 0, 1, 1, 1), 'BLIT', /filter 2/],
  ['a blit to format 0', cmd(C.BLIT, 0, 1, 0, 0, 20, 0, 0, 0, 0, 0, 1, 1, 1, 21, 0, 67, 0, 0, 0, 1, 1, 1), 'BLIT', /destination format 0/],
  ['a blit from level 16', cmd(C.BLIT, 0, 1, 0, 0, 20, 0, 67, 0, 0, 0, 1, 1, 1, 21, 16, 67, 0, 0, 0, 1, 1, 1), 'BLIT', /source level 16/],
  ['a copy from resource 0', cmd(C.RESOURCE_COPY_REGION, 0, 30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1), 'RESOURCE_COPY_REGION', /source resource is 0/],
  ['beginning query 0', cmd(C.BEGIN_QUERY, 0, 0), 'BEGIN_QUERY', /query is 0/],
  ['a query wait neither 0 nor 1', cmd(C.GET_QUERY_RESULT, 0, 8, 2), 'GET_QUERY_RESULT', /wait 2/],
  ['creating sub-context 0', cmd(C.CREATE_SUB_CTX, 0, 0), 'CREATE_SUB_CTX', /sub-context 0 is the context itself/],
  ['destroying sub-context 0', cmd(C.DESTROY_SUB_CTX, 0, 0), 'DESTROY_SUB_CTX', /sub-context 0/],
  ['a transfer direction out of range', cmd(C.TRANSFER3D, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 3), 'TRANSFER3D', /direction 3/, everything],
  ['copy transfer flags out of range', cmd(C.COPY_TRANSFER3D, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 9, 0, 4), 'COPY_TRANSFER3D', /flags 0x4/, everything],
  ['a tweak id out of range', cmd(C.SET_TWEAKS, 0, 3, 1), 'SET_TWEAKS', /tweak 3/, everything],
  ['a stream-created resource of target 9', cmd(C.PIPE_RESOURCE_CREATE, 0, 9, 64, 0, 1, 1, 1, 1, 0, 0, 0, 1), 'PIPE_RESOURCE_CREATE', /target 9/, everything],
  ['a stream-created resource without a blob id', cmd(C.PIPE_RESOURCE_CREATE, 0, 0, 64, 0, 1, 1, 1, 1, 0, 0, 0, 0), 'PIPE_RESOURCE_CREATE', /blob id is 0/, everything],
  ['a render condition mode out of range', cmd(C.SET_RENDER_CONDITION, 0, 8, 1, 4), 'SET_RENDER_CONDITION', /mode 4/, everything],
  ['a surface clear of no buffers', cmd(C.CLEAR_SURFACE, 0, 0, 7, 0, 0, 0, 0, 0, 0, 1, 1), 'CLEAR_SURFACE', /buffers is 0/, everything],
  ['a texture clear of level 16', cmd(C.CLEAR_TEXTURE, 0, 8, 16, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0), 'CLEAR_TEXTURE', /level 16/, everything],
];

describe('a malformed command ends its stream, after the commands before it and before any after it', () => {
  it.each(MALFORMED)('%s', (_label, bad, command, reason, config = device) => {
    const { calls, error } = run([...cmd(C.SET_SAMPLE_MASK, 0, 1), ...bad, ...cmd(C.SET_SAMPLE_MASK, 0, 2)], config);
    expect(calls).toEqual([['setSampleMask', 1]]);
    expect(error).toMatchObject({ offset: 8, command });
    expect(error?.reason).toMatch(reason);
  });

  it('bytes after the last whole dword', () => {
    const dwords = cmd(C.SET_SAMPLE_MASK, 0, 1);
    const bytes = new Uint8Array(dwords.length * 4 + 2);
    bytes.set(bytesOf(dwords));
    const { sink, calls } = recorder();
    expect(new VirglDecoder(device).decode(bytes, sink)).toEqual({ offset: 8, command: 'stream', reason: '2 bytes after the last whole dword' });
    expect(calls).toEqual([['setSampleMask', 1]]);
  });

  it('a sink that throws', () => {
    const sink = new Proxy({} as VirglSink, {
      get: () => () => {
        throw new Error('lost context');
      },
    });
    const error = new VirglDecoder(device).decode(bytesOf([...cmd(C.NOP, 0), ...cmd(C.SET_STENCIL_REF, 0, 1)]), sink);
    expect(error).toEqual({ offset: 4, command: 'SET_STENCIL_REF', reason: 'threw: lost context' });
  });
});

describe('continuation packets', () => {
  const text = `VERT\n${'DCL IN[0]\n'.repeat(8)}END\n`;

  it('must continue where the text stopped, at the same stage and token count', () => {
    const [first, second] = shaderPackets(40, S.VERTEX, text, 4);
    const skipped = second!.slice();
    skipped[3] = 32 | 0x8000_0000;
    const otherStage = second!.slice();
    otherStage[2] = S.FRAGMENT;
    const withOutputs = second!.slice();
    withOutputs[5] = 1;
    for (const [bad, reason] of [
      [skipped, /at byte 32 of the text; 16 bytes came before it/],
      [otherStage, /disagrees with its first packet/],
      [withOutputs, /declares stream outputs/],
    ] as const) {
      const decoder = new VirglDecoder(device);
      expect(run(first!, device, decoder).error).toBeNull();
      expect(run(bad, device, decoder).error?.reason).toMatch(reason);
      // The refused shader is forgotten: its continuation finds nothing to continue.
      expect(run(second!, device, decoder).error?.reason).toMatch(/waits for none/);
    }
  });

  it('may not restart a shader still waiting', () => {
    const decoder = new VirglDecoder(device);
    const [first] = shaderPackets(40, S.VERTEX, text, 4);
    expect(run(first!, device, decoder).error).toBeNull();
    expect(run(first!, device, decoder).error?.reason).toMatch(/shader 40 already waits for continuation packets/);
  });

  it('are dropped with their shader, and by a reset', () => {
    const decoder = new VirglDecoder(device);
    const [first, second] = shaderPackets(40, S.VERTEX, text, 4);
    expect(run([...first!, ...cmd(C.DESTROY_OBJECT, O.SHADER, 40)], device, decoder).error).toBeNull();
    expect(run(second!, device, decoder).error?.reason).toMatch(/waits for none/);
    expect(run(first!, device, decoder).error).toBeNull();
    decoder.reset();
    expect(run(second!, device, decoder).error?.reason).toMatch(/waits for none/);
  });

  it('wait for at most a few shaders at once', () => {
    const decoder = new VirglDecoder(device);
    const firsts = Array.from({ length: device.maxPendingShaders + 1 }, (_, i) => shaderPackets(100 + i, S.VERTEX, text, 4)[0]!);
    const { error } = run(firsts.flat(), device, decoder);
    expect(error).toMatchObject({ command: 'CREATE_OBJECT(SHADER)', reason: '8 shaders already wait for continuation packets' });
  });
});

/** A sink that notes every argument out of the range the decoder promises. */
function checkingSink(config: DecoderConfig): { sink: VirglSink; problems: string[] } {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  const handle = (h: number, what: string) => check(h !== 0 && Number.isInteger(h), `${what}: handle ${h}`);
  const stage = (s: number, what: string) => check(s >= 0 && s < 6, `${what}: stage ${s}`);
  const fmt = (n: number, what: string) => check(isFormat(n), `${what}: format ${n}`);
  const level = (n: number, what: string) => check(n < 16, `${what}: level ${n}`);
  const slots = (start: number, count: number, most: number, what: string) => check(start + count <= most, `${what}: ${start}+${count} > ${most}`);
  const sink: VirglSink = {
    createBlend: (h) => handle(h, 'blend'),
    createRasterizer: (h, s) => {
      handle(h, 'rasterizer');
      check(s.fillFront < 3 && s.fillBack < 3, 'fill mode');
    },
    createDsa: (h) => handle(h, 'dsa'),
    createShader: (h, info, text) => {
      handle(h, 'shader');
      check(config.shaderStages[info.stage] === true, `shader stage ${info.stage}`);
      check(info.numTokens > 0 && info.outputCount <= 64, 'shader header');
      check(text.every((b) => b > 0 && b < 0x80), 'shader text');
    },
    createVertexElements: (h, elements, count) => {
      handle(h, 'vertex elements');
      check(count <= config.maxVertexAttribs, `vertex elements count ${count}`);
      for (const e of elements.slice(0, count)) {
        fmt(e.format, 'vertex element');
        check(e.bufferIndex < config.maxVertexAttribs, 'vertex buffer index');
      }
    },
    createSamplerView: (h, v) => {
      handle(h, 'sampler view');
      handle(v.resource, 'sampler view resource');
      fmt(v.format, 'sampler view');
      check(Math.max(v.swizzleR, v.swizzleG, v.swizzleB, v.swizzleA) < 6, 'swizzle');
      check(config.textureViews ? v.target !== null && v.target < 9 : v.target === null, 'view target');
    },
    createSamplerState: (h, s) => {
      handle(h, 'sampler state');
      check(s.minImgFilter < 2 && s.magImgFilter < 2 && s.minMipFilter < 3, 'filters');
    },
    createSurface: (h, s) => {
      handle(h, 'surface');
      handle(s.resource, 'surface resource');
      fmt(s.format, 'surface');
      level(s.level, 'surface');
      check(s.firstLayer <= s.lastLayer, 'surface layers');
    },
    createQuery: (h, q) => {
      handle(h, 'query');
      handle(q.resource, 'query resource');
      check(q.type < 13, 'query type');
    },
    createStreamoutTarget: (h, resource) => {
      handle(h, 'streamout target');
      handle(resource, 'streamout target resource');
    },
    bindObject: (type) => check([O.BLEND, O.RASTERIZER, O.DSA, O.VERTEX_ELEMENTS].includes(type), `bind type ${type}`),
    destroyObject: (type, h) => {
      handle(h, 'destroy');
      check(config.objectTypes[type] === true, `destroy type ${type}`);
    },
    setViewportStates: (start, _v, count) => slots(start, count, config.maxViewports, 'viewports'),
    setFramebufferState: (_z, _c, count) => check(count <= config.maxRenderTargets, 'colour buffers'),
    setVertexBuffers: (_buffers, count) => check(count <= config.maxVertexAttribs, 'vertex buffers'),
    setSamplerViews: (s, start, _h, count) => {
      stage(s, 'sampler views');
      slots(start, count, config.maxSamplerViews, 'sampler views');
    },
    setIndexBuffer: (resource, size) => check(size === 0 ? resource === 0 : resource !== 0 && [1, 2, 4].includes(size), 'index buffer'),
    setConstantBuffer: (s, index, data) => {
      stage(s, 'constants');
      check(index < config.maxUniformBlocks, 'constant buffer index');
      check(data.count * 4 <= config.maxConstBufferBytes[s]! && data.start + data.count <= data.u32.length, 'constant data');
    },
    setUniformBuffer: (s, index, offset, _length, resource) => {
      stage(s, 'uniform buffer');
      handle(resource, 'uniform buffer resource');
      check(index < config.maxUniformBlocks && offset % config.uniformBufferOffsetAlignment === 0, 'uniform buffer');
    },
    setStencilRef: (front, back) => check(front < 256 && back < 256, 'stencil ref'),
    setBlendColor: () => undefined,
    setScissorStates: (start, _s, count) => slots(start, count, config.maxViewports, 'scissors'),
    bindSamplerStates: (s, start, _h, count) => {
      stage(s, 'sampler states');
      slots(start, count, config.maxSamplers, 'sampler states');
    },
    setPolygonStipple: (rows) => check(rows.length === 32, 'stipple'),
    setClipState: (planes) => check(planes.length === 32, 'clip planes'),
    setSampleMask: () => undefined,
    setStreamoutTargets: (append, _t, count) => check(count <= config.maxStreamoutBuffers && append >>> config.maxStreamoutBuffers === 0, 'streamout targets'),
    setRenderCondition: (_q, _c, mode) => check(config.commands[C.SET_RENDER_CONDITION] === true && mode < 4, 'render condition'),
    bindShader: (s, h) => {
      stage(s, 'bind shader');
      check(h === 0 || config.shaderStages[s] === true, 'bound shader stage');
    },
    linkShader: (handles) => check([...handles].every((h, s) => h === 0 || config.shaderStages[s] === true), 'linked stages'),
    clear: (buffers) => check(buffers >>> (2 + config.maxRenderTargets) === 0, 'clear buffers'),
    drawVbo: (d) => check(d.mode < 15 && ((config.primModes >>> d.mode) & 1) === 1 && (config.startInstance || d.startInstance === 0), `draw mode ${d.mode}`),
    resourceInlineWrite: (r, data) => {
      handle(r.resource, 'inline write resource');
      level(r.level, 'inline write');
      check(r.box.width > 0 && r.box.height > 0 && r.box.depth > 0, 'inline write box');
      check(data.start + data.length <= data.bytes.length, 'inline write data');
    },
    blit: (b) => {
      check(b.mask <= 0x3f && b.filter < 2, 'blit');
      for (const side of [b.dst, b.src]) {
        handle(side.resource, 'blit resource');
        level(side.level, 'blit');
        fmt(side.format, 'blit');
      }
    },
    resourceCopyRegion: (r) => {
      handle(r.dstResource, 'copy destination');
      handle(r.srcResource, 'copy source');
      level(r.dstLevel, 'copy');
      level(r.srcLevel, 'copy');
    },
    beginQuery: (h) => handle(h, 'begin query'),
    endQuery: (h) => handle(h, 'end query'),
    getQueryResult: (h) => handle(h, 'query result'),
    transfer3d: (t) => handle(t.resource, 'transfer'),
    endTransfers: () => undefined,
    copyTransfer3d: (t) => {
      handle(t.resource, 'copy transfer');
      handle(t.srcResource, 'copy transfer source');
      check(!t.readFromHost || config.copyTransferFromHost, 'copy transfer direction');
    },
    clearTexture: (resource, l) => {
      handle(resource, 'clear texture');
      level(l, 'clear texture');
    },
    clearSurface: (s) => check(s.surface !== 0 && s.buffers !== 0, 'clear surface'),
    setSubContext: () => undefined,
    createSubContext: (id) => handle(id, 'sub-context'),
    destroySubContext: (id) => handle(id, 'sub-context'),
    setTweak: (id) => check(id < 3, 'tweak'),
    pipeResourceCreate: (r) => {
      check(r.target < 9 && r.blobId !== 0, 'pipe resource');
      fmt(r.format, 'pipe resource');
    },
  };
  return { sink, problems };
}


describe('hostile streams never throw and never reach the sink out of range', () => {
  const dword = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xffff, 0x1_0000, 0x8000_0010), fc.integer({ min: 0, max: 0xffff_ffff }));
  const offeredCommands = COMMAND_NAMES.map((_, n) => n).filter((n) => everything.commands[n]);
  const plausibleLength = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 14, 21, 32), fc.nat(40));
  const command = fc
    .tuple(fc.oneof({ arbitrary: fc.constantFrom(...offeredCommands), weight: 4 }, fc.integer({ min: 0, max: 255 })), fc.integer({ min: 0, max: 13 }), fc.nat(3), plausibleLength, fc.array(dword, { maxLength: 40 }))
    .map(([c, objectType, typeless, length, fields]) => cmd(c, c >= 1 && c <= 3 ? objectType : typeless === 0 ? objectType : 0, ...Array.from({ length }, (_, i) => fields[i] ?? i)));
  const shaderText = fc.array(fc.integer({ min: 1, max: 0x7f }), { maxLength: 80 }).map((codes) => String.fromCharCode(...codes));
  const shaderCommand = fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 }), shaderText, fc.integer({ min: 1, max: 6 }))
    .map(([handle, stage, text, chunk]) => shaderPackets(handle, stage, text, chunk).flat());
  const structured = fc.array(fc.oneof(command, shaderCommand), { maxLength: 12 }).map((cmds) => bytesOf(cmds.flat()));
  const fixtureSubmits = fixtureFiles().flatMap(submits);
  const mutated = fc
    .tuple(fc.constantFrom(...fixtureSubmits), fc.array(fc.tuple(fc.nat(), dword), { minLength: 1, maxLength: 4 }))
    .map(([submit, flips]) => {
      const words = new Uint32Array(submit.slice().buffer);
      for (const [at, value] of flips) words[at % words.length] = value;
      return new Uint8Array(words.buffer);
    });

  it.each([
    ['random bytes', fc.uint8Array({ maxLength: 512 })],
    ['streams of commands', structured],
    ['the real streams with dwords changed', mutated],
  ] as const)('%s', (_label, streams) => {
    for (const config of [device, everything]) {
      fc.assert(
        fc.property(streams, (stream) => {
          const { sink, problems } = checkingSink(config);
          const decoder = new VirglDecoder(config);
          let error: DecodeError | null = null;
          expect(() => (error = decoder.decode(stream, sink))).not.toThrow();
          expect(problems).toEqual([]);
          if (error !== null) {
            const { offset, command: name, reason } = error as DecodeError;
            expect(offset % 4 === 0 && offset <= stream.length && typeof name === 'string' && reason.length > 0).toBe(true);
          }
        }),
        { numRuns: 1500, seed: 2026 },
      );
    }
  });
});

/** What each program's streams ask of the renderer, by sink method. */
const REAL_STREAMS: Record<string, Record<string, number>> = {
  'vgw-gl-clear': { bindObject: 8, bindShader: 4, clear: 1, createBlend: 1, createDsa: 1, createRasterizer: 1, createShader: 4, createSubContext: 1, createSurface: 2, createVertexElements: 1, drawVbo: 1, linkShader: 1, setConstantBuffer: 1, setFramebufferState: 1, setSubContext: 2, setVertexBuffers: 1, setViewportStates: 2 },
  'vgw-gl-triangle': { bindObject: 4, bindShader: 2, clear: 1, createBlend: 1, createDsa: 1, createRasterizer: 1, createShader: 2, createSubContext: 1, createSurface: 2, createVertexElements: 1, drawVbo: 1, linkShader: 1, setBlendColor: 1, setFramebufferState: 1, setPolygonStipple: 1, setSamplerViews: 2, setSubContext: 2, setVertexBuffers: 1, setViewportStates: 1 },
  'vgw-gl-indexed': { bindObject: 4, bindShader: 2, clear: 1, createBlend: 1, createDsa: 1, createRasterizer: 1, createShader: 2, createSubContext: 1, createSurface: 2, createVertexElements: 1, drawVbo: 1, linkShader: 1, setBlendColor: 1, setFramebufferState: 1, setIndexBuffer: 1, setPolygonStipple: 1, setSamplerViews: 2, setSubContext: 2, setVertexBuffers: 1, setViewportStates: 1 },
  'vgw-gl-texture': { bindObject: 4, bindSamplerStates: 1, bindShader: 2, createBlend: 1, createDsa: 1, createRasterizer: 1, createSamplerState: 1, createSamplerView: 1, createShader: 2, createSubContext: 1, createSurface: 2, createVertexElements: 1, drawVbo: 1, linkShader: 1, setBlendColor: 1, setFramebufferState: 1, setPolygonStipple: 1, setSamplerViews: 2, setSubContext: 2, setVertexBuffers: 1, setViewportStates: 1 },
  'vgw-gl-depth': { bindObject: 4, bindShader: 2, clear: 1, createBlend: 1, createDsa: 1, createRasterizer: 1, createShader: 2, createSubContext: 1, createSurface: 2, createVertexElements: 1, drawVbo: 2, linkShader: 1, setBlendColor: 1, setConstantBuffer: 4, setFramebufferState: 1, setPolygonStipple: 1, setSamplerViews: 2, setSubContext: 2, setVertexBuffers: 2, setViewportStates: 1 },
  'vgw-gl-blend': { bindObject: 5, bindShader: 2, clear: 1, createBlend: 2, createDsa: 1, createRasterizer: 1, createShader: 2, createSubContext: 1, createSurface: 2, createVertexElements: 1, drawVbo: 2, linkShader: 1, setBlendColor: 1, setConstantBuffer: 3, setFramebufferState: 1, setPolygonStipple: 1, setSamplerViews: 2, setSubContext: 2, setVertexBuffers: 2, setViewportStates: 1 },
  'vgw-gl-ubo': { bindObject: 4, bindShader: 2, clear: 1, createBlend: 1, createDsa: 1, createRasterizer: 1, createShader: 2, createSubContext: 1, createSurface: 2, createVertexElements: 1, drawVbo: 2, linkShader: 1, setBlendColor: 1, setFramebufferState: 1, setPolygonStipple: 1, setSamplerViews: 2, setSubContext: 2, setUniformBuffer: 4, setVertexBuffers: 1, setViewportStates: 1 },
  'vgw-gl-rtt': { bindObject: 6, bindSamplerStates: 1, bindShader: 4, clear: 2, createBlend: 1, createDsa: 1, createRasterizer: 2, createSamplerState: 1, createSamplerView: 1, createShader: 4, createSubContext: 1, createSurface: 3, createVertexElements: 2, drawVbo: 2, linkShader: 2, setBlendColor: 1, setConstantBuffer: 4, setFramebufferState: 2, setPolygonStipple: 1, setSamplerViews: 3, setSubContext: 3, setVertexBuffers: 2, setViewportStates: 2 },
  'vgw-gl-readpixels': { bindObject: 32, bindShader: 16, createBlend: 1, createDsa: 1, createRasterizer: 1, createShader: 4, createSubContext: 1, createSurface: 2, createVertexElements: 1, drawVbo: 4, linkShader: 1, setConstantBuffer: 4, setFramebufferState: 1, setSubContext: 1, setVertexBuffers: 4, setViewportStates: 8 },
  'vgw-gl-instancing': { bindObject: 4, bindShader: 2, clear: 1, createBlend: 1, createDsa: 1, createRasterizer: 1, createShader: 2, createSubContext: 1, createSurface: 2, createVertexElements: 1, drawVbo: 1, linkShader: 1, setBlendColor: 1, setFramebufferState: 1, setPolygonStipple: 1, setSamplerViews: 2, setSubContext: 2, setVertexBuffers: 1, setViewportStates: 1 },
  'vgw-gl-mrt': { bindObject: 7, bindSamplerStates: 2, bindShader: 4, clear: 3, createBlend: 2, createDsa: 1, createRasterizer: 2, createSamplerState: 1, createSamplerView: 2, createShader: 4, createSubContext: 1, createSurface: 4, createVertexElements: 2, drawVbo: 3, linkShader: 2, setBlendColor: 1, setFramebufferState: 2, setPolygonStipple: 1, setSamplerViews: 4, setSubContext: 3, setVertexBuffers: 3, setViewportStates: 2 },
  'vgw-gl-xfb': { beginQuery: 1, bindObject: 8, bindShader: 8, clear: 1, createBlend: 1, createDsa: 1, createQuery: 1, createRasterizer: 3, createShader: 8, createStreamoutTarget: 3, createSubContext: 1, createSurface: 2, createVertexElements: 2, destroyObject: 1, drawVbo: 7, endQuery: 1, getQueryResult: 1, linkShader: 4, setBlendColor: 1, setConstantBuffer: 2, setFramebufferState: 1, setPolygonStipple: 1, setSamplerViews: 2, setStreamoutTargets: 6, setSubContext: 4, setVertexBuffers: 5, setViewportStates: 1 },
  kmscube: { bindObject: 4, bindShader: 2, clear: 13, createBlend: 1, createDsa: 1, createRasterizer: 1, createShader: 2, createSubContext: 1, createSurface: 13, createVertexElements: 1, destroyObject: 12, drawVbo: 72, linkShader: 1, setBlendColor: 1, setConstantBuffer: 12, setFramebufferState: 13, setPolygonStipple: 1, setSamplerViews: 2, setSubContext: 13, setVertexBuffers: 1, setViewportStates: 1 },
  'glmark2-scenes': { bindObject: 59, bindSamplerStates: 44, bindShader: 88, blit: 138, clear: 26, createBlend: 7, createDsa: 6, createRasterizer: 8, createSamplerState: 7, createSamplerView: 21, createShader: 58, createSubContext: 1, createSurface: 23, createVertexElements: 6, destroyObject: 46, destroySubContext: 2, drawVbo: 219, linkShader: 29, resourceCopyRegion: 5, setBlendColor: 4, setConstantBuffer: 141, setFramebufferState: 39, setIndexBuffer: 162, setPolygonStipple: 4, setSampleMask: 2, setSamplerViews: 49, setStencilRef: 2, setStreamoutTargets: 2, setSubContext: 8, setVertexBuffers: 77, setViewportStates: 27 },
  'glmark2-es2-drm': { bindObject: 28, bindSamplerStates: 13, bindShader: 24, clear: 103, createBlend: 3, createDsa: 3, createRasterizer: 3, createSamplerState: 1, createSamplerView: 1, createShader: 6, createSubContext: 4, createSurface: 104, createVertexElements: 3, destroyObject: 123, destroySubContext: 4, drawVbo: 99, linkShader: 3, setBlendColor: 3, setConstantBuffer: 263, setFramebufferState: 100, setPolygonStipple: 3, setSampleMask: 4, setSamplerViews: 6, setStencilRef: 4, setStreamoutTargets: 4, setSubContext: 110, setVertexBuffers: 3, setViewportStates: 3 },
};

describe("the 3d guest's real streams decode whole", () => {
  it('has a fixture for each program, small enough to keep', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.bin'));
    expect(files.map((f) => f.slice(0, -4)).sort()).toEqual(Object.keys(REAL_STREAMS).sort());
    expect(files.reduce((sum, f) => sum + readFileSync(join(FIXTURES, f)).length, 0)).toBeLessThan(1 << 20);
  });

  it.each(Object.entries(REAL_STREAMS))('%s', (program, expected) => {
    const decoder = new VirglDecoder(device);
    const counts: Record<string, number> = {};
    const { sink, problems } = checkingSink(device);
    const counting = new Proxy(sink, {
      get: (target, method: keyof VirglSink) => {
        counts[method] = (counts[method] ?? 0) + 1;
        return target[method];
      },
    });
    const errors = submits(`${program}.bin`).map((s) => decoder.decode(s, counting)).filter((e) => e !== null);
    expect(errors.map((e) => formatDecodeError(e))).toEqual([]);
    expect(problems).toEqual([]);
    expect(counts).toEqual(expected);
  });
});
