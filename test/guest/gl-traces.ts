/**
 * Traces of the 3D test programs (guest/gl-test-checks.ts), one per program,
 * recorded in the 3d guest with virgl on and kept in .cache/traces/<hash>/
 * with each program's output. The hash covers what shapes a trace: the guest
 * image's recipe, v86, this file, and the sources the guest session runs on
 * (the device, the recorder, the recording renderer), so that an unrelated
 * change (a renderer for the page, say) keeps the traces.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureGuestImage, recipeHash } from '../../guest/build-image.mjs';
import { GL_PROGRAMS } from '../../guest/gl-test-checks.ts';
import { GuestSession } from '../../src/node/guest-session.ts';

export interface GlRecording {
  trace: string;
  /** What the program printed on the guest's serial console. */
  output: string;
}

export const GL_SCANOUT = { width: 640, height: 480 } as const;

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(import.meta.url);
const PROGRAM_SECONDS = 120;
/** How long another process may take to record the same traces before this one gives up waiting. */
const LOCK_WAIT_MS = 20 * 60_000;

function say(message: string): void {
  console.log(`[gl-traces] ${message}`);
}

/** The 3d guest with virgl on (the recording renderer behind it), as the traces are recorded. */
export function bootGlGuest(): Promise<GuestSession> {
  return GuestSession.boot({ image: ensureGuestImage('3d'), scanouts: [{ ...GL_SCANOUT }], features: { virgl: true, contextInit: true }, bootTimeout: 150 });
}

/** Runs `command` in the guest with the device recording; the trace and what the command printed. */
export async function recordRun(guest: GuestSession, command: string, seconds = PROGRAM_SECONDS): Promise<{ trace: Uint8Array; output: string }> {
  const chunks: Uint8Array[] = [];
  const stop = guest.device.startRecording({ write: (bytes) => chunks.push(bytes) });
  try {
    const { output } = await guest.run(command, seconds);
    return { trace: Buffer.concat(chunks), output };
  } finally {
    stop();
  }
}

/** Each program's trace path. */
export async function ensureGlTraces(): Promise<Map<string, string>> {
  const recordings = await ensureGlRecordings();
  return new Map([...recordings].map(([program, r]) => [program, r.trace]));
}

/**
 * Each program's trace and output, from the cache or recorded now in one
 * guest: `guest` when given (left running), else one booted for the purpose.
 */
export async function ensureGlRecordings(guest?: GuestSession): Promise<Map<string, GlRecording>> {
  const dir = join(root, '.cache', 'traces', traceHash());
  const missing = () => GL_PROGRAMS.filter((p) => !existsSync(tracePath(dir, p)));
  if (missing().length > 0) {
    mkdirSync(dirname(dir), { recursive: true });
    await withLock(`${dir}.lock`, async () => {
      const todo = missing();
      if (todo.length > 0) await record(dir, todo, guest);
    });
  }
  return new Map(GL_PROGRAMS.map((p) => [p, { trace: tracePath(dir, p), output: readFileSync(outputPath(dir, p), 'utf8') }]));
}

const tracePath = (dir: string, program: string) => join(dir, `${program}.trace`);
const outputPath = (dir: string, program: string) => join(dir, `${program}.out`);

async function record(dir: string, programs: string[], given: GuestSession | undefined): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  say(`recording ${programs.length} trace(s) into ${relative(root, dir)}`);
  if (!given) say('booting the 3d guest with virgl on');
  const guest = given ?? (await bootGlGuest());
  try {
    for (const program of programs) {
      const begun = Date.now();
      const { trace, output } = await recordRun(guest, program);
      // The output first: a trace is the mark of a complete recording.
      writeAtomically(outputPath(dir, program), output);
      writeAtomically(tracePath(dir, program), trace);
      say(`${program}: ${(trace.length / 1024).toFixed(0)} KiB in ${((Date.now() - begun) / 1000).toFixed(1)} s`);
    }
  } finally {
    if (!given) await guest.stop();
  }
  say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  const partial = `${path}.partial-${process.pid}`;
  writeFileSync(partial, data);
  renameSync(partial, path);
}

/** Runs `work` while holding `lock` (a folder): test files run in parallel, and one guest at a time records. */
async function withLock(lock: string, work: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let told = false; ; told = true) {
    try {
      mkdirSync(lock, { recursive: false });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!holderAlive(lock)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock} is still held after ${LOCK_WAIT_MS / 60_000} minutes`);
    if (!told) say('another process is recording these traces: waiting for it');
    await new Promise((r) => setTimeout(r, 2000));
  }
  try {
    writeFileSync(join(lock, 'pid'), String(process.pid));
    await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function holderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // No pid yet: alive while just made, else left by a process that died before writing it.
    const made = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
    return made !== undefined && Date.now() - made < 60_000;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What the traces depend on (see the opening comment). */
function traceHash(): string {
  const h = createHash('sha256').update(recipeHash('3d'));
  h.update(readFileSync(createRequire(import.meta.url).resolve('v86/package.json')));
  for (const file of [here, ...importClosure(join(root, 'src', 'node', 'guest-session.ts'))]) h.update(relative(root, file)).update(readFileSync(file));
  return h.digest('hex').slice(0, 16);
}

/** `entry` and every TypeScript module it imports, directly or not, by relative path. */
function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+\.ts)['"]/g)) visit(resolve(dirname(file), spec as string));
  };
  visit(entry);
  return [...seen].sort();
}
