/**
 * The virtio-gpu device: decodes and validates each command, keeps resources
 * and scanouts, and drives the presenter. It never touches a virtqueue (see
 * src/virtio) and never draws (see src/presenters).
 */
import { inRange, type GuestMemory } from '../memory/guest-memory.ts';
import type { StructCodec } from '../protocol/codec.ts';
import { CommandType, CURSOR_SIZE, Feature, HeaderFlag, ResponseType } from '../protocol/constants.ts';
import * as W from '../protocol/structs.ts';
import type { Capture, Presenter, Rect } from '../presenters/presenter.ts';
import { convertToRgba } from '../presenters/pixel-convert.ts';
import { Backing } from './backing.ts';
import { check, CommandError, ERR_INVALID_PARAMETER, ERR_INVALID_SCANOUT_ID, ERR_UNSPEC } from './command-error.ts';
import { EDID_BLOCK_SIZE } from './edid.ts';
import { DEFAULT_LIMITS, type DeviceLimits } from './limits.ts';
import { DEFAULT_LOG_RATE, rateLimitedLog, type LogSink, type RateLimit } from './rate-limited-log.ts';
import { ResourceTable, type Resource } from './resources.ts';
import { Scanout, validateScanoutConfigs, type CursorState, type ScanoutConfig } from './scanouts.ts';

export interface DeviceFeatures {
  /** Offer VIRTIO_GPU_F_EDID. Default true. */
  edid?: boolean;
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
}

const COMMAND_NAMES = new Map<number, string>(Object.entries(CommandType).map(([name, value]) => [value, name]));
const RESPONSE_NAMES = new Map<number, string>(Object.entries(ResponseType).map(([name, value]) => [value, name]));
const HEADER_SIZE = W.CtrlHeader.size;
/** Big enough for the largest response (OK_EDID). */
const RESPONSE_BUFFER_SIZE = W.RespEdid.size;
const MIN_SCANOUT_SIZE = 16;

export type ControlResult = Uint8Array | Promise<Uint8Array>;

/** The device's state, for snapshots (structured-clonable). */
export interface DeviceState {
  eventsRead: number;
  resources: {
    id: number;
    format: number;
    width: number;
    height: number;
    pixels: Uint8Array;
    backing: { addrs: Float64Array; lengths: Uint32Array } | null;
  }[];
  scanouts: { resourceId: number; rect: Rect; cursor: CursorState }[];
}

export class VirtioGpuDevice {
  readonly scanouts: readonly Scanout[];
  readonly limits: Readonly<DeviceLimits>;
  /** Device-specific feature bits offered to the driver. */
  readonly features: number;
  eventsRead = 0;

  private readonly memory: GuestMemory;
  private readonly presenter: Presenter;
  private readonly resources: ResourceTable;
  private readonly log: LogSink;
  private readonly response = new Uint8Array(RESPONSE_BUFFER_SIZE);
  private readonly hdr = W.CtrlHeader.zero();
  private readonly decoded = new Map<StructCodec<unknown>, unknown>();
  private readonly responses = new Map<StructCodec<unknown>, unknown>();
  private readonly entry = W.MemEntry.zero();

  constructor(options: DeviceOptions) {
    validateScanoutConfigs(options.scanouts);
    this.memory = options.memory;
    this.presenter = options.presenter;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.scanouts = options.scanouts.map((config, i) => new Scanout(i, config));
    this.features = options.features?.edid === false ? 0 : 1 << Feature.EDID;
    this.resources = new ResourceTable(this.limits, this.presenter.needsSharedPixels);
    const sink = options.log ?? ((m: string) => console.warn(m));
    this.log = rateLimitedLog(sink, options.logRate ?? DEFAULT_LOG_RATE);
  }

  /** Live resources and their host bytes, for limits and stats. */
  get resourceUsage(): { count: number; bytes: number } {
    return { count: this.resources.count, bytes: this.resources.bytes };
  }

