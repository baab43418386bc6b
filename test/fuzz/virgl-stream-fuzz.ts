/**
 * Fuzzing of the virgl stream decoder (src/virgl/decoder.ts): the guest's
 * recorded SUBMIT_3D streams as they are, mutated (commands dropped, repeated,
 * swapped, spliced from another stream, their dwords set to edge values and
 * their lengths changed, then bits flipped and the stream cut), and streams of
 * random commands, shaders split into continuation packets across streams.
 * One decoder takes a case's streams in turn, as one guest context would.
 * Every stream checks:
 *   - decode never throws, and nothing inside it does (its `threw:` errors
 *     can only come from the decoder here: this sink never throws);
 *   - it ends, with at most one sink call per command before the one that
 *     ended it (so at most one per dword), none from that command on;
 *   - an error names a command boundary inside the stream;
 *   - spans handed to the sink lie inside the stream (the bytes after it are
 *     there to be misread), scratch arrays hold their counts, and shader text
 *     is 7-bit, within the configured limit and no more than the streams carried;
 *   - afterwards the same decoder decodes a valid stream exactly.
 * The executor above the decoder (src/renderers/webgl2/executor.ts and
 * sub-context.ts) needs a WebGL2RenderingContext from its constructor on, so
 * the fuzzing stops at the sink; the part of the renderer that is plain
 * TypeScript, the shader translation, gets every shader text delivered
 * (tgsi-fuzz.ts's checks).
 */
import fc from 'fast-check';
import type { VirglSink } from '../../src/virgl/commands.ts';
import type { DecoderConfig } from '../../src/virgl/config.ts';
import { VirglDecoder, type DecodeError } from '../../src/virgl/decoder.ts';
import type { LengthRule } from '../../src/virgl/checks.ts';
import { contextCommands } from '../../src/virgl/decode-context.ts';
import { objectCommands } from '../../src/virgl/decode-objects.ts';
import { stateCommands } from '../../src/virgl/decode-state.ts';
import { workCommands } from '../../src/virgl/decode-work.ts';
import type { CommandEntry, ObjectCommandEntry } from '../../src/virgl/entry.ts';
import { Command as C, COMMAND_NAMES, Header, ShaderStage } from '../../src/virgl/protocol.ts';
import { applyEdits, editsOf, mutate, mutationOf, u32, type Mutation } from './mutations.ts';
import { fail, fuzzProperty, type FuzzProperty } from './runner.ts';
import { checkTgsi, tgsiCorpus } from './tgsi-fuzz.ts';
import { bytesOf, cmd, deviceConfig, everythingConfig, fixtureFiles, shaderPackets, submits } from './virgl-fixtures.ts';

const fixtures = fixtureFiles().map(submits);
const allSubmits = fixtures.flat();

const dwordsOf = (bytes: Uint8Array): Uint32Array => new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~3)));

/** The dword index of each command header the decoder meets, walking as it does. */
function boundaries(stream: Uint8Array): number[] {
  const words = dwordsOf(stream);
  const out: number[] = [];
  for (let at = 0; at < words.length; at += 1 + Header.length(words[at] as number)) out.push(at);
  return out;
}

