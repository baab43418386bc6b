/**
 * What the reference replayer's `--stats` counts: the virgl commands inside
 * the SUBMIT_3D streams it replays, by command and, for object commands, by
 * object type, with the dwords they take. Counted from the stream's headers
 * alone, whatever the renderer makes of them, so that two replays of a trace
 * can be compared line by line.
 */
import { Command, COMMAND_NAMES, Header, OBJECT_TYPE_NAMES } from '../virgl/protocol.ts';
import type { ReplayReport } from './replay-report.ts';

export interface VirglCount {
  /** The reference's name: `CLEAR`, `CREATE_OBJECT.SURFACE`, `UNKNOWN_99`. */
  name: string;
  count: number;
  /** Header dwords included. */
  dwords: number;
}

const OBJECT_COMMANDS: ReadonlySet<number> = new Set([Command.CREATE_OBJECT, Command.BIND_OBJECT, Command.DESTROY_OBJECT]);

/** Key of a header as the reference keys it: the command, and the object type only for object commands (elsewhere that byte is not one). */
function keyOf(header: number): number {
  const command = Header.command(header);
  return OBJECT_COMMANDS.has(command) ? header & 0xffff : command;
}

function nameOf(key: number): string {
  const command = key & 0xff;
  const commandName = COMMAND_NAMES[command];
  if (commandName === undefined) return `UNKNOWN_${command}`;
  if (!OBJECT_COMMANDS.has(command)) return commandName;
  const objectType = key >>> 8;
  return `${commandName}.${OBJECT_TYPE_NAMES[objectType] ?? `UNKNOWN_${objectType}`}`;
}

export class VirglStreamStats {
  private readonly counts = new Map<number, { count: number; dwords: number }>();

  constructor(private readonly report: ReplayReport) {}

  /** Counts the commands of `stream` (whole dwords); a command that overruns it ends the count of that stream, noted as the reference notes it. */
  count(stream: Uint8Array): void {
    const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
    const ndw = stream.byteLength >>> 2;
    for (let at = 0; at < ndw; ) {
      const header = view.getUint32(at * 4, true);
      const length = Header.length(header);
      if (at + 1 + length > ndw) {
        this.report.note('virgl-stream-truncated', () => `a command of ${length} dwords at dword ${at} overruns its ${ndw}-dword stream`);
        return;
      }
      const key = keyOf(header);
      const c = this.counts.get(key) ?? { count: 0, dwords: 0 };
      c.count++;
      c.dwords += 1 + length;
      this.counts.set(key, c);
      at += 1 + length;
    }
  }

  /** Most frequent first; equal counts by key (command, then object type), as the reference sorts them. */
  list(): VirglCount[] {
    return [...this.counts]
      .sort(([ka, a], [kb, b]) => b.count - a.count || ka - kb)
      .map(([key, { count, dwords }]) => ({ name: nameOf(key), count, dwords }));
  }
}
