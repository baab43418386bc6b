/** Runs Jazzer.js' command line on a bundled target and reads what libFuzzer and istanbul report. */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface JazzerOptions {
  readonly root: string;
  /** The bundled target (bundle.ts). */
  readonly target: string;
  /** Corpus directories: the first receives the new inputs. */
  readonly corpus: readonly string[];
  /** Absolute path prefixes of the files to instrument, and inside them those not to. */
  readonly includes: readonly string[];
  readonly excludes: readonly string[];
  readonly libFuzzerArgs: readonly string[];
  /** Run each corpus input once (no fuzzing) and write istanbul's json-summary there. */
  readonly coverageDirectory?: string;
  /** The child's output goes there. */
  readonly log: string;
  /** Called with each line of libFuzzer's progress. */
  readonly onProgress?: (line: string) => void;
}

export interface JazzerResult {
  readonly exitCode: number;
  /** From libFuzzer's final stats (-print_final_stats=1). */
  readonly execs: number | null;
  readonly execsPerSecond: number | null;
  /** libFuzzer's count of covered edges after the seeds, and at the end. */
  readonly initialEdges: number | null;
  readonly finalEdges: number | null;
  /** Inputs libFuzzer kept for new coverage. */
  readonly newInputs: number;
  /** Where libFuzzer wrote the input of a crash, timeout or out-of-memory. */
  readonly artifact: string | null;
}

const PROGRESS = /^#\d+\s+(INITED|DONE|pulse|NEW|REDUCE)\s/;

function stat(output: string, name: string): number | null {
  const match = new RegExp(`^stat::${name}:\\s+(\\d+)`, 'm').exec(output);
  return match ? Number(match[1]) : null;
}

function edges(output: string, event: 'INITED' | 'DONE'): number | null {
  const lines = output.match(new RegExp(`^#\\d+\\s+${event}\\s+cov: (\\d+)`, 'gm')) ?? [];
  const last = lines.at(-1);
  return last === undefined ? null : Number(/cov: (\d+)/.exec(last)?.[1]);
}

export function runJazzer(o: JazzerOptions): Promise<JazzerResult> {
  const cli = createRequire(join(o.root, 'package.json')).resolve('@jazzer.js/core/dist/cli.js');
  const args = [
    cli,
    o.target,
    ...o.corpus,
    '--sync',
    // The bug detectors hook child_process, fs and prototypes: nothing these targets touch.
    '--disable_bug_detectors=.*',
    ...o.includes.map((i) => `--includes=${i}`),
    ...o.excludes.map((e) => `--excludes=${e}`),
    ...(o.coverageDirectory ? ['--mode=regression', '--coverage', `--coverage_directory=${o.coverageDirectory}`, '--coverage_reporters=json-summary'] : []),
    '--',
    '-print_final_stats=1',
    ...o.libFuzzerArgs,
  ];
  // The child writes straight into the log file: Node makes a pipe on the
  // child's stderr non-blocking, and libFuzzer's writes, which do not retry,
  // lose whatever finds the pipe full (the final statistics, at the end).
  const fd = openSync(o.log, 'w');
  writeSync(fd, `node ${args.join(' ')}\n`);
  const reader = openSync(o.log, 'r');
  let read = 0;
  let partial = '';
  /** Passes the lines written since the last look to onProgress. */
  const follow = () => {
    const chunk = Buffer.alloc(Math.max(0, fstatSync(reader).size - read));
    read += readSync(reader, chunk, 0, chunk.length, read);
    const lines = (partial + chunk.toString('latin1')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (PROGRESS.test(line) && !/\s(NEW|REDUCE)\s/.test(line)) o.onProgress?.(line);
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: o.root, stdio: ['ignore', fd, fd] });
    const timer = setInterval(follow, 1000);
    const done = () => {
      clearInterval(timer);
      follow();
      closeSync(fd);
      closeSync(reader);
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('close', (code, signal) => {
      done();
      const output = readFileSync(o.log, 'latin1');
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        execs: stat(output, 'number_of_executed_units'),
        execsPerSecond: stat(output, 'average_exec_per_sec'),
        initialEdges: edges(output, 'INITED'),
        finalEdges: edges(output, 'DONE'),
        newInputs: output.match(/^#\d+\s+NEW\s/gm)?.length ?? 0,
        artifact: /Test unit written to (\S+)/.exec(output)?.[1] ?? null,
      });
    });
  });
}

export interface BranchCount {
  readonly covered: number;
  readonly total: number;
}

/** Branches covered and in total over the files of istanbul's json-summary that `keep` picks. */
export function branchCoverage(summaryFile: string, keep: (file: string) => boolean): BranchCount {
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, { branches: BranchCount }>;
  let covered = 0;
  let total = 0;
  for (const [file, counts] of Object.entries(summary)) {
    if (file === 'total' || !keep(file)) continue;
    covered += counts.branches.covered;
    total += counts.branches.total;
  }
  return { covered, total };
}
