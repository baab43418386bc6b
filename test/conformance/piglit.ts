/**
 * piglit's shader_runner tests in the 3d guest (guest/build-image.mjs puts
 * Debian's runners and the GLSL tests on its disk): which tests make the
 * default set, and running a list of them on either driver, whatever runs
 * the guest (Node, a page), with one result per test.
 */
import { readFileSync } from 'node:fs';

/** Where the 3d image keeps piglit (Debian's own folder: its programs' RUNPATH names it). */
const PIGLIT_DIR = '/usr/lib/i386-linux-gnu/piglit';

/** virgl: the guest's Mesa draws through the device's 3D renderer; softpipe: Mesa draws in the guest's CPU. */
export type Driver = 'virgl' | 'softpipe';
export type Outcome = 'pass' | 'fail' | 'skip';

export interface PiglitResult {
  /** The test's path under piglit's folder. */
  test: string;
  result: Outcome;
  /** What the test printed (or why it has no result: a crash, the time limit). */
  output: string;
}

/** Types a command at the guest's shell; resolves with what it printed. */
export type GuestShell = (command: string, timeoutSeconds: number) => Promise<string>;

export interface RunOptions {
  driver: Driver;
  /** Seconds one test may take by itself; a batch gets a share of this per test. */
  testTimeout?: number;
  /** Called with each test's result as it is known. */
  onResult?: (result: PiglitResult) => void;
}

