/**
 * Bounded fuzzing runs in the suite (fixed seed: the same cases every run;
 * FUZZ_SEED and FUZZ_CASES change that). Long runs: `npm run fuzz`.
 */
import { expect, it } from 'vitest';
import { DEVICE_PROPERTIES, runFuzz, type FuzzReport } from '../fuzz/fuzz-properties.ts';
import { TGSI_PROPERTIES } from '../fuzz/tgsi-fuzz.ts';
import { VIRGL_STREAM_PROPERTIES } from '../fuzz/virgl-stream-fuzz.ts';

const seed = Number(process.env.FUZZ_SEED ?? 2026);
const failures = (reports: FuzzReport[]) => reports.filter((r) => r.failed).map((r) => `${r.property}: ${r.message}\n${r.counterexample.slice(-20).join('\n')}`);

it('keeps every invariant of the device over the bounded fuzzing run', async () => {
  const reports = await runFuzz({ iterations: Number(process.env.FUZZ_CASES ?? 20_000), seed, properties: DEVICE_PROPERTIES });
  expect(failures(reports), `reproduce with FUZZ_SEED=${seed}`).toEqual([]);
}, 60_000);

it('keeps every invariant of the virgl stream decoder and the TGSI translation over a sample of their cases', async () => {
  const properties = [...VIRGL_STREAM_PROPERTIES, ...TGSI_PROPERTIES];
  const reports = await runFuzz({ iterations: 300 * properties.length, seed, properties });
  expect(reports.map((r) => r.runs)).toEqual(properties.map(() => 300));
  expect(failures(reports), `reproduce with FUZZ_SEED=${seed}`).toEqual([]);
}, 30_000);
