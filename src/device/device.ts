/**
 * The virtio-gpu device: decodes and validates each command, keeps resources
 * and scanouts, and drives the presenter. It never touches a virtqueue (see
 * src/virtio) and never draws (see src/presenters).
 */
import { inRange, type GuestMemory } from '../memory/guest-memory.ts';
import { u32, type StructCodec } from '../protocol/codec.ts';
import { BlobMem, CommandType, CURSOR_SIZE, Event, Feature, HeaderFlag, ResponseType } from '../protocol/constants.ts';
import { Format, formatInfo } from '../protocol/formats.ts';
import * as W from '../protocol/structs.ts';
import type { Capture, Presenter, Rect } from '../presenters/presenter.ts';
import { Damage, intersectInto } from '../presenters/rect.ts';
import { convertToRgba } from '../presenters/pixel-convert.ts';
import { Backing } from './backing.ts';
import { check, CommandError, fail, ERR_INVALID_PARAMETER, ERR_INVALID_RESOURCE_ID, ERR_INVALID_SCANOUT_ID, ERR_OUT_OF_MEMORY, ERR_UNSPEC } from './command-error.ts';
import { EDID_BLOCK_SIZE } from './edid.ts';
import type { SavedContext } from './contexts.ts';
import { DEFAULT_LIMITS, validateLimits, type DeviceLimits } from './limits.ts';
import { DEFAULT_LOG_RATE, rateLimitedLog, type LogSink, type RateLimit } from './rate-limited-log.ts';
import { ResourceTable, type BlobResource, type Resource, type Resource2d } from './resources.ts';
import { CAPS_V2_SIZE, VIRGL_CAPSETS } from './virgl-caps.ts';
import { VirglCommands, type CommandScope } from './virgl-commands.ts';
import { RecordingRenderer } from '../renderers/recording-renderer.ts';
import type { Renderer3d, Resource3dParams } from '../renderers/renderer-3d.ts';
import { TraceRecorder } from '../trace/trace-recorder.ts';
import { TraceQueue, type TraceSink } from '../trace/trace-writer.ts';
import { ResponseWriter } from './response-writer.ts';
import { Scanout, validateScanoutConfig, validateScanoutConfigs, type BlobLayout, type CursorState, type ScanoutConfig } from './scanouts.ts';

export interface DeviceFeatures {
  /** Offer VIRTIO_GPU_F_EDID. Default true. */
  edid?: boolean;
  /** Offer VIRTIO_GPU_F_RESOURCE_UUID. Default true. */
  resourceUuid?: boolean;
  /** Offer VIRTIO_GPU_F_RESOURCE_BLOB (guest-memory blobs and SET_SCANOUT_BLOB). Default true. */
  resourceBlob?: boolean;
  /** Offer VIRTIO_GPU_F_VIRGL: 3D contexts, the virgl capsets and SUBMIT_3D. Default false: the device alone draws nothing in 3D (the v86 embedding turns it on, with the GPU worker's renderer). */
  virgl?: boolean;
  /** Offer VIRTIO_GPU_F_CONTEXT_INIT (contexts name their capset; fences per ring). Default false; needs virgl. */
  contextInit?: boolean;
}

export interface DeviceOptions {
  memory: GuestMemory;
  scanouts: readonly ScanoutConfig[];
  presenter: Presenter;
  features?: DeviceFeatures;
  limits?: Partial<DeviceLimits>;
  /** Where rejected commands are reported (rate-limited). Default console.warn. */
  log?: LogSink;
  logRate?: RateLimit;
  /** Draws 3D command streams when virgl is offered. Default: a RecordingRenderer, which accepts everything and draws nothing. */
  renderer3d?: Renderer3d;
}

const COMMAND_NAMES = new Map<number, string>(Object.entries(CommandType).map(([name, value]) => [value, name]));
const RESPONSE_NAMES = new Map<number, string>(Object.entries(ResponseType).map(([name, value]) => [value, name]));
const HEADER_SIZE = W.CtrlHeader.size;
const MIN_SCANOUT_SIZE = 16;
const CURSOR_BYTES = CURSOR_SIZE * CURSOR_SIZE * 4;
const INT32_MAX = 0x7fff_ffff;

export type ControlResult = Uint8Array | Promise<Uint8Array>;

/** A key of READS_BACKING for UPDATE_CURSOR, which arrives on the cursor queue. */
const CURSOR_READS = -1;
/** Commands that read a resource's guest memory, and where their resource id sits. */
const READS_BACKING = new Map<number, number>([
  [CommandType.TRANSFER_TO_HOST_2D, W.TransferToHost2d.offsets.resourceId as number],
  [CommandType.TRANSFER_TO_HOST_3D, W.TransferHost3d.offsets.resourceId as number],
  [CommandType.RESOURCE_FLUSH, W.ResourceFlush.offsets.resourceId as number],
  [CommandType.SET_SCANOUT_BLOB, W.SetScanoutBlob.offsets.resourceId as number],
  [CURSOR_READS, W.UpdateCursor.offsets.resourceId as number],
]);

type SavedResource =
  | { kind: '2d'; id: number; format: number; width: number; height: number; pixels: Uint8Array; backing: SavedBacking | null; uuid: Uint8Array | null; virgl: Resource3dParams | null; drawn: boolean }
  | { kind: 'blob'; id: number; size: number; blobFlags: number; backing: SavedBacking | null; uuid: Uint8Array | null };
type SavedBacking = { addrs: Float64Array; lengths: Uint32Array };

/** The device's state, for snapshots (structured-clonable). */
export interface DeviceState {
  eventsRead: number;
  resources: SavedResource[];
  /** 3D contexts that never ran a stream (absent in snapshots from before they could be saved). */
  contexts?: SavedContext[];
  scanouts: { config: Required<ScanoutConfig>; resourceId: number; rect: Rect; blob: BlobLayout | null; cursor: CursorState }[];
}

export class VirtioGpuDevice {
  readonly scanouts: readonly Scanout[];
  readonly limits: Readonly<DeviceLimits>;
  /** Device-specific feature bits offered to the driver. */
  readonly features: number;
  eventsRead = 0;
  /** Called when the display configuration changes; the transport raises a config interrupt. */
  onDisplayEvent: (() => void) | null = null;

