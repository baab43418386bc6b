/**
 * A trace of the page's whole session (src/trace/FORMAT.md), kept in the page,
 * that also reads back chosen frames as they are flushed: the live pictures a
 * test compares with the reference renderer's frames of the same trace.
 *
 * A frame is read at its RESOURCE_FLUSH, by a transfer from the GPU worker
 * sent right after the flush: the worker runs the VM thread's calls in order,
 * so it reads the resource with exactly the commands before that flush drawn,
 * as the reference does when it replays the trace. Frames are named by the
 * flush's index among the trace's commands (`npm run oracle -- --frames-of`).
 */
import type { Remote } from 'comlink';
import type { GpuWorkerApi } from '../../worker/gpu-worker.ts';
import { convertToRgba } from '../../src/presenters/pixel-convert.ts';
import { CommandType, ResponseType } from '../../src/protocol/constants.ts';
import * as W from '../../src/protocol/structs.ts';
import type { TraceSink } from '../../src/trace/trace-writer.ts';
import { base64 } from './base64.ts';
import { CommandRecord, RecordHeader, TRACE_HEADER_SIZE, TraceRecord } from '../../src/trace/trace-format.ts';

/** A frame read back: the flush's command index and where the picture is. */
export interface TappedFrame {
  readonly label: string;
  readonly command: number;
  readonly resourceId: number;
  readonly width: number;
  readonly height: number;
}

interface Shown {
  resourceId: number;
  rect: { x: number; y: number; width: number; height: number };
}

export class TraceTap implements TraceSink {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  /** The record being read: its header, then (for commands) its payload. */
  private readonly header = new Uint8Array(RecordHeader.size);
  private headerFill = 0;
  private payload: Uint8Array | null = null;
  private payloadFill = 0;
  /** Bytes to pass over: the file header first, then payloads nobody reads. */
  private skip = TRACE_HEADER_SIZE;
  private commands = 0;
  /** 3D resources by id: their virgl format and size. */
  private readonly resources3d = new Map<number, { format: number; width: number; height: number }>();
  private readonly scanouts = new Map<number, Shown>();
  private armed: string | null = null;
  private retakes = 0;
  readonly frames: TappedFrame[] = [];
  /** Each frame's RGBA8 pixels, deflated, once read. */
  private readonly pictures: Promise<Blob>[] = [];

  constructor(
    private readonly worker: () => Remote<GpuWorkerApi>,
    private readonly scanout: number,
  ) {}

  /**
   * The next flush of a 3D resource on the scanout is read back, under
   * `label`; while its frame is flat (fewer than 3 colours: a scene's setup),
   * up to `retakes` more, the flush after each.
   */
  arm(label: string, retakes = 0): void {
    this.armed = label;
    this.retakes = retakes;
  }

  get bytes(): number {
    return this.size;
  }

  /** Bytes [start, end) of the trace, in base64 (for a test in Node). */
  sliceBase64(start: number, end: number): string {
    return base64(this.slice(start, end));
  }

  /** Frame `index`'s RGBA8 pixels, rows from the top, zlib-deflated and in base64. */
  async pictureBase64(index: number): Promise<string> {
    const picture = this.pictures[index];
    if (!picture) throw new Error(`no frame ${index}`);
    return base64(new Uint8Array(await (await picture).arrayBuffer()));
  }

