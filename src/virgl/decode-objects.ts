/** CREATE_OBJECT of each object type, BIND_OBJECT and DESTROY_OBJECT. */
import { below, between, exactly, format, items, level, nonZero, NOT_OFFERED, type LengthRule, type Reason } from './checks.ts';
import type {
  BindableObject,
  BlendState,
  BlendTarget,
  DsaState,
  QueryState,
  RasterizerState,
  SamplerState as SamplerStateArgs,
  SamplerViewState,
  ShaderInfo,
  StencilFace,
  StreamOutput,
  SurfaceState,
  VertexElement,
  VirglSink,
} from './commands.ts';
import type { DecoderConfig } from './config.ts';
import type { Cursor } from './cursor.ts';
import type { CommandEntry, Decode, DecodeEnv, ObjectCommandEntry } from './entry.ts';
import {
  Blend,
  BLEND_FUNC_COUNT,
  Command,
  Dsa,
  field,
  flag,
  isBlendFactor,
  isDualSourceFactor,
  Limit,
  MAX_COMMAND_DWORDS,
  MIP_FILTER_COUNT,
  Obj,
  OBJECT_TYPE_COUNT,
  ObjectType,
  POLYGON_MODE_COUNT,
  Query,
  QUERY_TYPE_COUNT,
  Rasterizer,
  SamplerState,
  SamplerView,
  Shader,
  SHADER_STAGE_COUNT,
  SHADER_STAGE_NAMES,
  StreamoutTarget,
  Surface,
  SWIZZLE_COUNT,
  TEX_FILTER_COUNT,
  TEXTURE_TARGET_COUNT,
  VertexElements,
  type ShaderStage,
} from './protocol.ts';
import { textReason } from './shader-text.ts';
import { colorValue, readColor } from './scratch.ts';

const blendTarget = (): BlendTarget => ({ blendEnable: false, rgbFunc: 0, rgbSrcFactor: 0, rgbDstFactor: 0, alphaFunc: 0, alphaSrcFactor: 0, alphaDstFactor: 0, colorMask: 0 });
const blend: BlendState = {
  independentBlendEnable: false,
  logicOpEnable: false,
  dither: false,
  alphaToCoverage: false,
  alphaToOne: false,
  logicOpFunc: 0,
  targets: Array.from({ length: Limit.COLOR_BUFS }, blendTarget),
};

function factorReason(factor: number, dualSource: boolean, what: string): Reason | null {
  if (!isBlendFactor(factor)) return `${what} ${factor} is not a blend factor`;
  return isDualSourceFactor(factor) && !dualSource ? `${what} ${factor} is dual-source, ${NOT_OFFERED}` : null;
}

function blendTargetReason(t: BlendTarget, dualSource: boolean): Reason | null {
  return (
    below(t.rgbFunc, BLEND_FUNC_COUNT, 'rgb func') ??
    below(t.alphaFunc, BLEND_FUNC_COUNT, 'alpha func') ??
    factorReason(t.rgbSrcFactor, dualSource, 'rgb src factor') ??
    factorReason(t.rgbDstFactor, dualSource, 'rgb dst factor') ??
    factorReason(t.alphaSrcFactor, dualSource, 'alpha src factor') ??
    factorReason(t.alphaDstFactor, dualSource, 'alpha dst factor')
  );
}

function createBlend(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const s0 = c.u(Blend.S0);
  blend.independentBlendEnable = flag(s0, Blend.S0_INDEPENDENT_BLEND);
  blend.logicOpEnable = flag(s0, Blend.S0_LOGICOP_ENABLE);
  blend.dither = flag(s0, Blend.S0_DITHER);
  blend.alphaToCoverage = flag(s0, Blend.S0_ALPHA_TO_COVERAGE);
  blend.alphaToOne = flag(s0, Blend.S0_ALPHA_TO_ONE);
  blend.logicOpFunc = field(c.u(Blend.S1), Blend.S1_LOGICOP_FUNC);
  for (let i = 0; i < Limit.COLOR_BUFS; i++) {
    const t = blend.targets[i]!;
    const w = c.u(Blend.RT0 + i);
    t.blendEnable = flag(w, Blend.RT_BLEND_ENABLE);
    t.rgbFunc = field(w, Blend.RT_RGB_FUNC);
    t.rgbSrcFactor = field(w, Blend.RT_RGB_SRC_FACTOR);
    t.rgbDstFactor = field(w, Blend.RT_RGB_DST_FACTOR);
    t.alphaFunc = field(w, Blend.RT_ALPHA_FUNC);
    t.alphaSrcFactor = field(w, Blend.RT_ALPHA_SRC_FACTOR);
    t.alphaDstFactor = field(w, Blend.RT_ALPHA_DST_FACTOR);
    t.colorMask = field(w, Blend.RT_COLORMASK);
    // Mesa leaves the equations of targets that do not blend zeroed, which is no valid factor.
    const reason = t.blendEnable ? blendTargetReason(t, env.config.dualSourceBlend) : null;
    if (reason !== null) return `target ${i}: ${reason}`;
  }
  sink.createBlend(c.u(Obj.HANDLE), blend);
  return null;
}

