/**
 * `npm run replay` as a user runs it, a child process, beside `npm run
 * oracle` on the same recorded trace: a test program's (test/guest/
 * gl-traces.ts), the smallest kind that has both a frame and readbacks. The
 * replay must write exactly the oracle's file names, each picture within the
 * tolerance e2e/virgl-replay.spec.ts holds that program to, and print the
 * oracle's summary figures; and end a failed run with one line and its exit
 * status.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { parseOracleSummary, runOracle } from '../scripts/oracle.mjs';
import { root } from '../scripts/setup.mjs';
import { decodePng } from '../src/node/png.ts';
import { ensureGlTraces } from '../test/guest/gl-traces.ts';
import { compare, figures, toleranceFor, within } from './picture-compare.ts';

const PROGRAM = 'vgw-gl-triangle';

let trace: string;
let scratch: string;

test.beforeAll(async () => {
  // A fresh cache records every trace in a booted guest first (gl-traces.ts), or waits for another process doing it.
  test.setTimeout(30 * 60_000);
  const path = (await ensureGlTraces()).get(PROGRAM);
  if (!path) throw new Error(`no recorded trace of ${PROGRAM}`);
  trace = path;
  scratch = mkdtempSync(join(tmpdir(), 'vgw-replay-cli-'));
});

test.afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run replay -- …args`; --silent keeps npm's own lines out of the summary. */
function replay(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'replay', '--', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test(`${PROGRAM}: npm run replay writes the oracle's pictures, within the replay spec's tolerance, and its summary`, async () => {
  test.setTimeout(180_000);
  const oracleDir = join(scratch, 'oracle');
  const oracle = await runOracle(trace, oracleDir, { stats: true });
  expect(oracle.status, oracle.stderr).toBe(0);
  const reference = oracle.summary!;

  const out = join(scratch, 'replay');
  const run = await replay([trace, '--out', out, '--stats']);
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr).toContain(`[replay] done: ${reference.totals.frames + reference.totals.readbacks} pictures`);

  const summary = parseOracleSummary(run.stdout, 'replay');
  expect(summary, run.stdout).toBeDefined();
  const { renderer_log: logged, ...totals } = summary!.totals;
  const { stream_errors: _, ...referenceTotals } = reference.totals;
  expect(totals).toEqual(referenceTotals);
  expect(summary!.records).toEqual(reference.records);
  expect(summary!.commands).toEqual(reference.commands);
  expect(summary!.notes).toEqual(reference.notes);
  expect(summary!.virgl).toEqual(reference.virgl);
  expect(summary!.renderer).toMatch(/\S/);
  expect(logged, 'renderer log lines, each on stderr').toBe(run.stderr.split('\n').filter((l) => l.startsWith('renderer: ')).length);

  const names = readdirSync(out).sort();
  expect(names.length).toBeGreaterThan(0);
  expect(names, 'the oracle\'s file names').toEqual(readdirSync(oracleDir).sort());
  const tolerance = toleranceFor(PROGRAM);
  for (const name of names) {
    const want = decodePng(readFileSync(join(oracleDir, name)));
    const got = decodePng(readFileSync(join(out, name)));
    expect([got.width, got.height], name).toEqual([want.width, want.height]);
    const result = compare(want.data, got.data);
    expect.soft(within(result, tolerance), `${name}: ${figures(result)}`).toBe(true);
  }
});

test('npm run replay fails in one line: 1 for a missing or foreign trace, 2 for a usage error', async () => {
  test.setTimeout(120_000);
  const out = join(scratch, 'failed');
  const missing = await replay([join(scratch, 'none.trace'), '--out', out]);
  expect([missing.status, missing.stderr.trim()]).toEqual([1, `replay: no trace at ${join(scratch, 'none.trace')}`]);

  const foreign = join(scratch, 'foreign.trace');
  writeFileSync(foreign, 'not a trace at all');
  const notTrace = await replay([foreign, '--out', out]);
  expect(notTrace.status).toBe(1);
  expect(notTrace.stderr.trim()).toMatch(/^replay: .*foreign\.trace: malformed trace: .*not a virtio-gpu-web trace$/);

  const usage = await replay([trace]);
  expect(usage.status).toBe(2);
  expect(usage.stderr).toContain('usage: npm run replay -- TRACE --out DIR [--stats]');
  expect(missing.stdout + notTrace.stdout + usage.stdout).toBe('');
});
