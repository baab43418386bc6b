/**
 * The guided fuzzer's targets (`npm run fuzz -- --guided`), without Jazzer.js:
 * each takes its seeds without a broken invariant, and still runs once
 * bundled as Jazzer.js loads it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleTarget } from '../fuzz/guided/bundle.ts';
import { GUIDED_TARGETS } from '../fuzz/guided/targets.ts';
import { fuzz as fuzzTgsi } from '../fuzz/guided/tgsi-target.ts';
import { decodeStreamInput, encodeStreamInput, fuzz as fuzzStreams } from '../fuzz/guided/virgl-stream-target.ts';

const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'guided-fuzz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const FUNCTIONS: Record<string, (data: Buffer) => void> = { virgl: fuzzStreams, tgsi: fuzzTgsi };

describe.each(GUIDED_TARGETS.map((t) => [t.id, t] as const))('the %s target', (id, target) => {
  const seeds = target.seeds();

  it('takes every seed, each within the longest input it is given', () => {
    expect(seeds.length).toBeGreaterThan(50);
    const run = FUNCTIONS[id] as (data: Buffer) => void;
    for (const seed of seeds) {
      expect(seed.length).toBeLessThanOrEqual(target.maxLen);
      run(Buffer.from(seed));
    }
  }, 20_000);

  it('runs bundled as CommonJS', async () => {
    const bundled = await bundleTarget(root, target.entry, join(scratch, id));
    const { fuzz } = createRequire(import.meta.url)(bundled) as { fuzz: (data: Buffer) => void };
    fuzz(Buffer.from(seeds[0] as Uint8Array));
  });
});

it('reads back the streams, configuration and alignment it writes', () => {
  const streams = [Uint8Array.from([1, 2, 3, 4, 5]), new Uint8Array(0), Uint8Array.from([9, 8, 7, 6])];
  const decoded = decodeStreamInput(encodeStreamInput({ config: 2, misalign: 3, streams }));
  expect(decoded).toMatchObject({ config: 2, misalign: 3 });
  expect(decoded.streams.map((s) => [...s])).toEqual(streams.map((s) => [...s]));
  expect(decodeStreamInput(new Uint8Array(0)).streams.map((s) => s.length)).toEqual([0]);
});