const rasterizer: RasterizerState = {
  flatshade: false,
  depthClip: false,
  clipHalfz: false,
  rasterizerDiscard: false,
  flatshadeFirst: false,
  lightTwoside: false,
  spriteCoordMode: 0,
  pointQuadRasterization: false,
  cullFace: 0,
  fillFront: 0,
  fillBack: 0,
  scissor: false,
  frontCcw: false,
  clampVertexColor: false,
  clampFragmentColor: false,
  offsetLine: false,
  offsetPoint: false,
  offsetTri: false,
  polySmooth: false,
  polyStippleEnable: false,
  pointSmooth: false,
  pointSizePerVertex: false,
  multisample: false,
  lineSmooth: false,
  lineStippleEnable: false,
  lineLastPixel: false,
  halfPixelCenter: false,
  bottomEdgeRule: false,
  forcePersampleInterp: false,
  pointSize: 0,
  spriteCoordEnable: 0,
  lineStipplePattern: 0,
  lineStippleFactor: 0,
  clipPlaneEnable: 0,
  lineWidth: 0,
  offsetUnits: 0,
  offsetScale: 0,
  offsetClamp: 0,
};

function createRasterizer(c: Cursor, sink: VirglSink): Reason | null {
  const s0 = c.u(Rasterizer.S0);
  const r = rasterizer;
  r.fillFront = field(s0, Rasterizer.FILL_FRONT);
  r.fillBack = field(s0, Rasterizer.FILL_BACK);
  const reason = below(r.fillFront, POLYGON_MODE_COUNT, 'front fill mode') ?? below(r.fillBack, POLYGON_MODE_COUNT, 'back fill mode');
  if (reason !== null) return reason;
  r.flatshade = flag(s0, Rasterizer.FLATSHADE);
  r.depthClip = flag(s0, Rasterizer.DEPTH_CLIP);
  r.clipHalfz = flag(s0, Rasterizer.CLIP_HALFZ);
  r.rasterizerDiscard = flag(s0, Rasterizer.RASTERIZER_DISCARD);
  r.flatshadeFirst = flag(s0, Rasterizer.FLATSHADE_FIRST);
  r.lightTwoside = flag(s0, Rasterizer.LIGHT_TWOSIDE);
  r.spriteCoordMode = (s0 >>> Rasterizer.SPRITE_COORD_MODE) & 1;
  r.pointQuadRasterization = flag(s0, Rasterizer.POINT_QUAD_RASTERIZATION);
  r.cullFace = field(s0, Rasterizer.CULL_FACE);
  r.scissor = flag(s0, Rasterizer.SCISSOR);
  r.frontCcw = flag(s0, Rasterizer.FRONT_CCW);
  r.clampVertexColor = flag(s0, Rasterizer.CLAMP_VERTEX_COLOR);
  r.clampFragmentColor = flag(s0, Rasterizer.CLAMP_FRAGMENT_COLOR);
  r.offsetLine = flag(s0, Rasterizer.OFFSET_LINE);
  r.offsetPoint = flag(s0, Rasterizer.OFFSET_POINT);
  r.offsetTri = flag(s0, Rasterizer.OFFSET_TRI);
  r.polySmooth = flag(s0, Rasterizer.POLY_SMOOTH);
  r.polyStippleEnable = flag(s0, Rasterizer.POLY_STIPPLE_ENABLE);
  r.pointSmooth = flag(s0, Rasterizer.POINT_SMOOTH);
  r.pointSizePerVertex = flag(s0, Rasterizer.POINT_SIZE_PER_VERTEX);
  r.multisample = flag(s0, Rasterizer.MULTISAMPLE);
  r.lineSmooth = flag(s0, Rasterizer.LINE_SMOOTH);
  r.lineStippleEnable = flag(s0, Rasterizer.LINE_STIPPLE_ENABLE);
  r.lineLastPixel = flag(s0, Rasterizer.LINE_LAST_PIXEL);
  r.halfPixelCenter = flag(s0, Rasterizer.HALF_PIXEL_CENTER);
  r.bottomEdgeRule = flag(s0, Rasterizer.BOTTOM_EDGE_RULE);
  r.forcePersampleInterp = flag(s0, Rasterizer.FORCE_PERSAMPLE_INTERP);
  r.pointSize = c.f(Rasterizer.POINT_SIZE);
  r.spriteCoordEnable = c.u(Rasterizer.SPRITE_COORD_ENABLE);
  const s3 = c.u(Rasterizer.S3);
  r.lineStipplePattern = field(s3, Rasterizer.S3_LINE_STIPPLE_PATTERN);
  r.lineStippleFactor = field(s3, Rasterizer.S3_LINE_STIPPLE_FACTOR);
  r.clipPlaneEnable = field(s3, Rasterizer.S3_CLIP_PLANE_ENABLE);
  r.lineWidth = c.f(Rasterizer.LINE_WIDTH);
  r.offsetUnits = c.f(Rasterizer.OFFSET_UNITS);
  r.offsetScale = c.f(Rasterizer.OFFSET_SCALE);
  r.offsetClamp = c.f(Rasterizer.OFFSET_CLAMP);
  sink.createRasterizer(c.u(Obj.HANDLE), r);
  return null;
}

