/**
 * Replays a trace (FORMAT.md) on any 3D renderer, without the device: the
 * TypeScript twin of the reference replayer, test/oracle/virgl-replay.c. Same
 * commands in the same order, same skip rules and notes, same backing
 * semantics, and pictures named as its PNGs, so that a renderer's frames and
 * readbacks can be compared with virglrenderer's one by one. Free of DOM and
 * Node APIs: it runs in a page and in Node.
 */
import type { StructCodec } from '../protocol/codec.ts';
import { BlobMem, CapsetId, CommandType, CONTEXT_DEBUG_NAME_SIZE, CONTEXT_INIT_CAPSET_ID_MASK, HeaderFlag } from '../protocol/constants.ts';
import { formatInfo } from '../protocol/formats.ts';
import * as W from '../protocol/structs.ts';
import { VIRGL_BIND_RENDER_TARGET, VIRGL_RESOURCE_Y_0_TOP, VirglTarget } from '../protocol/virgl-formats.ts';
import { checkTransfer3d } from '../device/resource-3d.ts';
import type { Renderer3d, Resource3dParams, Transfer3d } from '../renderers/renderer-3d.ts';
import { blobPicture, frameName, picturable, readbackName, type FrameSource, type Picture } from './replay-pictures.ts';
import { commandName, ReplayReport, type CommandCount, type RecordCounts, type ReplayTotals } from './replay-report.ts';
import { bytesBacking, ReplayResources } from './replay-resources.ts';
import { ReplayScanouts } from './replay-scanouts.ts';
import { VirglStreamStats, type VirglCount } from './replay-stream-stats.ts';
import { ReplayWork } from './replay-work.ts';
import { readTrace, type TraceEntry } from './trace-reader.ts';
import { TraceQueue } from './trace-format.ts';

export type { FrameSource, Picture } from './replay-pictures.ts';
export { picturesByTransfer } from './replay-pictures.ts';
export type { CommandCount, RecordCounts, ReplayTotals } from './replay-report.ts';
export type { VirglCount } from './replay-stream-stats.ts';

export interface ReplayOptions {
  /** Each picture as it is taken, frames and readbacks in trace order; awaited. */
  onPicture?: (picture: Picture, kind: 'frame' | 'readback') => void | Promise<void>;
  /** Keep the pictures in the result (default true); false for long traces whose pictures `onPicture` takes. */
  keepPictures?: boolean;
  /** What the reference prints on stderr: the first note of each kind, the first renderer errors. */
  log?: (message: string) => void;
  /** How long the last fences may take before the summary (default 5000 ms, as the reference). */
  fenceTimeoutMs?: number;
  /** Count the virgl commands in SUBMIT_3D streams, as the reference's `--stats` does (and note the streams that overrun). */
  stats?: boolean;
}

export interface ReplayResult {
  frames: Picture[];
  readbacks: Picture[];
  /** Note counts, keyed as the reference keys its `note` lines. */
  notes: Map<string, number>;
  /** By the reference's command names; only commands the trace holds. */
  commands: Map<string, CommandCount>;
  totals: ReplayTotals;
  records: RecordCounts;
  /** With `stats`: the virgl commands of the streams replayed, most frequent first; else empty. */
  virgl: VirglCount[];
}

/** Replays `bytes`; rejects, before touching the renderer, when the trace is truncated or not a trace. */
export async function replayTrace(bytes: Uint8Array, renderer: Renderer3d & FrameSource, options: ReplayOptions = {}): Promise<ReplayResult> {
  const read = readTrace(bytes);
  if (!read.ok) throw new Error(read.error);
  const replayer = new TraceReplayer(renderer, options);
  for (const record of read.trace.records) await replayer.record(record);
  return replayer.finish(read.trace.unknownRecords);
}

/** virgl_hw.h: a resource whose row 0 is the top of the image, as the reference (and QEMU) creates 2D resources. */
const ERROR_RESPONSES = { first: 0x1200, last: 0x12ff } as const;

/** What a picture read from the renderer shows: a rectangle of level 0, layer `z`, read as `format`. */
interface PictureRegion {
  resourceId: number;
  ctxId: number;
  format: number;
  x: number;
  y: number;
  z: number;
  width: number;
  height: number;
}

class TraceReplayer {
  private readonly report: ReplayReport;
  private readonly resources: ReplayResources;
  private readonly work: ReplayWork;
  private readonly scanouts: ReplayScanouts;
  private readonly streamStats: VirglStreamStats | null;
  private readonly frames: Picture[] = [];
  private readonly readbacks: Picture[] = [];
  private readonly names = new TextDecoder();