  private readonly memory: GuestMemory;
  private readonly presenter: Presenter;
  private readonly resources: ResourceTable;
  private readonly log: LogSink;
  private readonly response = new ResponseWriter(Math.max(W.RespEdid.size, HEADER_SIZE + CAPS_V2_SIZE));
  private readonly virgl: VirglCommands;
  private readonly hdr = W.CtrlHeader.zero();
  private readonly decoded = new Map<StructCodec<unknown>, unknown>();
  /** A blob scanout's damage in scanout coordinates, reused: presenters read it during flush() only. */
  private readonly scanoutDamage: Rect = { x: 0, y: 0, width: 0, height: 0 };
  /** A flush's rect on one scanout, reused: RESOURCE_FLUSH allocates nothing. */
  private readonly flushDamage: Rect = { x: 0, y: 0, width: 0, height: 0 };
  /** A held blob flush's damage on its scanout now, reused. */
  private readonly heldRect: Rect = { x: 0, y: 0, width: 0, height: 0 };
  /** 2D transfers waiting for the presenter to read (see transferToHost2d), by resource. */
  private readonly heldTransfers = new Map<number, { readonly damage: Damage; readonly base: number; readonly done: Promise<void> }>();
  private readonly entry = W.MemEntry.zero();
  private readonly uuidPrefix = new Uint8Array(8);
  private uuidCounter = 0;
  private inFlight = 0;
  private recorder: TraceRecorder | null = null;

  constructor(options: DeviceOptions) {
    validateOptions(options);
    this.memory = options.memory;
    this.presenter = options.presenter;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.scanouts = options.scanouts.map((config, i) => new Scanout(i, config));
    const f = options.features ?? {};
    this.features =
      (f.edid === false ? 0 : 1 << Feature.EDID) |
      (f.resourceUuid === false ? 0 : 1 << Feature.RESOURCE_UUID) |
      (f.resourceBlob === false ? 0 : 1 << Feature.RESOURCE_BLOB) |
      (f.virgl ? 1 << Feature.VIRGL : 0) |
      (f.virgl && f.contextInit ? 1 << Feature.CONTEXT_INIT : 0);
    this.resources = new ResourceTable(this.limits, this.presenter.needsSharedPixels);
    const scope: CommandScope = {
      hdr: this.hdr,
      response: this.response,
      resources: this.resources,
      memory: this.memory,
      limits: this.limits,
      decode: (codec, request) => this.decode(codec, request),
      showable: (r) => this.showable(r),
      capsetRead: (id, version, data) => this.recorder?.capset(id, version, data),
    };
    this.virgl = new VirglCommands(scope, options.renderer3d ?? new RecordingRenderer(), this.offers(Feature.CONTEXT_INIT));
    const sink = options.log ?? ((m: string) => console.warn(m));
    this.log = rateLimitedLog(sink, options.logRate ?? DEFAULT_LOG_RATE);
    crypto.getRandomValues(this.uuidPrefix);
  }

  /** Live resources and their host bytes (`bytes3d` of them in the 3D renderer), for limits and stats. */
  get resourceUsage(): { count: number; bytes: number; bytes3d: number } {
    return { count: this.resources.count, bytes: this.resources.bytes, bytes3d: this.resources.bytes3d };
  }

  /** The 3D renderer virgl streams go to. */
  get renderer3d(): Renderer3d {
    return this.virgl.renderer;
  }

  /** Capability sets the driver may ask for (the config space's num_capsets). */
  get capsetCount(): number {
    return this.offers(Feature.VIRGL) ? VIRGL_CAPSETS.length : 0;
  }

  /** Commands whose answer waits on the presenter; a snapshot needs none. */
  get commandsInFlight(): number {
    return this.inFlight;
  }

  /** One control-queue request in, its response bytes out, in a buffer of their own that the caller may keep or transfer. */
  async controlCommand(request: Uint8Array): Promise<Uint8Array> {
    const result = this.executeControl(request);
    return result instanceof Uint8Array ? result.slice() : result;
  }

  async cursorCommand(request: Uint8Array): Promise<void> {
    this.executeCursor(request);
  }

  captureScanout(index: number): Promise<Capture> {
    if (!Number.isInteger(index) || index < 0 || index >= this.scanouts.length) {
      return Promise.reject(new RangeError(`virtio-gpu-web: no scanout ${index}; there are ${this.scanouts.length}`));
    }
    return this.presenter.capture(index);
  }

  /**
   * Host side: resizes, connects or disconnects display `index`. The guest
   * is told (VIRTIO_GPU_EVENT_DISPLAY) and reads the new display info and EDID.
   */
  configureScanout(index: number, change: Partial<ScanoutConfig>): void {
    const scanout = this.scanouts[index];
    if (!scanout) throw new RangeError(`virtio-gpu-web: no scanout ${index}; there are ${this.scanouts.length}`);
    const config = { width: scanout.width, height: scanout.height, connected: scanout.connected, ...change };
    validateScanoutConfig(config, `scanout ${index}`);
    scanout.configure(config);
    this.recordDevice();
    this.eventsRead |= Event.DISPLAY;
    this.onDisplayEvent?.();
  }

  /**
   * Runs one control command. A synchronous result is a view of the device's
   * response buffer, valid until the next command; a fenced command whose
   * work is still under way answers through a promise once it is done (for a
   * flush: once the presenter has taken the pixels, so that the guest may
   * reuse its buffer).
   */
  executeControl(request: Uint8Array): ControlResult {
    const result = this.runControl(request);
    if (this.recorder) this.recorder.command(TraceQueue.CONTROL, result instanceof Uint8Array ? W.responseTypeOf(result) : ResponseType.OK_NODATA, request);
    return result;
  }

  /**
   * Records what the guest asks from now on into `sink` (src/trace/FORMAT.md);
   * returns the function that stops recording.
   */
  startRecording(sink: TraceSink): () => void {
    const recorder = new TraceRecorder(sink, this.memory);
    this.recorder = recorder;
    this.recordDevice();
    return () => {
      if (this.recorder === recorder) this.recorder = null;
    };
  }

