/**
 * `npm run fuzz -- --guided SECONDS`: coverage-guided fuzzing with Jazzer.js,
 * one target after the other (one fuzzing process at a time), each for
 * SECONDS. Per target, under .cache/jazzer/<id>/: the seeds written out, the
 * corpus libFuzzer grows from them (started afresh each run), any crashing
 * input in artifacts/, the logs, and istanbul's coverage of the seeds alone
 * and of the final corpus, both measured by running each input once.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureJazzerAddon } from '../../../scripts/jazzer-addon.mjs';
import { root } from '../../../scripts/setup.mjs';
import { bundleTarget } from './bundle.ts';
import { branchCoverage, runJazzer, type BranchCount, type JazzerResult } from './jazzer.ts';
import { GUIDED_TARGETS, type CoverageGroup, type GuidedTarget } from './targets.ts';

const percent = ({ covered, total }: BranchCount) => (total === 0 ? 'n/a' : `${((100 * covered) / total).toFixed(1)} %`);
const fraction = (c: BranchCount | null) => (c === null ? 'not measured' : `${c.covered}/${c.total} (${percent(c)})`);

/** Writes `inputs` as the files of `dir` (emptied first); returns how many. */
function writeInputs(dir: string, inputs: readonly Uint8Array[]): number {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  inputs.forEach((input, i) => writeFileSync(join(dir, `seed-${String(i).padStart(4, '0')}`), input));
  return inputs.length;
}

/** Whether a file of the coverage report (a TypeScript source, or its bundled copy) belongs to `group`. */
function inGroup(group: CoverageGroup, bundleDir: string, file: string): boolean {
  const path = relative(file.startsWith(bundleDir) ? bundleDir : root, file);
  return path.startsWith(group.under) && !(group.except && path.startsWith(group.except));
}

interface TargetReport {
  readonly target: GuidedTarget;
  readonly fuzzing: JazzerResult;
  readonly seconds: number;
  /** Per reported group: after the seeds alone, and after fuzzing. */
  readonly coverage: readonly { group: CoverageGroup; seeds: BranchCount | null; final: BranchCount | null }[];
}

async function fuzzTarget(target: GuidedTarget, seconds: number, say: (line: string) => void): Promise<TargetReport> {
  const dir = join(root, '.cache', 'jazzer', target.id);
  const bundleDir = join(dir, 'bundle');
  const seeds = join(dir, 'seeds');
  const corpus = join(dir, 'corpus');
  const artifacts = join(dir, 'artifacts');
  const seedCount = writeInputs(seeds, target.seeds());
  rmSync(corpus, { recursive: true, force: true });
  mkdirSync(corpus, { recursive: true });
  mkdirSync(artifacts, { recursive: true });
  const dictionary = join(dir, 'dictionary.txt');
  if (target.dictionary) writeFileSync(dictionary, target.dictionary().map((word) => `"${word}"\n`).join(''));

  const bundled = await bundleTarget(root, target.entry, bundleDir);
  const common = {
    root,
    target: bundled,
    includes: target.instrument.map((g) => join(bundleDir, g.under)),
    excludes: target.instrument.flatMap((g) => (g.except ? [join(bundleDir, g.except)] : [])),
  };
  const coverageOf = async (dirs: string[], name: string) => {
    const directory = join(dir, name);
    rmSync(directory, { recursive: true, force: true });
    const run = await runJazzer({ ...common, corpus: dirs, coverageDirectory: directory, log: join(dir, `${name}.log`), libFuzzerArgs: [`-max_len=${target.maxLen}`] });
    // An input that crashes when run again would stop the measurement: said, not thrown, so the fuzzing run is still reported.
    if (run.exitCode !== 0) say(`  measuring the coverage of ${dirs.map((d) => relative(root, d)).join(' and ')} failed (exit ${run.exitCode}): see ${relative(root, join(dir, `${name}.log`))}`);
    return run.exitCode === 0 ? join(directory, 'coverage-summary.json') : null;
  };

  say(`${target.report[0]?.label}: ${seedCount} seeds in ${relative(root, seeds)}, fuzzing for ${seconds} s (log: ${relative(root, join(dir, 'fuzz.log'))})`);
  const seedSummary = await coverageOf([seeds], 'coverage-seeds');
  const started = Date.now();
  const fuzzing = await runJazzer({
    ...common,
    corpus: [corpus, seeds],
    log: join(dir, 'fuzz.log'),
    onProgress: (line) => say(`  ${line}`),
    libFuzzerArgs: [`-max_total_time=${seconds}`, `-max_len=${target.maxLen}`, `-artifact_prefix=${artifacts}/`, ...(target.dictionary ? [`-dict=${dictionary}`] : [])],
  });
  const elapsed = (Date.now() - started) / 1000;
  // libFuzzer keeps no crashing input in the corpus: after a crash, this is the coverage reached before it.
  const finalSummary = await coverageOf([corpus, seeds], 'coverage');
  const coverage = target.report.map((group) => {
    const keep = (file: string) => inGroup(group, bundleDir, file);
    return { group, seeds: seedSummary === null ? null : branchCoverage(seedSummary, keep), final: finalSummary === null ? null : branchCoverage(finalSummary, keep) };
  });
  return { target, fuzzing, seconds: elapsed, coverage };
}

/** Fuzzes every target for `seconds` each, prints the figures; 1 when a target crashed or could not run. */
export async function runGuided(seconds: number, say: (line: string) => void = console.log): Promise<number> {
  ensureJazzerAddon();
  const reports: TargetReport[] = [];
  for (const target of GUIDED_TARGETS) reports.push(await fuzzTarget(target, seconds, say));
  let failed = 0;
  say('');
  for (const { target, fuzzing, seconds: s, coverage } of reports) {
    for (const [i, { group, seeds, final }] of coverage.entries()) {
      say(`${i === 0 ? '' : '  '}${group.label}: branches ${fraction(final)}; the seeds alone ${fraction(seeds)}`);
      if (final === null || seeds === null) failed++;
    }
    const rate = fuzzing.execsPerSecond ?? (fuzzing.execs === null ? null : Math.round(fuzzing.execs / s));
    say(`  ${fuzzing.execs ?? '?'} executions in ${s.toFixed(0)} s (${rate ?? '?'} execs/s); libFuzzer's edges ${fuzzing.initialEdges ?? '?'} after the seeds, ${fuzzing.finalEdges ?? '?'} at the end; ${fuzzing.newInputs} inputs added for new coverage`);
    if (fuzzing.exitCode !== 0) {
      failed++;
      const where = fuzzing.artifact ?? `no input file named: see ${relative(root, join(root, '.cache', 'jazzer', target.id, 'fuzz.log'))}`;
      // 77: the target threw (a broken invariant); libFuzzer's own exits (a timeout, out of memory) have other codes.
      say(`  ${fuzzing.exitCode === 77 ? 'CRASH' : 'FUZZING STOPPED'} (exit ${fuzzing.exitCode}): ${where}`);
      if (fuzzing.artifact) say(`  reproduce: npx jazzer ${relative(root, join(root, '.cache', 'jazzer', target.id, 'bundle', 'target.cjs'))} ${relative(root, fuzzing.artifact)} --sync`);
    }
  }
  return failed ? 1 : 0;
}