/** The stream cut at its command boundaries (the last command may run past the end). */
function commandsOf(stream: Uint8Array): Uint8Array[] {
  const starts = boundaries(stream);
  return starts.map((at, i) => stream.slice(at * 4, (starts[i + 1] ?? stream.length) * 4));
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

// ---- mutations of the real streams

type CommandChange = { readonly length: number } | Mutation;
const commandChange: fc.Arbitrary<CommandChange> = fc.oneof(
  fc.record({ length: fc.oneof(fc.nat({ max: 40 }), fc.constantFrom(0xfffe, 0xffff)) }),
  mutationOf({ reach: 64, dwords: true }),
);

function changeCommand(command: Uint8Array, change: CommandChange): Uint8Array {
  if (!('length' in change)) return mutate(command, change);
  const out = command.slice();
  if (out.length >= 4) {
    const view = new DataView(out.buffer);
    view.setUint32(0, ((view.getUint32(0, true) & 0xffff) | (change.length << 16)) >>> 0, true);
  }
  return out;
}

/** A real submit, maybe spliced with the tail of another, with command edits and then a byte mutation. */
const mutatedSubmit = fc
  .tuple(fc.constantFrom(...allSubmits), fc.option(fc.tuple(fc.constantFrom(...allSubmits), fc.nat(), fc.nat()), { freq: 3 }), editsOf(commandChange, 1000, 6), mutationOf({ reach: 1 << 16, dwords: true }))
  .map(([submit, splice, edits, m]) => {
    let commands = commandsOf(submit);
    if (splice !== null) {
      const [other, keep, from] = splice;
      const tail = commandsOf(other);
      commands = [...commands.slice(0, keep % (commands.length + 1)), ...tail.slice(from % (tail.length + 1))];
    }
    return mutate(concat(applyEdits(commands, edits, changeCommand)), m);
  });

/** Consecutive submits of one recording, as the guest sent them. */
const realWindow = fc.tuple(fc.nat({ max: fixtures.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 4 })).map(([file, start, count]) => {
  const all = fixtures[file] as Uint8Array[];
  const from = start % all.length;
  return all.slice(from, from + count);
});

// ---- random commands

/** Each command the decoder's table takes (object commands once per object type), with its length rule. */
const TABLE: Partial<Record<number, CommandEntry | ObjectCommandEntry>> = { ...contextCommands(), ...objectCommands(everythingConfig), ...stateCommands(everythingConfig), ...workCommands() };
const SHAPES = Object.entries(TABLE).flatMap(([n, entry]) => {
  if (entry === undefined) return [];
  if (entry.objects === undefined) return [{ command: Number(n), objectType: 0, rule: entry.length }];
  return entry.objects.flatMap((e, objectType) => (e === undefined ? [] : [{ command: Number(n), objectType, rule: e.length }]));
});
/** Lengths the rule allows (the longest only when short enough to generate often), or any. */
const lengthFor = (rule: LengthRule) => {
  const allowed = [rule.min, ...(rule.max <= 256 ? [rule.max] : [])];
  return fc.oneof({ weight: 3, arbitrary: fc.oneof(fc.constantFrom(...allowed), fc.nat({ max: 8 }).map((k) => Math.min(rule.max, rule.min + k * rule.step))) }, { weight: 1, arbitrary: fc.nat({ max: 40 }) });
};
const header = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...SHAPES).chain(({ command, objectType, rule }) => lengthFor(rule).map((length) => ({ command, objectType, length }))) },
  { weight: 1, arbitrary: fc.record({ command: fc.nat({ max: 255 }), objectType: fc.oneof(fc.constant(0), fc.nat({ max: 255 })), length: fc.oneof(fc.nat({ max: 40 }), fc.constant(0xffff)) }) },
);
const dword = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 20 }) }, { weight: 1, arbitrary: u32 });
/** A header, mostly of a command the decoder knows at a length it allows, and as many payload dwords as it announces (0xffff announces more than follow). */
const randomCommand = fc
  .tuple(header, fc.array(dword, { maxLength: 40 }))
  .map(([{ command, objectType, length }, fields]) => [Header.encode(command, objectType, length), ...Array.from({ length: Math.min(length, 256) }, (_, i) => fields[i] ?? i)]);

const shaderText = fc.oneof(fc.constantFrom(...tgsiCorpus), fc.array(fc.integer({ min: 1, max: 0x7f }), { maxLength: 80 }).map((codes) => String.fromCharCode(...codes)));
const shaderCommands = fc
  .tuple(fc.nat({ max: 3 }), fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 1 }) }, { weight: 1, arbitrary: fc.nat({ max: 6 }) }), shaderText, fc.oneof(fc.integer({ min: 1, max: 16 }), fc.constantFrom(256, 4096)))
  .map(([handle, stage, text, chunk]) => shaderPackets(handle, stage, text, chunk));

