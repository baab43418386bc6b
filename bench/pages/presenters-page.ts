/**
 * Presenter benchmark, in Chromium: each backend's GPU worker shows updates
 * of a 1920x1080 resource (whole frame, a 256x256 region, one 8x16 cell) as a
 * guest's fenced flush would ask, against a bare upload+draw per animation frame of the same
 * sizes in another worker of the same page.
 */
import { createWorkerPresenter, type BackendChoice } from '../../src/index.ts';
import { Command, Header, ObjectType } from '../../src/virgl/protocol.ts';
import { percentiles, result, type BenchResult } from '../results.ts';

const WIDTH = 1920, HEIGHT = 1080;
const SCENARIOS = [
  { name: 'full frame 1920x1080', rect: { x: 0, y: 0, width: WIDTH, height: HEIGHT } },
  { name: '256x256 region', rect: { x: 640, y: 320, width: 256, height: 256 } },
  { name: 'one 8x16 cell', rect: { x: 800, y: 400, width: 8, height: 16 } },
];

function canvas(): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.style.width = '480px';
  document.getElementById('canvases')?.append(c);
  return c;
}

function pattern(): Uint8Array {
  const pixels = new Uint8Array(new SharedArrayBuffer(WIDTH * HEIGHT * 4));
  for (let i = 0; i < pixels.length; i += 4) pixels.set([i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, 0], i);
  return pixels;
}

async function ours(backend: BackendChoice, rect: typeof SCENARIOS[number]['rect'], seconds: number) {
  const presenter = await createWorkerPresenter({ canvases: [canvas()], backend });
  const pixels = pattern();
  await presenter.createResource(1, { format: 2, width: WIDTH, height: HEIGHT, stride: WIDTH * 4, pixels });
  await presenter.setScanout(0, { resourceId: 1, rect: { x: 0, y: 0, width: WIDTH, height: HEIGHT } });
  const at = (rect.y * WIDTH + rect.x) * 4;
  const timed = await timeFrames(async () => {
    pixels[at] = (pixels[at] ?? 0) ^ 0xff;
    await presenter.flush(0, rect);
    await presenter.whenPresented(0);
  }, seconds);
  presenter.terminate();
  return timed;
}

/** `show` run for `seconds` after three runs to warm up: how many times, over how long, and each run's time from the end of the one before. */
async function timeFrames(show: () => Promise<void>, seconds: number): Promise<{ frames: number; seconds: number; latencies: number[] }> {
  for (let i = 0; i < 3; i++) await show();
  const latencies: number[] = [];
  const start = performance.now();
  let now = start;
  while (now - start < seconds * 1000) {
    await show();
    const t = performance.now();
    latencies.push(t - now);
    now = t;
  }
  return { frames: latencies.length, seconds: (now - start) / 1000, latencies };
}

function bare(backend: 'webgpu' | 'webgl2' | 'canvas2d', rect: typeof SCENARIOS[number]['rect'], seconds: number): Promise<{ frames: number; seconds: number; latencies: number[] }> {
  const worker = new Worker(new URL('../bare-worker.ts', import.meta.url), { type: 'module' });
  const offscreen = canvas().transferControlToOffscreen();
  // The bare loop gets pixels already in RGBA: it skips the format conversion the presenter does.
  return new Promise((resolve) => {
    worker.onmessage = (e) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.postMessage({ canvas: offscreen, backend, pixels: pattern(), width: WIDTH, height: HEIGHT, rect, seconds }, [offscreen]);
  });
}

/** One backend at one size: the presenter, then the bare loop; three figures. */
async function benchPresenter(backend: 'webgpu' | 'webgl2' | 'canvas2d', scenario: number, seconds: number): Promise<BenchResult[]> {
  const { name, rect } = SCENARIOS[scenario] as typeof SCENARIOS[number];
  const a = await ours(backend, rect, seconds);
  const b = await bare(backend, rect, seconds);
  const pa = percentiles(a.latencies), pb = percentiles(b.latencies);
  const label = `presenter ${backend}, ${name}`;
  const base = `bare ${backend} upload+draw per animation frame, same size`;
  return [
    result(`${label}: frames per second`, a.frames / a.seconds, 'fps', base, b.frames / b.seconds, 'higher'),
    result(`${label}: flush-to-present p50`, pa.p50, 'ms', base, pb.p50, 'lower'),
    result(`${label}: flush-to-present p95`, pa.p95, 'ms', base, pb.p95, 'lower'),
  ];
}

