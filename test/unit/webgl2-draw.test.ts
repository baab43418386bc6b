/**
 * The WebGL2 executor's draws, on a GL that records its calls: what reaches
 * GL for state the guest sets (front face, index data), and that a draw whose
 * data cannot be fetched is skipped and said once.
 */
import { describe, expect, it } from 'vitest';
import type { DrawInfo, RasterizerState } from '../../src/virgl/commands.ts';
import { ObjectType, ShaderStage } from '../../src/virgl/protocol.ts';
import { VirglTarget } from '../../src/protocol/virgl-formats.ts';
import { Drawer } from '../../src/renderers/webgl2/draw.ts';
import { ContextExecutor, MAX_CONTEXT_OBJECTS, MAX_CONTEXT_SHADER_CHARS } from '../../src/renderers/webgl2/executor.ts';
import { frontFace } from '../../src/renderers/webgl2/gallium-gl.ts';
import { ProgramCache } from '../../src/renderers/webgl2/programs.ts';
import { GlResources } from '../../src/renderers/webgl2/resources.ts';
import { streamLayout } from '../../src/renderers/webgl2/stream-output.ts';
import { ENUMS, recordingGl, type Call } from './recording-gl.ts';

const RASTERIZER: RasterizerState = {
  flatshade: false, depthClip: true, clipHalfz: false, rasterizerDiscard: false, flatshadeFirst: false, lightTwoside: false, spriteCoordMode: 0, pointQuadRasterization: true,
  cullFace: 2, fillFront: 0, fillBack: 0, scissor: false, frontCcw: true, clampVertexColor: false, clampFragmentColor: false, offsetLine: false, offsetPoint: false, offsetTri: false,
  polySmooth: false, polyStippleEnable: false, pointSmooth: false, pointSizePerVertex: false, multisample: false, lineSmooth: false, lineStippleEnable: false, lineLastPixel: false,
  halfPixelCenter: true, bottomEdgeRule: false, forcePersampleInterp: false, pointSize: 1, spriteCoordEnable: 0, lineStipplePattern: 0, lineStippleFactor: 0, clipPlaneEnable: 0,
  lineWidth: 1, offsetUnits: 0, offsetScale: 0, offsetClamp: 0,
};

const DRAW: DrawInfo = { start: 0, count: 3, mode: 4, indexed: false, instanceCount: 1, indexBias: 0, startInstance: 0, primitiveRestart: false, restartIndex: 0, minIndex: 0, maxIndex: 2, countFromStreamOutput: 0 };

const text = (source: string) => new TextEncoder().encode(source);
const VS = 'VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n';
const FS = 'FRAG\nDCL OUT[0], COLOR\nIMM[0] UINT32 {1065353216, 0, 0, 1065353216}\n  0: MOV OUT[0], IMM[0]\n  1: END\n';
const BUFFER_BYTES = 256;

/** An executor with a colour target (resource 2), a buffer (resource 1) for vertices and indices, both shaders and a vertex element bound. */
function drawing(rasterizer: Partial<RasterizerState>, scaleY = 4, shaders = { vs: VS, fs: FS }): { executor: ContextExecutor; resources: GlResources; calls: Call[]; log: string[] } {
  const { gl, calls } = recordingGl();
  const log: string[] = [];
  const say = (message: string) => log.push(message);
  const resources = new GlResources(gl, say);
  const executor = new ContextExecutor(gl, resources, new Drawer(gl, resources, new ProgramCache(gl, say), say, { draws: 0 }), say);
  const params = { bind: 0, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: 0 };
  resources.create(1, { ...params, target: VirglTarget.BUFFER, format: 64, width: BUFFER_BYTES, height: 1 });
  resources.create(2, { ...params, target: VirglTarget.TEXTURE_2D, format: 67, width: 8, height: 8 });
  executor.createSurface(1, { resource: 2, format: 67, level: 0, firstLayer: 0, lastLayer: 0, sampleCount: 0 });
  executor.setFramebufferState(0, Uint32Array.of(1), 1);
  const info = (stage: ShaderStage) => ({ stage, numTokens: 0, outputCount: 0, strides: new Uint32Array(4), outputs: [] });
  executor.createShader(10, info(ShaderStage.VERTEX), text(shaders.vs));
  executor.createShader(11, info(ShaderStage.FRAGMENT), text(shaders.fs));
  executor.bindShader(ShaderStage.VERTEX, 10);
  executor.bindShader(ShaderStage.FRAGMENT, 11);
  executor.createVertexElements(20, [{ srcOffset: 0, instanceDivisor: 0, bufferIndex: 0, format: 31 }], 1);
  executor.bindObject(ObjectType.VERTEX_ELEMENTS, 20);
  executor.setVertexBuffers([{ stride: 16, offset: 0, resource: 1 }], 1);
  executor.createRasterizer(30, { ...RASTERIZER, ...rasterizer });
  executor.bindObject(ObjectType.RASTERIZER, 30);
  executor.setViewportStates(0, [{ scaleX: 4, scaleY, scaleZ: 0.5, translateX: 4, translateY: 4, translateZ: 0.5 }], 1);
  return { executor, resources, calls, log };
}

