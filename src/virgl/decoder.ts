/**
 * The virgl stream decoder: the bytes of one SUBMIT_3D become validated sink
 * calls, command by command, through a table indexed by command number. A
 * command that is malformed, or that the capsets rule out, ends the stream:
 * the commands before it have reached the sink, none after it do, and the
 * caller gets where and why. Nothing throws out of `decode`.
 */
import { lengthReason, NOT_OFFERED, type Reason } from './checks.ts';
import type { VirglSink } from './commands.ts';
import type { DecoderConfig } from './config.ts';
import { Cursor } from './cursor.ts';
import { contextCommands } from './decode-context.ts';
import { objectCommands } from './decode-objects.ts';
import { stateCommands } from './decode-state.ts';
import { workCommands } from './decode-work.ts';
import type { CommandEntry, DecodeEnv, TableEntry } from './entry.ts';
import { Command, COMMAND_COUNT, COMMAND_NAMES, Header, OBJECT_TYPE_COUNT, OBJECT_TYPE_NAMES, ShaderStage } from './protocol.ts';
import { ShaderAssembler } from './shader-text.ts';

export interface DecodeError {
  /** Byte offset of the refused command's header in the stream. */
  readonly offset: number;
  /** The command's name; object commands add their object type: `CREATE_OBJECT(SHADER)`. */
  readonly command: string;
  readonly reason: string;
}

export function formatDecodeError(error: DecodeError): string {
  return `${error.command} at byte ${error.offset}: ${error.reason}`;
}

function commandName(command: number, objectType: number): string {
  if (command >= COMMAND_COUNT) return `command ${command}`;
  const name = COMMAND_NAMES[command]!;
  const isObjectCommand = command === Command.CREATE_OBJECT || command === Command.BIND_OBJECT || command === Command.DESTROY_OBJECT;
  return isObjectCommand ? `${name}(${OBJECT_TYPE_NAMES[objectType] ?? `#${objectType}`})` : name;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One per guest context: it holds shader text still waiting for its continuation packets. */
export class VirglDecoder {
  private readonly table: readonly (TableEntry | undefined)[];
  private readonly cursor = new Cursor();
  private readonly env: DecodeEnv;

  constructor(readonly config: DecoderConfig) {
    const entries: Partial<Record<Command, TableEntry>> = { ...contextCommands(), ...objectCommands(config), ...stateCommands(config), ...workCommands() };
    this.table = Array.from({ length: COMMAND_COUNT }, (_, n) => entries[n as Command]);
    const undecodable = this.table.flatMap((entry, n) => (config.commands[n] && entry === undefined ? [COMMAND_NAMES[n]] : []));
    if (config.shaderStages[ShaderStage.COMPUTE]) undecodable.push('compute shaders');
    // A capset that promises what the decoder cannot take would fail guests at run time: refuse it up front.
    if (undecodable.length > 0) throw new Error(`virtio-gpu-web: the capsets offer ${undecodable.join(', ')}, which the virgl decoder cannot decode`);
    this.env = { config, shaders: new ShaderAssembler(config.maxPendingShaders) };
  }

  /**
   * Decodes one stream into `sink`: null when every command reached it, else
   * the command that ended the stream. An exception (from the sink, mostly)
   * ends it the same way.
   */
  decode(stream: Uint8Array, sink: VirglSink): DecodeError | null {
    const c = this.cursor;
    try {
      return this.run(stream, sink);
    } catch (error) {
      return { offset: c.at * 4, command: commandName(Header.command(c.u32[c.at] ?? 0), c.objectType), reason: `threw: ${describe(error)}` };
    }
  }

  /** Drops shader text still waiting for continuation packets, and the last stream's views (the context is gone or starts over). */
  reset(): void {
    this.env.shaders.clear();
    this.cursor.detach();
  }

  private run(stream: Uint8Array, sink: VirglSink): DecodeError | null {
    const c = this.cursor;
    const dwords = c.attach(stream);
    for (let at = 0; at < dwords; at += 1 + c.length) {
      const header = c.u32[at]!;
      c.at = at;
      c.length = Header.length(header);
      c.objectType = Header.objectType(header);
      const reason = at + 1 + c.length > dwords ? `length ${c.length} dwords runs past the stream's end (${dwords - at - 1} left)` : this.command(Header.command(header), sink);
      if (reason !== null) return { offset: at * 4, command: commandName(Header.command(header), c.objectType), reason };
    }
    const tail = stream.byteLength - dwords * 4;
    return tail === 0 ? null : { offset: dwords * 4, command: 'stream', reason: `${tail} bytes after the last whole dword` };
  }

  private command(command: number, sink: VirglSink): Reason | null {
    if (command >= COMMAND_COUNT) return 'unknown command';
    if (!this.env.config.commands[command]) return NOT_OFFERED;
    const entry = this.entry(this.table[command]!);
    return typeof entry === 'string' ? entry : (lengthReason(entry.length, this.cursor.length) ?? entry.decode(this.cursor, sink, this.env));
  }

  /** The entry that decodes the command under the cursor: object commands have one per object type. */
  private entry(entry: TableEntry): CommandEntry | Reason {
    const objectType = this.cursor.objectType;
    if (entry.objects === undefined) return objectType === 0 ? entry : `object type ${objectType} on a command that takes none`;
    const forType = entry.objects[objectType];
    if (forType !== undefined) return forType;
    if (objectType === 0 || objectType >= OBJECT_TYPE_COUNT) return 'unknown object type';
    return this.env.config.objectTypes[objectType] ? 'not an object type this command takes' : NOT_OFFERED;
  }
}
