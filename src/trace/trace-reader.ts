/**
 * Parses a trace's bytes (FORMAT.md) into records, checking every length
 * first: a truncated or foreign file comes back as an error naming the record
 * and byte, never as an exception. Payloads are views of the given bytes.
 */
import type { StructCodec } from '../protocol/codec.ts';
import { CapsetRecord, CommandRecord, DeviceRecord, DisplaySize, FileHeader, MemoryRecord, RecordHeader, TRACE_HEADER_SIZE, TRACE_MAGIC, TRACE_VERSION, TraceRecord } from './trace-format.ts';
import type { TraceDisplay } from './trace-writer.ts';

export type TraceEntry =
  | { kind: 'device'; features: bigint; displays: TraceDisplay[] }
  | { kind: 'capset'; id: number; version: number; data: Uint8Array }
  | { kind: 'command'; queue: number; response: number; request: Uint8Array }
  | { kind: 'memory'; resourceId: number; offset: number; data: Uint8Array };

export interface TraceContents {
  records: TraceEntry[];
  /** Records of kinds this reader does not know: skipped, as FORMAT.md asks. */
  unknownRecords: number;
}

export type TraceRead = { ok: true; trace: TraceContents } | { ok: false; error: string };

class Malformed {
  constructor(readonly message: string) {}
}

export function readTrace(bytes: Uint8Array): TraceRead {
  let index = 0;
  let at = 0;
  const fail = (message: string): TraceRead => ({ ok: false, error: `malformed trace: record ${index} at byte ${at}: ${message}` });
  if (bytes.length < TRACE_HEADER_SIZE) return fail(`the file is ${bytes.length} bytes, shorter than the ${TRACE_HEADER_SIZE}-byte header`);
  const header = FileHeader.decode(bytes);
  if (String.fromCharCode(...header.magic) !== TRACE_MAGIC) return fail(`no ${TRACE_MAGIC} magic: not a virtio-gpu-web trace`);
  if (header.version !== TRACE_VERSION) return fail(`version ${header.version}, this reader reads version ${TRACE_VERSION}`);
  if (header.headerSize < TRACE_HEADER_SIZE || header.headerSize > bytes.length) return fail(`header size ${header.headerSize} outside ${TRACE_HEADER_SIZE}..${bytes.length}`);

  const contents: TraceContents = { records: [], unknownRecords: 0 };
  for (at = header.headerSize; at < bytes.length; ) {
    index++;
    const left = bytes.length - at;
    if (left < RecordHeader.size) return fail(`truncated record header: ${left} bytes left, needs ${RecordHeader.size}`);
    const { kind, length } = RecordHeader.decode(bytes, at);
    if (length > left - RecordHeader.size) return fail(`truncated record: kind ${kind} claims ${length} payload bytes, ${left - RecordHeader.size} are left`);
    const payload = bytes.subarray(at + RecordHeader.size, at + RecordHeader.size + length);
    const entry = decodeRecord(kind, payload);
    if (entry instanceof Malformed) return fail(entry.message);
    if (entry) contents.records.push(entry);
    else contents.unknownRecords++;
    at += RecordHeader.size + length;
  }
  return { ok: true, trace: contents };
}

/** One record's payload; null for a kind this reader does not know. */
function decodeRecord(kind: number, payload: Uint8Array): TraceEntry | Malformed | null {
  switch (kind) {
    case TraceRecord.DEVICE: {
      const head = fixedPart(DeviceRecord, 'DEVICE', payload);
      if (head instanceof Malformed) return head;
      const room = (payload.length - DeviceRecord.size) / DisplaySize.size;
      if (head.scanouts > room) return new Malformed(`DEVICE record lists ${head.scanouts} scanouts in ${payload.length} bytes`);
      const displays = Array.from({ length: head.scanouts }, (_, i) => DisplaySize.decode(payload, DeviceRecord.size + DisplaySize.size * i));
      return { kind: 'device', features: head.features, displays };
    }
    case TraceRecord.CAPSET: {
      const head = fixedPart(CapsetRecord, 'CAPSET', payload);
      return head instanceof Malformed ? head : { kind: 'capset', id: head.id, version: head.version, data: payload.subarray(CapsetRecord.size) };
    }
    case TraceRecord.COMMAND: {
      const head = fixedPart(CommandRecord, 'COMMAND', payload);
      return head instanceof Malformed ? head : { kind: 'command', queue: head.queue, response: head.response, request: payload.subarray(CommandRecord.size) };
    }
    case TraceRecord.MEMORY: {
      const head = fixedPart(MemoryRecord, 'MEMORY', payload);
      return head instanceof Malformed ? head : { kind: 'memory', resourceId: head.resourceId, offset: head.offset, data: payload.subarray(MemoryRecord.size) };
    }
    default:
      return null;
  }
}

function fixedPart<T>(codec: StructCodec<T>, name: string, payload: Uint8Array): T | Malformed {
  return payload.length < codec.size ? new Malformed(`${name} record of ${payload.length} bytes, needs ${codec.size}`) : codec.decode(payload);
}