/** PIPE_TEXTURE_2D; B8G8R8X8_UNORM (the same number in virgl and virtio-gpu); PIPE_BIND_RENDER_TARGET | SAMPLER_VIEW | SCANOUT. */
const TEXTURE_2D = 2, XRGB = 2, SCANOUT_BINDS = (1 << 1) | (1 << 3) | (1 << 14);

/** A virgl stream: a surface of resource 1 made the framebuffer. */
const framebufferStream = () =>
  new Uint32Array([Header.encode(Command.CREATE_OBJECT, ObjectType.SURFACE, 5), 1, 1, XRGB, 0, 0, Header.encode(Command.SET_FRAMEBUFFER_STATE, 0, 3), 1, 0, 1]);

/** A virgl stream clearing the framebuffer's colour to a grey of `level`. */
function clearStream(level: number): Uint32Array {
  const grey = new Float32Array([level / 255, level / 255, level / 255, 1]);
  return new Uint32Array([Header.encode(Command.CLEAR, 0, 8), 4, ...new Uint32Array(grey.buffer), 0, 0, 0]);
}

/**
 * Presents of a frame the virgl renderer draws (a 1920x1080 clear) as a
 * guest's page flip asks them: the submit's fence, the present, the flush,
 * the frame on the WebGL2 canvas: drawn from the renderer's texture on the
 * context it shares with the scanout, or (not `shareScanout`) read back from
 * a context of its own into memory and uploaded from there.
 */
async function ours3d(shareScanout: boolean, seconds: number) {
  const presenter = await createWorkerPresenter({ canvases: [canvas()], backend: 'webgl2' });
  const gpu = presenter.gpuWorker;
  const init = await gpu.virglInit(undefined, shareScanout);
  if (!init.ok) throw new Error(`no virgl renderer: ${init.reason}`);
  await gpu.virglCreateResource(1, { target: TEXTURE_2D, format: XRGB, bind: SCANOUT_BINDS, width: WIDTH, height: HEIGHT, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: 0 });
  await presenter.createResource(1, { format: XRGB, width: WIDTH, height: HEIGHT, stride: WIDTH * 4, pixels: new Uint8Array(new SharedArrayBuffer(WIDTH * HEIGHT * 4)) });
  await gpu.virglCreateContext(1, 2, 'bench');
  await gpu.virglSubmit(1, new Uint8Array(framebufferStream().buffer));
  const whole = { x: 0, y: 0, width: WIDTH, height: HEIGHT };
  await presenter.setScanout(0, { resourceId: 1, rect: whole });
  let level = 0;
  const show = async () => {
    level = (level + 1) & 0xff;
    await gpu.virglSubmit(1, new Uint8Array(clearStream(level).buffer));
    await gpu.virglPresent(1, whole);
    await presenter.flush(0, whole);
    await presenter.whenPresented(0);
  };
  const timed = await timeFrames(show, seconds);
  const shown = (await presenter.capture(0)).data;
  presenter.terminate();
  if (shown[0] !== level) throw new Error(`the canvas shows grey ${shown[0]}, not the last frame's ${level}`);
  return timed;
}

/** Full-frame presents of the virgl renderer's frames on WebGL2, from the shared context's texture against read back and uploaded. */
async function benchPresent3d(seconds: number): Promise<BenchResult[]> {
  const a = await ours3d(true, seconds);
  const b = await ours3d(false, seconds);
  const pa = percentiles(a.latencies), pb = percentiles(b.latencies);
  const label = '3D present webgl2, full frame 1920x1080 drawn by virgl on the scanout\'s context (no copy)';
  const base = 'the same frames drawn on a context of its own, read back into memory and uploaded';
  return [
    result(`${label}: frames per second`, a.frames / a.seconds, 'fps', base, b.frames / b.seconds, 'higher'),
    result(`${label}: submit-to-present p50`, pa.p50, 'ms', base, pb.p50, 'lower'),
  ];
}

declare global {
  interface Window {
    benchPresenter: typeof benchPresenter;
    benchPresent3d: typeof benchPresent3d;
  }
}
window.benchPresenter = benchPresenter;
window.benchPresent3d = benchPresent3d;