const argsOf = (calls: Call[], name: string) => calls.filter(([n]) => n === name).map(([, args]) => args);

/** A vertex shader capturing OUT[1].xy then OUT[0].w into buffer slot 1 (3 dwords a vertex), or as `outputs` say. */
function capturing(outputs = [{ registerIndex: 1, startComponent: 0, numComponents: 2, buffer: 1, dstOffset: 0, stream: 0 }, { registerIndex: 0, startComponent: 3, numComponents: 1, buffer: 1, dstOffset: 2, stream: 0 }], strides = [0, 3, 0, 0]) {
  const vs = 'VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n  0: MOV OUT[0], IN[0]\n  1: MOV OUT[1], IN[0]\n  2: END\n';
  const drawn = drawing({ rasterizerDiscard: true });
  drawn.executor.createShader(12, { stage: ShaderStage.VERTEX, numTokens: 0, outputCount: outputs.length, strides: Uint32Array.from(strides), outputs }, text(vs));
  drawn.executor.bindShader(ShaderStage.VERTEX, 12);
  return drawn;
}

describe('WebGL2 draws', () => {
  it('takes gallium\'s counter-clockwise front as GL\'s clockwise one, into a texture and into a y-flipped window alike', () => {
    expect([frontFace(true), frontFace(false)]).toEqual([ENUMS.CW, ENUMS.CCW]);
    for (const [frontCcw, scaleY, face] of [[false, 4, ENUMS.CCW], [true, -4, ENUMS.CW], [true, 4, ENUMS.CW]] as const) {
      const { executor, calls } = drawing({ frontCcw }, scaleY);
      executor.drawVbo(DRAW);
      expect(argsOf(calls, 'frontFace'), `front_ccw ${frontCcw}, viewport y scale ${scaleY}`).toEqual([[face]]);
      expect(argsOf(calls, 'drawArraysInstanced')).toEqual([[4, 0, 3, 1]]);
    }
  });

  it('reads indices from the index buffer\'s offset, which already holds the draw\'s start', () => {
    const { executor, calls } = drawing({});
    executor.setIndexBuffer(1, 2, 36);
    executor.drawVbo({ ...DRAW, indexed: true, start: 18, count: 6 });
    expect(argsOf(calls, 'drawElementsInstanced')).toEqual([[4, 6, ENUMS.UNSIGNED_SHORT, 36, 1]]);
  });

  it('restarts primitives at a guest restart index WebGL2 lacks by drawing a copy of the indices with it made the largest', () => {
    const { executor, resources, calls, log } = drawing({});
    const buffer = resources.get(1)!;
    if (buffer.kind !== 'buffer') throw new Error('not a buffer');
    resources.bytesOf(buffer).set(new Uint8Array(Uint16Array.of(0, 1, 2, 7, 2, 1, 3).buffer), 36);
    executor.setIndexBuffer(1, 2, 36);
    executor.drawVbo({ ...DRAW, mode: 5, indexed: true, count: 7, primitiveRestart: true, restartIndex: 7 });
    expect(argsOf(calls, 'drawElementsInstanced')).toEqual([[5, 7, ENUMS.UNSIGNED_SHORT, 0, 1]]);
    const uploads = argsOf(calls, 'bufferSubData').map(([, , data]) => data).filter((data): data is Uint8Array => data instanceof Uint8Array && data.length === 14);
    expect(uploads.map((data) => [...new Uint16Array(data.slice().buffer)])).toEqual([[0, 1, 2, 0xffff, 2, 1, 3]]);
    // WebGL2's own restart index, or none: the guest's indices as they are.
    executor.drawVbo({ ...DRAW, mode: 5, indexed: true, count: 7, primitiveRestart: true, restartIndex: 0xffff });
    executor.drawVbo({ ...DRAW, mode: 5, indexed: true, count: 7, primitiveRestart: false, restartIndex: 7 });
    expect(argsOf(calls, 'drawElementsInstanced').slice(1)).toEqual([[5, 7, ENUMS.UNSIGNED_SHORT, 36, 1], [5, 7, ENUMS.UNSIGNED_SHORT, 36, 1]]);
    expect(log).toEqual([]);
  });

  it('skips an indexed draw whose indices run past the buffer or are misaligned, and says so once', () => {
    const { executor, calls, log } = drawing({});
    executor.setIndexBuffer(1, 2, BUFFER_BYTES - 4);
    executor.drawVbo({ ...DRAW, indexed: true });
    executor.drawVbo({ ...DRAW, indexed: true });
    executor.setIndexBuffer(1, 2, 3);
    executor.drawVbo({ ...DRAW, indexed: true });
    expect(argsOf(calls, 'drawElementsInstanced')).toEqual([]);
    expect(log).toEqual([
      `virgl: 3 indices of 2 bytes at offset ${BUFFER_BYTES - 4} do not fit in resource 1 (${BUFFER_BYTES} bytes) or are misaligned; skipped`,
      'virgl: 3 indices of 2 bytes at offset 3 do not fit in resource 1 (256 bytes) or are misaligned; skipped',
    ]);
  });

  it('samples a luminance or alpha texture, stored in red and green, through the view\'s swizzle composed with the format\'s', () => {
    const vs = 'VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n  0: MOV OUT[0], IN[0]\n  1: MOV OUT[1], IN[0]\n  2: END\n';
    const fs = 'FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL SVIEW[0], 2D, FLOAT\n  0: TEX OUT[0], IN[0], SAMP[0], 2D\n  1: END\n';
    const sampled = (format: number, swizzle: [number, number, number, number]): string => {
      const { executor, resources, calls } = drawing({}, 4, { vs, fs });
      resources.create(3, { target: VirglTarget.TEXTURE_2D, format, bind: 0, width: 4, height: 4, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: 0 });
      const [swizzleR, swizzleG, swizzleB, swizzleA] = swizzle;
      executor.createSamplerView(40, { resource: 3, format, target: null, firstElement: 0, lastElement: 0, firstLayer: 0, lastLayer: 0, firstLevel: 0, lastLevel: 0, swizzleR, swizzleG, swizzleB, swizzleA });
      executor.setSamplerViews(ShaderStage.FRAGMENT, 0, Uint32Array.of(40), 1);
      executor.drawVbo(DRAW);
      expect(argsOf(calls, 'drawArraysInstanced')).toHaveLength(1);
      const sources = argsOf(calls, 'shaderSource').map(([, source]) => String(source));
      const line = sources.find((source) => source.includes('texture('))?.split('\n').find((l) => l.includes('texture('));
      return (line ?? '').replace(/texture\([^)]*\)/, 'T').trim();
    };
    // A8 as the guest's GL state tracker views it (0, 0, 0, A); L8 and L8A8 as they come.
    expect(sampled(10, [4, 4, 4, 3])).toContain('(vec4(0.0, 0.0, 0.0, T.x))');
    expect(sampled(9, [0, 1, 2, 3])).toContain('(vec4(T.xxx, 1.0))');
    expect(sampled(12, [0, 1, 2, 3])).toContain('(vec4(T.xxxy))');
    expect(sampled(67, [0, 1, 2, 3])).toContain('(T)');
  });
});