  private recordDevice(): void {
    this.recorder?.device(BigInt(this.features), this.scanouts.map((s) => (s.connected ? { width: s.width, height: s.height } : { width: 0, height: 0 })));
  }

  /** Before a command that reads a resource's guest memory, the recorder writes what changed there. */
  private recordReads(type: number, request: Uint8Array): void {
    const at = READS_BACKING.get(type);
    if (at === undefined || !this.recorder || request.length < at + 4) return;
    const resource = this.resources.get(u32.read(request, at, 0));
    const transfer = type === CommandType.TRANSFER_TO_HOST_2D || type === CommandType.TRANSFER_TO_HOST_3D;
    // Other commands read guest pages only of blobs; 2D resources show their host copy.
    if (resource?.backing && (transfer || resource.kind === 'blob')) this.recorder.backing(resource.id, resource.backing);
  }

  private runControl(request: Uint8Array): ControlResult {
    const hdr = this.hdr;
    if (request.length < HEADER_SIZE) {
      W.CtrlHeader.read(new Uint8Array(HEADER_SIZE), 0, hdr);
      return this.answerError(new CommandError(ERR_UNSPEC, `request of ${request.length} bytes has no header`));
    }
    W.CtrlHeader.read(request, 0, hdr);
    if (this.recorder) this.recordReads(hdr.type, request);
    this.response.begin();
    let pending: Promise<unknown> | void;
    try {
      if (hdr.flags & HeaderFlag.FENCE && this.inFlight >= this.limits.maxPendingFences) {
        fail(ERR_OUT_OF_MEMORY, `${this.inFlight} fenced commands are already pending (limit ${this.limits.maxPendingFences})`);
      }
      pending = this.dispatch(hdr.type, request);
    } catch (error) {
      return this.answerError(error);
    }
    const answer = this.response.finish(hdr, ResponseType.OK_NODATA);
    if (!pending || !(hdr.flags & HeaderFlag.FENCE)) return answer;
    const copy = answer.slice();
    this.inFlight++;
    return pending.then(() => {
      this.inFlight--;
      return copy;
    });
  }

  /** Runs one cursor-queue command; the cursor queue has no responses. */
  executeCursor(request: Uint8Array): void {
    if (this.recorder) {
      this.recordReads(CURSOR_READS, request);
      this.recorder.command(TraceQueue.CURSOR, 0, request);
    }
    try {
      const cmd = this.decode(W.UpdateCursor, request);
      const type = cmd.hdr.type;
      check(type === CommandType.UPDATE_CURSOR || type === CommandType.MOVE_CURSOR, ERR_UNSPEC, () => `cursor queue command 0x${type.toString(16)}`);
      const scanout = this.scanoutAt(cmd.pos.scanoutId, ERR_UNSPEC);
      const cursor = scanout.cursor;
      cursor.x = cmd.pos.x | 0;
      cursor.y = cmd.pos.y | 0;
      cursor.visible = cmd.resourceId !== 0;
      if (type === CommandType.UPDATE_CURSOR) {
        const rgba = this.cursorPixels(this.resources.get(cmd.resourceId));
        if (rgba) cursor.image = { width: CURSOR_SIZE, height: CURSOR_SIZE, rgba, hotX: cmd.hotX, hotY: cmd.hotY };
        else if (cursor.image) cursor.image = { ...cursor.image, hotX: cmd.hotX, hotY: cmd.hotY };
        cursor.resourceId = cmd.resourceId;
        this.toPresenter(() => this.presenter.setCursor(scanout.index, cursor.visible ? cursor.image : null, cursor.x, cursor.y));
      } else {
        this.toPresenter(() => this.presenter.moveCursor(scanout.index, cursor.x, cursor.y, cursor.visible));
      }
    } catch (error) {
      this.report('cursor command', error);
    }
  }

  /** Drops every resource and blanks every scanout (device reset). */
  reset(): void {
    for (const scanout of this.scanouts) {
      if (scanout.enabled) this.disableScanout(scanout);
      if (scanout.cursor.visible) this.toPresenter(() => this.presenter.moveCursor(scanout.index, 0, 0, false));
      Object.assign(scanout.cursor, { image: null, resourceId: 0, x: 0, y: 0, visible: false });
    }
    for (const resource of this.resources.all()) if (resource.kind === '2d') this.toPresenter(() => this.presenter.destroyResource(resource.id));
    this.virgl.reset(this.resources.all());
    this.heldTransfers.clear();
    this.resources.clear();
    this.eventsRead = 0;
  }

  saveState(): DeviceState {
    if (this.inFlight > 0) throw new Error(`virtio-gpu-web: cannot save state while ${this.inFlight} commands are in flight; wait for their answers`);
    const all = [...this.resources.all()];
    const saved = all.filter((r): r is Resource2d | BlobResource => r.kind !== '3d');
    if (saved.length < all.length) throw new Error("virtio-gpu-web: cannot save state while the guest has 3D-only resources (their storage is the renderer's)");
    const contexts = this.virgl.savedContexts();
    if (typeof contexts === 'string') throw new Error(`virtio-gpu-web: cannot save state: ${contexts}`);
    const common = (r: Resource) => ({ id: r.id, backing: r.backing?.entries() ?? null, uuid: r.uuid });
    return {
      eventsRead: this.eventsRead,
      contexts,
      resources: saved.map((r): SavedResource =>
        r.kind === '2d'
          ? { kind: '2d', ...common(r), format: r.format, width: r.width, height: r.height, pixels: r.pixels.slice(), virgl: r.virgl, drawn: r.drawn }
          : { kind: 'blob', ...common(r), size: r.size, blobFlags: r.blobFlags },
      ),
      scanouts: this.scanouts.map((s) => ({
        config: { width: s.width, height: s.height, connected: s.connected },
        resourceId: s.resourceId,
        rect: { ...s.rect },
        blob: s.blob && { ...s.blob },
        cursor: { ...s.cursor },
      })),
    };
  }

