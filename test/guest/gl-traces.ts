/**
 * Traces of the 3D test programs (guest/gl-test-checks.ts), one per program,
 * and of real applications (kmscube, glmark2 scenes), recorded in the 3d
 * guest with virgl on and kept in .cache/traces/<hash>/ with each run's
 * output. The hash covers what shapes a trace: the guest image's recipe, v86,
 * this file, and the sources the guest session runs on (the device, the
 * recorder, the recording renderer), so that an unrelated change (a renderer
 * for the page, say) keeps the traces.
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

/**
 * glmark2's DRM flavour takes the connector's largest mode (1920x1200 from the device's EDID), whatever -s says; a=0 asks for
 * the XRGB surface the guest's KMS plane takes. Its scenes animate by the clock: the steady clock (guest/preload-3d) makes each
 * frame the same in every recording, however fast the emulated machine ran (a frame caught edge-on draws differently on two
 * conforming rasterizers).
 */
const GLMARK2 = 'LD_PRELOAD=/usr/local/lib/vgw-steady-clock.so glmark2-es2-drm --visual-config a=0';
/** One glmark2 run of the given benchmarks, each a few frames: traces of a few MB at most, recorded in seconds. */
const glmark2 = (...benchmarks: string[]): string => `${GLMARK2} ${benchmarks.map((b) => `-b '${b}'`).join(' ')}`;

/**
 * Real applications, by trace name: the command each runs in the guest. kmscube's two
 * cubes (shaded, textured) and glmark2's scenes of its default list that draw in ways
 * the test programs do not (models, mipmaps, lighting, bump maps, convolution, blending,
 * render to texture, depth textures, shader loops). Left out: bump's high-poly and
 * normals variants (their model and maps add 8 MB to a trace), and scenes whose
 * pictures the reference and SwiftShader cannot share (see e2e/virgl-replay.spec.ts).
 */
export const GL_APPLICATIONS: Readonly<Record<string, string>> = {
  kmscube: 'kmscube -c 30',
  'kmscube-rgba': 'kmscube -M rgba -c 20',
  'glmark2-build': glmark2('build:use-vbo=false:nframes=4', 'build:use-vbo=true:nframes=4'),
  'glmark2-texture': glmark2('texture:texture-filter=nearest:nframes=3', 'texture:texture-filter=linear:nframes=3', 'texture:texture-filter=mipmap:nframes=3'),
  'glmark2-shading': glmark2(...['gouraud', 'blinn-phong-inf', 'phong', 'cel'].map((s) => `shading:shading=${s}:nframes=3`)),
  'glmark2-bump': glmark2('bump:bump-render=height:nframes=4'),
  'glmark2-effect2d': glmark2('effect2d:kernel=0,1,0;1,-4,1;0,1,0;:nframes=3', 'effect2d:kernel=1,1,1,1,1;1,1,1,1,1;1,1,1,1,1;:nframes=3'),
  'glmark2-pulsar': glmark2('pulsar:light=false:quads=5:texture=false:nframes=6'),
  'glmark2-desktop': glmark2('desktop:blur-radius=5:effect=blur:passes=1:separable=true:windows=4:nframes=3', 'desktop:effect=shadow:windows=4:nframes=3'),
  'glmark2-ideas': glmark2('ideas:speed=duration:nframes=3'),
  'glmark2-shadow': glmark2('shadow:nframes=3'),
  'glmark2-loop': glmark2('loop:fragment-loop=false:fragment-steps=5:vertex-steps=5:nframes=2', 'loop:fragment-steps=5:fragment-uniform=false:vertex-steps=5:nframes=2', 'loop:fragment-steps=5:fragment-uniform=true:vertex-steps=5:nframes=2'),
};

/** Every trace recorded: the test programs, then the applications. */
export const GL_TRACES: readonly string[] = [...GL_PROGRAMS, ...Object.keys(GL_APPLICATIONS)];

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(import.meta.url);
const PROGRAM_SECONDS = 120;
/** glmark2 loads models and builds mipmaps in the emulated CPU: a scene's setup takes tens of seconds on a busy machine. */
const APPLICATION_SECONDS = 300;
/** How long another process may take to record the same traces before this one gives up waiting. */
const LOCK_WAIT_MS = 20 * 60_000;

function say(message: string): void {
  console.log(`[gl-traces] ${message}`);
}

/** The 3d guest with virgl on (the recording renderer behind it), as the traces are recorded. */
export function bootGlGuest(): Promise<GuestSession> {
  return GuestSession.boot({ image: ensureGuestImage('3d'), scanouts: [{ ...GL_SCANOUT }], features: { virgl: true, contextInit: true }, bootTimeout: 150 });
}

/** Runs `command` in the guest with the device recording; the trace, what the command printed and its exit status. */
export async function recordRun(guest: GuestSession, command: string, seconds = PROGRAM_SECONDS): Promise<{ trace: Uint8Array; output: string; status: number }> {
  const chunks: Uint8Array[] = [];
  const stop = guest.device.startRecording({ write: (bytes) => chunks.push(bytes) });
  try {
    const { output, status } = await guest.run(command, seconds);
    return { trace: Buffer.concat(chunks), output, status };
  } finally {
    stop();
  }
}

/** Each trace's path, by program or application name. */
export async function ensureGlTraces(): Promise<Map<string, string>> {
  const recordings = await ensureGlRecordings();
  return new Map([...recordings].map(([program, r]) => [program, r.trace]));
}

/**
 * Each trace and output (GL_TRACES), from the cache or recorded now in one
 * guest: `guest` when given (left running), else one booted for the purpose.
 */
export async function ensureGlRecordings(guest?: GuestSession): Promise<Map<string, GlRecording>> {
  const dir = join(root, '.cache', 'traces', traceHash());
  const missing = () => GL_TRACES.filter((p) => !existsSync(tracePath(dir, p)));
  if (missing().length > 0) {
    mkdirSync(dirname(dir), { recursive: true });
    await withLock(`${dir}.lock`, async () => {
      const todo = missing();
      if (todo.length > 0) await record(dir, todo, guest);
    });
  }
  return new Map(GL_TRACES.map((p) => [p, { trace: tracePath(dir, p), output: readFileSync(outputPath(dir, p), 'utf8') }]));
}

const tracePath = (dir: string, program: string) => join(dir, `${program}.trace`);
const outputPath = (dir: string, program: string) => join(dir, `${program}.out`);

async function record(dir: string, names: string[], given: GuestSession | undefined): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  say(`recording ${names.length} trace(s) into ${relative(root, dir)}`);
  if (!given) say('booting the 3d guest with virgl on');
  const guest = given ?? (await bootGlGuest());
  try {
    for (const name of names) {
      const begun = Date.now();
      const application = GL_APPLICATIONS[name];
      const { trace, output, status } = application ? await recordRun(guest, application, APPLICATION_SECONDS) : await recordRun(guest, name);
      // A test program's failure is its test's to report; an application that failed left a trace of nothing worth keeping.
      if (application && status !== 0) throw new Error(`${name} (${application}) exited with ${status}:\n${output.slice(-2000)}`);
      // The output first: a trace is the mark of a complete recording.
      writeAtomically(outputPath(dir, name), output);
      writeAtomically(tracePath(dir, name), trace);
      say(`${name}: ${(trace.length / 1024).toFixed(0)} KiB in ${((Date.now() - begun) / 1000).toFixed(1)} s`);
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
