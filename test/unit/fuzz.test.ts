/**
 * A bounded fuzzing run in the suite (fixed seed: the same cases every run;
 * FUZZ_SEED and FUZZ_CASES change that). Long runs: `npm run fuzz`.
 */
import { expect, it } from 'vitest';
import { runFuzz } from '../fuzz/fuzz-properties.ts';

it('keeps every invariant over the bounded fuzzing run', async () => {
  const seed = Number(process.env.FUZZ_SEED ?? 2026);
  const reports = await runFuzz({ iterations: Number(process.env.FUZZ_CASES ?? 20_000), seed });
  const failures = reports.filter((r) => r.failed).map((r) => `${r.property}: ${r.message}\n${r.counterexample.slice(-20).join('\n')}`);
  expect(failures, `reproduce with FUZZ_SEED=${seed}`).toEqual([]);
}, 60_000);