  /** Replaces the device's state with a saved one (guest memory already restored) and shows it again. */
  restoreState(state: DeviceState): void {
    const contexts = state.contexts ?? [];
    if (contexts.length > 0 && !this.offers(Feature.VIRGL)) throw new Error('virtio-gpu-web: the saved state has 3D contexts, and this device offers no 3D (virgl)');
    this.reset();
    this.eventsRead = state.eventsRead;
    for (const saved of state.resources) {
      const backing = saved.backing && new Backing(saved.backing.addrs, saved.backing.lengths);
      if (saved.kind === '2d') {
        const r = this.resources.create2d(saved.id, saved.format, saved.width, saved.height);
        r.pixels.set(saved.pixels.subarray(0, r.pixels.length));
        r.backing = backing;
        r.uuid = saved.uuid;
        r.virgl = saved.virgl ?? null;
        r.drawn = saved.drawn;
        if (r.drawn) this.renderer3d.createResource(r.id, r.virgl!);
        this.showable(r);
      } else if (backing) {
        this.resources.createBlob(saved.id, saved.size, saved.blobFlags, backing).uuid = saved.uuid;
      }
    }
    this.virgl.restoreContexts(contexts);
    state.scanouts.slice(0, this.scanouts.length).forEach((saved, i) => {
      const scanout = this.scanouts[i] as Scanout;
      scanout.configure(saved.config);
      const resource = this.resources.get(saved.resourceId);
      if (resource?.kind === '2d') this.showResource(scanout, resource, saved.rect);
      else if (resource?.kind === 'blob' && saved.blob) this.showBlob(scanout, resource, saved.rect, saved.blob);
      Object.assign(scanout.cursor, saved.cursor);
      const { image, x, y, visible } = scanout.cursor;
      if (visible && image) this.toPresenter(() => this.presenter.setCursor(i, image, x, y));
    });
  }

  private dispatch(type: number, request: Uint8Array): Promise<unknown> | void {
    switch (type) {
      case CommandType.GET_DISPLAY_INFO: return this.getDisplayInfo();
      case CommandType.GET_EDID: return this.getEdid(request);
      case CommandType.RESOURCE_CREATE_2D: return this.resourceCreate2d(request);
      case CommandType.RESOURCE_UNREF: return this.resourceUnref(request);
      case CommandType.SET_SCANOUT: return this.setScanout(request);
      case CommandType.RESOURCE_FLUSH: return this.resourceFlush(request);
      case CommandType.TRANSFER_TO_HOST_2D: return this.transferToHost2d(request);
      case CommandType.RESOURCE_ATTACH_BACKING: return this.attachBacking(request);
      case CommandType.RESOURCE_DETACH_BACKING: return this.detachBacking(request);
      case CommandType.RESOURCE_ASSIGN_UUID: return this.assignUuid(request);
      case CommandType.RESOURCE_CREATE_BLOB: return this.resourceCreateBlob(request);
      case CommandType.SET_SCANOUT_BLOB: return this.setScanoutBlob(request);
      case CommandType.GET_CAPSET_INFO: return this.virgl3d().getCapsetInfo(request);
      case CommandType.GET_CAPSET: return this.virgl3d().getCapset(request);
      case CommandType.CTX_CREATE: return this.virgl3d().ctxCreate(request);
      case CommandType.CTX_DESTROY: return this.virgl3d().ctxDestroy();
      case CommandType.CTX_ATTACH_RESOURCE: return this.virgl3d().ctxAttachResource(request, true);
      case CommandType.CTX_DETACH_RESOURCE: return this.virgl3d().ctxAttachResource(request, false);
      case CommandType.RESOURCE_CREATE_3D: return this.virgl3d().resourceCreate3d(request);
      case CommandType.TRANSFER_TO_HOST_3D: return this.virgl3d().transfer3d(request, true);
      case CommandType.TRANSFER_FROM_HOST_3D: return this.virgl3d().transfer3d(request, false);
      case CommandType.SUBMIT_3D: return this.virgl3d().submit3d(request);
      default:
        throw new CommandError(ERR_UNSPEC, `unsupported command ${commandName(type)}`);
    }
  }

  /** The 3D commands, or ERR_UNSPEC while virgl is not offered (as QEMU's 2D device answers them). */
  private virgl3d(): VirglCommands {
    check(this.offers(Feature.VIRGL), ERR_UNSPEC, () => `${commandName(this.hdr.type)}: 3D is not offered (VIRTIO_GPU_F_VIRGL is off)`);
    return this.virgl;
  }

  private showable(r: Resource2d): void {
    this.toPresenter(() => this.presenter.createResource(r.id, { format: r.format, width: r.width, height: r.height, stride: r.stride, pixels: r.pixels }));
  }

  private offers(feature: number): boolean {
    return (this.features & (1 << feature)) !== 0;
  }

  private getDisplayInfo(): void {
    const resp = this.response.body(W.RespDisplayInfo);
    resp.pmodes.forEach((mode, i) => {
      const scanout = this.scanouts[i];
      const on = scanout !== undefined && scanout.connected;
      Object.assign(mode.r, { x: 0, y: 0, width: on ? scanout.width : 0, height: on ? scanout.height : 0 });
      mode.enabled = on ? 1 : 0;
      mode.flags = 0;
    });
    this.response.respond(this.hdr, W.RespDisplayInfo, resp, ResponseType.OK_DISPLAY_INFO);
  }

  private getEdid(request: Uint8Array): void {
    const cmd = this.decode(W.GetEdid, request);
    const scanout = this.scanoutAt(cmd.scanout, ERR_INVALID_PARAMETER);
    const resp = this.response.body(W.RespEdid);
    resp.size = EDID_BLOCK_SIZE;
    resp.edid = scanout.edid;
    this.response.respond(this.hdr, W.RespEdid, resp, ResponseType.OK_EDID);
  }

  private resourceCreate2d(request: Uint8Array): void {
    const cmd = this.decode(W.ResourceCreate2d, request);
    const r = this.resources.create2d(cmd.resourceId, cmd.format, cmd.width, cmd.height);
    if (this.offers(Feature.VIRGL)) this.virgl.adopt2d(r);
    this.showable(r);
  }

