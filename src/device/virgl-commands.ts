/**
 * The 3D (virgl) commands: capsets, contexts, 3D resources and transfers,
 * SUBMIT_3D. Each is validated here and then handed to the renderer; the
 * device runs them only while it offers VIRTIO_GPU_F_VIRGL.
 */
import type { GuestMemory } from '../memory/guest-memory.ts';
import type { StructCodec } from '../protocol/codec.ts';
import { CapsetId, CONTEXT_INIT_CAPSET_ID_MASK, ResponseType } from '../protocol/constants.ts';
import { VIRGL_BIND_RENDER_TARGET, VIRGL_RESOURCE_Y_0_TOP, VirglTarget } from '../protocol/virgl-formats.ts';
import * as W from '../protocol/structs.ts';
import type { BackingAccess, Renderer3d, Resource3dParams, Transfer3d } from '../renderers/renderer-3d.ts';
import { WindowAccess } from '../renderers/window-access.ts';
import type { Backing } from './backing.ts';
import { check, fail, ERR_INVALID_PARAMETER, ERR_INVALID_RESOURCE_ID, ERR_UNSPEC } from './command-error.ts';
import { ContextTable, type Context3d, type SavedContext } from './contexts.ts';
import type { DeviceLimits } from './limits.ts';
import { checkTransfer3d, isDisplayable, validateResource3d } from './resource-3d.ts';
import { virglOf, type Resource, type Resource2d, type ResourceTable } from './resources.ts';
import type { ResponseWriter } from './response-writer.ts';
import { VIRGL_CAPSETS, virglCapset } from './virgl-caps.ts';

/** What the 3D commands use of the device. */
export interface CommandScope {
  /** The header of the command being run (the device fills it in place). */
  readonly hdr: W.CtrlHeader;
  readonly response: ResponseWriter;
  readonly resources: ResourceTable;
  readonly memory: GuestMemory;
  readonly limits: Readonly<DeviceLimits>;
  decode<T>(codec: StructCodec<T>, request: Uint8Array): T;
  /** Hands the presenter a resource a scanout can show. */
  showable(resource: Resource2d): void;
  /** The guest read a capset (for a trace). */
  capsetRead(id: number, version: number, data: Uint8Array): void;
}

export class VirglCommands {
  readonly contexts: ContextTable;
  private readonly transfer: Transfer3d = { ctxId: 0, resourceId: 0, level: 0, box: { x: 0, y: 0, z: 0, w: 0, h: 0, d: 0 }, offset: 0, stride: 0, layerStride: 0 };
  private readonly window: BackingWindow;
  private readonly pixelsWindow = new WindowAccess();
  /** Adopted 2D resources the renderer holds (a context attached them). */
  private readonly adopted = new Set<number>();

  constructor(
    private readonly scope: CommandScope,
    readonly renderer: Renderer3d,
    private readonly contextInit: boolean,
  ) {
    this.contexts = new ContextTable(scope.limits.maxContexts);
    this.window = new BackingWindow(scope.memory);
  }

  /**
   * As QEMU's virgl device: a 2D resource is also a single-level 2D image
   * contexts may use. The renderer gets it only once a context that runs
   * streams has it attached: until then its transfers cost one copy, not
   * two. Linux attaches its console's framebuffer to the console's own
   * context, which never runs one.
   */
  adopt2d(r: Resource2d): void {
    r.virgl = { target: VirglTarget.TEXTURE_2D, format: r.format, bind: VIRGL_BIND_RENDER_TARGET, width: r.width, height: r.height, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: VIRGL_RESOURCE_Y_0_TOP };
  }

  /** Whether the renderer holds `resource`: every 3D resource, and adopted 2D ones once a context attached them. */
  private inRenderer(resource: Resource): boolean {
    return resource.kind === '2d' && !resource.drawn ? this.adopted.has(resource.id) : virglOf(resource) !== null;
  }

  /** An adopted 2D image goes to the renderer with the pixels it has now, attached to every context that has it. */
  private giveAdopted(r: Resource2d): void {
    this.adopted.add(r.id);
    this.renderer.createResource(r.id, r.virgl!);
    this.renderer.transferToHost(this.setTransfer(0, r.id, 0, 0, 0, 0, r.width, r.height, 1, 0, r.stride, r.stride * r.height), this.pixelsWindow.show(r.pixels));
    this.pixelsWindow.clear();
    for (const context of this.contexts.all()) if (context.resources.has(r.id)) this.renderer.attachResource(context.id, r.id);
  }

