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
 * The same streams then run through the WebGL2 executor above the decoder
 * (src/renderers/webgl2/executor.ts and what it calls: objects, draws,
 * programs, transform feedback, queries), on a GL that only records
 * (test/unit/recording-gl.ts) and a few buffers and textures: it must never
 * throw (the decoder reports a throw inside the sink as `threw:`). Every
 * shader text delivered also goes through tgsi-fuzz.ts's checks.
 * The checks are virgl-stream-checks.ts's, which the guided fuzzer shares.
 */
import fc from 'fast-check';
import { VirglTarget } from '../../src/protocol/virgl-formats.ts';
import type { Resource3dParams } from '../../src/renderers/renderer-3d.ts';
import { Drawer } from '../../src/renderers/webgl2/draw.ts';
import { ContextExecutor } from '../../src/renderers/webgl2/executor.ts';
import { ProgramCache } from '../../src/renderers/webgl2/programs.ts';
import { GlResources } from '../../src/renderers/webgl2/resources.ts';
import type { DecoderConfig } from '../../src/virgl/config.ts';
import { formatDecodeError, VirglDecoder } from '../../src/virgl/decoder.ts';
import { recordingGl } from '../unit/recording-gl.ts';
import { fail } from './fail.ts';
import type { LengthRule } from '../../src/virgl/checks.ts';
import { contextCommands } from '../../src/virgl/decode-context.ts';
import { objectCommands } from '../../src/virgl/decode-objects.ts';
import { stateCommands } from '../../src/virgl/decode-state.ts';
import { workCommands } from '../../src/virgl/decode-work.ts';
import type { CommandEntry, ObjectCommandEntry } from '../../src/virgl/entry.ts';
import { COMMAND_NAMES, Header } from '../../src/virgl/protocol.ts';
import { applyEdits, editsOf, mutate, mutationOf, u32, type Mutation } from './mutations.ts';
import { fuzzProperty, type FuzzProperty } from './runner.ts';
import { checkTgsi } from './tgsi-checks.ts';
import { tgsiCorpus } from './tgsi-fuzz.ts';
import { bytesOf, deviceConfig, everythingConfig, fixtureFiles, shaderPackets, submits } from './virgl-fixtures.ts';
import { boundaries, checkDecoding, dwordsOf } from './virgl-stream-checks.ts';

const fixtures = fixtureFiles().map(submits);
const allSubmits = fixtures.flat();

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

function runStreamCase(c: StreamCase): void {
  const config = c.everything ? everythingConfig : deviceConfig;
  const texts = checkDecoding(config, c.streams, c.misalign);
  for (const text of texts) checkTgsi(Buffer.from(text).toString('latin1'));
  executeStreams(config, c.streams);
}

/** Resources a context's streams may name: buffers 1 to 3, and 2D, array and cube textures 4 to 6. */
const RESOURCES: readonly Resource3dParams[] = [
  ...[64, 4096, 65536].map((width) => ({ target: VirglTarget.BUFFER, format: 64, bind: 0, width, height: 1, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: 0 })),
  { target: VirglTarget.TEXTURE_2D, format: 67, bind: 0, width: 16, height: 16, depth: 1, arraySize: 1, lastLevel: 4, nrSamples: 0, flags: 0 },
  { target: VirglTarget.TEXTURE_2D_ARRAY, format: 1, bind: 0, width: 8, height: 8, depth: 1, arraySize: 4, lastLevel: 0, nrSamples: 0, flags: 0 },
  { target: VirglTarget.TEXTURE_CUBE, format: 67, bind: 0, width: 8, height: 8, depth: 1, arraySize: 6, lastLevel: 0, nrSamples: 0, flags: 0 },
];

function executeStreams(config: DecoderConfig, streams: readonly Uint8Array[]): void {
  const { gl } = recordingGl();
  const quiet = (): void => {};
  const resources = new GlResources(gl, quiet);
  RESOURCES.forEach((params, i) => resources.create(i + 1, params));
  const executor = new ContextExecutor(gl, resources, new Drawer(gl, resources, new ProgramCache(gl, quiet), quiet, { draws: 0 }), quiet);
  const decoder = new VirglDecoder(config);
  for (const stream of streams) {
    const error = decoder.decode(stream, executor);
    if (error?.reason.startsWith('threw:')) fail(`the executor threw: ${formatDecodeError(error)}`);
  }
  executor.destroy();
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