  private resourceCreateBlob(request: Uint8Array): void {
    check(this.offers(Feature.RESOURCE_BLOB), ERR_INVALID_PARAMETER, 'blob resources are not offered (VIRTIO_GPU_F_RESOURCE_BLOB is off)');
    const cmd = this.decode(W.ResourceCreateBlob, request);
    check(cmd.blobMem === BlobMem.GUEST, ERR_INVALID_PARAMETER, () => `blob memory type ${cmd.blobMem}: only guest blobs exist without 3D`);
    check(cmd.resourceId !== 0 && !this.resources.get(cmd.resourceId), ERR_INVALID_RESOURCE_ID, () => `resource id ${cmd.resourceId} is reserved or in use`);
    const backing = this.readBacking(request, W.ResourceCreateBlob.size, cmd.nrEntries);
    check(backing !== null, ERR_INVALID_PARAMETER, 'a guest blob needs backing entries');
    this.resources.createBlob(cmd.resourceId, cmd.size, cmd.blobFlags, backing);
  }

  private resourceUnref(request: Uint8Array): void {
    const resource = this.resources.find(this.decode(W.ResourceOnly, request).resourceId);
    for (const scanout of this.scanouts) if (resource.scanoutMask & (1 << scanout.index)) this.disableScanout(scanout);
    this.resources.remove(resource);
    if (resource.kind === '2d') this.toPresenter(() => this.presenter.destroyResource(resource.id));
    this.virgl.forget(resource);
  }

  private setScanout(request: Uint8Array): void {
    const cmd = this.decode(W.SetScanout, request);
    const target = this.scanoutTarget(cmd.scanoutId, cmd.resourceId, '2d');
    if (!target) return;
    const resource = target.resource as Resource2d;
    this.checkScanoutRect(cmd.r, resource);
    this.showResource(target.scanout, resource, cmd.r);
  }

  private setScanoutBlob(request: Uint8Array): void {
    check(this.offers(Feature.RESOURCE_BLOB), ERR_INVALID_PARAMETER, 'blob resources are not offered (VIRTIO_GPU_F_RESOURCE_BLOB is off)');
    const cmd = this.decode(W.SetScanoutBlob, request);
    const target = this.scanoutTarget(cmd.scanoutId, cmd.resourceId, 'blob');
    if (!target) return;
    const resource = target.resource as BlobResource;
    const info = formatInfo(cmd.format);
    check(info !== undefined, ERR_INVALID_PARAMETER, () => `unsupported format ${cmd.format}`);
    const { r, width, height } = cmd;
    const stride = cmd.strides[0] as number;
    check(stride >= width * info.bytesPerPixel && stride <= INT32_MAX, ERR_INVALID_PARAMETER, () => `stride ${stride} for a ${width} pixel wide framebuffer`);
    this.checkScanoutRect(r, { width, height });
    const offset = (cmd.offsets[0] as number) + r.y * stride + r.x * info.bytesPerPixel;
    check(offset + stride * (r.height - 1) + r.width * info.bytesPerPixel <= resource.size, ERR_INVALID_PARAMETER, () => `scanout rect ${rectText(r)} at offset ${offset} with stride ${stride} runs past blob ${resource.id} (${resource.size} bytes)`);
    this.showBlob(target.scanout, resource, r, { format: cmd.format as Format, offset, stride });
  }

  /**
   * The scanout and resource of SET_SCANOUT(_BLOB), checked as QEMU does;
   * null when resource 0 disabled the scanout.
   */
  private scanoutTarget(scanoutId: number, resourceId: number, kind: Resource['kind']): { scanout: Scanout; resource: Resource } | null {
    const scanout = this.scanoutAt(scanoutId, ERR_INVALID_SCANOUT_ID);
    if (resourceId === 0) {
      if (scanout.enabled) this.disableScanout(scanout);
      return null;
    }
    const resource = this.resources.find(resourceId);
    check(resource.kind !== '3d', ERR_INVALID_PARAMETER, () => `resource ${resource.id} is a 3D resource no scanout can show (a multi-level, layered or non-RGB one)`);
    check(resource.kind === kind, ERR_INVALID_RESOURCE_ID, () => `resource ${resource.id} is ${resource.kind === 'blob' ? 'a blob: use SET_SCANOUT_BLOB' : 'not a blob: use SET_SCANOUT'}`);
    check(resource.backing !== null, ERR_UNSPEC, () => `resource ${resource.id} has no backing`);
    return { scanout, resource };
  }

  private resourceFlush(request: Uint8Array): Promise<unknown> | void {
    const cmd = this.decode(W.ResourceFlush, request);
    const resource = this.resources.find(cmd.resourceId);
    const { r } = cmd;
    if (resource.kind === '3d') return;
    if (resource.kind === '2d' && !fitsIn(r, resource)) fail(ERR_INVALID_PARAMETER, `flush rect ${rectText(r)} outside resource ${resource.id} (${resource.width}x${resource.height})`);
    // An image the 3D renderer draws into is shown as the renderer has it: its pixels come back first.
    const drawn = resource.kind === '2d' && resource.drawn && resource.scanoutMask ? this.renderer3d.present?.(resource.id, r) : undefined;
    // A held transfer's copy comes first.
    const copied = drawn ?? this.heldTransfers.get(resource.id)?.done;
    if (copied) {
      const rect = { ...r };
      return copied.then(
        () => this.flushOnScanouts(resource, rect, this.flushDamage),
        (error: unknown) => this.report('3D present', error),
      );
    }
    return this.flushOnScanouts(resource, r, this.flushDamage);
  }

  /** Hands the part of `r` on each scanout that shows `resource` to the presenter. */
  private flushOnScanouts(resource: Resource, r: W.Rect, damage: Rect): Promise<unknown> | void {
    let presented: Promise<unknown> | undefined;
    let shown = false;
    for (const scanout of this.scanouts) {
      if (!(resource.scanoutMask & (1 << scanout.index))) continue;
      if (!intersectInto(damage, r, scanout.rect)) continue;
      shown = true;
      const held = this.flushScanout(scanout, damage);
      if (held) presented = presented ? Promise.all([presented, held]) : held;
    }
    if (!shown && resource.kind === 'blob') fail(ERR_INVALID_PARAMETER, `flush rect ${rectText(r)} of blob ${resource.id} is on no scanout`);
    return presented;
  }