  /** An adopted 2D image not yet in the renderer: one the first stream of a context it is attached to will want. */
  private waiting(resource: Resource): resource is Resource2d {
    return resource.kind === '2d' && resource.virgl !== null && !this.inRenderer(resource);
  }

  /** Resource `resource` is going: out of every context, and out of the renderer. */
  forget(resource: Resource): void {
    const rendered = this.inRenderer(resource);
    for (const context of this.contexts.detachEverywhere(resource.id)) if (rendered) this.renderer.detachResource(context.id, resource.id);
    if (rendered) this.renderer.destroyResource(resource.id);
    this.adopted.delete(resource.id);
  }

  /** Device reset: every context and every renderer resource goes. */
  reset(resources: Iterable<Resource>): void {
    for (const resource of resources) if (this.inRenderer(resource)) this.renderer.destroyResource(resource.id);
    for (const id of this.contexts.ids()) this.renderer.destroyContext(id);
    this.contexts.clear();
    this.adopted.clear();
  }

  /** A 2D transfer into a 3D resource (as QEMU with virgl): a level-0 box with the image's own row pitch. */
  transferRect(resource: Resource, r: W.Rect, offset: number): void {
    this.runTransfer3d(resource, this.rectTransfer(resource, r, offset), true);
  }

  /** Whether a context that ran command streams has `resource` attached: its transfers must reach the renderer before the streams after them. */
  usedBy3d(resource: Resource): boolean {
    for (const context of this.contexts.all()) if (context.submitted && context.resources.has(resource.id)) return true;
    return false;
  }

  /** Fails as transferRect would, moving nothing. */
  checkRect(resource: Resource, r: W.Rect, offset: number): void {
    this.checkedTransfer(resource, this.rectTransfer(resource, r, offset));
  }

  private rectTransfer(resource: Resource, r: W.Rect, offset: number): Transfer3d {
    return this.setTransfer(0, resource.id, 0, r.x, r.y, 0, r.width, r.height, 1, offset, 0, 0);
  }

  /** The backing of a valid transfer of `resource` (its pitches filled in), or the command's failure. */
  private checkedTransfer(resource: Resource, t: Transfer3d): Backing {
    const params = virglOf(resource);
    check(params !== null, ERR_INVALID_RESOURCE_ID, () => `resource ${resource.id} is not a 3D resource`);
    const backing = resource.backing;
    if (backing === null) fail(ERR_UNSPEC, `resource ${resource.id} has no backing`);
    checkTransfer3d(params, t, backing.totalBytes);
    return backing;
  }

  getCapsetInfo(request: Uint8Array): void {
    const cmd = this.scope.decode(W.GetCapsetInfo, request);
    const info = VIRGL_CAPSETS[cmd.capsetIndex];
    check(info !== undefined, ERR_INVALID_PARAMETER, () => `capset index ${cmd.capsetIndex}; the device has ${VIRGL_CAPSETS.length}`);
    const resp = this.scope.response.body(W.RespCapsetInfo);
    resp.capsetId = info.id;
    resp.capsetMaxVersion = info.maxVersion;
    resp.capsetMaxSize = info.maxSize;
    this.scope.response.respond(this.scope.hdr, W.RespCapsetInfo, resp, ResponseType.OK_CAPSET_INFO);
  }

  getCapset(request: Uint8Array): void {
    const cmd = this.scope.decode(W.GetCapset, request);
    const caps = virglCapset(cmd.capsetId, cmd.capsetVersion, this.renderer.limits, this.scope.limits.maxDimension);
    check(caps !== null, ERR_INVALID_PARAMETER, () => `no capset ${cmd.capsetId} version ${cmd.capsetVersion}`);
    this.scope.response.respondBytes(this.scope.hdr, caps, ResponseType.OK_CAPSET);
    this.scope.capsetRead(cmd.capsetId, cmd.capsetVersion, caps);
  }