/** The folders of the default set: hand-written execution tests of GLSL 1.10 and 1.20 (desktop GL), all execution tests of GLSL ES 3.00. */
const DEFAULT_SET = [/^tests\/spec\/glsl-1\.[12]0\/execution\//, /^(generated_)?tests\/spec\/glsl-es-3\.00\/execution\//];

export function defaultTests(all: readonly string[]): string[] {
  return all.filter((test) => DEFAULT_SET.some((folder) => folder.test(test)));
}

/** The sample the test suite runs on both drivers: varied features, each passing on both. */
export const PIGLIT_SAMPLE = new URL('../fixtures/piglit-sample.txt', import.meta.url);

export function sampleTests(): string[] {
  return parseTestList(readFileSync(PIGLIT_SAMPLE, 'utf8'));
}

/** A list file's tests: one path a line; blank lines and lines starting with # are left out. */
export function parseTestList(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

/** The runner piglit's framework picks for a test of these folders: the GLES 3 one for GLSL ES 3.00, else desktop GL. */
function runnerFor(test: string): string {
  return test.includes('/glsl-es-3.00/') ? 'shader_runner_gles3' : 'shader_runner';
}

/**
 * Waffle's gbm platform opens the render node by default; Mesa's software
 * driver there can make no buffers (dumb buffers are the primary node's), so
 * both drivers get the primary node the project's own GL programs use.
 */
function environment(driver: Driver): string {
  return `PIGLIT_PLATFORM=gbm WAFFLE_GBM_DEVICE=/dev/dri/card0${driver === 'softpipe' ? ' GALLIUM_DRIVER=softpipe' : ''}`;
}

/** Tests per runner process: Mesa's start-up takes seconds in the emulated guest, a test a fraction of one. */
const BATCH_TESTS = 30;
/** Characters of test names in one command: busybox's shell edits lines of at most 1024 characters and cuts longer ones. */
const BATCH_CHARS = 600;
const DEFAULT_TEST_TIMEOUT = 60;
const EXIT_MARKER = '__piglit_exit';

function folderOf(test: string): string {
  return test.slice(0, test.lastIndexOf('/'));
}

function fileOf(test: string): string {
  return test.slice(test.lastIndexOf('/') + 1);
}

/** Consecutive tests of one folder (the command names them from there), as many as a command line holds. */
function batches(tests: readonly string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const test of tests) {
    const full = current.length >= BATCH_TESTS || chars + fileOf(test).length + 1 > BATCH_CHARS || (current[0] !== undefined && folderOf(current[0]) !== folderOf(test));
    if (full) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(test);
    chars += fileOf(test).length + 1;
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * One runner process for `tests` (all in one folder), killed at `limit`
 * seconds. With several tests, shader_runner runs them one after another in
 * one GL context and reports each as a subtest (`-report-subtests`, as
 * piglit's own framework batches them). No `-fbo`: with it, Mesa's software
 * driver on the gbm platform reads back black from piglit's framebuffer
 * object, and the window's back buffer is what the tests draw to and read
 * elsewhere.
 */
function command(driver: Driver, tests: readonly string[], limit: number): string {
  const first = tests[0] as string;
  const flags = tests.length > 1 ? '-auto -report-subtests' : '-auto';
  return `cd ${PIGLIT_DIR}/${folderOf(first)} && ${environment(driver)} timeout -s KILL ${limit} ${PIGLIT_DIR}/bin/${runnerFor(first)} ${tests.map(fileOf).join(' ')} ${flags} 2>&1; echo "${EXIT_MARKER} $?"`;
}

const RESULT = /^PIGLIT: \{"result": "(\w+)"/;
const SUBTEST = /^PIGLIT: \{"subtest": \{"([^"]*)" : "(\w+)"\}\}/;
const TEST_START = /^PIGLIT TEST: \d+ - (.*)$/;

/** The name shader_runner gives a test in its subtest lines: the file's name without .shader_test. */
function subtestName(test: string): string {
  return fileOf(test).replace(/\.shader_test$/, '');
}

/** piglit's statuses as this runner counts them: warn passes, a crash fails. */
function outcome(status: string): Outcome {
  if (status === 'pass' || status === 'warn') return 'pass';
  if (status === 'skip') return 'skip';
  return 'fail';
}

interface BatchRun {
  /** Results by subtest name, for the tests the process reported. */
  reported: Map<string, Outcome>;
  /** What the process printed, by subtest name ('' before its first test started). */
  printed: Map<string, string[]>;
  /** The process's own result line (one test, or the process gave up), and how it ended. */
  processResult: string | null;
  exit: string;
}

function parseBatch(text: string, limit: number): BatchRun {
  const reported = new Map<string, Outcome>();
  const printed = new Map<string, string[]>([['', []]]);
  let current = '';
  let processResult: string | null = null;
  let status: number | null = null;
  const exitLine = new RegExp(`^${EXIT_MARKER} (\\d+)$`);
  // A shell that echoes (the page's) shows the command first, wrapped over lines.
  const echoed = text.indexOf(`${EXIT_MARKER} $?"`);
  const body = echoed < 0 ? text : text.slice(text.indexOf('\n', echoed) + 1);
  for (const line of body.replace(/\r/g, '').split('\n')) {
    const start = TEST_START.exec(line);
    const subtest = SUBTEST.exec(line);
    const result = RESULT.exec(line);
    const exit = exitLine.exec(line);
    if (start) {
      current = (start[1] as string).trim();
      if (!printed.has(current)) printed.set(current, []);
    } else if (subtest) {
      reported.set(subtest[1] as string, outcome(subtest[2] as string));
    } else if (exit) {
      status = Number(exit[1]);
    } else if (line.trim() !== '') {
      if (result) processResult = result[1] as string;
      printed.get(current)?.push(line);
    }
  }
  return { reported, printed, processResult, exit: describeExit(status, limit) };
}

function describeExit(status: number | null, limit: number): string {
  if (status === null) return 'the shell printed no exit status';
  if (status === 137) return `killed: over its ${limit} s limit`;
  if (status > 128) return `killed by signal ${status - 128}`;
  return `exit status ${status}`;
}

/** The first lines of a test's output, for a report. */
export function firstLines(output: string, count = 4): string {
  return output.split('\n').filter((l) => l.trim() !== '').slice(0, count).join('\n');
}

/**
 * Runs `all` in the guest in batches. A test that fails in a batch runs
 * again by itself for its own result. A batch's process that ends early
 * leaves its current test: a skip that piglit's utilities report by exiting
 * counts for the batch's first test; otherwise (a later test's skip, a
 * crash, a failure reported by exiting, the time limit) the test runs by
 * itself. The batch then goes on from the next test.
 */
export async function runPiglit(shell: GuestShell, all: readonly string[], options: RunOptions): Promise<PiglitResult[]> {
  const testTimeout = options.testTimeout ?? DEFAULT_TEST_TIMEOUT;
  const results: PiglitResult[] = [];
  const report = (result: PiglitResult): void => {
    results.push(result);
    options.onResult?.(result);
  };
  const run = async (batch: readonly string[], limit: number): Promise<BatchRun> => parseBatch(await shell(command(options.driver, batch, limit), limit + 60), limit);
  const outputOf = (batch: BatchRun, test: string): string => (batch.printed.get(subtestName(test)) ?? batch.printed.get('') ?? []).join('\n');
  const alone = async (test: string): Promise<PiglitResult> => {
    const batch = await run([test], testTimeout);
    const output = outputOf(batch, test);
    if (batch.processResult) return { test, result: outcome(batch.processResult), output };
    return { test, result: 'fail', output: `no result (${batch.exit})${output ? `\n${output}` : ''}` };
  };
  for (const tests of batches(all)) {
    let rest = tests;
    while (rest.length > 1) {
      const batch = await run(rest, Math.ceil(testTimeout / 2) * rest.length);
      const stopped = rest.findIndex((test) => !batch.reported.has(subtestName(test)));
      for (const test of stopped < 0 ? rest : rest.slice(0, stopped)) {
        const result = batch.reported.get(subtestName(test)) as Outcome;
        // What an earlier test of the batch left behind can fail a test: a failure counts once the test fails by itself too, as piglit runs it by default.
        report(result === 'fail' ? await alone(test) : { test, result, output: outputOf(batch, test) });
      }
      if (stopped < 0) break;
      const test = rest[stopped] as string;
      // The first test's requirements made the context and window: its skip is its own; a later test's may be the batch's (a window size of its own).
      report(batch.processResult === 'skip' && stopped === 0 ? { test, result: 'skip', output: outputOf(batch, test) } : await alone(test));
      rest = rest.slice(stopped + 1);
    }
    if (rest.length === 1) report(await alone(rest[0] as string));
  }
  return results;
}

/** The tests that did not pass, each with its result and the first lines of its output: what a test suite's assertion shows. */
export function notPassing(results: readonly PiglitResult[]): string[] {
  return results.filter((r) => r.result !== 'pass').map((r) => `${r.result} ${r.test}\n${firstLines(r.output)}`);
}

export interface Summary {
  pass: number;
  fail: number;
  skip: number;
  total: number;
}

export function summarize(results: readonly PiglitResult[]): Summary {
  const count = (o: Outcome) => results.filter((r) => r.result === o).length;
  return { pass: count('pass'), fail: count('fail'), skip: count('skip'), total: results.length };
}
