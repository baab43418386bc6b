/**
 * Encodes trace records (src/trace/FORMAT.md) into chunks for a sink: a file
 * in Node, a growing buffer in a page.
 */
export const TRACE_MAGIC = 'VGWTRACE';
export const TRACE_VERSION = 1;
export const TRACE_HEADER_SIZE = 16;

export const TraceRecord = {
  DEVICE: 1,
  CAPSET: 2,
  COMMAND: 3,
  MEMORY: 4,
} as const;

export const TraceQueue = { CONTROL: 0, CURSOR: 1 } as const;

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
    const header = new Uint8Array(TRACE_HEADER_SIZE);
    const view = new DataView(header.buffer);
    for (let i = 0; i < TRACE_MAGIC.length; i++) header[i] = TRACE_MAGIC.charCodeAt(i);
    view.setUint32(8, TRACE_VERSION, true);
    view.setUint32(12, TRACE_HEADER_SIZE, true);
    sink.write(header);
  }

  device(features: bigint, displays: readonly TraceDisplay[]): void {
    const { bytes, view } = this.record(TraceRecord.DEVICE, 12 + 8 * displays.length);
    view.setBigUint64(8, features, true);
    view.setUint32(16, displays.length, true);
    displays.forEach((d, i) => {
      view.setUint32(20 + 8 * i, d.width, true);
      view.setUint32(24 + 8 * i, d.height, true);
    });
    this.sink.write(bytes);
  }

  capset(id: number, version: number, data: Uint8Array): void {
    this.wordsThenBytes(TraceRecord.CAPSET, id, version, data);
  }

  command(queue: number, responseType: number, request: Uint8Array): void {
    this.wordsThenBytes(TraceRecord.COMMAND, queue, responseType, request);
  }

  memory(resourceId: number, offset: number, data: Uint8Array): void {
    const { bytes, view } = this.record(TraceRecord.MEMORY, 16 + data.length);
    view.setUint32(8, resourceId, true);
    view.setBigUint64(16, BigInt(offset), true);
    bytes.set(data, 24);
    this.sink.write(bytes);
  }

  /** A record whose payload is two u32 words and then `data`. */
  private wordsThenBytes(kind: number, first: number, second: number, data: Uint8Array): void {
    const { bytes, view } = this.record(kind, 8 + data.length);
    view.setUint32(8, first, true);
    view.setUint32(12, second, true);
    bytes.set(data, 16);
    this.sink.write(bytes);
  }

  private record(kind: number, length: number): { bytes: Uint8Array; view: DataView } {
    const bytes = new Uint8Array(8 + length);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, kind, true);
    view.setUint32(4, length, true);
    return { bytes, view };
  }
}
