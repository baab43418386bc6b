/** The commands that set pipeline state: viewports, framebuffer, vertex and index buffers, bindings per stage, constants, fixed-function values, shaders. */
import { below, boolean, either, exactly, items, nonZero, slots, type Reason } from './checks.ts';
import type { DwordSpan, ScissorState, VertexBufferBinding, ViewportState, VirglSink } from './commands.ts';
import type { DecoderConfig } from './config.ts';
import type { Cursor } from './cursor.ts';
import type { CommandEntry, Decode, DecodeEnv } from './entry.ts';
import { copyDwords, type Mutable } from './scratch.ts';
import {
  BindShader,
  BlendColor,
  ClipState,
  Command,
  ConstantBuffer,
  field,
  Framebuffer,
  IndexBuffer,
  INDEX_SIZES,
  Limit,
  LinkShader,
  RENDER_CONDITION_MODE_COUNT,
  RenderCondition,
  SampleMask,
  SamplerBinding,
  Scissor,
  SHADER_STAGE_COUNT,
  SHADER_STAGE_NAMES,
  StencilRef,
  Stipple,
  StreamoutTargets,
  UniformBuffer,
  VertexBuffers,
  Viewport,
  type ShaderStage,
} from './protocol.ts';

const stageReason = (stage: number): Reason | null => below(stage, SHADER_STAGE_COUNT, 'shader stage');

type DeliverSlotted<T> = (sink: VirglSink, startSlot: number, items: readonly T[], count: number) => void;

/** SET_VIEWPORT_STATE and SET_SCISSOR_STATE: a first slot, then `per` dwords for each viewport (or scissor) from it. */
function viewportSlots<T>(most: number, per: number, item: string, scratch: readonly T[], read: (c: Cursor, first: number, into: T) => void, deliver: DeliverSlotted<T>): CommandEntry {
  const plural = `${item}s`;
  const decode: Decode = (c, sink) => {
    const start = c.u(Viewport.START_SLOT);
    const count = (c.length - 1) / per;
    const reason = slots(start, count, most, plural);
    if (reason !== null) return reason;
    for (let i = 0; i < count; i++) read(c, Viewport.FIRST + per * i, scratch[i]!);
    deliver(sink, start, scratch, count);
    return null;
  };
  return { length: items(1, per, most, item), decode };
}

const viewport = (): ViewportState => ({ scaleX: 0, scaleY: 0, scaleZ: 0, translateX: 0, translateY: 0, translateZ: 0 });

function readViewport(c: Cursor, first: number, v: ViewportState): void {
  v.scaleX = c.f(first);
  v.scaleY = c.f(first + 1);
  v.scaleZ = c.f(first + 2);
  v.translateX = c.f(first + 3);
  v.translateY = c.f(first + 4);
  v.translateZ = c.f(first + 5);
}

const scissor = (): ScissorState => ({ minX: 0, minY: 0, maxX: 0, maxY: 0 });

function readScissor(c: Cursor, first: number, s: ScissorState): void {
  const min = c.u(first);
  const max = c.u(first + 1);
  s.minX = field(min, Scissor.LOW);
  s.minY = field(min, Scissor.HIGH);
  s.maxX = field(max, Scissor.LOW);
  s.maxY = field(max, Scissor.HIGH);
}

const colorBuffers = new Uint32Array(Limit.COLOR_BUFS);

function setFramebufferState(c: Cursor, sink: VirglSink): Reason | null {
  const count = c.u(Framebuffer.NR_CBUFS);
  if (count !== c.length - 2) return `${count} colour buffers in a command with room for ${c.length - 2}`;
  copyDwords(c, Framebuffer.CBUF0, count, colorBuffers);
  sink.setFramebufferState(c.u(Framebuffer.ZSURF), colorBuffers, count);
  return null;
}

const vertexBuffer = (): VertexBufferBinding => ({ stride: 0, offset: 0, resource: 0 });
const vertexBuffers: VertexBufferBinding[] = Array.from({ length: Limit.ATTRIBS }, vertexBuffer);

/** Strides are not bounded: Mesa holds GL to the caps' stride limit only from GL 4.4 and GLES 3.1 on. */
function setVertexBuffers(c: Cursor, sink: VirglSink): Reason | null {
  const count = c.length / VertexBuffers.PER_BUFFER;
  for (let i = 0; i < count; i++) {
    const b = vertexBuffers[i]!;
    const base = VertexBuffers.PER_BUFFER * i;
    b.stride = c.u(base + VertexBuffers.STRIDE);
    b.offset = c.u(base + VertexBuffers.OFFSET);
    b.resource = c.u(base + VertexBuffers.RESOURCE);
  }
  sink.setVertexBuffers(vertexBuffers, count);
  return null;
}

const slotHandles = new Uint32Array(Limit.SAMPLER_VIEWS);

type DeliverSlots = (sink: VirglSink, stage: ShaderStage, start: number, handles: Uint32Array, count: number) => void;

