/**
 * The WebGL2 executor of one guest context: the virgl sink the stream
 * decoder calls. It keeps each sub-context's objects and bindings
 * (sub-context.ts) and does the work commands ask for (clears, blits,
 * copies, inline writes) in GL; draws go to the drawer. It never reads stream
 * bytes: what it gets is typed and already checked for shape, and here it
 * checks what only the renderer knows (that a handle or resource exists, that
 * a box lies inside a resource).
 */
import type {
  BindableObject, BlendState, BlitInfo, Box, ByteSpan, ClearSurfaceInfo, ColorValue, CopyRegion, CopyTransfer3d, DrawInfo, DsaState, DwordSpan, PipeResourceInfo,
  QueryState, RasterizerState, SamplerState, SamplerViewState, ScissorState, ShaderInfo, SurfaceState, Transfer3d, TransferRegion, VertexBufferBinding, VertexElement, ViewportState, VirglSink,
} from '../../virgl/commands.ts';
import { HostQueryState, ObjectType, type ShaderStage } from '../../virgl/protocol.ts';
import { WindowAccess } from '../window-access.ts';
import type { Drawer } from './draw.ts';
import { compareFunc, magFilter, minFilter, wrapMode } from './gallium-gl.ts';
import { GuestQueries, type GuestQuery, type QueryAnswer } from './queries.ts';
import type { GlResources, TextureResource } from './resources.ts';
import { streamLayout } from './stream-output.ts';
import { copyOf, SubContext } from './sub-context.ts';

const CLEAR_DEPTH = 1;
const CLEAR_STENCIL = 2;
const CLEAR_COLOR0_SHIFT = 2;
const MAX_SUB_CONTEXTS = 16;
/** Lists of stream-output targets a sub-context remembers as begun; past it, it forgets them all (a list bound again then starts over). */
const MAX_STREAM_LISTS = 64;
/** EXT_texture_filter_anisotropic's sampler parameter. */
const TEXTURE_MAX_ANISOTROPY = 0x84fe;
/**
 * What one guest context may hold across its sub-contexts: objects by handle,
 * and characters of shader text (Mesa's shaders are a few kilobytes; a
 * guest creating without destroying must not grow the worker without end).
 */
export const MAX_CONTEXT_OBJECTS = 65_536;
export const MAX_CONTEXT_SHADER_CHARS = 16 << 20;

const decoder = new TextDecoder();