  /**
   * Copies the rect from the guest's pages into the resource. Into an image
   * a scanout shows, only once the presenter has read the last flush:
   * transfers arriving meanwhile join the held one (their union is copied
   * then, from the pages as they are then), and the flushes after them wait
   * for it; not an image a context that runs streams has attached, whose
   * streams after the transfer must see it. Linux does not wait for its console's transfers (it fences a
   * primary plane's flush only for a guest blob), so nothing slows it; this
   * spares the copies of frames nobody would see.
   */
  private transferToHost2d(request: Uint8Array): Promise<void> | void {
    const cmd = this.decode(W.TransferToHost2d, request);
    const resource = this.resources.find(cmd.resourceId);
    // A guest blob has no host copy to fill: flushes read its pages (QEMU answers OK too).
    if (resource.kind === 'blob') return;
    if (resource.backing === null) fail(ERR_UNSPEC, `resource ${resource.id} has no backing`);
    const { r, offset } = cmd;
    if (resource.kind === '2d' && !resource.drawn && resource.scanoutMask !== 0 && !this.virgl.usedBy3d(resource)) {
      this.checkTransfer2d(resource, r, offset);
      const base = offset - (r.y * resource.stride + r.x * 4);
      const held = this.heldTransfers.get(resource.id);
      if (held?.base === base) {
        held.damage.add(r);
        return held.done;
      }
      const unread = held ? null : this.unreadOf(resource);
      if (unread) return this.holdTransfer(resource, r, base, unread);
    }
    this.copyTransfer(resource, r, offset);
  }

  /** Fails as copyTransfer would, moving nothing. */
  private checkTransfer2d(resource: Resource2d, r: W.Rect, offset: number): void {
    if (resource.virgl) this.virgl.checkRect(resource, r, offset);
    else if (!fitsIn(r, resource)) fail(ERR_INVALID_PARAMETER, `transfer rect ${rectText(r)} outside resource ${resource.id} (${resource.width}x${resource.height})`);
  }

  private copyTransfer(resource: Resource, r: Readonly<W.Rect>, offset: number): void {
    if (resource.kind === '3d' || (resource.kind === '2d' && resource.virgl)) return this.virgl.transferRect(resource, r, offset);
    if (resource.kind !== '2d' || !resource.backing) return;
    if (!fitsIn(r, resource)) fail(ERR_INVALID_PARAMETER, `transfer rect ${rectText(r)} outside resource ${resource.id} (${resource.width}x${resource.height})`);
    // As QEMU: the guest's rows have the resource's stride, and `offset` is where the rect's first row starts.
    const { stride } = resource;
    resource.backing.copyRowsOut(this.memory, offset, stride, resource.pixels, r.y * stride + r.x * 4, stride, r.width * 4, r.height);
  }

  /** The first scanout showing `resource` whose last flush the presenter has not read yet: when it has. */
  private unreadOf(resource: Resource2d): Promise<void> | null {
    for (const scanout of this.scanouts) {
      if (!(resource.scanoutMask & (1 << scanout.index))) continue;
      const unread = this.presenterUnread(scanout.index);
      if (unread) return unread;
    }
    return null;
  }

  private holdTransfer(resource: Resource2d, r: W.Rect, base: number, unread: Promise<void>): Promise<void> {
    const damage = new Damage();
    damage.add(r);
    const release = (): void => {
      this.heldTransfers.delete(resource.id);
      if (this.resources.get(resource.id) !== resource) return;
      const u = damage.rect;
      try {
        this.copyTransfer(resource, u, base + u.y * resource.stride + u.x * 4);
      } catch (error) {
        this.report('held transfer', error);
      }
    };
    const done = unread.then(release, (error: unknown) => {
      this.report('presenter', error);
      release();
    });
    this.heldTransfers.set(resource.id, { damage, base, done });
    return done;
  }

  private attachBacking(request: Uint8Array): void {
    const cmd = this.decode(W.ResourceAttachBacking, request);
    const resource = this.resources.find(cmd.resourceId);
    check(resource.backing === null, ERR_UNSPEC, () => `resource ${resource.id} already has backing`);
    resource.backing = this.readBacking(request, W.ResourceAttachBacking.size, cmd.nrEntries);
  }

  private detachBacking(request: Uint8Array): void {
    const resource = this.resources.find(this.decode(W.ResourceOnly, request).resourceId);
    check(resource.backing !== null, ERR_UNSPEC, () => `resource ${resource.id} has no backing`);
    resource.backing = null;
  }

  private assignUuid(request: Uint8Array): void {
    check(this.offers(Feature.RESOURCE_UUID), ERR_UNSPEC, 'resource UUIDs are not offered (VIRTIO_GPU_F_RESOURCE_UUID is off)');
    const resource = this.resources.find(this.decode(W.ResourceOnly, request).resourceId);
    resource.uuid ??= this.newUuid();
    const resp = this.response.body(W.RespResourceUuid);
    resp.uuid = resource.uuid;
    this.response.respond(this.hdr, W.RespResourceUuid, resp, ResponseType.OK_RESOURCE_UUID);
  }

  /** RFC 4122 version 4 layout: a random prefix per device and a counter, so no two resources share one. */
  private newUuid(): Uint8Array {
    const uuid = new Uint8Array(16);
    uuid.set(this.uuidPrefix, 0);
    const n = ++this.uuidCounter;
    for (let i = 0; i < 6; i++) uuid[15 - i] = Math.floor(n / 256 ** i) & 0xff;
    uuid[6] = ((uuid[6] as number) & 0x0f) | 0x40;
    uuid[8] = ((uuid[8] as number) & 0x3f) | 0x80;
    return uuid;
  }

