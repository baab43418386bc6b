/**
 * Records what a guest asks of the device as a trace (FORMAT.md): every
 * command with its answer, the capsets the guest read, the display
 * configuration, and before each command that reads a resource's guest
 * memory, the bytes of that memory that changed since they were last written
 * to the trace. Recording is a test and debugging tool, off by default.
 */
import type { Backing } from '../device/backing.ts';
import type { GuestMemory } from '../memory/guest-memory.ts';
import { CommandType } from '../protocol/constants.ts';
import { u32 } from '../protocol/codec.ts';
import * as W from '../protocol/structs.ts';
import { TraceQueue, TraceWriter, type TraceDisplay, type TraceSink } from './trace-writer.ts';

/** Commands whose next word after the header is a resource id whose backing starts anew. */
const NEW_BACKING = new Set<number>([CommandType.RESOURCE_ATTACH_BACKING, CommandType.RESOURCE_DETACH_BACKING, CommandType.RESOURCE_UNREF, CommandType.RESOURCE_CREATE_BLOB]);
const RESOURCE_ID_AT = W.CtrlHeader.size;
/** Bytes compared at once when looking for changes; a changed chunk is written whole. */
const CHUNK = 4096;

export class TraceRecorder {
  private readonly writer: TraceWriter;
  /** Per resource, what the trace has said its backing holds (a replayer's copy, which starts zeroed). */
  private readonly shadows = new Map<number, Uint8Array>();
  private readonly chunk = new Uint8Array(CHUNK);

  constructor(
    sink: TraceSink,
    private readonly memory: GuestMemory,
  ) {
    this.writer = new TraceWriter(sink);
  }

  device(features: bigint, displays: readonly TraceDisplay[]): void {
    this.writer.device(features, displays);
  }

  capset(id: number, version: number, data: Uint8Array): void {
    this.writer.capset(id, version, data);
  }

  /** Writes what changed in `backing` of resource `id` since the trace last showed it. */
  backing(id: number, backing: Backing): void {
    let shadow = this.shadows.get(id);
    if (!shadow || shadow.length !== backing.totalBytes) {
      shadow = new Uint8Array(backing.totalBytes);
      this.shadows.set(id, shadow);
    }
    const now = this.chunk;
    for (let at = 0; at < shadow.length; at += CHUNK) {
      const n = Math.min(CHUNK, shadow.length - at);
      const chunk = now.subarray(0, n);
      backing.copyOut(this.memory, at, chunk, 0, n);
      const seen = shadow.subarray(at, at + n);
      if (sameBytes(chunk, seen)) continue;
      seen.set(chunk);
      this.writer.memory(id, at, chunk);
    }
  }

  command(queue: number, responseType: number, request: Uint8Array): void {
    this.writer.command(queue, responseType, request);
    if (queue === TraceQueue.CONTROL && request.length >= RESOURCE_ID_AT + 4 && NEW_BACKING.has(u32.read(request, 0, 0))) {
      this.shadows.delete(u32.read(request, RESOURCE_ID_AT, 0));
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
