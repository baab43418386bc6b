/**
 * What a decoded virgl stream asks of its executor: one sink method per
 * command, with typed, validated arguments. Objects and arrays passed to a
 * method are the decoder's scratch, reused by the next command: valid only
 * during the call (copy what must outlive it). Spans are windows onto the
 * submitted bytes, valid only during the call as well. Counts come with
 * their arrays: an array's entries past its count are stale.
 */
import type { Resource3dParams } from '../renderers/renderer-3d.ts';
import type { ObjectType, ShaderStage } from './protocol.ts';

export type BindableObject = typeof ObjectType.BLEND | typeof ObjectType.RASTERIZER | typeof ObjectType.DSA | typeof ObjectType.VERTEX_ELEMENTS;

/** Payload dwords handed through without a copy. */
export interface DwordSpan {
  readonly u32: Uint32Array;
  readonly f32: Float32Array;
  /** Index of the first dword in `u32` and `f32`. */
  readonly start: number;
  readonly count: number;
}

/** Payload bytes handed through without a copy. */
export interface ByteSpan {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly length: number;
}

/** Four dwords whose meaning depends on the target's format: one buffer, three views of it. */
export interface ColorValue {
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
}

export interface Box {
  x: number;
  y: number;
  z: number;
  width: number;
  height: number;
  depth: number;
}

export interface BlendTarget {
  blendEnable: boolean;
  rgbFunc: number;
  rgbSrcFactor: number;
  rgbDstFactor: number;
  alphaFunc: number;
  alphaSrcFactor: number;
  alphaDstFactor: number;
  /** R, G, B, A write enables in bits 0-3. */
  colorMask: number;
}

export interface BlendState {
  independentBlendEnable: boolean;
  logicOpEnable: boolean;
  dither: boolean;
  alphaToCoverage: boolean;
  alphaToOne: boolean;
  logicOpFunc: number;
  /** Always 8 targets; without independent blend only the first one counts. */
  readonly targets: readonly BlendTarget[];
}

export interface StencilFace {
  enabled: boolean;
  func: number;
  failOp: number;
  zpassOp: number;
  zfailOp: number;
  valueMask: number;
  writeMask: number;
}

export interface DsaState {
  depthEnabled: boolean;
  depthWriteMask: boolean;
  depthFunc: number;
  alphaEnabled: boolean;
  alphaFunc: number;
  alphaRef: number;
  /** Front, then back. */
  readonly stencil: readonly [StencilFace, StencilFace];
}

export interface RasterizerState {
  flatshade: boolean;
  depthClip: boolean;
  clipHalfz: boolean;
  rasterizerDiscard: boolean;
  flatshadeFirst: boolean;
  lightTwoside: boolean;
  spriteCoordMode: number;
  pointQuadRasterization: boolean;
  /** NONE, FRONT, BACK, FRONT_AND_BACK. */
  cullFace: number;
  /** FILL, LINE, POINT. */
  fillFront: number;
  fillBack: number;
  scissor: boolean;
  frontCcw: boolean;
  clampVertexColor: boolean;
  clampFragmentColor: boolean;
  offsetLine: boolean;
  offsetPoint: boolean;
  offsetTri: boolean;
  polySmooth: boolean;
  polyStippleEnable: boolean;
  pointSmooth: boolean;
  pointSizePerVertex: boolean;
  multisample: boolean;
  lineSmooth: boolean;
  lineStippleEnable: boolean;
  lineLastPixel: boolean;
  halfPixelCenter: boolean;
  bottomEdgeRule: boolean;
  forcePersampleInterp: boolean;
  pointSize: number;
  spriteCoordEnable: number;
  lineStipplePattern: number;
  lineStippleFactor: number;
  clipPlaneEnable: number;
  lineWidth: number;
  offsetUnits: number;
  offsetScale: number;
  offsetClamp: number;
}

export interface StreamOutput {
  registerIndex: number;
  startComponent: number;
  numComponents: number;
  buffer: number;
  dstOffset: number;
  stream: number;
}

export interface ShaderInfo {
  stage: ShaderStage;
  numTokens: number;
  /** Stream-output declarations: `outputs[0..outputCount)`, buffer strides in dwords. */
  outputCount: number;
  readonly strides: Uint32Array;
  readonly outputs: readonly StreamOutput[];
}