const stencilFace = (): StencilFace => ({ enabled: false, func: 0, failOp: 0, zpassOp: 0, zfailOp: 0, valueMask: 0, writeMask: 0 });
const dsa: DsaState = { depthEnabled: false, depthWriteMask: false, depthFunc: 0, alphaEnabled: false, alphaFunc: 0, alphaRef: 0, stencil: [stencilFace(), stencilFace()] };

/** Every value of DSA's 3-bit fields is a valid compare function or stencil op: nothing to refuse but the length. */
function createDsa(c: Cursor, sink: VirglSink): Reason | null {
  const s0 = c.u(Dsa.S0);
  dsa.depthEnabled = flag(s0, Dsa.S0_DEPTH_ENABLE);
  dsa.depthWriteMask = flag(s0, Dsa.S0_DEPTH_WRITEMASK);
  dsa.depthFunc = field(s0, Dsa.S0_DEPTH_FUNC);
  dsa.alphaEnabled = flag(s0, Dsa.S0_ALPHA_ENABLE);
  dsa.alphaFunc = field(s0, Dsa.S0_ALPHA_FUNC);
  dsa.alphaRef = c.f(Dsa.ALPHA_REF);
  for (let i = 0; i < 2; i++) {
    const face = dsa.stencil[i]!;
    const w = c.u(Dsa.STENCIL0 + i);
    face.enabled = flag(w, Dsa.STENCIL_ENABLE);
    face.func = field(w, Dsa.STENCIL_FUNC);
    face.failOp = field(w, Dsa.STENCIL_FAIL_OP);
    face.zpassOp = field(w, Dsa.STENCIL_ZPASS_OP);
    face.zfailOp = field(w, Dsa.STENCIL_ZFAIL_OP);
    face.valueMask = field(w, Dsa.STENCIL_VALUEMASK);
    face.writeMask = field(w, Dsa.STENCIL_WRITEMASK);
  }
  sink.createDsa(c.u(Obj.HANDLE), dsa);
  return null;
}

const streamOutput = (): StreamOutput => ({ registerIndex: 0, startComponent: 0, numComponents: 0, buffer: 0, dstOffset: 0, stream: 0 });
const shaderInfo: ShaderInfo = { stage: 0, numTokens: 0, outputCount: 0, strides: new Uint32Array(Limit.SO_BUFFERS), outputs: Array.from({ length: Limit.SO_OUTPUTS }, streamOutput) };