  /** The scatter list that follows a command, checked entry by entry; null for none. */
  private readBacking(request: Uint8Array, base: number, n: number): Backing | null {
    check(n <= this.limits.maxBackingEntries, ERR_UNSPEC, () => `${n} backing entries exceed the limit ${this.limits.maxBackingEntries}`);
    check(request.length >= base + n * W.MemEntry.size, ERR_UNSPEC, () => `${n} backing entries announced, ${Math.floor((request.length - base) / W.MemEntry.size)} sent`);
    if (n === 0) return null;
    const addrs = new Float64Array(n);
    const lengths = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const e = W.MemEntry.read(request, base + i * W.MemEntry.size, this.entry);
      check(e.length > 0 && inRange(e.addr, e.length, this.memory.size), ERR_UNSPEC, () => `backing entry ${i} [0x${e.addr.toString(16)}, +${e.length}) is not guest RAM`);
      addrs[i] = e.addr;
      lengths[i] = e.length;
    }
    return new Backing(addrs, lengths);
  }

  private checkScanoutRect(r: Rect, size: { width: number; height: number }): void {
    check(
      r.width >= MIN_SCANOUT_SIZE && r.height >= MIN_SCANOUT_SIZE && fitsIn(r, size),
      ERR_INVALID_PARAMETER,
      () => `scanout rect ${rectText(r)} is smaller than ${MIN_SCANOUT_SIZE}x${MIN_SCANOUT_SIZE} or outside the ${size.width}x${size.height} framebuffer`,
    );
  }

  private showResource(scanout: Scanout, resource: Resource, rect: Rect): void {
    this.bindScanout(scanout, resource, rect);
    this.toPresenter(() => this.presenter.setScanout(scanout.index, { resourceId: resource.id, rect: { ...scanout.rect } }));
  }

  /**
   * Shows a guest blob: the presenter draws a host staging image of the
   * scanout rect, filled from the blob's pages now and at every flush (one copy).
   */
  private showBlob(scanout: Scanout, blob: BlobResource, rect: Rect, layout: BlobLayout): void {
    const previous = scanout.staging;
    const reuse = previous !== null && scanout.blob?.format === layout.format && scanout.rect.width === rect.width && scanout.rect.height === rect.height;
    // Allocate before anything changes: a refusal leaves the scanout as it was.
    const staging = reuse ? previous : this.resources.allocatePixels(rect.width * rect.height * 4);
    if (reuse) scanout.staging = null;
    this.bindScanout(scanout, blob, rect);
    scanout.blob = layout;
    scanout.staging = staging;
    const whole = { x: 0, y: 0, width: rect.width, height: rect.height };
    this.copyBlobRows(scanout, blob, whole);
    const id = scanout.stagingId;
    if (!reuse) this.toPresenter(() => this.presenter.createResource(id, { format: layout.format, width: whole.width, height: whole.height, stride: whole.width * 4, pixels: staging }));
    this.toPresenter(() => this.presenter.setScanout(scanout.index, { resourceId: id, rect: whole }));
  }

  private bindScanout(scanout: Scanout, resource: Resource, rect: Rect): void {
    this.releaseScanout(scanout);
    resource.scanoutMask |= 1 << scanout.index;
    scanout.resourceId = resource.id;
    Object.assign(scanout.rect, { x: rect.x, y: rect.y, width: rect.width, height: rect.height });
  }

  /** Copies `damage` (scanout coordinates) from a blob's pages into the staging image. */
  private copyBlobRows(scanout: Scanout, blob: BlobResource, damage: Rect): void {
    const { staging, blob: layout, rect } = scanout;
    if (!staging || !layout || !blob.backing) return;
    const { x, y } = damage;
    blob.backing.copyRowsOut(this.memory, layout.offset + y * layout.stride + x * 4, layout.stride, staging, (y * rect.width + x) * 4, rect.width * 4, damage.width * 4, damage.height);
  }

  private disableScanout(scanout: Scanout): void {
    this.releaseScanout(scanout);
    scanout.resourceId = 0;
    Object.assign(scanout.rect, { x: 0, y: 0, width: 0, height: 0 });
    this.toPresenter(() => this.presenter.setScanout(scanout.index, null));
  }

  /** Unbinds whatever the scanout shows, freeing a blob's staging image. */
  private releaseScanout(scanout: Scanout): void {
    const previous = this.resources.get(scanout.resourceId);
    if (previous) previous.scanoutMask &= ~(1 << scanout.index);
    scanout.blob = null;
    if (scanout.staging) {
      this.resources.freePixels(scanout.staging);
      scanout.staging = null;
      const id = scanout.stagingId;
      this.toPresenter(() => this.presenter.destroyResource(id));
    }
  }

  /**
   * Hands the damage to the presenter. A blob scanout's pixels are copied
   * from the guest's pages first, and only once the presenter has read the
   * last copy: until then the flushes gather, and their fences wait.
   */
  private flushScanout(scanout: Scanout, damage: Rect): Promise<void> | void {
    if (!scanout.blob) return this.presenterFlush(scanout.index, damage);
    if (scanout.held) {
      scanout.heldDamage.add(damage);
      return scanout.held;
    }
    const unread = this.presenterUnread(scanout.index);
    if (!unread) return this.flushBlob(scanout, damage);
    scanout.heldDamage.add(damage);
    const release = (): void => this.releaseHeld(scanout);
    scanout.held = unread.then(release, (error: unknown) => {
      this.report('presenter', error);
      release();
    });
    return scanout.held;
  }

  /** Copies what the held flushes gathered, from the pages as they are now, onto the scanout as it is now; never throws (the fences wait on it). */
  private releaseHeld(scanout: Scanout): void {
    scanout.held = null;
    const damage = scanout.heldDamage;
    try {
      if (!damage.empty && scanout.blob && intersectInto(this.heldRect, damage.rect, scanout.rect)) this.flushBlob(scanout, this.heldRect);
    } catch (error) {
      this.report('held flush', error);
    } finally {
      damage.clear();
    }
  }

  /** Copies `damage` (framebuffer coordinates, inside the scanout rect) from the blob's pages and tells the presenter. */
  private flushBlob(scanout: Scanout, damage: Rect): void {
    const blob = this.resources.get(scanout.resourceId);
    if (blob?.kind !== 'blob') return;
    const rect = this.scanoutDamage;
    rect.x = damage.x - scanout.rect.x;
    rect.y = damage.y - scanout.rect.y;
    rect.width = damage.width;
    rect.height = damage.height;
    this.copyBlobRows(scanout, blob, rect);
    this.presenterFlush(scanout.index, rect);
  }

  private presenterFlush(index: number, rect: Rect): void {
    try {
      this.presenter.flush(index, rect);
    } catch (error) {
      this.report('presenter flush', error);
    }
  }

  private presenterUnread(index: number): Promise<void> | null {
    try {
      return this.presenter.unread(index);
    } catch (error) {
      this.report('presenter', error);
      return null;
    }
  }

  /**
   * A 64x64 cursor image from a 2D resource of that size or a blob of at
   * least 16 KiB, else null. Either is read as ARGB8888 whatever its format,
   * as QEMU reads it: with virgl offered, Linux makes its cursor a dumb buffer
   * of format XRGB8888, whose fourth byte is the cursor's alpha all the same.
   */
  private cursorPixels(resource: Resource | undefined): Uint8Array | null {
    const rgba = new Uint8Array(CURSOR_BYTES);
    const stride = CURSOR_SIZE * 4;
    if (resource?.kind === '2d' && resource.width === CURSOR_SIZE && resource.height === CURSOR_SIZE) {
      convertToRgba({ format: Format.B8G8R8A8_UNORM, pixels: resource.pixels, stride, x: 0, y: 0, width: CURSOR_SIZE, height: CURSOR_SIZE }, rgba, stride, 0, 0, false);
      return rgba;
    }
    if (resource?.kind === 'blob' && resource.backing && resource.size >= CURSOR_BYTES) {
      const raw = new Uint8Array(CURSOR_BYTES);
      resource.backing.copyOut(this.memory, 0, raw, 0, CURSOR_BYTES);
      convertToRgba({ format: Format.B8G8R8A8_UNORM, pixels: raw, stride, x: 0, y: 0, width: CURSOR_SIZE, height: CURSOR_SIZE }, rgba, stride, 0, 0, false);
      return rgba;
    }
    return null;
  }

  /** Calls the presenter without letting its failures reach the guest. */
  private toPresenter(call: () => void | Promise<void>): void {
    try {
      const result = call();
      if (result) result.catch((error: unknown) => this.report('presenter', error));
    } catch (error) {
      this.report('presenter', error);
    }
  }

  private scanoutAt(id: number, code: typeof ERR_INVALID_SCANOUT_ID | typeof ERR_INVALID_PARAMETER | typeof ERR_UNSPEC): Scanout {
    const scanout = this.scanouts[id];
    check(scanout !== undefined, code, () => `no scanout ${id}; there are ${this.scanouts.length}`);
    return scanout;
  }

  /** Decodes `codec` from the request into a reusable object; a short request fails with ERR_UNSPEC. */
  private decode<T>(codec: StructCodec<T>, request: Uint8Array): T {
    if (request.length < codec.size) fail(ERR_UNSPEC, `${commandName(this.hdr.type)} needs ${codec.size} bytes, got ${request.length}`);
    let into = this.decoded.get(codec as StructCodec<unknown>) as T | undefined;
    if (into === undefined) {
      into = codec.zero();
      this.decoded.set(codec as StructCodec<unknown>, into);
    }
    return codec.read(request, 0, into);
  }

  private answerError(error: unknown): Uint8Array {
    const code = error instanceof CommandError ? error.code : ERR_UNSPEC;
    this.report(commandName(this.hdr.type), error, code);
    return this.response.headerOnly(this.hdr, code);
  }

  private report(what: string, error: unknown, code?: number): void {
    const message = error instanceof Error ? error.message : String(error);
    const answer = code === undefined ? '' : ` -> ${RESPONSE_NAMES.get(code) ?? code}`;
    this.log(`virtio-gpu: ${what} rejected${answer}: ${message}`);
  }
}