  constructor(
    private readonly renderer: Renderer3d & FrameSource,
    private readonly options: ReplayOptions,
  ) {
    this.report = new ReplayReport(options.log ?? (() => {}));
    this.resources = new ReplayResources(this.report);
    this.work = new ReplayWork(this.report);
    this.scanouts = new ReplayScanouts(this.report);
    this.streamStats = options.stats ? new VirglStreamStats(this.report) : null;
  }

  async record(entry: TraceEntry): Promise<void> {
    this.report.record++;
    this.report.records[entry.kind]++;
    if (entry.kind === 'memory') this.resources.write(entry.resourceId, entry.offset, entry.data);
    else if (entry.kind === 'command') await this.command(entry.queue, entry.response, entry.request);
  }

  async finish(unknownRecords: number): Promise<ReplayResult> {
    for (let i = 0; i < unknownRecords; i++) this.report.note('unknown-record', () => 'a record of a kind this replayer does not know, skipped');
    this.report.totals.unknownRecords = unknownRecords;
    await this.work.retire(this.options.fenceTimeoutMs ?? 5000);
    const { notes, commands, totals, records } = this.report;
    // Copies: a fence that retires after the wait must not change the result.
    const virgl = this.streamStats?.list() ?? [];
    return { frames: this.frames, readbacks: this.readbacks, notes: new Map(notes), commands: new Map(commands), totals: { ...totals }, records: { ...records }, virgl };
  }

  private async command(queue: number, response: number, request: Uint8Array): Promise<void> {
    const { report } = this;
    if (request.length < W.CtrlHeader.size) {
      report.note('request-too-short', () => `request of ${request.length} bytes has no header`);
      return;
    }
    const hdr = W.CtrlHeader.decode(request);
    report.totals.commands++;
    if (queue === TraceQueue.CURSOR) {
      report.totals.cursor++;
      return;
    }
    if (queue !== TraceQueue.CONTROL) {
      report.note('unknown-queue', () => `queue ${queue}`);
      return;
    }
    const name = commandName(hdr.type);
    if (name === undefined) {
      report.totals.unknownCommands++;
      report.note('unknown-command', () => `command type 0x${hdr.type.toString(16).padStart(4, '0')}`);
      return;
    }
    const failed = response >= ERROR_RESPONSES.first && response <= ERROR_RESPONSES.last;
    report.command(name, !failed);
    if (failed) {
      report.totals.skippedFailed++;
      return;
    }
    await this.replay(hdr, request);
    if (hdr.flags & HeaderFlag.FENCE) this.work.fence();
  }

  private async replay(hdr: W.CtrlHeader, request: Uint8Array): Promise<void> {
    const { renderer } = this;
    switch (hdr.type) {
      case CommandType.RESOURCE_CREATE_2D: return this.create2d(request);
      case CommandType.RESOURCE_CREATE_3D: return this.create3d(request);
      case CommandType.RESOURCE_CREATE_BLOB: return this.createBlob(request);
      case CommandType.RESOURCE_UNREF: return this.unref(request);
      case CommandType.RESOURCE_ATTACH_BACKING: return this.attachBacking(request);
      case CommandType.RESOURCE_DETACH_BACKING: return this.detachBacking(request);
      case CommandType.TRANSFER_TO_HOST_2D: return this.transferToHost2d(request);
      case CommandType.TRANSFER_TO_HOST_3D: return this.transferToHost3d(request, hdr.ctxId);
      case CommandType.TRANSFER_FROM_HOST_3D: return this.transferFromHost3d(request, hdr.ctxId);
      case CommandType.SUBMIT_3D: return this.submit(request, hdr.ctxId);
      case CommandType.CTX_CREATE: return this.ctxCreate(request, hdr.ctxId);
      case CommandType.CTX_DESTROY: return void this.call(`destroyContext ${hdr.ctxId}`, () => renderer.destroyContext(hdr.ctxId));
      case CommandType.CTX_ATTACH_RESOURCE: return this.ctxResource(request, hdr.ctxId, true);
      case CommandType.CTX_DETACH_RESOURCE: return this.ctxResource(request, hdr.ctxId, false);
      case CommandType.SET_SCANOUT: return this.setScanout(request);
      case CommandType.SET_SCANOUT_BLOB: return this.setScanoutBlob(request);
      case CommandType.RESOURCE_FLUSH: return this.flush(request);
      case CommandType.RESOURCE_MAP_BLOB:
      case CommandType.RESOURCE_UNMAP_BLOB:
        return this.report.note('blob-mapping-ignored', () => 'host-visible blob mappings are not replayed');
      default:
        // Queries (display info, EDID, capsets, UUIDs) change nothing to replay.
        return;
    }
  }