function streamOutputReason(o: StreamOutput, config: DecoderConfig): Reason | null {
  if (o.numComponents === 0 || o.startComponent + o.numComponents > 4) return `components ${o.startComponent}..${o.startComponent + o.numComponents - 1} of a vec4`;
  return below(o.buffer, config.maxStreamoutBuffers, 'buffer') ?? below(o.stream, config.vertexStreams, 'vertex stream');
}

/** Fills `shaderInfo`'s stream-output part from a first packet. */
function readStreamOutput(c: Cursor, count: number, config: DecoderConfig): Reason | null {
  shaderInfo.outputCount = count;
  for (let i = 0; i < Limit.SO_BUFFERS; i++) shaderInfo.strides[i] = count > 0 ? c.u(Shader.SO_STRIDE0 + i) : 0;
  for (let i = 0; i < count; i++) {
    const o = shaderInfo.outputs[i]!;
    const w = c.u(Shader.SO_OUTPUT0 + 2 * i);
    o.registerIndex = field(w, Shader.SO_REGISTER_INDEX);
    o.startComponent = field(w, Shader.SO_START_COMPONENT);
    o.numComponents = field(w, Shader.SO_NUM_COMPONENTS);
    o.buffer = field(w, Shader.SO_BUFFER);
    o.dstOffset = field(w, Shader.SO_DST_OFFSET);
    o.stream = field(c.u(Shader.SO_OUTPUT0 + 2 * i + 1), Shader.SO_STREAM);
    const reason = streamOutputReason(o, config);
    if (reason !== null) return `stream output ${i}: ${reason}`;
  }
  return null;
}

function firstShaderPacket(c: Cursor, sink: VirglSink, env: DecodeEnv, handle: number, total: number, outputs: number): Reason | null {
  const { config, shaders } = env;
  if (outputs > Limit.SO_OUTPUTS) return `${outputs} stream outputs (at most ${Limit.SO_OUTPUTS})`;
  const header = Shader.headerSize(outputs);
  if (c.length < header) return `length ${c.length} dwords is short of its ${header}-dword header`;
  if (total === 0 || total > config.maxShaderBytes) return `shader text of ${total} bytes (at most ${config.maxShaderBytes})`;
  if (shaders.get(handle) !== undefined) return `shader ${handle} already waits for continuation packets`;
  const reason = readStreamOutput(c, outputs, config);
  if (reason !== null) return reason;
  const start = c.dword(header + 1) * 4;
  const carried = (c.length - header) * 4;
  if (carried < total) {
    const pending = shaders.start(handle, shaderInfo, total);
    if (typeof pending === 'string') return pending;
    pending.text.set(c.u8.subarray(start, start + carried));
    pending.received = carried;
    return null;
  }
  // Packets are whole dwords: up to 3 bytes of padding after the NUL.
  if (carried - total > 3) return `packet carries ${carried} bytes for a text of ${total}`;
  // Checked on the copy, which shared guest memory cannot change afterwards.
  const text = c.u8.slice(start, start + total);
  const textProblem = textReason(text, 0, total);
  if (textProblem !== null) return textProblem;
  sink.createShader(handle, shaderInfo, text.subarray(0, total - 1));
  return null;
}

function continuationReason(c: Cursor, env: DecodeEnv, handle: number, offset: number, outputs: number): Reason | null {
  const pending = env.shaders.get(handle);
  if (pending === undefined) return `continuation packet for shader ${handle}, which waits for none`;
  if (outputs !== 0) return 'continuation packet declares stream outputs';
  if (c.u(Shader.TYPE) !== pending.info.stage || c.u(Shader.NUM_TOKENS) !== pending.info.numTokens) return 'continuation packet disagrees with its first packet on stage or token count';
  if (offset !== pending.received) return `continuation packet at byte ${offset} of the text; ${pending.received} bytes came before it`;
  const carried = (c.length - Shader.BASE_HEADER) * 4;
  const left = pending.text.length - pending.received;
  return carried - left > 3 ? `packet carries ${carried} bytes for the ${left} the text has left` : null;
}