export class ContextExecutor implements VirglSink {
  private readonly subs = new Map<number, SubContext>();
  private sub: SubContext;
  /** Stream bytes (RESOURCE_INLINE_WRITE) as a backing, so inline writes take the transfer path. */
  private readonly inline = new WindowAccess();
  private readonly transfer = { ctxId: 0, resourceId: 0, level: 0, box: { x: 0, y: 0, z: 0, w: 0, h: 0, d: 0 }, offset: 0, stride: 0, layerStride: 0 };
  private readonly drawFramebuffer: WebGLFramebuffer;
  /** The capsets promise the guest anisotropic filtering where the context has it. */
  private readonly anisotropic: boolean;
  private readonly queries: GuestQueries;
  /** Made on the first draw that needs it (see standIn). */
  private emptyFramebuffer: WebGLFramebuffer | null = null;
  private emptyRenderbuffer: WebGLRenderbuffer | null = null;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly resources: GlResources,
    private readonly drawer: Drawer,
    private readonly log: (message: string) => void,
  ) {
    this.sub = new SubContext(gl);
    this.subs.set(0, this.sub);
    this.drawFramebuffer = gl.createFramebuffer();
    this.anisotropic = gl.getExtension('EXT_texture_filter_anisotropic') !== null;
    this.queries = new GuestQueries(gl, drawer);
  }

  destroy(): void {
    for (const sub of this.subs.values()) this.destroySub(sub);
    this.subs.clear();
    this.gl.deleteFramebuffer(this.drawFramebuffer);
    this.gl.deleteFramebuffer(this.emptyFramebuffer);
    this.gl.deleteRenderbuffer(this.emptyRenderbuffer);
    this.drawer.destroy();
  }

  private destroySub(sub: SubContext): void {
    for (const query of sub.queries.values()) this.queries.destroy(query);
    sub.destroy();
  }

  /** A failure of one command: logged, and the stream goes on (as the reference host does for a missing handle). */
  private refuse(what: string): void {
    this.log(`virgl: ${what}`);
  }

  /** Whether the context has room for one more object in `objects` (a handle there already is replaced) and `shaderChars` more characters of shader text. */
  private admits(objects: Map<number, unknown>, handle: number, shaderChars = 0): boolean {
    let count = 0;
    let chars = shaderChars;
    for (const sub of this.subs.values()) {
      count += sub.objectCount();
      chars += sub.shaderChars;
    }
    if (!objects.has(handle) && count >= MAX_CONTEXT_OBJECTS) {
      this.refuse(`object ${handle} refused: the context holds ${MAX_CONTEXT_OBJECTS} objects, the most it may`);
      return false;
    }
    if (chars > MAX_CONTEXT_SHADER_CHARS) {
      this.refuse(`shader ${handle} refused: the context's shaders would hold more than ${MAX_CONTEXT_SHADER_CHARS} characters of text`);
      return false;
    }
    return true;
  }

  createBlend(handle: number, state: BlendState): void {
    if (this.admits(this.sub.blends, handle)) this.sub.blends.set(handle, copyOf(state));
  }

  createRasterizer(handle: number, state: RasterizerState): void {
    if (this.admits(this.sub.rasterizers, handle)) this.sub.rasterizers.set(handle, copyOf(state));
  }

  createDsa(handle: number, state: DsaState): void {
    if (this.admits(this.sub.dsas, handle)) this.sub.dsas.set(handle, copyOf(state));
  }

  createShader(handle: number, info: ShaderInfo, text: Uint8Array): void {
    const replaced = this.sub.shaders.get(handle)?.text.length ?? 0;
    if (this.admits(this.sub.shaders, handle, text.length - replaced)) this.sub.putShader(handle, { info: copyOf(info), text: decoder.decode(text), stream: streamLayout(info) });
  }

  createVertexElements(handle: number, elements: readonly VertexElement[], count: number): void {
    if (this.admits(this.sub.vertexElements, handle)) this.sub.vertexElements.set(handle, elements.slice(0, count).map((e) => ({ ...e })));
  }

  createSamplerView(handle: number, view: SamplerViewState): void {
    if (this.admits(this.sub.views, handle)) this.sub.views.set(handle, { ...view });
  }

  createSamplerState(handle: number, state: SamplerState): void {
    if (!this.admits(this.sub.samplers, handle)) return;
    const { gl } = this;
    const old = this.sub.samplers.get(handle);
    const sampler = old?.sampler ?? gl.createSampler();
    gl.samplerParameteri(sampler, gl.TEXTURE_WRAP_S, wrapMode(state.wrapS));
    gl.samplerParameteri(sampler, gl.TEXTURE_WRAP_T, wrapMode(state.wrapT));
    gl.samplerParameteri(sampler, gl.TEXTURE_WRAP_R, wrapMode(state.wrapR));
    gl.samplerParameteri(sampler, gl.TEXTURE_MIN_FILTER, minFilter(state.minImgFilter, state.minMipFilter));
    gl.samplerParameteri(sampler, gl.TEXTURE_MAG_FILTER, magFilter(state.magImgFilter));
    gl.samplerParameterf(sampler, gl.TEXTURE_MIN_LOD, state.minLod);
    gl.samplerParameterf(sampler, gl.TEXTURE_MAX_LOD, state.maxLod);
    gl.samplerParameteri(sampler, gl.TEXTURE_COMPARE_MODE, state.compareMode ? gl.COMPARE_REF_TO_TEXTURE : gl.NONE);
    gl.samplerParameteri(sampler, gl.TEXTURE_COMPARE_FUNC, compareFunc(state.compareFunc));
    if (this.anisotropic) gl.samplerParameterf(sampler, TEXTURE_MAX_ANISOTROPY, Math.max(1, state.maxAnisotropy));
    this.sub.samplers.set(handle, { state: copyOf(state), sampler });
  }

  createSurface(handle: number, surface: SurfaceState): void {
    if (this.admits(this.sub.surfaces, handle)) this.sub.surfaces.set(handle, { ...surface });
  }

  createQuery(handle: number, state: QueryState): void {
    const buffer = this.resources.get(state.resource);
    if (buffer?.kind !== 'buffer' || buffer.bytes.length < HostQueryState.SIZE) return this.refuse(`query ${handle}: resource ${state.resource} is not a buffer of at least ${HostQueryState.SIZE} bytes for its answer`);
    if (!this.admits(this.sub.queries, handle)) return;
    const made = this.queries.make(state);
    if (typeof made === 'string') return this.refuse(`query ${handle} refused: ${made}`);
    const old = this.sub.queries.get(handle);
    if (old) this.queries.destroy(old);
    this.sub.queries.set(handle, made);
  }

  createStreamoutTarget(handle: number, resource: number, offset: number, size: number): void {
    const buffer = this.resources.get(resource);
    if (buffer?.kind !== 'buffer') return this.refuse(`stream-output target ${handle}: resource ${resource} is not a buffer`);
    if (offset % 4 !== 0) return this.refuse(`stream-output target ${handle}: offset ${offset} is not a multiple of 4`);
    if (this.admits(this.sub.streamTargets, handle)) this.sub.streamTargets.set(handle, { resource, offset, size, written: 0, vertexBytes: 0 });
  }

  bindObject(type: BindableObject, handle: number): void {
    const sub = this.sub;
    switch (type) {
      case ObjectType.BLEND:
        sub.blend = handle;
        break;
      case ObjectType.RASTERIZER:
        sub.rasterizer = handle;
        break;
      case ObjectType.DSA:
        sub.dsa = handle;
        break;
      case ObjectType.VERTEX_ELEMENTS:
        sub.elements = handle;
        break;
    }
  }

  destroyObject(type: ObjectType, handle: number): void {
    const sub = this.sub;
    switch (type) {
      case ObjectType.BLEND:
        sub.blends.delete(handle);
        break;
      case ObjectType.RASTERIZER:
        sub.rasterizers.delete(handle);
        break;
      case ObjectType.DSA:
        sub.dsas.delete(handle);
        break;
      case ObjectType.SHADER:
        sub.dropShader(handle);
        break;
      case ObjectType.VERTEX_ELEMENTS:
        sub.vertexElements.delete(handle);
        break;
      case ObjectType.SAMPLER_VIEW:
        sub.views.delete(handle);
        break;
      case ObjectType.SAMPLER_STATE: {
        const sampler = sub.samplers.get(handle);
        if (sampler) this.gl.deleteSampler(sampler.sampler);
        sub.samplers.delete(handle);
        break;
      }
      case ObjectType.SURFACE:
        sub.surfaces.delete(handle);
        sub.framebufferChanged = true;
        break;
      case ObjectType.STREAMOUT_TARGET:
        sub.streamTargets.delete(handle);
        for (const list of sub.streamLists) if (list.split(',').includes(String(handle))) sub.streamLists.delete(list);
        break;
      case ObjectType.QUERY: {
        const query = sub.queries.get(handle);
        if (query) this.queries.destroy(query);
        sub.queries.delete(handle);
        break;
      }
    }
  }

  setViewportStates(startSlot: number, viewports: readonly ViewportState[], count: number): void {
    if (startSlot === 0 && count > 0) this.sub.viewport = { ...viewports[0]! };
  }

  setFramebufferState(zsurf: number, cbufs: Uint32Array, count: number): void {
    const sub = this.sub;
    sub.zsurf = zsurf;
    sub.cbufs.fill(0);
    sub.cbufs.set(cbufs.subarray(0, Math.min(count, sub.cbufs.length)));
    sub.cbufCount = Math.min(count, sub.cbufs.length);
    sub.framebufferChanged = true;
  }

  setVertexBuffers(buffers: readonly VertexBufferBinding[], count: number): void {
    this.sub.vertexBuffers = buffers.slice(0, count).map((b) => ({ ...b }));
  }

  setSamplerViews(stage: ShaderStage, startSlot: number, views: Uint32Array, count: number): void {
    const slots = this.sub.stages[stage]!.views;
    for (let i = 0; i < count; i++) slots[startSlot + i] = views[i]!;
  }

  setIndexBuffer(resource: number, indexSize: number, offset: number): void {
    this.sub.indexBuffer = { resource, indexSize, offset };
  }

  setConstantBuffer(stage: ShaderStage, index: number, data: DwordSpan): void {
    const bindings = this.sub.stages[stage]!;
    if (index > 0) {
      bindings.uniformBuffers[index] = null;
      return;
    }
    if (bindings.constants.length < data.count) bindings.constants = new Uint32Array(Math.max(data.count, bindings.constants.length * 2));
    bindings.constants.set(data.u32.subarray(data.start, data.start + data.count));
    bindings.constantDwords = data.count;
    bindings.constantsChanged = true;
  }

  setUniformBuffer(stage: ShaderStage, index: number, offset: number, length: number, resource: number): void {
    this.sub.stages[stage]!.uniformBuffers[index] = resource === 0 ? null : { resource, offset, length };
  }

  setStencilRef(front: number, back: number): void {
    this.sub.stencilRef = [front, back];
  }

  setBlendColor(r: number, g: number, b: number, a: number): void {
    this.sub.blendColor = [r, g, b, a];
  }

  setScissorStates(startSlot: number, scissors: readonly ScissorState[], count: number): void {
    if (startSlot === 0 && count > 0) this.sub.scissor = { ...scissors[0]! };
  }

  bindSamplerStates(stage: ShaderStage, startSlot: number, states: Uint32Array, count: number): void {
    const slots = this.sub.stages[stage]!.samplers;
    for (let i = 0; i < count; i++) slots[startSlot + i] = states[i]!;
  }

  /** Mesa sends the stipple of every desktop context; only a rasterizer that turns it on matters (the drawer says so). */
  setPolygonStipple(): void {}

  setClipState(planes: Float32Array): void {
    this.sub.clipPlanes.set(planes);
  }

  setSampleMask(mask: number): void {
    this.sub.sampleMask = mask;
  }

  /**
   * As the reference host does, the append bitmask is ignored (guest Mesa sends 0): a list of
   * targets bound before continues where its captures got to (pause and resume), a new list
   * starts its targets over (Mesa makes new targets for each glBeginTransformFeedback).
   */
  setStreamoutTargets(_appendBitmask: number, targets: Uint32Array, count: number): void {
    const sub = this.sub;
    const n = Math.min(count, sub.boundTargets.length);
    sub.boundTargets.fill(0);
    sub.boundTargets.set(targets.subarray(0, n));
    if (n === 0) return;
    const list = targets.subarray(0, n).join(',');
    if (sub.streamLists.has(list)) return;
    if (sub.streamLists.size >= MAX_STREAM_LISTS) sub.streamLists.clear();
    sub.streamLists.add(list);
    for (const handle of targets.subarray(0, n)) {
      const target = sub.streamTargets.get(handle);
      if (target) target.written = 0;
    }
  }

  setRenderCondition(query: number): void {
    if (query !== 0) this.refuse('conditional rendering is not offered; drawing unconditionally');
  }

  bindShader(stage: ShaderStage, handle: number): void {
    this.sub.boundShaders[stage] = handle;
  }

  linkShader(handles: Uint32Array): void {
    this.sub.boundShaders.set(handles.subarray(0, this.sub.boundShaders.length));
  }

  clear(buffers: number, color: ColorValue, depth: number, stencil: number): void {
    const { gl } = this;
    if (!this.bindFramebuffer()) return;
    // A gallium clear ignores the rasterizer's state; GL's is scissored, masked and discarded by it.
    gl.disable(gl.SCISSOR_TEST);
    gl.disable(gl.RASTERIZER_DISCARD);
    gl.colorMask(true, true, true, true);
    for (let i = 0; i < this.sub.cbufCount; i++) {
      if (!(buffers & (1 << (CLEAR_COLOR0_SHIFT + i))) || this.sub.cbufs[i] === 0) continue;
      this.clearColour(this.surfaceTexture(this.sub.cbufs[i]!), i, color);
    }
    this.clearDepthStencil(buffers, depth, stencil);
  }

  drawVbo(draw: DrawInfo): void {
    if (!this.bindFramebuffer(this.sub.rasterizers.get(this.sub.rasterizer)?.rasterizerDiscard ?? false)) return;
    this.drawer.draw(this.sub, draw);
  }

  resourceInlineWrite(region: TransferRegion, data: ByteSpan): void {
    const resource = this.resources.get(region.resource);
    if (!resource) return this.refuse(`inline write to resource ${region.resource}, which does not exist`);
    const t = this.transferFor(region.resource, region.level, region.box, 0, region.stride, region.layerStride);
    const problem = this.resources.checkTransfer(resource, t, data.length);
    if (problem) return this.refuse(`inline write to resource ${region.resource}: ${problem}`);
    this.resources.transferToHost(t, this.inline.show(data.bytes, data.start, data.length));
    this.inline.clear();
  }

  blit(info: BlitInfo): void {
    const { gl } = this;
    const src = this.texture(info.src.resource);
    const dst = this.texture(info.dst.resource);
    if (!src || !dst) return this.refuse(`blit between resources ${info.src.resource} and ${info.dst.resource}: not both textures`);
    const s = info.src.box;
    const d = info.dst.box;
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, this.resources.readFramebufferFor(src, info.src.level, s.z));
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, this.drawFramebuffer);
    const attachment = dst.format.depth ? (dst.format.stencil ? gl.DEPTH_STENCIL_ATTACHMENT : gl.DEPTH_ATTACHMENT) : gl.COLOR_ATTACHMENT0;
    this.resources.attach(gl.DRAW_FRAMEBUFFER, attachment, dst, info.dst.level, d.z);
    let mask = 0;
    if (info.mask & 0xf && !dst.format.depth) mask |= gl.COLOR_BUFFER_BIT;
    if (info.mask & 0x10 && dst.format.depth) mask |= gl.DEPTH_BUFFER_BIT;
    if (info.mask & 0x20 && dst.format.stencil) mask |= gl.STENCIL_BUFFER_BIT;
    if (info.scissorEnable) {
      gl.enable(gl.SCISSOR_TEST);
      gl.scissor(info.scissor.minX, info.scissor.minY, info.scissor.maxX - info.scissor.minX, info.scissor.maxY - info.scissor.minY);
    } else gl.disable(gl.SCISSOR_TEST);
    gl.colorMask(true, true, true, true);
    const linear = info.filter === 1 && mask === gl.COLOR_BUFFER_BIT && src.format.filterable;
    gl.blitFramebuffer(s.x, s.y, s.x + s.width, s.y + s.height, d.x, d.y, d.x + d.width, d.y + d.height, mask, linear ? gl.LINEAR : gl.NEAREST);
    this.resources.attach(gl.DRAW_FRAMEBUFFER, attachment, null, 0, 0);
    this.resources.releaseReadFramebuffer();
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, null);
    this.sub.framebufferChanged = true;
  }

  resourceCopyRegion(copy: CopyRegion): void {
    const src = this.resources.get(copy.srcResource);
    const dst = this.resources.get(copy.dstResource);
    if (!src || !dst || src.kind !== dst.kind) return this.refuse(`copy from resource ${copy.srcResource} to ${copy.dstResource}: missing, or a buffer and a texture`);
    const box = copy.srcBox;
    if (src.kind === 'buffer' && dst.kind === 'buffer') {
      if (box.x < 0 || box.width < 0 || box.x + box.width > src.bytes.length || copy.dstX < 0 || copy.dstX + box.width > dst.bytes.length) return this.refuse('buffer copy outside its buffers');
      this.resources.bytesOf(dst).set(this.resources.bytesOf(src).subarray(box.x, box.x + box.width), copy.dstX);
      this.resources.changed(dst, copy.dstX, copy.dstX + box.width);
      return;
    }
    this.blit({
      mask: 0x3f, filter: 0, scissorEnable: false, renderConditionEnable: false, alphaBlend: false, scissor: { minX: 0, minY: 0, maxX: 0, maxY: 0 },
      src: { resource: copy.srcResource, level: 0, format: 0, box },
      dst: { resource: copy.dstResource, level: copy.dstLevel, format: 0, box: { x: copy.dstX, y: copy.dstY, z: copy.dstZ, width: box.width, height: box.height, depth: box.depth } },
    });
  }

  beginQuery(handle: number): void {
    const query = this.query(handle);
    const problem = query && this.queries.begin(query);
    if (problem) this.refuse(`query ${handle}: ${problem}`);
  }

  endQuery(handle: number): void {
    const query = this.query(handle);
    if (query) this.queries.end(query);
  }

  getQueryResult(handle: number): void {
    const query = this.query(handle);
    if (query) this.queries.ask(query);
  }

  private query(handle: number): GuestQuery | null {
    const query = this.sub.queries.get(handle);
    if (!query) this.refuse(`query ${handle} does not exist`);
    return query ?? null;
  }

  /**
   * Appends the answers of asked queries whose results are now known, each
   * also written into the query's buffer here (a later transfer back reads
   * it); true when no asked query is left waiting for the GPU.
   */
  answerQueries(into: QueryAnswer[]): boolean {
    const from = into.length;
    const done = this.queries.answer(into);
    for (let i = from; i < into.length; i++) {
      const { resourceId, state } = into[i]!;
      const buffer = this.resources.get(resourceId);
      if (buffer?.kind !== 'buffer') continue;
      const length = Math.min(state.length, buffer.bytes.length);
      this.resources.bytesOf(buffer).set(state.subarray(0, length));
      this.resources.changed(buffer, 0, length);
    }
    return done;
  }

  transfer3d(_transfer: Transfer3d): void {
    this.refuse('TRANSFER3D needs the transfer capability, which is not offered');
  }

  endTransfers(): void {}

  copyTransfer3d(_transfer: CopyTransfer3d): void {
    this.refuse('COPY_TRANSFER3D needs the copy-transfer capability, which is not offered');
  }

  clearTexture(resource: number, _level: number, _box: Box, _data: ColorValue): void {
    this.refuse(`CLEAR_TEXTURE of resource ${resource} is not drawn yet`);
  }

  clearSurface(info: ClearSurfaceInfo): void {
    const { gl } = this;
    const surface = this.sub.surfaces.get(info.surface);
    const texture = surface && this.texture(surface.resource);
    if (!surface || !texture) return this.refuse(`CLEAR_SURFACE of surface ${info.surface}, which does not exist`);
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, this.drawFramebuffer);
    const attachment = texture.format.depth ? (texture.format.stencil ? gl.DEPTH_STENCIL_ATTACHMENT : gl.DEPTH_ATTACHMENT) : gl.COLOR_ATTACHMENT0;
    this.resources.attach(gl.DRAW_FRAMEBUFFER, attachment, texture, surface.level, surface.firstLayer);
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(info.x, info.y, info.width, info.height);
    gl.colorMask(true, true, true, true);
    if (texture.format.depth) this.clearDepthStencil(info.buffers, new Float64Array(info.value.u32.buffer, info.value.u32.byteOffset, 1)[0]!, info.value.u32[2]!);
    else this.clearColour(texture, 0, info.value);
    this.resources.attach(gl.DRAW_FRAMEBUFFER, attachment, null, 0, 0);
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, null);
    this.sub.framebufferChanged = true;
  }

  setSubContext(id: number): void {
    const sub = this.subs.get(id);
    if (!sub) return this.refuse(`SET_SUB_CTX ${id}, which was never created`);
    this.sub = sub;
    sub.framebufferChanged = true;
  }

  createSubContext(id: number): void {
    if (this.subs.has(id)) return;
    if (this.subs.size >= MAX_SUB_CONTEXTS) return this.refuse(`more than ${MAX_SUB_CONTEXTS} sub-contexts`);
    this.subs.set(id, new SubContext(this.gl));
  }

  destroySubContext(id: number): void {
    const sub = this.subs.get(id);
    if (!sub || id === 0) return;
    this.destroySub(sub);
    this.subs.delete(id);
    if (this.sub === sub) this.sub = this.subs.get(0)!;
  }

  setTweak(): void {}

  pipeResourceCreate(_info: PipeResourceInfo): void {
    this.refuse('PIPE_RESOURCE_CREATE needs blob resources from the host, which are not offered');
  }

  private texture(id: number): TextureResource | null {
    const resource = this.resources.get(id);
    return resource?.kind === 'texture' ? resource : null;
  }

  private surfaceTexture(handle: number): TextureResource | null {
    const surface = this.sub.surfaces.get(handle);
    return surface ? this.texture(surface.resource) : null;
  }

  /**
   * Binds the sub-context's framebuffer for drawing, attaching its surfaces if they changed; false when it cannot be drawn into.
   * A draw whose rasterizer discards everything (transform feedback alone) needs none: WebGL2 still wants a complete one, so it gets an empty stand-in.
   */
  private bindFramebuffer(discarding = false): boolean {
    const { gl } = this;
    const sub = this.sub;
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, sub.framebuffer);
    if (!sub.framebufferChanged) return true;
    sub.framebufferChanged = false;
    const drawBuffers: number[] = [];
    for (let i = 0; i < sub.cbufs.length; i++) {
      const surface = sub.surfaces.get(sub.cbufs[i]!);
      const texture = surface && i < sub.cbufCount ? this.texture(surface.resource) : null;
      this.resources.attach(gl.DRAW_FRAMEBUFFER, gl.COLOR_ATTACHMENT0 + i, texture, surface?.level ?? 0, surface?.firstLayer ?? 0);
      drawBuffers.push(texture ? gl.COLOR_ATTACHMENT0 + i : gl.NONE);
    }
    while (drawBuffers.length > 1 && drawBuffers[drawBuffers.length - 1] === gl.NONE) drawBuffers.pop();
    gl.drawBuffers(drawBuffers);
    const zsurf = sub.surfaces.get(sub.zsurf);
    const depth = zsurf ? this.texture(zsurf.resource) : null;
    this.resources.attach(gl.DRAW_FRAMEBUFFER, gl.DEPTH_STENCIL_ATTACHMENT, null, 0, 0);
    if (depth) this.resources.attach(gl.DRAW_FRAMEBUFFER, depth.format.stencil ? gl.DEPTH_STENCIL_ATTACHMENT : gl.DEPTH_ATTACHMENT, depth, zsurf!.level, zsurf!.firstLayer);
    const status = gl.checkFramebufferStatus(gl.DRAW_FRAMEBUFFER);
    if (status !== gl.FRAMEBUFFER_COMPLETE) {
      sub.framebufferChanged = true;
      if (discarding) {
        gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, this.standIn());
        return true;
      }
      this.refuse(`the framebuffer is incomplete (0x${status.toString(16)}); its draws and clears are skipped`);
      return false;
    }
    return true;
  }

  /** A complete framebuffer that draws into nothing (its one attachment is off in drawBuffers). */
  private standIn(): WebGLFramebuffer {
    const { gl } = this;
    if (this.emptyFramebuffer) return this.emptyFramebuffer;
    const framebuffer = (this.emptyFramebuffer = gl.createFramebuffer());
    this.emptyRenderbuffer = gl.createRenderbuffer();
    gl.bindRenderbuffer(gl.RENDERBUFFER, this.emptyRenderbuffer);
    gl.renderbufferStorage(gl.RENDERBUFFER, gl.RGBA8, 1, 1);
    gl.bindRenderbuffer(gl.RENDERBUFFER, null);
    gl.bindFramebuffer(gl.DRAW_FRAMEBUFFER, framebuffer);
    gl.framebufferRenderbuffer(gl.DRAW_FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.RENDERBUFFER, this.emptyRenderbuffer);
    gl.drawBuffers([gl.NONE]);
    return framebuffer;
  }

  private clearColour(texture: TextureResource | null, drawBuffer: number, color: ColorValue): void {
    const { gl } = this;
    if (!texture) return;
    switch (texture.format.read) {
      case 'uint':
        gl.clearBufferuiv(gl.COLOR, drawBuffer, color.u32.subarray(0, 4));
        break;
      case 'int':
        gl.clearBufferiv(gl.COLOR, drawBuffer, color.i32.subarray(0, 4));
        break;
      default:
        gl.clearBufferfv(gl.COLOR, drawBuffer, color.f32.subarray(0, 4));
    }
  }

  private clearDepthStencil(buffers: number, depth: number, stencil: number): void {
    const { gl } = this;
    const clearDepth = (buffers & CLEAR_DEPTH) !== 0;
    const clearStencil = (buffers & CLEAR_STENCIL) !== 0;
    if (clearDepth) gl.depthMask(true);
    if (clearStencil) gl.stencilMask(0xff);
    if (clearDepth && clearStencil) gl.clearBufferfi(gl.DEPTH_STENCIL, 0, depth, stencil);
    else if (clearDepth) gl.clearBufferfv(gl.DEPTH, 0, [depth]);
    else if (clearStencil) gl.clearBufferiv(gl.STENCIL, 0, [stencil]);
  }

  private transferFor(resourceId: number, level: number, box: Box, offset: number, stride: number, layerStride: number) {
    const t = this.transfer;
    t.resourceId = resourceId;
    t.level = level;
    t.box.x = box.x;
    t.box.y = box.y;
    t.box.z = box.z;
    t.box.w = box.width;
    t.box.h = box.height;
    t.box.d = box.depth;
    t.offset = offset;
    t.stride = stride;
    t.layerStride = layerStride;
    return t;
  }
}