  /** The request decoded as `codec`, or null (noted) when it is too short for it. */
  private decoded<T>(codec: StructCodec<T>, request: Uint8Array): T | null {
    if (request.length >= codec.size) return codec.decode(request);
    const type = W.CtrlHeader.decode(request).type;
    this.report.note('request-too-short', () => `${commandName(type) ?? type} of ${request.length} bytes, needs ${codec.size}`);
    return null;
  }

  /** Runs a renderer call; false (counted) when it throws. */
  private call(what: string, run: () => void): boolean {
    try {
      run();
      return true;
    } catch (error) {
      this.report.rendererError(what, error);
      return false;
    }
  }

  private create2d(request: Uint8Array): void {
    const cmd = this.decoded(W.ResourceCreate2d, request);
    if (!cmd) return;
    const { resourceId, format, width, height } = cmd;
    this.createInRenderer(resourceId, { target: VirglTarget.TEXTURE_2D, format, bind: VIRGL_BIND_RENDER_TARGET, width, height, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: VIRGL_RESOURCE_Y_0_TOP });
  }

  private create3d(request: Uint8Array): void {
    const cmd = this.decoded(W.ResourceCreate3d, request);
    if (!cmd) return;
    const { resourceId, target, format, bind, width, height, depth, arraySize, lastLevel, nrSamples, flags } = cmd;
    this.createInRenderer(resourceId, { target, format, bind, width, height, depth, arraySize, lastLevel, nrSamples, flags });
  }

  private createInRenderer(id: number, params: Resource3dParams): void {
    if (!this.resources.idFree(id)) return;
    if (this.call(`createResource ${id}`, () => this.renderer.createResource(id, params))) this.resources.add(id, params);
  }

  private createBlob(request: Uint8Array): void {
    const cmd = this.decoded(W.ResourceCreateBlob, request);
    if (!cmd) return;
    const id = cmd.resourceId;
    const total = this.entriesLength(request, W.ResourceCreateBlob.size, cmd.nrEntries);
    if (total === null || !this.resources.idFree(id)) return;
    const r = this.resources.add(id, null);
    if (cmd.blobMem === BlobMem.GUEST) {
      // Pixels live in guest pages alone: flushes of a SET_SCANOUT_BLOB on it are pictures of the backing.
      this.report.note('guest-blob', () => `resource ${id} is a guest-memory blob: kept as backing only, not given to the renderer`);
      this.resources.newBacking(r, total);
      return;
    }
    if (cmd.blobMem !== BlobMem.HOST3D && cmd.blobMem !== BlobMem.HOST3D_GUEST) {
      this.report.note('blob-mem-unsupported', () => `resource ${id}: blob_mem ${cmd.blobMem}`);
      return;
    }
    // Renderer3d has no host blobs (the device refuses them): kept, as the reference keeps one it could not create.
    this.report.note('host-blob-not-replayed', () => `resource ${id}: blob_mem ${cmd.blobMem} needs a renderer with host blobs`);
    if (cmd.blobMem === BlobMem.HOST3D_GUEST) this.resources.newBacking(r, total);
  }

  /** Sum of the memory entries' lengths after a request's fixed part, or null (noted) when they do not fit. */
  private entriesLength(request: Uint8Array, fixed: number, count: number): number | null {
    if (Math.floor((request.length - fixed) / W.MemEntry.size) < count) {
      this.report.note('request-too-short', () => `${count} memory entries do not fit in ${request.length} bytes`);
      return null;
    }
    const entry = W.MemEntry.zero();
    let total = 0;
    for (let i = 0; i < count; i++) total += W.MemEntry.read(request, fixed + i * W.MemEntry.size, entry).length;
    return total;
  }

  private unref(request: Uint8Array): void {
    const cmd = this.decoded(W.ResourceOnly, request);
    if (!cmd) return;
    this.scanouts.forget(cmd.resourceId);
    const r = this.resources.remove(cmd.resourceId);
    if (r?.params) this.call(`destroyResource ${r.id}`, () => this.renderer.destroyResource(r.id));
  }