describe('what a guest context may hold', () => {
  it('refuses objects past the limit, across sub-contexts, yet replaces a handle it holds and takes new ones once others are destroyed', () => {
    const { executor, log } = drawing({});
    const held = 5; // the surface, two shaders, the vertex elements and the rasterizer of the set-up
    executor.createSubContext(1);
    executor.setSubContext(1);
    for (let handle = 1; handle <= MAX_CONTEXT_OBJECTS - held; handle++) executor.createBlend(handle, {} as never);
    expect(log).toEqual([]);
    executor.createDsa(1, {} as never);
    expect(log).toEqual([`virgl: object 1 refused: the context holds ${MAX_CONTEXT_OBJECTS} objects, the most it may`]);
    executor.createBlend(7, {} as never);
    executor.destroyObject(ObjectType.BLEND, 7);
    executor.createDsa(1, {} as never);
    expect(log).toHaveLength(1);
  });

  it('refuses shader text past the limit, counting what destroyed and replaced shaders gave back', () => {
    const { executor, log } = drawing({});
    const info = { stage: ShaderStage.FRAGMENT, numTokens: 0, outputCount: 0, strides: new Uint32Array(4), outputs: [] };
    const big = new Uint8Array(MAX_CONTEXT_SHADER_CHARS / 2).fill(0x20);
    executor.createShader(100, info, big);
    executor.createShader(100, info, big);
    expect(log).toEqual([]);
    executor.createShader(101, info, big);
    expect(log).toEqual([`virgl: shader 101 refused: the context's shaders would hold more than ${MAX_CONTEXT_SHADER_CHARS} characters of text`]);
    executor.destroyObject(ObjectType.SHADER, 100);
    executor.createShader(101, info, big);
    expect(log).toHaveLength(1);
  });

  it('captures stream output with WebGL2 transform feedback, each draw at the byte its target has got to, a new list of targets starting over', () => {
    const { executor, resources, calls, log } = capturing();
    executor.createStreamoutTarget(50, 1, 8, 200);
    executor.setStreamoutTargets(0, Uint32Array.of(0, 50), 2);
    executor.drawVbo(DRAW);
    executor.drawVbo({ ...DRAW, count: 4 });
    expect(argsOf(calls, 'transformFeedbackVaryings').map(([, names]) => names)).toEqual([['vgw_xfb0']]);
    // 3 dwords a vertex; the second draw appends after the first triangle's 36 bytes, and its fourth vertex is no primitive.
    expect(argsOf(calls, 'bindBufferRange').map(([, index, , offset, size]) => [index, offset, size])).toEqual([[0, 8, 36], [0, 44, 36]]);
    expect(argsOf(calls, 'beginTransformFeedback')).toHaveLength(2);
    expect(argsOf(calls, 'endTransformFeedback')).toHaveLength(2);
    // Pausing and resuming (the same list again) goes on; a new target for the buffer starts over, as the reference host does.
    executor.setStreamoutTargets(0, new Uint32Array(0), 0);
    executor.drawVbo(DRAW);
    executor.setStreamoutTargets(0, Uint32Array.of(0, 50), 2);
    executor.drawVbo(DRAW);
    executor.createStreamoutTarget(51, 1, 8, 200);
    executor.setStreamoutTargets(0, Uint32Array.of(0, 51), 2);
    executor.drawVbo(DRAW);
    expect(argsOf(calls, 'beginTransformFeedback')).toHaveLength(4);
    expect(argsOf(calls, 'bindBufferRange').map(([, , , offset]) => offset)).toEqual([8, 44, 80, 8]);
    expect(log).toEqual([]);
    // What the GPU wrote is read back before the CPU copy is read.
    const buffer = resources.get(1)!;
    if (buffer.kind !== 'buffer') throw new Error('not a buffer');
    expect(buffer.gpuWritten).toEqual({ start: 8, end: 116 });
    resources.bytesOf(buffer);
    expect(argsOf(calls, 'getBufferSubData').map(([, offset, , start, length]) => [offset, start, length])).toEqual([[8, 8, 108]]);
    expect(buffer.gpuWritten.start >= buffer.gpuWritten.end).toBe(true);
  });

  it('captures the primitives that fit when a target overflows, and draws the rest without capture', () => {
    const { executor, calls } = capturing();
    executor.createStreamoutTarget(50, 1, 0, 80);
    executor.setStreamoutTargets(0, Uint32Array.of(0, 50), 2);
    executor.drawVbo({ ...DRAW, count: 9 });
    // 80 bytes hold two triangles of 36 bytes.
    expect(argsOf(calls, 'bindBufferRange').map(([, index, , offset, size]) => [index, offset, size])).toEqual([[0, 0, 72]]);
    expect(argsOf(calls, 'drawArraysInstanced')).toEqual([[4, 0, 6, 1], [4, 6, 3, 1]]);
  });

  it('draws without capture, and says so once, what WebGL2 cannot capture: strips, indexed draws, layouts with holes', () => {
    const strip = capturing();
    strip.executor.createStreamoutTarget(50, 1, 0, 96);
    strip.executor.setStreamoutTargets(0, Uint32Array.of(0, 50), 2);
    strip.executor.drawVbo({ ...DRAW, mode: 5 });
    strip.executor.drawVbo({ ...DRAW, mode: 5 });
    strip.executor.setIndexBuffer(1, 2, 0);
    strip.executor.drawVbo({ ...DRAW, indexed: true });
    expect(argsOf(strip.calls, 'beginTransformFeedback')).toEqual([]);
    expect(strip.log).toEqual([
      'virgl: transform feedback of a strip, loop or fan: WebGL2 captures only point, line and triangle lists; drawn without capture',
      'virgl: transform feedback of an indexed draw: WebGL2 captures only non-indexed draws; drawn without capture',
    ]);
    const holes = capturing([{ registerIndex: 1, startComponent: 0, numComponents: 2, buffer: 0, dstOffset: 1, stream: 0 }], [3, 0, 0, 0]);
    holes.executor.drawVbo(DRAW);
    expect(argsOf(holes.calls, 'transformFeedbackVaryings')).toEqual([]);
    expect(argsOf(holes.calls, 'drawArraysInstanced')).toHaveLength(1);
    expect(holes.log).toEqual(['virgl: transform feedback cannot be captured: stream output that skips dwords of a vertex (WebGL2 captures varyings back to back); drawn without it']);
  });

  it('draws as many vertices as a stream-output target holds for a draw counting from it', () => {
    const { executor, calls } = capturing();
    executor.createStreamoutTarget(50, 1, 0, 96);
    executor.setStreamoutTargets(0, Uint32Array.of(0, 50), 2);
    executor.drawVbo({ ...DRAW, count: 6 });
    executor.setStreamoutTargets(0, new Uint32Array(0), 0);
    executor.drawVbo({ ...DRAW, count: 0, countFromStreamOutput: 50 });
    expect(argsOf(calls, 'drawArraysInstanced').at(-1)).toEqual([4, 0, 6, 1]);
  });
});

