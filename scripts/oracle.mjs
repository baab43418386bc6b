// The reference renderer for tests: test/oracle/virgl-replay.c replays a trace
// (src/trace/FORMAT.md) on Debian's libvirglrenderer (EGL surfaceless,
// Mesa llvmpipe) and writes every flushed scanout and readback as PNG.
//
//   npm run oracle -- TRACE --out DIR [--stats] [--verbose] [--frames-of N,N...]
//
// The program is built with gcc into .cache/oracle/<source hash>/ when
// missing. Plain Node: no npm packages needed.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureDebianPackages, fail, root, step } from './setup.mjs';

const SOURCE = join(root, 'test', 'oracle', 'virgl-replay.c');
const CFLAGS = ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror'];
const LIBRARIES = ['virglrenderer', 'libpng'];

/** Build tools, the renderer and its headers, and Mesa's EGL with the software rasterizer it renders on. */
export const ORACLE_PACKAGES = [
  { command: 'gcc', pkg: 'gcc' },
  { command: 'pkg-config', pkg: 'pkg-config' },
  { pkg: 'libvirglrenderer-dev' },
  { pkg: 'libpng-dev' },
  { pkg: 'libegl1' },
  { pkg: 'libegl-mesa0' },
  { pkg: 'libgl1-mesa-dri' },
];

function say(message) {
  console.log(`[oracle] ${message}`);
}

function sourceHash() {
  return createHash('sha256').update(readFileSync(SOURCE)).update(CFLAGS.join(' ')).digest('hex').slice(0, 16);
}

/** Path of the built replayer: installs its Debian packages and compiles it when missing. Throws when it cannot. */
export function ensureOracle() {
  const dir = join(root, '.cache', 'oracle', sourceHash());
  const binary = join(dir, 'virgl-replay');
  if (existsSync(binary)) return binary;
  ensureDebianPackages(ORACLE_PACKAGES, 'the reference renderer for tests (virglrenderer on llvmpipe)');
  say(`building ${binary}`);
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', ...LIBRARIES], { encoding: 'utf8' }).trim().split(/\s+/);
  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.partial-${process.pid}`;
  const gcc = spawnSync('gcc', [...CFLAGS, SOURCE, '-o', partial, ...flags], { encoding: 'utf8' });
  if (gcc.status !== 0) throw new Error(`gcc could not build ${SOURCE}:\n${gcc.stderr || gcc.error?.message}`);
  renameSync(partial, binary);
  return binary;
}

/**
 * Runs the replayer; the summary is parsed from its standard output when it
 * ran to the end. It runs beside the caller's event loop, never blocking it: a
 * guest emulated in the same process keeps running (a long pause shows in the
 * guest as time jumping ahead, which its kernel reports as a soft lockup).
 */
export function runOracle(trace, outDir, { stats = false, verbose = false, framesOf } = {}) {
  const binary = ensureOracle();
  mkdirSync(outDir, { recursive: true });
  const args = [trace, '--out', outDir, ...(stats ? ['--stats'] : []), ...(verbose ? ['--verbose'] : []), ...(framesOf ? ['--frames-of', framesOf.join(',')] : [])];
  return new Promise((resolvePromise) => {
    execFile(binary, args, { encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolvePromise({ status, stdout, stderr: stderr || (status === -1 ? String(error?.message) : ''), summary: parseOracleSummary(stdout) });
    });
  });
}

const int = (text) => Number.parseInt(text, 10);

function fields(words) {
  return Object.fromEntries(words.map((w) => w.split('=')).map(([k, v]) => [k, int(v)]));
}

/**
 * Reads the summary lines (`oracle-summary …` to `oracle-end`); undefined when
 * the run did not finish. With tool 'replay', those of `npm run replay`
 * (`replay-summary …` to `replay-end`), which add the renderer's name.
 */
export function parseOracleSummary(stdout, tool = 'oracle') {
  const lines = stdout.split('\n');
  const head = lines.find((l) => l.startsWith(`${tool}-summary `));
  if (!head || !lines.includes(`${tool}-end`)) return undefined;
  const summary = { totals: fields(head.split(' ').slice(1)), records: {}, commands: {}, notes: {}, virgl: [] };
  for (const line of lines) {
    const [kind, name, ...rest] = line.split(' ');
    if (kind === 'records') summary.records = fields([name, ...rest]);
    else if (kind === 'renderer' && tool === 'replay') summary.renderer = [name, ...rest].join(' ');
    else if (kind === 'command') summary.commands[name] = fields(rest);
    else if (kind === 'note') summary.notes[name] = fields(rest).count;
    else if (kind === 'virgl') summary.virgl.push({ name, ...fields(rest) });
  }
  return summary;
}

function main(argv) {
  const usage = 'usage: npm run oracle -- TRACE --out DIR [--stats] [--verbose] [--frames-of N,N...]';
  let trace;
  let out;
  const flags = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') out = argv[++i];
    else if (arg === '--stats' || arg === '--verbose') flags.push(arg);
    else if (arg === '--frames-of' && /^\d+(,\d+)*$/.test(argv[i + 1] ?? '')) flags.push(arg, argv[++i]);
    else if (!arg.startsWith('--') && trace === undefined) trace = arg;
    else fail(`unexpected argument ${arg}\n${usage}`);
  }
  if (!trace || !out) fail(usage);
  if (!existsSync(trace)) fail(`no trace at ${trace}`);
  step('Reference renderer (virglrenderer on llvmpipe, built into .cache/oracle)');
  let binary;
  try {
    binary = ensureOracle();
  } catch (error) {
    fail(error.message);
  }
  step(`Replaying ${trace} into ${out}`);
  mkdirSync(out, { recursive: true });
  const args = [resolve(trace), '--out', resolve(out), ...flags];
  const result = spawnSync(binary, args, { stdio: 'inherit' });
  if (result.status !== 0) fail(`the replay failed (exit status ${result.status ?? result.signal}): see the messages above`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
