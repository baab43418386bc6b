/**
 * Encodes trace records (src/trace/FORMAT.md) into chunks for a sink: a file
 * in Node, a growing buffer in a page.
 */
import type { StructCodec } from '../protocol/codec.ts';
import { CapsetRecord, CommandRecord, DeviceRecord, DisplaySize, FileHeader, MemoryRecord, RecordHeader, TRACE_HEADER_SIZE, TRACE_MAGIC, TRACE_VERSION, TraceRecord } from './trace-format.ts';

export { TRACE_HEADER_SIZE, TRACE_MAGIC, TRACE_VERSION, TraceQueue, TraceRecord } from './trace-format.ts';

export interface TraceSink {
  /** Takes `bytes`; the writer does not reuse them after the call. */
  write(bytes: Uint8Array): void;
}

export interface TraceDisplay {
  width: number;
  height: number;
}

export class TraceWriter {
  constructor(private readonly sink: TraceSink) {
    const magic = new Uint8Array(TRACE_MAGIC.length);
    for (let i = 0; i < TRACE_MAGIC.length; i++) magic[i] = TRACE_MAGIC.charCodeAt(i);
    sink.write(FileHeader.encode({ magic, version: TRACE_VERSION, headerSize: TRACE_HEADER_SIZE }));
  }

  device(features: bigint, displays: readonly TraceDisplay[]): void {
    const bytes = this.record(TraceRecord.DEVICE, DeviceRecord, { features, scanouts: displays.length }, DisplaySize.size * displays.length);
    displays.forEach((d, i) => DisplaySize.write(bytes, RecordHeader.size + DeviceRecord.size + DisplaySize.size * i, d));
    this.sink.write(bytes);
  }

  capset(id: number, version: number, data: Uint8Array): void {
    this.sink.write(this.record(TraceRecord.CAPSET, CapsetRecord, { id, version }, data));
  }

  command(queue: number, responseType: number, request: Uint8Array): void {
    this.sink.write(this.record(TraceRecord.COMMAND, CommandRecord, { queue, response: responseType }, request));
  }

  memory(resourceId: number, offset: number, data: Uint8Array): void {
    this.sink.write(this.record(TraceRecord.MEMORY, MemoryRecord, { resourceId, offset }, data));
  }

  /** A record of `kind` whose payload is `head` and then `tail` (bytes, or that many bytes left for the caller). */
  private record<T>(kind: number, codec: StructCodec<T>, head: T, tail: Uint8Array | number): Uint8Array {
    const tailBytes = typeof tail === 'number' ? tail : tail.length;
    const bytes = new Uint8Array(RecordHeader.size + codec.size + tailBytes);
    RecordHeader.write(bytes, 0, { kind, length: codec.size + tailBytes });
    codec.write(bytes, RecordHeader.size, head);
    if (typeof tail !== 'number') bytes.set(tail, RecordHeader.size + codec.size);
    return bytes;
  }
}
