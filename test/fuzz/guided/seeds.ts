/**
 * The guided fuzzer's seed inputs, from the inputs the property fuzzer starts
 * from: the recorded Mesa streams (test/fixtures/virgl) and the real TGSI
 * shaders (test/fixtures/tgsi). They are written out at run time, never kept.
 */
import { ShaderStage } from '../../../src/virgl/protocol.ts';
import { SEMANTIC_NAMES, TEXTURE_TARGETS } from '../../../src/virgl/tgsi/ir.ts';
import { OPCODES } from '../../../src/virgl/tgsi/opcodes.ts';
import { tgsiCorpus } from '../tgsi-fuzz.ts';
import { bytesOf, fixtureFiles, shaderPackets, submits } from '../virgl-fixtures.ts';
import { boundaries } from '../virgl-stream-checks.ts';
import { encodeStreamInput, STREAM_CONFIGS, STREAM_CUT, StreamConfig } from './virgl-stream-target.ts';

/**
 * Longest input each target is given. Recorded submits longer than the
 * decoder's are cut at command boundaries: a run costs in proportion to its
 * input, and a few submits of 60 KiB would slow every run that mutates them.
 * The largest real shader (25 KiB of text) fits the parser's.
 */
export const VIRGL_MAX_LEN = 16 << 10;
export const TGSI_MAX_LEN = 32 << 10;

/** `submit` cut at command boundaries into pieces of at most `budget` bytes (a longer command is left out). */
function pieces(submit: Uint8Array, budget: number): Uint8Array[] {
  const starts = [...boundaries(submit).map((at) => at * 4), submit.length];
  const out: Uint8Array[] = [];
  let from = 0;
  for (let i = 1; i < starts.length; i++) {
    const end = starts[i] as number;
    const start = starts[i - 1] as number;
    if (end - from <= budget) continue;
    if (start > from) out.push(submit.subarray(from, start));
    from = end - start <= budget ? start : end;
  }
  if (submit.length > from) out.push(submit.subarray(from));
  return out;
}

/** The first streams of a recording that fit in `budget` bytes together (at least one). */
function opening(all: readonly Uint8Array[], budget: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let size = 0;
  for (const s of all) {
    if (out.length > 0 && size + s.length + STREAM_CUT.length > budget) break;
    out.push(s);
    size += s.length + STREAM_CUT.length;
  }
  return out;
}

/**
 * Each recorded submit (or piece of one) alone under the device's VIRGL2
 * config; each recording's opening submits as one context's streams under
 * every config, and once misaligned; shaders split into continuation packets
 * across streams.
 */
export function virglSeeds(): Uint8Array[] {
  const seeds: Uint8Array[] = [];
  for (const file of fixtureFiles()) {
    const all = submits(file).flatMap((s) => pieces(s, VIRGL_MAX_LEN - 1));
    for (const s of all) seeds.push(encodeStreamInput({ config: StreamConfig.VIRGL2, misalign: 0, streams: [s] }));
    const streams = opening(all, VIRGL_MAX_LEN / 2);
    STREAM_CONFIGS.forEach((_, config) => seeds.push(encodeStreamInput({ config, misalign: 0, streams })));
    seeds.push(encodeStreamInput({ config: StreamConfig.VIRGL2, misalign: 1, streams }));
  }
  for (const text of tgsiCorpus.filter((t) => t.length < 4096).slice(0, 8)) {
    const stage = text.startsWith('VERT') ? ShaderStage.VERTEX : ShaderStage.FRAGMENT;
    seeds.push(encodeStreamInput({ config: StreamConfig.EVERYTHING, misalign: 0, streams: shaderPackets(1, stage, text, 64).map(bytesOf) }));
  }
  return seeds;
}

export function tgsiSeeds(): Uint8Array[] {
  return tgsiCorpus.filter((t) => t.length <= TGSI_MAX_LEN).map((t) => Uint8Array.from(Buffer.from(t, 'latin1')));
}

/**
 * libFuzzer's dictionary for the TGSI target: the parser finds keywords by
 * map lookups, which give the fuzzer no comparison to learn them from.
 */
export function tgsiDictionary(): string[] {
  const words = new Set<string>([...Object.keys(OPCODES), ...SEMANTIC_NAMES, ...TEXTURE_TARGETS]);
  for (const text of tgsiCorpus) for (const word of text.match(/[A-Z][A-Z0-9_]+/g) ?? []) words.add(word);
  return [...words].sort();
}