  /** One control-queue request in, its response bytes out. */
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
   * Runs one control command. A synchronous result is a view of the device's
   * response buffer, valid until the next command; a fenced command whose
   * work is still under way answers through a promise once it is done.
   */
  executeControl(request: Uint8Array): ControlResult {
    const hdr = this.hdr;
    if (request.length < HEADER_SIZE) {
      hdr.type = 0;
      hdr.flags = 0;
      return this.fail(new CommandError(ERR_UNSPEC, `request of ${request.length} bytes has no header`));
    }
    W.CtrlHeader.read(request, 0, hdr);
    this.responseLength = 0;
    let pending: Promise<unknown> | void;
    try {
      pending = this.dispatch(hdr.type, request);
    } catch (error) {
      return this.fail(error);
    }
    const answer = this.responseLength > 0 ? this.response.subarray(0, this.responseLength) : this.headerOnly(ResponseType.OK_NODATA);
    if (pending && hdr.flags & HeaderFlag.FENCE) {
      const copy = answer.slice();
      this.inFlight++;
      return pending.then(() => {
        this.inFlight--;
        return copy;
      });
    }
    return answer;
  }

  /** Runs one cursor-queue command; the cursor queue has no responses. */
  executeCursor(request: Uint8Array): void {
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
        const resource = this.resources.get(cmd.resourceId);
        if (resource && resource.width === CURSOR_SIZE && resource.height === CURSOR_SIZE) {
          cursor.image = { width: CURSOR_SIZE, height: CURSOR_SIZE, rgba: cursorRgba(resource), hotX: cmd.hotX, hotY: cmd.hotY };
        } else if (cursor.image) {
          cursor.image = { ...cursor.image, hotX: cmd.hotX, hotY: cmd.hotY };
        }
        cursor.resourceId = cmd.resourceId;
        this.toPresenter(() => this.presenter.setCursor(scanout.index, cursor.visible ? cursor.image : null, cursor.x, cursor.y));
      } else {
        this.toPresenter(() => this.presenter.moveCursor(scanout.index, cursor.x, cursor.y, cursor.visible));
      }
    } catch (error) {
      this.report('cursor command', error);
    }
  }

  /** Commands whose answer waits on the presenter; a snapshot needs none. */
  get commandsInFlight(): number {
    return this.inFlight;
  }

  saveState(): DeviceState {
    if (this.inFlight > 0) throw new Error(`virtio-gpu-web: cannot save state while ${this.inFlight} commands are in flight; wait for their answers`);
    return {
      eventsRead: this.eventsRead,
      resources: [...this.resources.all()].map((r) => ({ id: r.id, format: r.format, width: r.width, height: r.height, pixels: r.pixels.slice(), backing: r.backing?.entries() ?? null })),
      scanouts: this.scanouts.map((s) => ({ resourceId: s.resourceId, rect: { ...s.rect }, cursor: { ...s.cursor } })),
    };
  }

  /** Replaces the device's state with a saved one and shows it again. */
  restoreState(state: DeviceState): void {
    this.reset();
    this.eventsRead = state.eventsRead;
    for (const saved of state.resources) {
      const r = this.resources.create2d(saved.id, saved.format, saved.width, saved.height);
      r.pixels.set(saved.pixels.subarray(0, r.pixels.length));
      r.backing = saved.backing && new Backing(saved.backing.addrs, saved.backing.lengths);
      this.toPresenter(() => this.presenter.createResource(r.id, { format: r.format, width: r.width, height: r.height, stride: r.stride, pixels: r.pixels }));
    }
    state.scanouts.slice(0, this.scanouts.length).forEach((saved, i) => {
      const scanout = this.scanouts[i] as Scanout;
      const resource = this.resources.get(saved.resourceId);
      if (resource) {
        resource.scanoutMask |= 1 << i;
        scanout.resourceId = resource.id;
        Object.assign(scanout.rect, saved.rect);
        this.toPresenter(() => this.presenter.setScanout(i, { resourceId: resource.id, rect: { ...scanout.rect } }));
      }
      Object.assign(scanout.cursor, saved.cursor);
      const { image, x, y, visible } = scanout.cursor;
      if (visible && image) this.toPresenter(() => this.presenter.setCursor(i, image, x, y));
    });
  }

  /** Drops every resource and blanks every scanout (device reset). */
  reset(): void {
    for (const scanout of this.scanouts) {
      if (scanout.enabled) this.disableScanout(scanout);
      if (scanout.cursor.visible) this.toPresenter(() => this.presenter.moveCursor(scanout.index, 0, 0, false));
      Object.assign(scanout.cursor, { image: null, resourceId: 0, x: 0, y: 0, visible: false });
    }
    for (const resource of this.resources.all()) this.toPresenter(() => this.presenter.destroyResource(resource.id));
    this.resources.clear();
    this.eventsRead = 0;
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
      case CommandType.RESOURCE_CREATE_BLOB:
      case CommandType.SET_SCANOUT_BLOB:
        throw new CommandError(ERR_INVALID_PARAMETER, 'blob resources are not offered (VIRTIO_GPU_F_RESOURCE_BLOB is off)');
      default:
        throw new CommandError(ERR_UNSPEC, `unsupported command ${commandName(type)}`);
    }
  }

  private getDisplayInfo(): void {
    const resp = this.responseOf(W.RespDisplayInfo);
    resp.pmodes.forEach((mode, i) => {
      const scanout = this.scanouts[i];
      const on = scanout !== undefined && scanout.connected;
      Object.assign(mode.r, { x: 0, y: 0, width: on ? scanout.width : 0, height: on ? scanout.height : 0 });
      mode.enabled = on ? 1 : 0;
      mode.flags = 0;
    });
    this.respond(W.RespDisplayInfo, resp, ResponseType.OK_DISPLAY_INFO);
  }

  private getEdid(request: Uint8Array): void {
    const cmd = this.decode(W.GetEdid, request);
    const scanout = this.scanoutAt(cmd.scanout, ERR_INVALID_PARAMETER);
    const resp = this.responseOf(W.RespEdid);
    resp.size = EDID_BLOCK_SIZE;
    resp.edid = scanout.edid;
    this.respond(W.RespEdid, resp, ResponseType.OK_EDID);
  }

  private resourceCreate2d(request: Uint8Array): void {
    const cmd = this.decode(W.ResourceCreate2d, request);
    const r = this.resources.create2d(cmd.resourceId, cmd.format, cmd.width, cmd.height);
    this.toPresenter(() => this.presenter.createResource(r.id, { format: r.format, width: r.width, height: r.height, stride: r.stride, pixels: r.pixels }));
  }

  private resourceUnref(request: Uint8Array): void {
    const resource = this.resources.find(this.decode(W.ResourceOnly, request).resourceId);
    for (const scanout of this.scanouts) if (resource.scanoutMask & (1 << scanout.index)) this.disableScanout(scanout);
    this.resources.remove(resource);
    this.toPresenter(() => this.presenter.destroyResource(resource.id));
  }

  private setScanout(request: Uint8Array): void {
    const cmd = this.decode(W.SetScanout, request);
    const scanout = this.scanoutAt(cmd.scanoutId, ERR_INVALID_SCANOUT_ID);
    if (cmd.resourceId === 0) {
      if (scanout.enabled) this.disableScanout(scanout);
      return;
    }
    const resource = this.resources.find(cmd.resourceId);
    check(resource.backing !== null, ERR_UNSPEC, () => `resource ${resource.id} has no backing`);
    const { r } = cmd;
    check(
      r.width >= MIN_SCANOUT_SIZE && r.height >= MIN_SCANOUT_SIZE && fitsIn(r, resource),
      ERR_INVALID_PARAMETER,
      () => `scanout rect ${rectText(r)} is smaller than ${MIN_SCANOUT_SIZE}x${MIN_SCANOUT_SIZE} or outside resource ${resource.id} (${resource.width}x${resource.height})`,
    );
    this.clearScanoutBit(scanout);
    resource.scanoutMask |= 1 << scanout.index;
    scanout.resourceId = resource.id;
    Object.assign(scanout.rect, r);
    this.toPresenter(() => this.presenter.setScanout(scanout.index, { resourceId: resource.id, rect: { ...scanout.rect } }));
  }

  private resourceFlush(request: Uint8Array): Promise<unknown> | void {
    const cmd = this.decode(W.ResourceFlush, request);
    const resource = this.resources.find(cmd.resourceId);
    const { r } = cmd;
    check(fitsIn(r, resource), ERR_INVALID_PARAMETER, () => `flush rect ${rectText(r)} outside resource ${resource.id} (${resource.width}x${resource.height})`);
    let presented: Promise<unknown> | undefined;
    for (const scanout of this.scanouts) {
      if (!(resource.scanoutMask & (1 << scanout.index))) continue;
      const damage = intersect(r, scanout.rect);
      if (!damage) continue;
      const done = this.flushScanout(scanout.index, damage);
      presented = presented ? Promise.all([presented, done]) : done;
    }
    return presented;
  }

  private transferToHost2d(request: Uint8Array): void {
    const cmd = this.decode(W.TransferToHost2d, request);
    const resource = this.resources.find(cmd.resourceId);
    const backing = resource.backing;
    check(backing !== null, ERR_UNSPEC, () => `resource ${resource.id} has no backing`);
    const { r, offset } = cmd;
    check(fitsIn(r, resource), ERR_INVALID_PARAMETER, () => `transfer rect ${rectText(r)} outside resource ${resource.id} (${resource.width}x${resource.height})`);
    const { stride, pixels } = resource;
    // As QEMU: the guest's rows have the resource's stride, and `offset` is where the rect's first row starts.
    if (r.x === 0 && r.width === resource.width) {
      backing.copyOut(this.memory, offset, pixels, r.y * stride, stride * r.height);
      return;
    }
    const rowBytes = r.width * 4;
    for (let row = 0; row < r.height; row++) {
      backing.copyOut(this.memory, offset + stride * row, pixels, (r.y + row) * stride + r.x * 4, rowBytes);
    }
  }

  private attachBacking(request: Uint8Array): void {
    const cmd = this.decode(W.ResourceAttachBacking, request);
    const resource = this.resources.find(cmd.resourceId);
    check(resource.backing === null, ERR_UNSPEC, () => `resource ${resource.id} already has backing`);
    const n = cmd.nrEntries;
    check(n <= this.limits.maxBackingEntries, ERR_UNSPEC, () => `${n} backing entries exceed the limit ${this.limits.maxBackingEntries}`);
    const base = W.ResourceAttachBacking.size;
    check(request.length >= base + n * W.MemEntry.size, ERR_UNSPEC, () => `${n} backing entries announced, ${Math.floor((request.length - base) / W.MemEntry.size)} sent`);
    if (n === 0) return;
    const addrs = new Float64Array(n);
    const lengths = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const e = W.MemEntry.read(request, base + i * W.MemEntry.size, this.entry);
      check(e.length > 0 && inRange(e.addr, e.length, this.memory.size), ERR_UNSPEC, () => `backing entry ${i} [0x${e.addr.toString(16)}, +${e.length}) is not guest RAM`);
      addrs[i] = e.addr;
      lengths[i] = e.length;
    }
    resource.backing = new Backing(addrs, lengths);
  }

  private detachBacking(request: Uint8Array): void {
    const resource = this.resources.find(this.decode(W.ResourceOnly, request).resourceId);
    check(resource.backing !== null, ERR_UNSPEC, () => `resource ${resource.id} has no backing`);
    resource.backing = null;
  }

  private disableScanout(scanout: Scanout): void {
    this.clearScanoutBit(scanout);
    scanout.resourceId = 0;
    Object.assign(scanout.rect, { x: 0, y: 0, width: 0, height: 0 });
    this.toPresenter(() => this.presenter.setScanout(scanout.index, null));
  }

  private clearScanoutBit(scanout: Scanout): void {
    const previous = this.resources.get(scanout.resourceId);
    if (previous) previous.scanoutMask &= ~(1 << scanout.index);
  }

  private flushScanout(index: number, damage: Rect): Promise<void> {
    try {
      return this.presenter.flush(index, damage).catch((error: unknown) => this.report('presenter flush', error));
    } catch (error) {
      this.report('presenter flush', error);
      return Promise.resolve();
    }
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
    check(request.length >= codec.size, ERR_UNSPEC, () => `${commandName(this.hdr.type)} needs ${codec.size} bytes, got ${request.length}`);
    let into = this.decoded.get(codec as StructCodec<unknown>) as T | undefined;
    if (into === undefined) {
      into = codec.zero();
      this.decoded.set(codec as StructCodec<unknown>, into);
    }
    return codec.read(request, 0, into);
  }

  private responseOf<T>(codec: StructCodec<T>): T {
    let value = this.responses.get(codec as StructCodec<unknown>) as T | undefined;
    if (value === undefined) {
      value = codec.zero();
      this.responses.set(codec as StructCodec<unknown>, value);
    }
    return value;
  }

  private responseLength = 0;
  private inFlight = 0;

  /** Encodes a response with a body in place of OK_NODATA. */
  private respond<T extends { hdr: W.CtrlHeader }>(codec: StructCodec<T>, value: T, type: number): void {
    this.fillHeader(value.hdr, type);
    codec.write(this.response, 0, value);
    this.responseLength = codec.size;
  }

  private headerOnly(type: number): Uint8Array {
    const hdr = this.responseOf(W.CtrlHeader);
    this.fillHeader(hdr, type);
    W.CtrlHeader.write(this.response, 0, hdr);
    return this.response.subarray(0, HEADER_SIZE);
  }

  private fail(error: unknown): Uint8Array {
    const code = error instanceof CommandError ? error.code : ERR_UNSPEC;
    this.report(commandName(this.hdr.type), error, code);
    return this.headerOnly(code);
  }

  /** Response header: the type, and for a fenced request its fence id, context and ring. */
  private fillHeader(out: W.CtrlHeader, type: number): void {
    const req = this.hdr;
    const fenced = (req.flags & HeaderFlag.FENCE) !== 0;
    const ring = fenced && (req.flags & HeaderFlag.INFO_RING_IDX) !== 0;
    out.type = type;
    out.flags = fenced ? req.flags & (HeaderFlag.FENCE | HeaderFlag.INFO_RING_IDX) : 0;
    out.fenceId = fenced ? req.fenceId : 0n;
    out.ctxId = fenced ? req.ctxId : 0;
    out.ringIdx = ring ? req.ringIdx : 0;
  }

  private report(what: string, error: unknown, code?: number): void {
    const message = error instanceof Error ? error.message : String(error);
    const answer = code === undefined ? '' : ` -> ${RESPONSE_NAMES.get(code) ?? code}`;
    this.log(`virtio-gpu: ${what} rejected${answer}: ${message}`);
  }
}

function commandName(type: number): string {
  return COMMAND_NAMES.get(type) ?? `0x${type.toString(16)}`;
}

function fitsIn(r: Rect, size: { width: number; height: number }): boolean {
  return r.x + r.width <= size.width && r.y + r.height <= size.height;
}

function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

function rectText(r: Rect): string {
  return `${r.width}x${r.height}+${r.x}+${r.y}`;
}

function cursorRgba(resource: Resource): Uint8Array {
  const rgba = new Uint8Array(CURSOR_SIZE * CURSOR_SIZE * 4);
  const { format, pixels, stride } = resource;
  convertToRgba({ format, pixels, stride, x: 0, y: 0, width: CURSOR_SIZE, height: CURSOR_SIZE }, rgba, CURSOR_SIZE * 4, 0, 0, false);
  return rgba;
}