function continueShader(c: Cursor, sink: VirglSink, env: DecodeEnv, handle: number, offset: number, outputs: number): Reason | null {
  const reason = continuationReason(c, env, handle, offset, outputs);
  if (reason !== null) {
    env.shaders.drop(handle);
    return reason;
  }
  const pending = env.shaders.get(handle)!;
  const take = Math.min((c.length - Shader.BASE_HEADER) * 4, pending.text.length - pending.received);
  const start = c.dword(Shader.BASE_HEADER + 1) * 4;
  pending.text.set(c.u8.subarray(start, start + take), pending.received);
  pending.received += take;
  if (pending.received < pending.text.length) return null;
  env.shaders.drop(handle);
  const textProblem = textReason(pending.text, 0, pending.text.length);
  if (textProblem !== null) return textProblem;
  sink.createShader(handle, pending.info, pending.text.subarray(0, pending.text.length - 1));
  return null;
}

function createShader(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const stage = c.u(Shader.TYPE);
  if (stage >= SHADER_STAGE_COUNT) return `shader stage ${stage} is out of range`;
  if (!env.config.shaderStages[stage]) return `${SHADER_STAGE_NAMES[stage]} shaders: ${NOT_OFFERED}`;
  const numTokens = c.u(Shader.NUM_TOKENS);
  if (numTokens === 0) return 'shader of 0 tokens';
  shaderInfo.stage = stage as ShaderStage;
  shaderInfo.numTokens = numTokens;
  const handle = c.u(Obj.HANDLE);
  const offlen = c.u(Shader.OFFSET);
  const value = field(offlen, Shader.OFFSET_VALUE);
  const outputs = c.u(Shader.SO_NUM_OUTPUTS);
  return flag(offlen, Shader.OFFSET_CONTINUATION) ? continueShader(c, sink, env, handle, value, outputs) : firstShaderPacket(c, sink, env, handle, value, outputs);
}

const vertexElement = (): VertexElement => ({ srcOffset: 0, instanceDivisor: 0, bufferIndex: 0, format: 0 });
const vertexElements: VertexElement[] = Array.from({ length: Limit.ATTRIBS }, vertexElement);

function createVertexElements(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const count = (c.length - 1) / VertexElements.PER_ELEMENT;
  for (let i = 0; i < count; i++) {
    const e = vertexElements[i]!;
    const base = VertexElements.FIRST + VertexElements.PER_ELEMENT * i;
    e.srcOffset = c.u(base + VertexElements.SRC_OFFSET);
    e.instanceDivisor = c.u(base + VertexElements.INSTANCE_DIVISOR);
    e.bufferIndex = c.u(base + VertexElements.BUFFER_INDEX);
    e.format = c.u(base + VertexElements.FORMAT);
    const reason = below(e.bufferIndex, env.config.maxVertexAttribs, 'vertex buffer index') ?? format(e.format, 'format');
    if (reason !== null) return `element ${i}: ${reason}`;
  }
  sink.createVertexElements(c.u(Obj.HANDLE), vertexElements, count);
  return null;
}

const samplerView: SamplerViewState = {
  resource: 0,
  format: 0,
  target: null,
  firstElement: 0,
  lastElement: 0,
  firstLayer: 0,
  lastLayer: 0,
  firstLevel: 0,
  lastLevel: 0,
  swizzleR: 0,
  swizzleG: 0,
  swizzleB: 0,
  swizzleA: 0,
};

function createSamplerView(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const v = samplerView;
  const formatWord = c.u(SamplerView.FORMAT);
  const target = field(formatWord, SamplerView.FORMAT_TARGET);
  const swizzle = c.u(SamplerView.SWIZZLE);
  v.resource = c.u(SamplerView.RESOURCE);
  v.format = field(formatWord, SamplerView.FORMAT_VALUE);
  v.swizzleR = field(swizzle, SamplerView.SWIZZLE_R);
  v.swizzleG = field(swizzle, SamplerView.SWIZZLE_G);
  v.swizzleB = field(swizzle, SamplerView.SWIZZLE_B);
  v.swizzleA = field(swizzle, SamplerView.SWIZZLE_A);
  const reason =
    nonZero(v.resource, 'resource') ??
    format(v.format, 'format') ??
    (env.config.textureViews ? below(target, TEXTURE_TARGET_COUNT, 'target') : null) ??
    below(Math.max(v.swizzleR, v.swizzleG, v.swizzleB, v.swizzleA), SWIZZLE_COUNT, 'swizzle');
  if (reason !== null) return reason;
  // Without texture views Mesa sends no target: the view takes its resource's.
  v.target = env.config.textureViews ? target : null;
  const range0 = c.u(SamplerView.RANGE0);
  const range1 = c.u(SamplerView.RANGE1);
  v.firstElement = range0;
  v.lastElement = range1;
  v.firstLayer = field(range0, SamplerView.LAYER_FIRST);
  v.lastLayer = field(range0, SamplerView.LAYER_LAST);
  v.firstLevel = field(range1, SamplerView.LEVEL_FIRST);
  v.lastLevel = field(range1, SamplerView.LEVEL_LAST);
  sink.createSamplerView(c.u(Obj.HANDLE), v);
  return null;
}