const KNOWN_FEATURES = ['edid', 'resourceUuid', 'resourceBlob', 'virgl', 'contextInit'];

/** Host-side misuse fails at once, with a message that says what to do. */
export function validateOptions(options: DeviceOptions): void {
  if (!options || typeof options !== 'object') throw new TypeError('virtio-gpu-web: the device needs an options object { memory, scanouts, presenter }');
  const { memory, presenter, features } = options;
  if (!memory || typeof memory.read !== 'function' || typeof memory.write !== 'function' || !Number.isSafeInteger(memory.size) || memory.size <= 0) {
    throw new TypeError('virtio-gpu-web: options.memory must be guest memory { size, read, write }; wrap an ArrayBuffer with wrapGuestMemory(buffer)');
  }
  const methods = ['createResource', 'destroyResource', 'setScanout', 'flush', 'setCursor', 'moveCursor', 'capture'] as const;
  if (!presenter || methods.some((m) => typeof presenter[m] !== 'function')) {
    throw new TypeError('virtio-gpu-web: options.presenter must be a Presenter; use createMemoryPresenter() in Node or await createWorkerPresenter({ canvases }) in a page');
  }
  if (features !== undefined) {
    for (const [name, value] of Object.entries(features)) {
      if (!KNOWN_FEATURES.includes(name)) throw new TypeError(`virtio-gpu-web: unknown feature '${name}'; known features: ${KNOWN_FEATURES.join(', ')}`);
      if (typeof value !== 'boolean') throw new TypeError(`virtio-gpu-web: features.${name} must be true or false`);
    }
  }
  validateScanoutConfigs(options.scanouts);
  validateLimits(options.limits);
}

function commandName(type: number): string {
  return COMMAND_NAMES.get(type) ?? `0x${type.toString(16)}`;
}

function fitsIn(r: Rect, size: { width: number; height: number }): boolean {
  return r.x + r.width <= size.width && r.y + r.height <= size.height;
}

function rectText(r: Rect): string {
  return `${r.width}x${r.height}+${r.x}+${r.y}`;
}