/** Random commands and shader packets, cut into up to seven streams: a refused command hides less of the rest, and continuation packets may land in a later stream. */
const randomStreams = fc
  .tuple(fc.array(fc.oneof({ weight: 3, arbitrary: randomCommand.map((c) => [c]) }, { weight: 1, arbitrary: shaderCommands }), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }))
  .map(([groups, cuts]) => {
    const commands = groups.flat();
    const at = [...new Set(cuts.map((c) => c % (commands.length + 1)))].sort((a, b) => a - b);
    return [0, ...at].map((from, i) => bytesOf(commands.slice(from, at[i] ?? commands.length).flat()));
  });

export const streamCase = fc.record({
  everything: fc.boolean(),
  /** Where in its buffer each stream sits: 0 aligned, else that many bytes past a dword boundary. */
  misalign: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
  streams: fc.oneof(realWindow, fc.array(mutatedSubmit, { minLength: 1, maxLength: 3 }), randomStreams),
});
type StreamCase = typeof streamCase extends fc.Arbitrary<infer T> ? T : never;

// ---- the checking sink

interface Delivered {
  calls: number;
  texts: Uint8Array[];
  problems: string[];
}

function isSpan(value: unknown): value is { readonly start: number } & ({ readonly u32: Uint32Array; readonly count: number } | { readonly bytes: Uint8Array; readonly length: number }) {
  return typeof value === 'object' && value !== null && 'start' in value && (('u32' in value && 'count' in value) || 'bytes' in value);
}

/**
 * Records every call, checking that spans lie in the payload of one command
 * (`starts`: the commands' header dwords) and that their views lie in
 * `stream`'s place in its buffer (the decoder's aligned copy of a misaligned
 * stream has no place there and is checked by length).
 */
function checkingSink(stream: Uint8Array, config: DecoderConfig, starts: readonly number[], into: Delivered): VirglSink {
  const dwords = stream.length >>> 2;
  const checkArg = (method: string, arg: unknown, next: unknown) => {
    if (isSpan(arg)) {
      const view = 'u32' in arg ? arg.u32 : arg.bytes;
      const scale = 'u32' in arg ? 4 : 1;
      const first = arg.start * scale;
      const end = first + ('u32' in arg ? arg.count : arg.length) * scale;
      let command = -1;
      while (command + 1 < starts.length && (starts[command + 1] as number) * 4 < first) command++;
      const header = starts[command] ?? -1;
      const commandEnd = (starts[command + 1] ?? dwords) * 4;
      if (header < 0 || end > commandEnd || end > view.byteLength) into.problems.push(`${method}: bytes ${first}..${end} of the stream, past the command at dword ${header} (ends at byte ${commandEnd})`);
      const inside = view.byteOffset + view.byteLength <= stream.byteOffset + stream.length && view.byteOffset >= stream.byteOffset;
      if (view.byteLength > stream.length || (view.buffer === stream.buffer && !inside)) into.problems.push(`${method}: view at byte ${view.byteOffset}+${view.byteLength}, stream at ${stream.byteOffset}+${stream.length}`);
    } else if ((ArrayBuffer.isView(arg) || Array.isArray(arg)) && typeof next === 'number' && next > (arg as ArrayLike<unknown>).length) {
      into.problems.push(`${method}: count ${next} for an array of ${(arg as ArrayLike<unknown>).length}`);
    }
  };
  return new Proxy({} as VirglSink, {
    get: (_target, property) => (...args: unknown[]) => {
      const method = String(property);
      into.calls++;
      args.forEach((arg, i) => checkArg(method, arg, args[i + 1]));
      if (method === 'createShader') {
        const text = args[2] as Uint8Array;
        if (text.length >= config.maxShaderBytes || text.some((b) => b === 0 || b > 0x7f)) into.problems.push(`createShader: ${text.length} bytes of text, not all 7-bit`);
        into.texts.push(text.slice());
      }
    },
  });
}

/** `bytes` at `misalign` bytes into a buffer whose bytes after them say "read past the end" if misread. */
function placed(bytes: Uint8Array, misalign: number): Uint8Array {
  const buffer = new Uint8Array(misalign + bytes.length + 64).fill(0xa5);
  buffer.set(bytes, misalign);
  return buffer.subarray(misalign, misalign + bytes.length);
}