describe('stream output laid out for WebGL2', () => {
  const output = (registerIndex: number, startComponent: number, numComponents: number, buffer: number, dstOffset: number) => ({ registerIndex, startComponent, numComponents, buffer, dstOffset, stream: 0 });
  const info = (outputs: ReturnType<typeof output>[], strides: number[]) => ({ stage: ShaderStage.VERTEX, numTokens: 0, outputCount: outputs.length, strides: Uint32Array.from(strides), outputs });

  it('interleaves one buffer in chunks of four dwords, and separates several of at most four each', () => {
    expect(streamLayout(info([], [0, 0, 0, 0]))).toBeNull();
    expect(streamLayout(info([output(2, 0, 4, 0, 0), output(0, 1, 2, 0, 4)], [6, 0, 0, 0]))).toEqual({ varyings: [[8, 9, 10, 11], [1, 2]], interleaved: true, buffers: [0], vertexBytes: [24] });
    expect(streamLayout(info([output(3, 0, 1, 2, 1), output(1, 0, 4, 0, 0), output(4, 2, 1, 2, 0)], [4, 0, 2, 0]))).toEqual({ varyings: [[4, 5, 6, 7], [18, 12]], interleaved: false, buffers: [0, 2], vertexBytes: [16, 8] });
  });

  it('refuses by name what WebGL2 cannot capture', () => {
    expect(streamLayout(info([output(1, 0, 4, 0, 0), output(2, 0, 4, 0, 4), output(3, 0, 1, 1, 0)], [8, 1, 0, 0]))).toMatch(/more than 4 dwords in one/);
    expect(streamLayout(info([output(1, 0, 2, 0, 2)], [4, 0, 0, 0]))).toMatch(/skips dwords/);
    expect(streamLayout(info([output(1, 0, 2, 0, 2)], [3, 0, 0, 0]))).toMatch(/past the 3 dwords/);
    expect(streamLayout(info([output(1, 3, 2, 0, 0)], [2, 0, 0, 0]))).toMatch(/components 3\+2/);
    expect(streamLayout(info([output(1, 0, 2, 0, 0), output(2, 0, 1, 0, 1)], [3, 0, 0, 0]))).toMatch(/two stream outputs write dword 1/);
    expect(streamLayout(info([{ ...output(1, 0, 1, 0, 0), stream: 1 }], [1, 0, 0, 0]))).toMatch(/vertex stream 1/);
    // A hostile stride is refused before anything is sized by it.
    expect(streamLayout(info([output(1, 0, 1, 0, 0)], [0xffffffff, 0, 0, 0]))).toMatch(/4294967295 dwords a vertex/);
  });
});