export interface VertexElement {
  srcOffset: number;
  instanceDivisor: number;
  bufferIndex: number;
  format: number;
}

/**
 * A sampler view. The two range words mean first/last element for a buffer
 * resource and layers/levels for a texture: the decoder cannot tell which,
 * so it gives both readings.
 */
export interface SamplerViewState {
  resource: number;
  format: number;
  /** The view's texture target; null when the capsets have no texture views (the resource's own target applies). */
  target: number | null;
  firstElement: number;
  lastElement: number;
  firstLayer: number;
  lastLayer: number;
  firstLevel: number;
  lastLevel: number;
  swizzleR: number;
  swizzleG: number;
  swizzleB: number;
  swizzleA: number;
}

export interface SamplerState {
  wrapS: number;
  wrapT: number;
  wrapR: number;
  minImgFilter: number;
  minMipFilter: number;
  magImgFilter: number;
  compareMode: boolean;
  compareFunc: number;
  seamlessCubeMap: boolean;
  maxAnisotropy: number;
  lodBias: number;
  minLod: number;
  maxLod: number;
  readonly borderColor: ColorValue;
}

export interface SurfaceState {
  resource: number;
  format: number;
  level: number;
  firstLayer: number;
  lastLayer: number;
  /** 0 for a plain surface; > 0 for an implicitly multisampled one (MSAA_SURFACE). */
  sampleCount: number;
}

export interface QueryState {
  /** virgl's query type, 0 to QUERY_TYPE_COUNT - 1. */
  type: number;
  index: number;
  /** The buffer the host writes the result into (a virgl_host_query_state), and where in it. */
  resource: number;
  offset: number;
}

export interface ViewportState {
  scaleX: number;
  scaleY: number;
  scaleZ: number;
  translateX: number;
  translateY: number;
  translateZ: number;
}

export interface ScissorState {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface VertexBufferBinding {
  stride: number;
  offset: number;
  /** 0: no buffer. */
  resource: number;
}

export interface DrawInfo {
  start: number;
  count: number;
  mode: number;
  indexed: boolean;
  instanceCount: number;
  /** Signed. */
  indexBias: number;
  startInstance: number;
  primitiveRestart: boolean;
  restartIndex: number;
  minIndex: number;
  maxIndex: number;
  countFromStreamOutput: number;
}

export interface BlitSide {
  resource: number;
  level: number;
  format: number;
  /** Signed: a negative width or height mirrors the blit. */
  readonly box: Box;
}

export interface BlitInfo {
  /** R, G, B, A, Z, S in bits 0-5. */
  mask: number;
  filter: number;
  scissorEnable: boolean;
  renderConditionEnable: boolean;
  alphaBlend: boolean;
  readonly scissor: ScissorState;
  readonly dst: BlitSide;
  readonly src: BlitSide;
}

export interface CopyRegion {
  dstResource: number;
  dstLevel: number;
  dstX: number;
  dstY: number;
  dstZ: number;
  srcResource: number;
  srcLevel: number;
  readonly srcBox: Box;
}

/** The part RESOURCE_INLINE_WRITE, TRANSFER3D and COPY_TRANSFER3D share. */
export interface TransferRegion {
  resource: number;
  level: number;
  usage: number;
  /** 0: the host's own stride for the level. */
  stride: number;
  layerStride: number;
  readonly box: Box;
}

export interface Transfer3d extends TransferRegion {
  /** Where the box's bytes start in the resource's backing. */
  dataOffset: number;
  toHost: boolean;
}

export interface CopyTransfer3d extends TransferRegion {
  srcResource: number;
  srcOffset: number;
  synchronized: boolean;
  readFromHost: boolean;
}

export interface ClearSurfaceInfo {
  surface: number;
  /** CLEAR's buffer bits (depth, stencil, colour). */
  buffers: number;
  renderConditionEnable: boolean;
  /** Colour, or depth (f64 in dwords 0-1) and stencil (dword 2). */
  readonly value: ColorValue;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** PIPE_RESOURCE_CREATE: a resource as RESOURCE_CREATE_3D describes one, for a host blob. */
export interface PipeResourceInfo extends Resource3dParams {
  blobId: number;
}

export interface VirglSink {
  createBlend(handle: number, state: BlendState): void;
  createRasterizer(handle: number, state: RasterizerState): void;
  createDsa(handle: number, state: DsaState): void;
  /** A whole shader, once its last packet arrived. `text` is the TGSI text without its NUL: a copy the sink may keep. */
  createShader(handle: number, info: ShaderInfo, text: Uint8Array): void;
  createVertexElements(handle: number, elements: readonly VertexElement[], count: number): void;
  createSamplerView(handle: number, view: SamplerViewState): void;
  createSamplerState(handle: number, state: SamplerState): void;
  createSurface(handle: number, surface: SurfaceState): void;
  createQuery(handle: number, query: QueryState): void;
  createStreamoutTarget(handle: number, resource: number, offset: number, size: number): void;
  /** Handle 0 unbinds. */
  bindObject(type: BindableObject, handle: number): void;
  destroyObject(type: ObjectType, handle: number): void;