  private attachBacking(request: Uint8Array): void {
    const cmd = this.decoded(W.ResourceAttachBacking, request);
    if (!cmd) return;
    const total = this.entriesLength(request, W.ResourceAttachBacking.size, cmd.nrEntries);
    const r = this.resources.named(cmd.resourceId, 'RESOURCE_ATTACH_BACKING');
    if (r && total !== null) this.resources.newBacking(r, total);
  }

  private detachBacking(request: Uint8Array): void {
    const cmd = this.decoded(W.ResourceOnly, request);
    const r = cmd && this.resources.named(cmd.resourceId, 'RESOURCE_DETACH_BACKING');
    if (r) this.resources.detachBacking(r);
  }

  /** A 2D transfer: level 0, a one-deep box, context 0 and the image's own pitches. */
  private transferToHost2d(request: Uint8Array): void {
    const cmd = this.decoded(W.TransferToHost2d, request);
    if (!cmd) return;
    const { r, offset, resourceId } = cmd;
    this.transferToHost('TRANSFER_TO_HOST_2D', { ctxId: 0, resourceId, level: 0, box: { x: r.x, y: r.y, z: 0, w: r.width, h: r.height, d: 1 }, offset, stride: 0, layerStride: 0 });
  }

  private transferToHost3d(request: Uint8Array, ctxId: number): void {
    const t = this.transfer3d(request, ctxId);
    if (t) this.transferToHost('TRANSFER_TO_HOST_3D', t);
  }

  private transfer3d(request: Uint8Array, ctxId: number): Transfer3d | null {
    const cmd = this.decoded(W.TransferHost3d, request);
    if (!cmd) return null;
    const { box, offset, resourceId, level, stride, layerStride } = cmd;
    return { ctxId, resourceId, level, box: { ...box }, offset, stride, layerStride };
  }

  private transferToHost(name: string, t: Transfer3d): void {
    const r = this.resources.named(t.resourceId, name);
    if (!r?.params) return;
    const { params, backing } = r;
    if (!r.attached || !backing) {
      this.report.note('transfer-without-backing', () => `resource ${r.id} has no backing`);
      return;
    }
    this.call(`transferToHost of resource ${r.id}`, () => {
      // The pitches the device would give (0: the level's own), checked as the device checks them.
      checkTransfer3d(params, t, backing.length);
      this.renderer.transferToHost(t, bytesBacking(backing));
    });
  }

  private async transferFromHost3d(request: Uint8Array, ctxId: number): Promise<void> {
    const t = this.transfer3d(request, ctxId);
    const r = t && this.resources.named(t.resourceId, 'TRANSFER_FROM_HOST_3D');
    if (!t || !r?.params) return;
    const { params, backing } = r;
    if (r.attached && backing) {
      // Into the backing too, as the guest saw it: later transfers to the host send those bytes back.
      await this.work.settled();
      try {
        checkTransfer3d(params, t, backing.length);
        await this.renderer.transferFromHost(t, bytesBacking(backing));
      } catch (error) {
        this.report.rendererError(`transferFromHost of resource ${r.id}`, error);
        return;
      }
    } else {
      this.report.note('transfer-without-backing', () => `resource ${r.id} has no backing`);
    }
    const { box, level } = t;
    if (level !== 0 || box.d !== 1 || !formatInfo(params.format)) {
      this.report.note('readback-not-pictured', () => `readback of resource ${r.id} (format ${params.format}, level ${level}, depth ${box.d}) is not a 2D colour picture`);
      return;
    }
    const picture = await this.rendererPicture(readbackName(this.report.totals.readbacks, r.id), { resourceId: r.id, ctxId, format: params.format, x: box.x, y: box.y, z: box.z, width: box.w, height: box.h });
    if (picture) await this.taken(picture, 'readback');
  }

  private submit(request: Uint8Array, ctxId: number): void {
    const cmd = this.decoded(W.CmdSubmit, request);
    if (!cmd) return;
    const { size } = cmd;
    if (request.length - W.CmdSubmit.size < size) {
      this.report.note('request-too-short', () => `SUBMIT_3D of ${size} stream bytes in a ${request.length}-byte request`);
      return;
    }
    if (size % 4) this.report.note('submit-size-unaligned', () => `SUBMIT_3D of ${size} bytes: the last ${size % 4} are ignored`);
    // A copy: the renderer may view it as 32-bit words, and the trace's bytes need not be aligned for that.
    const stream = request.slice(W.CmdSubmit.size, W.CmdSubmit.size + size - (size % 4));
    this.streamStats?.count(stream);
    const what = `submit on context ${ctxId}`;
    // What the guest made of its queries' answers is in the trace already: the streams it sent after them.
    this.call(what, () => this.work.add(this.renderer.submit(ctxId, stream, () => null), what));
  }