/** SET_SAMPLER_VIEWS and BIND_SAMPLER_STATES: a stage, a first slot, then a handle per slot. */
function stageSlots(most: number, item: string, deliver: DeliverSlots): CommandEntry {
  const plural = `${item}s`;
  const decode: Decode = (c, sink) => {
    const stage = c.u(SamplerBinding.SHADER_TYPE);
    const start = c.u(SamplerBinding.START_SLOT);
    const count = c.length - 2;
    const reason = stageReason(stage) ?? slots(start, count, most, plural);
    if (reason !== null) return reason;
    copyDwords(c, SamplerBinding.HANDLE0, count, slotHandles);
    deliver(sink, stage as ShaderStage, start, slotHandles, count);
    return null;
  };
  return { length: items(2, 1, most, item), decode };
}

function setIndexBuffer(c: Cursor, sink: VirglSink): Reason | null {
  const resource = c.u(IndexBuffer.RESOURCE);
  if (c.length === IndexBuffer.UNBIND_SIZE) {
    if (resource !== 0) return `resource ${resource} without an index size`;
    sink.setIndexBuffer(0, 0, 0);
    return null;
  }
  const indexSize = c.u(IndexBuffer.INDEX_SIZE);
  const reason = nonZero(resource, 'resource') ?? (INDEX_SIZES.includes(indexSize) ? null : `index size ${indexSize}`);
  if (reason !== null) return reason;
  sink.setIndexBuffer(resource, indexSize, c.u(IndexBuffer.OFFSET));
  return null;
}

const constants: Mutable<DwordSpan> = { u32: new Uint32Array(0), f32: new Float32Array(0), start: 0, count: 0 };

function setConstantBuffer(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const stage = c.u(ConstantBuffer.SHADER_TYPE);
  const index = c.u(ConstantBuffer.INDEX);
  const count = c.length - 2;
  const reason = stageReason(stage) ?? below(index, env.config.maxUniformBlocks, 'buffer index');
  if (reason !== null) return reason;
  const most = env.config.maxConstBufferBytes[stage]!;
  if (count * 4 > most) return `${count * 4} bytes of ${SHADER_STAGE_NAMES[stage]} constants (at most ${most})`;
  constants.u32 = c.u32;
  constants.f32 = c.f32;
  constants.start = c.dword(ConstantBuffer.DATA);
  constants.count = count;
  sink.setConstantBuffer(stage as ShaderStage, index, constants);
  return null;
}

function setUniformBuffer(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const stage = c.u(UniformBuffer.SHADER_TYPE);
  const index = c.u(UniformBuffer.INDEX);
  const offset = c.u(UniformBuffer.OFFSET);
  const resource = c.u(UniformBuffer.RESOURCE);
  const alignment = env.config.uniformBufferOffsetAlignment;
  const reason =
    stageReason(stage) ??
    below(index, env.config.maxUniformBlocks, 'buffer index') ??
    nonZero(resource, 'resource') ??
    (offset % alignment === 0 ? null : `offset ${offset} is not a multiple of ${alignment}`);
  if (reason !== null) return reason;
  sink.setUniformBuffer(stage as ShaderStage, index, offset, c.u(UniformBuffer.LENGTH), resource);
  return null;
}

function setStencilRef(c: Cursor, sink: VirglSink): Reason | null {
  const value = c.u(StencilRef.VALUE);
  sink.setStencilRef(field(value, StencilRef.FRONT), field(value, StencilRef.BACK));
  return null;
}

function setBlendColor(c: Cursor, sink: VirglSink): Reason | null {
  sink.setBlendColor(c.f(BlendColor.RGBA), c.f(BlendColor.RGBA + 1), c.f(BlendColor.RGBA + 2), c.f(BlendColor.RGBA + 3));
  return null;
}

const stippleRows = new Uint32Array(Stipple.SIZE);

function setPolygonStipple(c: Cursor, sink: VirglSink): Reason | null {
  copyDwords(c, Stipple.ROW0, Stipple.SIZE, stippleRows);
  sink.setPolygonStipple(stippleRows);
  return null;
}

/** The planes' bits, copied as they came (NaN payloads included), seen as floats. */
const clipBits = new Uint32Array(ClipState.SIZE);
const clipPlanes = new Float32Array(clipBits.buffer);

function setClipState(c: Cursor, sink: VirglSink): Reason | null {
  copyDwords(c, ClipState.PLANE0, ClipState.SIZE, clipBits);
  sink.setClipState(clipPlanes);
  return null;
}

function setSampleMask(c: Cursor, sink: VirglSink): Reason | null {
  sink.setSampleMask(c.u(SampleMask.MASK));
  return null;
}

const streamoutTargets = new Uint32Array(Limit.SO_BUFFERS);

function setStreamoutTargets(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const append = c.u(StreamoutTargets.APPEND_BITMASK);
  const count = c.length - 1;
  if (append >>> env.config.maxStreamoutBuffers !== 0) return `append bitmask 0x${append.toString(16)} names targets past the ${env.config.maxStreamoutBuffers} the device offers`;
  copyDwords(c, StreamoutTargets.HANDLE0, count, streamoutTargets);
  sink.setStreamoutTargets(append, streamoutTargets, count);
  return null;
}