  ctxCreate(request: Uint8Array): void {
    const cmd = this.scope.decode(W.CtxCreate, request);
    const capsetId = cmd.contextInit & CONTEXT_INIT_CAPSET_ID_MASK;
    check(cmd.contextInit === 0 || this.contextInit, ERR_INVALID_PARAMETER, () => `context_init 0x${cmd.contextInit.toString(16)} without VIRTIO_GPU_F_CONTEXT_INIT`);
    check(cmd.contextInit === capsetId && (capsetId === 0 || capsetId === CapsetId.VIRGL || capsetId === CapsetId.VIRGL2), ERR_INVALID_PARAMETER, () => `context_init 0x${cmd.contextInit.toString(16)}: the device speaks capsets virgl (1) and virgl2 (2)`);
    check(cmd.nlen <= cmd.debugName.length, ERR_INVALID_PARAMETER, () => `debug name of ${cmd.nlen} bytes (at most ${cmd.debugName.length})`);
    const name = new TextDecoder().decode(cmd.debugName.subarray(0, cmd.nlen));
    const context = this.contexts.create(this.scope.hdr.ctxId, capsetId || CapsetId.VIRGL2, name);
    this.renderer.createContext(context.id, context.capsetId, name);
  }

  ctxDestroy(): void {
    const context = this.contexts.find(this.scope.hdr.ctxId);
    this.contexts.remove(context);
    this.renderer.destroyContext(context.id);
  }

  ctxAttachResource(request: Uint8Array, attach: boolean): void {
    const context = this.contexts.find(this.scope.hdr.ctxId);
    const resource = this.scope.resources.find(this.scope.decode(W.ResourceOnly, request).resourceId);
    // Linux attaches every buffer a DRM client opens, guest blobs too; the renderer hears of those it holds.
    if (!attach) {
      check(context.resources.delete(resource.id), ERR_INVALID_PARAMETER, () => `resource ${resource.id} is not attached to context ${context.id}`);
      if (this.inRenderer(resource)) this.renderer.detachResource(context.id, resource.id);
      return;
    }
    check(!context.resources.has(resource.id), ERR_INVALID_PARAMETER, () => `resource ${resource.id} is already attached to context ${context.id}`);
    this.attach(context, resource);
  }

  private attach(context: Context3d, resource: Resource): void {
    context.resources.add(resource.id);
    if (this.waiting(resource)) {
      if (context.submitted) this.giveAdopted(resource);
      return;
    }
    if (this.inRenderer(resource)) this.renderer.attachResource(context.id, resource.id);
  }

  /** The contexts for a snapshot, or why there can be none: a context that ran a stream has state in the renderer. */
  savedContexts(): SavedContext[] | string {
    const saved: SavedContext[] = [];
    for (const context of this.contexts.all()) {
      if (context.submitted) return `context ${context.id} (${context.name}) ran command streams, and what they made is the renderer's`;
      saved.push({ id: context.id, capsetId: context.capsetId, name: context.name, resources: [...context.resources] });
    }
    return saved;
  }

  /** Makes the saved contexts again, with their resources (restored before them) attached. */
  restoreContexts(saved: readonly SavedContext[]): void {
    for (const { id, capsetId, name, resources } of saved) {
      const context = this.contexts.create(id, capsetId, name);
      this.renderer.createContext(id, capsetId, name);
      for (const resourceId of resources) {
        const resource = this.scope.resources.get(resourceId);
        if (resource) this.attach(context, resource);
      }
    }
  }

  resourceCreate3d(request: Uint8Array): void {
    const cmd = this.scope.decode(W.ResourceCreate3d, request);
    const params: Resource3dParams = {
      target: cmd.target,
      format: cmd.format,
      bind: cmd.bind,
      width: cmd.width,
      height: cmd.height,
      depth: cmd.depth,
      arraySize: cmd.arraySize,
      lastLevel: cmd.lastLevel,
      nrSamples: cmd.nrSamples,
      flags: cmd.flags,
    };
    const hostBytes = validateResource3d(params, this.scope.limits);
    if (isDisplayable(params)) {
      const r = this.scope.resources.create2d(cmd.resourceId, params.format, params.width, params.height);
      r.virgl = params;
      r.drawn = true;
      this.scope.showable(r);
    } else {
      this.scope.resources.create3d(cmd.resourceId, params, hostBytes);
    }
    this.renderer.createResource(cmd.resourceId, params);
  }

