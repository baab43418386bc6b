/** Builds response bytes in one reusable buffer: a header echoing the request's fence, and a body. */
import type { StructCodec } from '../protocol/codec.ts';
import { HeaderFlag } from '../protocol/constants.ts';
import * as W from '../protocol/structs.ts';

export class ResponseWriter {
  private readonly buffer: Uint8Array;
  private readonly header = W.CtrlHeader.zero();
  private readonly bodies = new Map<StructCodec<unknown>, unknown>();
  private length = 0;

  constructor(maxBytes: number) {
    this.buffer = new Uint8Array(maxBytes);
  }

  /** A reusable response value for `codec`, to fill before `respond`. */
  body<T>(codec: StructCodec<T>): T {
    let value = this.bodies.get(codec as StructCodec<unknown>) as T | undefined;
    if (value === undefined) {
      value = codec.zero();
      this.bodies.set(codec as StructCodec<unknown>, value);
    }
    return value;
  }

  /** Starts a new command's response: OK_NODATA unless the command answers otherwise. */
  begin(): void {
    this.length = 0;
  }

  /** Answers with a body: `type` in the header, the rest from `value`. */
  respond<T extends { hdr: W.CtrlHeader }>(request: W.CtrlHeader, codec: StructCodec<T>, value: T, type: number): void {
    fillHeader(value.hdr, request, type);
    codec.write(this.buffer, 0, value);
    this.length = codec.size;
  }

  /** Answers with a header of `type` followed by `data` (a capset). */
  respondBytes(request: W.CtrlHeader, data: Uint8Array, type: number): void {
    this.writeHeader(request, type);
    this.buffer.set(data, W.CtrlHeader.size);
    this.length = W.CtrlHeader.size + data.length;
  }

  /** The response bytes: a view of the buffer, valid until the next command. */
  finish(request: W.CtrlHeader, headerOnlyType: number): Uint8Array {
    if (this.length > 0) return this.buffer.subarray(0, this.length);
    this.writeHeader(request, headerOnlyType);
    return this.buffer.subarray(0, W.CtrlHeader.size);
  }

  /** A header-only answer (an error), whatever was written before. */
  headerOnly(request: W.CtrlHeader, type: number): Uint8Array {
    this.length = 0;
    return this.finish(request, type);
  }

  private writeHeader(request: W.CtrlHeader, type: number): void {
    fillHeader(this.header, request, type);
    W.CtrlHeader.write(this.buffer, 0, this.header);
  }
}

/** Response header: the type, and for a fenced request its fence id, context and (with INFO_RING_IDX) ring. */
function fillHeader(out: W.CtrlHeader, req: W.CtrlHeader, type: number): void {
  const fenced = (req.flags & HeaderFlag.FENCE) !== 0;
  const ring = fenced && (req.flags & HeaderFlag.INFO_RING_IDX) !== 0;
  out.type = type;
  out.flags = fenced ? req.flags & (HeaderFlag.FENCE | HeaderFlag.INFO_RING_IDX) : 0;
  out.fenceId = fenced ? req.fenceId : 0n;
  out.ctxId = fenced ? req.ctxId : 0;
  out.ringIdx = ring ? req.ringIdx : 0;
}