  setViewportStates(startSlot: number, viewports: readonly ViewportState[], count: number): void;
  /** Surface handles; 0 is an empty slot. */
  setFramebufferState(zsurf: number, cbufs: Uint32Array, count: number): void;
  setVertexBuffers(buffers: readonly VertexBufferBinding[], count: number): void;
  /** Sampler view handles for slots `startSlot...`; 0 empties a slot. */
  setSamplerViews(stage: ShaderStage, startSlot: number, views: Uint32Array, count: number): void;
  /** `indexSize` 0 (and resource 0) unbinds. */
  setIndexBuffer(resource: number, indexSize: number, offset: number): void;
  /**
   * User constants of `stage` (CONST[n]); no dwords unbinds. Mesa also sends
   * this, without data, for an `index` > 0 when it unbinds that uniform
   * buffer slot.
   */
  setConstantBuffer(stage: ShaderStage, index: number, data: DwordSpan): void;
  setUniformBuffer(stage: ShaderStage, index: number, offset: number, length: number, resource: number): void;
  setStencilRef(front: number, back: number): void;
  setBlendColor(r: number, g: number, b: number, a: number): void;
  setScissorStates(startSlot: number, scissors: readonly ScissorState[], count: number): void;
  /** Sampler state handles for slots `startSlot...`; 0 empties a slot. */
  bindSamplerStates(stage: ShaderStage, startSlot: number, states: Uint32Array, count: number): void;
  /** 32 rows of 32 bits. */
  setPolygonStipple(rows: Uint32Array): void;
  /** 8 planes of 4 floats. */
  setClipState(planes: Float32Array): void;
  setSampleMask(mask: number): void;
  /** Streamout target handles; bit i of `appendBitmask`: target i appends. */
  setStreamoutTargets(appendBitmask: number, targets: Uint32Array, count: number): void;
  /** Query 0 turns the condition off. */
  setRenderCondition(query: number, condition: boolean, mode: number): void;
  /** Handle 0 unbinds the stage. */
  bindShader(stage: ShaderStage, handle: number): void;
  /** Shader handles by stage (ShaderStage order); 0 where the program has none. */
  linkShader(handles: Uint32Array): void;

  clear(buffers: number, color: ColorValue, depth: number, stencil: number): void;
  drawVbo(draw: DrawInfo): void;
  resourceInlineWrite(region: TransferRegion, data: ByteSpan): void;
  blit(info: BlitInfo): void;
  resourceCopyRegion(copy: CopyRegion): void;
  beginQuery(handle: number): void;
  endQuery(handle: number): void;
  getQueryResult(handle: number, wait: boolean): void;
  transfer3d(transfer: Transfer3d): void;
  /** The end of the space Mesa reserves for transfers at a stream's start. */
  endTransfers(): void;
  copyTransfer3d(transfer: CopyTransfer3d): void;
  clearTexture(resource: number, level: number, box: Box, data: ColorValue): void;
  clearSurface(info: ClearSurfaceInfo): void;

  setSubContext(id: number): void;
  createSubContext(id: number): void;
  destroySubContext(id: number): void;
  setTweak(id: number, value: number): void;
  pipeResourceCreate(info: PipeResourceInfo): void;
}