  private ctxCreate(request: Uint8Array, ctxId: number): void {
    const cmd = this.decoded(W.CtxCreate, request);
    if (!cmd) return;
    const given = cmd.debugName.subarray(0, Math.min(cmd.nlen, CONTEXT_DEBUG_NAME_SIZE));
    const end = given.indexOf(0);
    const name = this.names.decode(end < 0 ? given : given.subarray(0, end));
    // Without context_init the guest speaks virgl2, as the device tells the renderer.
    const capsetId = cmd.contextInit & CONTEXT_INIT_CAPSET_ID_MASK || CapsetId.VIRGL2;
    this.call(`createContext ${ctxId}`, () => this.renderer.createContext(ctxId, capsetId, name));
  }

  private ctxResource(request: Uint8Array, ctxId: number, attach: boolean): void {
    const cmd = this.decoded(W.ResourceOnly, request);
    const r = cmd && this.resources.named(cmd.resourceId, attach ? 'CTX_ATTACH_RESOURCE' : 'CTX_DETACH_RESOURCE');
    if (!r?.params) return;
    if (attach) this.call(`attachResource ${r.id} to context ${ctxId}`, () => this.renderer.attachResource(ctxId, r.id));
    else this.call(`detachResource ${r.id} from context ${ctxId}`, () => this.renderer.detachResource(ctxId, r.id));
  }

  private setScanout(request: Uint8Array): void {
    const cmd = this.decoded(W.SetScanout, request);
    if (cmd) this.scanouts.show(cmd.scanoutId, cmd.resourceId, cmd.r, null);
  }

  private setScanoutBlob(request: Uint8Array): void {
    const cmd = this.decoded(W.SetScanoutBlob, request);
    if (cmd) this.scanouts.show(cmd.scanoutId, cmd.resourceId, cmd.r, { format: cmd.format, stride: cmd.strides[0] as number, offset: cmd.offsets[0] as number });
  }

  private async flush(request: Uint8Array): Promise<void> {
    const cmd = this.decoded(W.ResourceFlush, request);
    const r = cmd && this.resources.named(cmd.resourceId, 'RESOURCE_FLUSH');
    if (!r) return;
    for (const [i, s] of this.scanouts.showing(r.id)) {
      const name = frameName(this.report.totals.frames, i, r.id);
      let picture: Picture | null = null;
      if (!r.params) {
        picture = s.blob && blobPicture(this.report, name, r, s, s.blob);
      } else {
        const { params } = r;
        const inside = s.blob !== null || (s.x + s.width <= params.width && s.y + s.height <= params.height);
        if (!inside) {
          this.report.note('scanout-outside-resource', () => `scanout ${i} rect ${s.width}x${s.height}+${s.x}+${s.y} exceeds resource ${r.id} (${params.width}x${params.height})`);
          continue;
        }
        const format = s.blob ? s.blob.format : params.format;
        picture = await this.rendererPicture(name, { resourceId: r.id, ctxId: 0, format, x: s.x, y: s.y, z: 0, width: s.width, height: s.height });
      }
      if (picture) await this.taken(picture, 'frame');
    }
  }

  /** A picture read back from the renderer once the work given so far is done; null when it cannot be taken (noted or counted). */
  private async rendererPicture(name: string, region: PictureRegion): Promise<Picture | null> {
    const { resourceId, ctxId, format, x, y, z, width, height } = region;
    if (!picturable(this.report, format, resourceId, width, height)) return null;
    await this.work.settled();
    const what = `readPicture of resource ${resourceId}`;
    let rgba: Uint8Array | null;
    try {
      rgba = await this.renderer.readPicture(resourceId, ctxId, format, x, y, z, width, height);
    } catch (error) {
      this.report.rendererError(what, error);
      return null;
    }
    if (rgba?.length !== width * height * 4) {
      this.report.rendererError(what, rgba ? `${rgba.length} bytes for ${width}x${height} pixels` : 'the renderer could not read it');
      return null;
    }
    return { name, width, height, rgba, source: { resourceId, x, y } };
  }

  private async taken(picture: Picture, kind: 'frame' | 'readback'): Promise<void> {
    const { totals } = this.report;
    if (kind === 'frame') totals.frames++;
    else totals.readbacks++;
    if (this.options.keepPictures ?? true) (kind === 'frame' ? this.frames : this.readbacks).push(picture);
    await this.options.onPicture?.(picture, kind);
  }
}