function checkStream(decoder: VirglDecoder, stream: Uint8Array, config: DecoderConfig, into: Delivered): void {
  const before = into.calls;
  const starts = boundaries(stream);
  let error: DecodeError | null;
  try {
    error = decoder.decode(stream, checkingSink(stream, config, starts, into));
  } catch (e) {
    fail(`decode threw: ${String(e)}`);
  }
  if (into.problems.length) fail(into.problems.join('; '));
  const calls = into.calls - before;
  const dwords = stream.length >>> 2;
  if (error === null) {
    if (calls > starts.length) fail(`${calls} sink calls for ${starts.length} commands`);
    if (stream.length % 4 !== 0) fail(`${stream.length % 4} bytes after the last dword went unremarked`);
    return;
  }
  const { offset, command, reason } = error;
  if (reason.startsWith('threw:')) fail(`the decoder threw inside: ${command} at byte ${offset}: ${reason}`);
  if (!command || !reason) fail(`an error without a command or reason: ${JSON.stringify(error)}`);
  const failed = starts.indexOf(offset / 4);
  if (failed < 0 && offset !== dwords * 4) fail(`error at byte ${offset}, not a command boundary of a ${stream.length}-byte stream`);
  const commandsBefore = failed < 0 ? starts.length : failed;
  if (calls > commandsBefore) fail(`${calls} sink calls for the ${commandsBefore} commands before ${command} at byte ${offset} (${reason})`);
}

/** Stateless commands and a shader whole in one packet: decodable after anything a context has seen. */
const HEALTH_TEXT = 'FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {1.0000, 0.0000, 0.0000, 1.0000}\n  0: MOV OUT[0], IMM[0]\n  1: END\n';
const HEALTH_HANDLE = 0x7fff_0001;
const HEALTH = bytesOf([...cmd(C.SET_SAMPLE_MASK, 0, 0x1234), ...(shaderPackets(HEALTH_HANDLE, ShaderStage.FRAGMENT, HEALTH_TEXT, 1 << 16)[0] as number[])]);

function runStreamCase(c: StreamCase): void {
  const config = c.everything ? everythingConfig : deviceConfig;
  const decoder = new VirglDecoder(config);
  const delivered: Delivered = { calls: 0, texts: [], problems: [] };
  for (const s of c.streams) checkStream(decoder, placed(s, c.misalign), config, delivered);
  const carried = c.streams.reduce((sum, s) => sum + s.length, 0);
  const textBytes = delivered.texts.reduce((sum, t) => sum + t.length, 0);
  if (textBytes > carried) fail(`${textBytes} bytes of shader text from ${carried} bytes of streams`);
  for (const text of delivered.texts) checkTgsi(Buffer.from(text).toString('latin1'));

  const health: Delivered = { calls: 0, texts: [], problems: [] };
  const error = decoder.decode(HEALTH, checkingSink(HEALTH, config, boundaries(HEALTH), health));
  if (error !== null || health.calls !== 2 || Buffer.from(health.texts[0] ?? []).toString('latin1') !== HEALTH_TEXT) {
    fail(`health check: ${error ? `${error.command} at byte ${error.offset}: ${error.reason}` : `${health.calls} calls, text ${JSON.stringify(Buffer.from(health.texts[0] ?? []).toString('latin1'))}`}`);
  }
}

function describeStreamCase(c: StreamCase): string[] {
  const name = (header: number) => COMMAND_NAMES[Header.command(header)] ?? `command ${Header.command(header)}`;
  return [
    `${c.everything ? 'every command offered' : "the device's capsets"}, streams ${c.misalign} bytes off a dword boundary`,
    ...c.streams.map((s, i) => {
      const words = dwordsOf(s);
      const commands = boundaries(s).map((at) => `${name(words[at] as number)}/${Header.length(words[at] as number)}`);
      return `stream ${i} (${s.length} bytes: ${commands.join(' ')}) ${Buffer.from(s).toString('hex')}`;
    }),
  ];
}

export const VIRGL_STREAM_PROPERTIES: readonly FuzzProperty[] = [fuzzProperty('virgl streams', 0.15, streamCase, runStreamCase, describeStreamCase)];