  private slice(start: number, end: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, Math.min(end, this.size) - start));
    let at = 0;
    for (const chunk of this.chunks) {
      const from = Math.max(start - at, 0);
      const to = Math.min(end - at, chunk.length);
      if (from < to) out.set(chunk.subarray(from, to), at + from - start);
      at += chunk.length;
      if (at >= end) break;
    }
    return out;
  }

  write(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
    let at = 0;
    while (at < bytes.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length - at);
        this.skip -= n;
        at += n;
      } else if (this.payload) {
        const n = Math.min(this.payload.length - this.payloadFill, bytes.length - at);
        this.payload.set(bytes.subarray(at, at + n), this.payloadFill);
        this.payloadFill += n;
        at += n;
        if (this.payloadFill === this.payload.length) {
          const payload = this.payload;
          this.payload = null;
          this.command(payload);
        }
      } else {
        const n = Math.min(this.header.length - this.headerFill, bytes.length - at);
        this.header.set(bytes.subarray(at, at + n), this.headerFill);
        this.headerFill += n;
        at += n;
        if (this.headerFill === this.header.length) {
          this.headerFill = 0;
          const { kind, length } = RecordHeader.decode(this.header);
          if (kind === TraceRecord.COMMAND) {
            this.payload = length > 0 ? new Uint8Array(length) : null;
            this.payloadFill = 0;
          } else this.skip = length;
        }
      }
    }
  }

  private command(payload: Uint8Array): void {
    const request = payload.subarray(CommandRecord.size);
    if (request.length < W.CtrlHeader.size) return;
    const index = this.commands++;
    const { response } = CommandRecord.decode(payload);
    if (response < ResponseType.OK_NODATA || response >= ResponseType.ERR_UNSPEC) return;
    const { type } = W.CtrlHeader.decode(request);
    if (type === CommandType.RESOURCE_CREATE_3D && request.length >= W.ResourceCreate3d.size) {
      const c = W.ResourceCreate3d.decode(request);
      this.resources3d.set(c.resourceId, { format: c.format, width: c.width, height: c.height });
    } else if (type === CommandType.RESOURCE_UNREF && request.length >= W.ResourceOnly.size) {
      this.resources3d.delete(W.ResourceOnly.decode(request).resourceId);
    } else if (type === CommandType.SET_SCANOUT && request.length >= W.SetScanout.size) {
      const s = W.SetScanout.decode(request);
      if (s.resourceId === 0) this.scanouts.delete(s.scanoutId);
      else this.scanouts.set(s.scanoutId, { resourceId: s.resourceId, rect: { ...s.r } });
    } else if (type === CommandType.RESOURCE_FLUSH && request.length >= W.ResourceFlush.size) {
      this.flushed(W.ResourceFlush.decode(request).resourceId, index);
    }
  }

  private flushed(resourceId: number, command: number): void {
    const shown = this.scanouts.get(this.scanout);
    const resource = this.resources3d.get(resourceId);
    if (this.armed === null || shown?.resourceId !== resourceId || !resource) return;
    const { x, y, width, height } = shown.rect;
    const label = this.armed;
    const retakes = this.retakes;
    this.frames.push({ label, command, resourceId, width, height });
    this.armed = null;
    const stride = width * 4;
    const read = this.worker().virglTransferFromHost({ ctxId: 0, resourceId, level: 0, box: { x, y, z: 0, w: width, h: height, d: 1 }, offset: 0, stride, layerStride: stride * height }, stride * height);
    this.pictures.push(
      read.then((pixels) => {
        const rgba = new Uint8Array(stride * height);
        convertToRgba({ format: resource.format, pixels, stride, x: 0, y: 0, width, height }, rgba, stride, 0, 0, false);
        if (retakes > 0 && this.armed === null && distinctColours(rgba) < DRAWN_COLOURS) this.arm(label, retakes - 1);
        return new Response(new Blob([rgba]).stream().pipeThrough(new CompressionStream('deflate'))).blob();
      }),
    );
  }
}

/** Colours a frame that shows something has at least: a scene's setup frames are one flat colour. */
export const DRAWN_COLOURS = 3;

/** How many distinct colours `rgba` has, counting up to `enough`. */
export function distinctColours(rgba: Uint8Array, enough = DRAWN_COLOURS): number {
  const seen = new Set<number>();
  for (let i = 0; i < rgba.length && seen.size < enough; i += 4) seen.add((rgba[i]! << 16) | (rgba[i + 1]! << 8) | rgba[i + 2]!);
  return seen.size;
}