const samplerState: SamplerStateArgs = {
  wrapS: 0,
  wrapT: 0,
  wrapR: 0,
  minImgFilter: 0,
  minMipFilter: 0,
  magImgFilter: 0,
  compareMode: false,
  compareFunc: 0,
  seamlessCubeMap: false,
  maxAnisotropy: 0,
  lodBias: 0,
  minLod: 0,
  maxLod: 0,
  borderColor: colorValue(),
};

function createSamplerState(c: Cursor, sink: VirglSink): Reason | null {
  const s = samplerState;
  const s0 = c.u(SamplerState.S0);
  s.minImgFilter = field(s0, SamplerState.MIN_IMG_FILTER);
  s.minMipFilter = field(s0, SamplerState.MIN_MIP_FILTER);
  s.magImgFilter = field(s0, SamplerState.MAG_IMG_FILTER);
  const reason =
    below(s.minImgFilter, TEX_FILTER_COUNT, 'min filter') ?? below(s.minMipFilter, MIP_FILTER_COUNT, 'mip filter') ?? below(s.magImgFilter, TEX_FILTER_COUNT, 'mag filter');
  if (reason !== null) return reason;
  s.wrapS = field(s0, SamplerState.WRAP_S);
  s.wrapT = field(s0, SamplerState.WRAP_T);
  s.wrapR = field(s0, SamplerState.WRAP_R);
  s.compareMode = flag(s0, SamplerState.COMPARE_MODE);
  s.compareFunc = field(s0, SamplerState.COMPARE_FUNC);
  s.seamlessCubeMap = flag(s0, SamplerState.SEAMLESS_CUBE_MAP);
  s.maxAnisotropy = field(s0, SamplerState.MAX_ANISOTROPY);
  s.lodBias = c.f(SamplerState.LOD_BIAS);
  s.minLod = c.f(SamplerState.MIN_LOD);
  s.maxLod = c.f(SamplerState.MAX_LOD);
  readColor(c, SamplerState.BORDER_COLOR0, s.borderColor);
  sink.createSamplerState(c.u(Obj.HANDLE), s);
  return null;
}

const surface: SurfaceState = { resource: 0, format: 0, level: 0, firstLayer: 0, lastLayer: 0, sampleCount: 0 };

function createSurface(c: Cursor, sink: VirglSink): Reason | null {
  const layers = c.u(Surface.LAYERS);
  surface.resource = c.u(Surface.RESOURCE);
  surface.format = c.u(Surface.FORMAT);
  surface.level = c.u(Surface.LEVEL);
  surface.firstLayer = field(layers, Surface.LAYER_FIRST);
  surface.lastLayer = field(layers, Surface.LAYER_LAST);
  surface.sampleCount = c.length === Surface.MSAA_SIZE ? c.u(Surface.SAMPLE_COUNT) : 0;
  const reason =
    nonZero(surface.resource, 'resource') ??
    format(surface.format, 'format') ??
    level(surface.level, 'level') ??
    (surface.firstLayer > surface.lastLayer ? `layers ${surface.firstLayer}..${surface.lastLayer}` : null);
  if (reason !== null) return reason;
  sink.createSurface(c.u(Obj.HANDLE), surface);
  return null;
}

const query: QueryState = { type: 0, index: 0, resource: 0, offset: 0 };

