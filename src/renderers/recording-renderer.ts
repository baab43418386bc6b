/**
 * A 3D renderer that accepts everything and draws nothing: it stands in
 * until the WebGL2 / WebGPU renderer exists, so that a virgl guest runs and
 * its streams can be recorded (src/trace) and replayed on the reference
 * renderer. It counts what it was given, per virgl command type, and
 * answers every query the guest asks for: nothing passed and nothing was
 * made, which is true of a renderer that draws nothing (a guest that waits
 * for an answer would otherwise wait forever).
 */
import { WEBGL2_MINIMUM_LIMITS, type HostGlLimits } from '../device/host-gl-limits.ts';
import { u32 } from '../protocol/codec.ts';
import { Command, Header, HostQueryState, Obj, ObjectType, Query, QueryCommand } from '../virgl/protocol.ts';
import type { BackingAccess, QueryAnswers, Renderer3d, Resource3dParams, Transfer3d } from './renderer-3d.ts';

/** Every answer it gives: a result of 0. */
const NOTHING = HostQueryState.encode(0);

export interface RecordingStats {
  contexts: number;
  resources: number;
  transfersToHost: number;
  transfersFromHost: number;
  submits: number;
  submitBytes: number;
  /** Virgl commands seen, by command number (the low byte of each command's header word). */
  commands: Map<number, number>;
}

export class RecordingRenderer implements Renderer3d {
  readonly stats: RecordingStats = { contexts: 0, resources: 0, transfersToHost: 0, transfersFromHost: 0, submits: 0, submitBytes: 0, commands: new Map() };

  /** `limits`: what the capsets offer; by default WebGL2's minimums, what any page's renderer would serve. */
  /** Each context's queries: handle to the buffer that takes its answer. */
  private readonly queries = new Map<number, Map<number, number>>();

  constructor(readonly limits: HostGlLimits = WEBGL2_MINIMUM_LIMITS) {}

  createContext(_ctxId: number, _capsetId: number, _name: string): void {
    this.stats.contexts++;
  }

  destroyContext(ctxId: number): void {
    this.queries.delete(ctxId);
  }

  attachResource(_ctxId: number, _resourceId: number): void {}

  detachResource(_ctxId: number, _resourceId: number): void {}

  createResource(_resourceId: number, _params: Resource3dParams): void {
    this.stats.resources++;
  }

  destroyResource(_resourceId: number): void {}

  transferToHost(_transfer: Transfer3d, _backing: BackingAccess): void {
    this.stats.transfersToHost++;
  }

  transferFromHost(_transfer: Transfer3d, _backing: BackingAccess): void {
    this.stats.transfersFromHost++;
  }

  submit(ctxId: number, commands: Uint8Array, answers: QueryAnswers): void {
    this.stats.submits++;
    this.stats.submitBytes += commands.length;
    const counts = this.stats.commands;
    let queries = this.queries.get(ctxId);
    // Each command: a header word (command, object type, length in words), then `length` words.
    for (let at = 0; at + 4 <= commands.length; ) {
      const header = u32.read(commands, at, 0);
      const command = Header.command(header);
      const length = Header.length(header);
      counts.set(command, (counts.get(command) ?? 0) + 1);
      if (command === Command.CREATE_OBJECT && Header.objectType(header) === ObjectType.QUERY) {
        if (!queries) this.queries.set(ctxId, (queries = new Map()));
        queries.set(wordOf(commands, at, length, Obj.HANDLE), wordOf(commands, at, length, Query.RESOURCE));
      } else if (command === Command.GET_QUERY_RESULT) {
        const resource = queries?.get(wordOf(commands, at, length, QueryCommand.HANDLE));
        if (resource !== undefined) answers(resource)?.write(0, NOTHING);
      }
      at += 4 * (1 + length);
    }
  }
}

/** Word `n` after the header at `at` of a command of `length` words; 0 past the command or the stream. */
function wordOf(commands: Uint8Array, at: number, length: number, n: number): number {
  return n <= length && at + 4 * n + 4 <= commands.length ? u32.read(commands, at + 4 * n, 0) : 0;
}
