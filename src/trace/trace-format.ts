/** The trace file's numbers and layouts (FORMAT.md), declared once for the writer and the reader. */
import { bytes, pad, struct, u32, u64, u64big } from '../protocol/codec.ts';

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

export const FileHeader = struct([
  ['magic', bytes(TRACE_MAGIC.length)],
  ['version', u32],
  ['headerSize', u32],
]);

export const RecordHeader = struct([
  ['kind', u32],
  ['length', u32],
]);

/** Followed by `scanouts` DisplaySize structs. */
export const DeviceRecord = struct([
  ['features', u64big],
  ['scanouts', u32],
]);

export const DisplaySize = struct([
  ['width', u32],
  ['height', u32],
]);

/** Followed by the capset's bytes. */
export const CapsetRecord = struct([
  ['id', u32],
  ['version', u32],
]);

/** Followed by the request's bytes. */
export const CommandRecord = struct([
  ['queue', u32],
  ['response', u32],
]);

/** Followed by the bytes at `offset` of the backing. */
export const MemoryRecord = struct([
  ['resourceId', u32],
  ['reserved', pad(4)],
  ['offset', u64],
]);
