/**
 * What a trace replay counts, as the reference replayer (test/oracle/
 * virgl-replay.c) counts it: notes (odd but harmless things, keyed as the
 * reference keys them), renderer failures, commands replayed and skipped.
 */
import { CommandType } from '../protocol/constants.ts';

export interface CommandCount {
  replayed: number;
  skipped: number;
}

export interface ReplayTotals {
  frames: number;
  readbacks: number;
  /** Requests with a header, on either queue. */
  commands: number;
  /** Commands the guest saw fail (an error response), not replayed. */
  skippedFailed: number;
  cursor: number;
  unknownRecords: number;
  unknownCommands: number;
  /** Renderer calls that threw or rejected, and pictures it could not give. */
  rendererErrors: number;
  fences: number;
  fencesSignalled: number;
}

export interface RecordCounts {
  device: number;
  capset: number;
  command: number;
  memory: number;
}

/** Renderer failures told in full; later ones are only counted (a broken renderer fails thousands of times). */
const TOLD_ERRORS = 20;

const COMMAND_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(CommandType).map(([name, type]) => [type, name]));

/** The reference replayer's name for a command type, or undefined for a type it does not know. */
export function commandName(type: number): string | undefined {
  return COMMAND_NAMES.get(type);
}

export class ReplayReport {
  readonly notes = new Map<string, number>();
  readonly commands = new Map<string, CommandCount>();
  readonly totals: ReplayTotals = { frames: 0, readbacks: 0, commands: 0, skippedFailed: 0, cursor: 0, unknownRecords: 0, unknownCommands: 0, rendererErrors: 0, fences: 0, fencesSignalled: 0 };
  readonly records: RecordCounts = { device: 0, capset: 0, command: 0, memory: 0 };
  /** The record being replayed, 1-based as in the reference's messages. */
  record = 0;

  constructor(private readonly log: (message: string) => void) {}

  /** Counts note `key`; the first of its kind is logged with `message`. */
  note(key: string, message: () => string): void {
    const count = this.notes.get(key) ?? 0;
    this.notes.set(key, count + 1);
    if (count === 0) this.log(`note ${key} (record ${this.record}, first of its kind): ${message()}`);
  }

  /** A renderer call that threw or rejected; `what` names the call and what it was about. */
  rendererError(what: string, error: unknown): void {
    if (this.totals.rendererErrors++ < TOLD_ERRORS) this.log(`record ${this.record}: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  command(name: string, replayed: boolean): void {
    const count = this.commands.get(name) ?? { replayed: 0, skipped: 0 };
    if (replayed) count.replayed++;
    else count.skipped++;
    this.commands.set(name, count);
  }
}
