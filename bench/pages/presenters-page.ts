/**
 * Presenter benchmark, in Chromium: each backend's GPU worker shows updates
 * of a 1920x1080 resource (whole frame, a 256x256 region, one 8x16 cell) as a
 * guest's fenced flush would ask, against a bare upload+draw per animation frame of the same
 * sizes in another worker of the same page.
 */
import { createWorkerPresenter, type BackendChoice } from '../../src/index.ts';
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
  const show = async () => {
    await presenter.flush(0, rect);
    await presenter.whenPresented(0);
  };
  for (let i = 0; i < 3; i++) await show();
  const latencies: number[] = [];
  const start = performance.now();
  let now = start;
  while (now - start < seconds * 1000) {
    const at = (rect.y * WIDTH + rect.x) * 4;
    pixels[at] = (pixels[at] ?? 0) ^ 0xff;
    await show();
    const t = performance.now();
    latencies.push(t - now);
    now = t;
  }
  presenter.terminate();
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


declare global {
  interface Window {
    benchPresenter: typeof benchPresenter;
  }
}
window.benchPresenter = benchPresenter;