  transfer3d(request: Uint8Array, toHost: boolean): void | Promise<void> {
    const cmd = this.scope.decode(W.TransferHost3d, request);
    if (this.scope.hdr.ctxId !== 0) this.contexts.find(this.scope.hdr.ctxId);
    const resource = this.scope.resources.find(cmd.resourceId);
    const { box } = cmd;
    const t = this.setTransfer(this.scope.hdr.ctxId, resource.id, cmd.level, box.x, box.y, box.z, box.w, box.h, box.d, cmd.offset, cmd.stride, cmd.layerStride);
    return this.runTransfer3d(resource, t, toHost);
  }

  /** Validates a 3D transfer against its resource and backing, then moves the bytes. */
  private runTransfer3d(resource: Resource, t: Transfer3d, toHost: boolean): void | Promise<void> {
    const backing = this.checkedTransfer(resource, t);
    if (toHost) {
      const access = this.window;
      access.backing = backing;
      const { box } = t;
      // A displayable image keeps host pixels for the scanout too.
      if (resource.kind === '2d') backing.copyRowsOut(this.scope.memory, t.offset, t.stride, resource.pixels, box.y * resource.stride + box.x * 4, resource.stride, box.w * 4, box.h);
      if (this.inRenderer(resource)) this.renderer.transferToHost(t, access);
      return;
    }
    // Bytes that arrive later go through a window of their own: the shared one moves on with the next transfer.
    const later = new BackingWindow(this.scope.memory);
    later.backing = backing;
    return this.renderer.transferFromHost(t, later);
  }

  /** The one Transfer3d the device reuses, filled in for this command. */
  private setTransfer(ctxId: number, resourceId: number, level: number, x: number, y: number, z: number, w: number, h: number, d: number, offset: number, stride: number, layerStride: number): Transfer3d {
    const t = this.transfer;
    t.ctxId = ctxId;
    t.resourceId = resourceId;
    t.level = level;
    t.box.x = x;
    t.box.y = y;
    t.box.z = z;
    t.box.w = w;
    t.box.h = h;
    t.box.d = d;
    t.offset = offset;
    t.stride = stride;
    t.layerStride = layerStride;
    return t;
  }

  submit3d(request: Uint8Array): void | Promise<void> {
    const cmd = this.scope.decode(W.CmdSubmit, request);
    const context = this.contexts.find(this.scope.hdr.ctxId);
    check(cmd.numInFences === 0, ERR_INVALID_PARAMETER, () => `${cmd.numInFences} in-fences: the device takes none`);
    check(cmd.size % 4 === 0 && cmd.size <= this.scope.limits.maxSubmitBytes, ERR_INVALID_PARAMETER, () => `command stream of ${cmd.size} bytes (a multiple of 4, at most ${this.scope.limits.maxSubmitBytes})`);
    check(W.CmdSubmit.size + cmd.size <= request.length, ERR_INVALID_PARAMETER, () => `command stream of ${cmd.size} bytes announced, ${request.length - W.CmdSubmit.size} sent`);
    if (!context.submitted) {
      context.submitted = true;
      for (const id of context.resources) {
        const resource = this.scope.resources.get(id);
        if (resource && this.waiting(resource)) this.giveAdopted(resource);
      }
    }
    return this.renderer.submit(context.id, request.subarray(W.CmdSubmit.size, W.CmdSubmit.size + cmd.size), (resourceId) => this.answerWindow(context, resourceId));
  }

  /** Where a query of `context` answers: the backing of its buffer, if the buffer still exists, is the context's and has one. */
  private answerWindow(context: Context3d, resourceId: number): BackingAccess | null {
    const resource = this.scope.resources.get(resourceId);
    if (!resource?.backing || !context.resources.has(resourceId)) return null;
    const window = new BackingWindow(this.scope.memory);
    window.backing = resource.backing;
    return window;
  }
}

/** The renderer's window on the backing of the transfer under way: one object, pointed at each transfer's backing. */
class BackingWindow implements BackingAccess {
  backing: Backing | null = null;

  constructor(private readonly memory: GuestMemory) {}

  get size(): number {
    return this.backing?.totalBytes ?? 0;
  }

  read(offset: number, into: Uint8Array): void {
    into.fill(0, this.backing?.copyOut(this.memory, offset, into, 0, into.length) ?? 0);
  }

  write(offset: number, bytes: Uint8Array): void {
    this.backing?.copyIn(this.memory, offset, bytes);
  }
}