function createQuery(c: Cursor, sink: VirglSink): Reason | null {
  const typeIndex = c.u(Query.TYPE_INDEX);
  query.type = field(typeIndex, Query.TYPE);
  query.index = field(typeIndex, Query.INDEX);
  query.resource = c.u(Query.RESOURCE);
  query.offset = c.u(Query.OFFSET);
  const reason = below(query.type, QUERY_TYPE_COUNT, 'query type') ?? nonZero(query.resource, 'result resource');
  if (reason !== null) return reason;
  sink.createQuery(c.u(Obj.HANDLE), query);
  return null;
}

function createStreamoutTarget(c: Cursor, sink: VirglSink): Reason | null {
  const resource = c.u(StreamoutTarget.RESOURCE);
  if (resource === 0) return 'resource is 0';
  sink.createStreamoutTarget(c.u(Obj.HANDLE), resource, c.u(StreamoutTarget.OFFSET), c.u(StreamoutTarget.BUFFER_SIZE));
  return null;
}

const withHandle =
  (decode: Decode): Decode =>
  (c, sink, env) =>
    c.u(Obj.HANDLE) === 0 ? 'handle is 0' : decode(c, sink, env);

function bindObject(c: Cursor, sink: VirglSink): Reason | null {
  sink.bindObject(c.objectType as BindableObject, c.u(Obj.HANDLE));
  return null;
}

function destroyObject(c: Cursor, sink: VirglSink, env: DecodeEnv): Reason | null {
  const handle = c.u(Obj.HANDLE);
  if (handle === 0) return 'handle is 0';
  if (c.objectType === ObjectType.SHADER) env.shaders.drop(handle);
  sink.destroyObject(c.objectType as ObjectType, handle);
  return null;
}

const BINDABLE: readonly BindableObject[] = [ObjectType.BLEND, ObjectType.RASTERIZER, ObjectType.DSA, ObjectType.VERTEX_ELEMENTS];

export function objectCommands(config: DecoderConfig): Partial<Record<Command, ObjectCommandEntry>> {
  const creators: Record<Exclude<ObjectType, typeof ObjectType.NULL>, CommandEntry> = {
    [ObjectType.BLEND]: { length: exactly(Blend.SIZE), decode: createBlend },
    [ObjectType.RASTERIZER]: { length: exactly(Rasterizer.SIZE), decode: createRasterizer },
    [ObjectType.DSA]: { length: exactly(Dsa.SIZE), decode: createDsa },
    [ObjectType.SHADER]: { length: between(Shader.BASE_HEADER, MAX_COMMAND_DWORDS), decode: createShader },
    [ObjectType.VERTEX_ELEMENTS]: { length: items(1, VertexElements.PER_ELEMENT, config.maxVertexAttribs, 'element'), decode: createVertexElements },
    [ObjectType.SAMPLER_VIEW]: { length: exactly(SamplerView.SIZE), decode: createSamplerView },
    [ObjectType.SAMPLER_STATE]: { length: exactly(SamplerState.SIZE), decode: createSamplerState },
    [ObjectType.SURFACE]: { length: exactly(Surface.SIZE), decode: createSurface },
    [ObjectType.QUERY]: { length: exactly(Query.SIZE), decode: createQuery },
    [ObjectType.STREAMOUT_TARGET]: { length: exactly(StreamoutTarget.SIZE), decode: createStreamoutTarget },
    [ObjectType.MSAA_SURFACE]: { length: exactly(Surface.MSAA_SIZE), decode: createSurface },
  };
  const one: LengthRule = exactly(1);
  const create: (CommandEntry | undefined)[] = [];
  const destroy: (CommandEntry | undefined)[] = [];
  for (let type = 1; type < OBJECT_TYPE_COUNT; type++) {
    if (!config.objectTypes[type]) continue;
    const entry = creators[type as keyof typeof creators];
    create[type] = { length: entry.length, decode: withHandle(entry.decode) };
    destroy[type] = { length: one, decode: destroyObject };
  }
  const bind: (CommandEntry | undefined)[] = [];
  for (const type of BINDABLE) bind[type] = { length: one, decode: bindObject };
  return {
    [Command.CREATE_OBJECT]: { objects: create },
    [Command.BIND_OBJECT]: { objects: bind },
    [Command.DESTROY_OBJECT]: { objects: destroy },
  };
}