function setRenderCondition(c: Cursor, sink: VirglSink): Reason | null {
  const condition = c.u(RenderCondition.CONDITION);
  const mode = c.u(RenderCondition.MODE);
  const reason = boolean(condition, 'condition') ?? below(mode, RENDER_CONDITION_MODE_COUNT, 'mode');
  if (reason !== null) return reason;
  sink.setRenderCondition(c.u(RenderCondition.HANDLE), condition === 1, mode);
  return null;
}

/** A shader can only be bound to, or linked at, a stage whose shaders CREATE_OBJECT accepts; handle 0 (none) goes anywhere. */
function shaderAtReason(stage: number, handle: number, config: DecoderConfig): Reason | null {
  return handle !== 0 && !config.shaderStages[stage] ? `${SHADER_STAGE_NAMES[stage]} shader ${handle}: that stage is not offered` : null;
}

function bindShader(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const handle = c.u(BindShader.HANDLE);
  const stage = c.u(BindShader.TYPE);
  const reason = stageReason(stage) ?? shaderAtReason(stage, handle, env.config);
  if (reason !== null) return reason;
  sink.bindShader(stage as ShaderStage, handle);
  return null;
}

const linkHandles = new Uint32Array(SHADER_STAGE_COUNT);

function linkShader(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  for (let i = 0; i < LinkShader.SIZE; i++) {
    const stage = LinkShader.STAGES[i]!;
    const handle = c.u(1 + i);
    const reason = shaderAtReason(stage, handle, env.config);
    if (reason !== null) return reason;
    linkHandles[stage] = handle;
  }
  sink.linkShader(linkHandles);
  return null;
}

export function stateCommands(config: DecoderConfig): Partial<Record<Command, CommandEntry>> {
  const constantDwords = Math.floor(Math.max(...config.maxConstBufferBytes) / 4);
  return {
    [Command.SET_VIEWPORT_STATE]: viewportSlots(config.maxViewports, Viewport.PER_VIEWPORT, 'viewport', Array.from({ length: Limit.VIEWPORTS }, viewport), readViewport, (sink, start, viewports, count) =>
      sink.setViewportStates(start, viewports, count),
    ),
    [Command.SET_SCISSOR_STATE]: viewportSlots(config.maxViewports, Scissor.PER_SCISSOR, 'scissor', Array.from({ length: Limit.VIEWPORTS }, scissor), readScissor, (sink, start, scissors, count) =>
      sink.setScissorStates(start, scissors, count),
    ),
    [Command.SET_FRAMEBUFFER_STATE]: { length: items(2, 1, config.maxRenderTargets, 'colour buffer'), decode: setFramebufferState },
    [Command.SET_VERTEX_BUFFERS]: { length: items(0, VertexBuffers.PER_BUFFER, config.maxVertexAttribs, 'vertex buffer'), decode: setVertexBuffers },
    [Command.SET_SAMPLER_VIEWS]: stageSlots(config.maxSamplerViews, 'sampler view', (sink, stage, start, views, count) => sink.setSamplerViews(stage, start, views, count)),
    [Command.BIND_SAMPLER_STATES]: stageSlots(config.maxSamplers, 'sampler state', (sink, stage, start, states, count) => sink.bindSamplerStates(stage, start, states, count)),
    [Command.SET_INDEX_BUFFER]: { length: either(IndexBuffer.UNBIND_SIZE, IndexBuffer.SIZE), decode: setIndexBuffer },
    [Command.SET_CONSTANT_BUFFER]: { length: items(2, 1, constantDwords, 'constant'), decode: setConstantBuffer },
    [Command.SET_UNIFORM_BUFFER]: { length: exactly(UniformBuffer.SIZE), decode: setUniformBuffer },
    [Command.SET_STENCIL_REF]: { length: exactly(StencilRef.SIZE), decode: setStencilRef },
    [Command.SET_BLEND_COLOR]: { length: exactly(BlendColor.SIZE), decode: setBlendColor },
    [Command.SET_POLYGON_STIPPLE]: { length: exactly(Stipple.SIZE), decode: setPolygonStipple },
    [Command.SET_CLIP_STATE]: { length: exactly(ClipState.SIZE), decode: setClipState },
    [Command.SET_SAMPLE_MASK]: { length: exactly(SampleMask.SIZE), decode: setSampleMask },
    [Command.SET_STREAMOUT_TARGETS]: { length: items(1, 1, config.maxStreamoutBuffers, 'target'), decode: setStreamoutTargets },
    [Command.SET_RENDER_CONDITION]: { length: exactly(RenderCondition.SIZE), decode: setRenderCondition },
    [Command.BIND_SHADER]: { length: exactly(BindShader.SIZE), decode: bindShader },
    [Command.LINK_SHADER]: { length: exactly(LinkShader.SIZE), decode: linkShader },
  };
}
