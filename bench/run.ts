/**
 * `npm run bench [-- --quick]`: every figure against a baseline measured in
 * the same run (these machines are shared and noisy). Prints one table and
 * writes bench/results.json (a run of some parts, `--only=…`, writes
 * bench/results-<parts>.json and leaves the full run's record alone).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { chromiumArgs, chromiumPath, chromiumPlainArgs } from '../e2e/chromium.ts';
import { startDevServer } from '../e2e/servers.ts';
import { root } from '../scripts/setup.mjs';
import { benchDeviceCore } from './device-core.ts';
import { percentiles, result, type BenchResult } from './results.ts';

/** `browser` has SwiftShader as its GPU (WebGL2 and WebGPU need it here); `plainBrowser` is Chromium as it runs on this machine by itself. */
type Part = (ctx: { quick: boolean; browser: Browser; plainBrowser: Browser; base: string; progress: (m: string) => void }) => Promise<BenchResult[]>;

/** Each backend and size on a fresh page: GPU contexts left behind would slow the next runs. */
const presenters: Part = async ({ quick, browser, base, progress }) => {
  const results: BenchResult[] = [];
  for (const backend of ['webgpu', 'webgl2', 'canvas2d'] as const) {
    for (const scenario of [0, 1, 2]) {
      progress(`presenter ${backend}, size ${scenario + 1} of 3, against a bare loop`);
      const page = await browser.newPage();
      await page.goto(`${base}/bench/pages/presenters.html`);
      await page.waitForFunction(() => 'benchPresenter' in window);
      results.push(...(await page.evaluate(([b, s, t]) => window.benchPresenter(b as 'webgpu', s as number, t as number), [backend, scenario, quick ? 0.5 : 2] as const)));
      await page.close();
    }
  }
  return results;
};

/** Frames the virgl renderer draws, shown on a WebGL2 scanout with no copy, against a readback and upload in the same page. */
const present3d: Part = async ({ quick, browser, base, progress }) => {
  progress('3D present on WebGL2: from the shared context, against a readback');
  const page = await browser.newPage();
  await page.goto(`${base}/bench/pages/presenters.html`);
  await page.waitForFunction(() => 'benchPresent3d' in window);
  const results = await page.evaluate((t) => window.benchPresent3d(t), quick ? 1 : 4);
  await page.close();
  return results;
};

/**
 * The same guest and workloads on v86's own VGA display and on virtio-gpu-web, one fresh page each.
 * The headline runs in Chromium as it is on this machine (no GPU: software compositing), where
 * 'auto' picks canvas 2D. WebGL2 and WebGPU need SwiftShader standing in for a GPU; there each
 * backend is compared with a VGA run in the same browser. Every configuration runs once per round,
 * in turn, and the medians over the rounds are compared, because the load of a shared machine
 * drifts over minutes and alternating spreads the drift over all of them.
 */
const guestSideBySide: Part = async ({ quick, browser, plainBrowser, base, progress }) => {
  const seconds = quick ? 2 : 10;
  const rounds = quick ? 1 : 3;
  const plain = { on: plainBrowser, where: ', plain Chromium', is: 'plain Chromium (no GPU: software compositing)' };
  const swiftShader = { on: browser, where: ', SwiftShader as the GPU', is: 'Chromium with SwiftShader as its GPU (it composites through it too)' };
  // Each virtio-gpu-web configuration is compared with VGA in the same browser; VGA ignores the backend.
  // With virgl offered too, Linux draws its console with transfers instead of blobs, and 'auto' picks WebGL2 (the 3D renderer shares its context).
  const configurations: { setup: typeof plain; display: 'vga' | 'virtio'; backend: 'auto' | 'webgpu' | 'webgl2' | 'canvas2d'; virgl?: boolean }[] = [
    { setup: plain, display: 'vga', backend: 'auto' },
    { setup: plain, display: 'virtio', backend: 'auto' },
    { setup: swiftShader, display: 'vga', backend: 'auto' },
    ...(['canvas2d', 'webgl2', 'webgpu'] as const).map((backend) => ({ setup: swiftShader, display: 'virtio' as const, backend })),
    { setup: swiftShader, display: 'virtio', backend: 'auto', virgl: true },
  ];
  const runs: GuestRun[][] = configurations.map(() => []);
  for (let round = 1; round <= rounds; round++) {
    for (const [i, { setup, display, backend, virgl = false }] of configurations.entries()) {
      progress(`real guest on ${display === 'vga' ? "v86's VGA / Bochs VBE display" : `virtio-gpu-web (${backend}${virgl ? ', virgl offered' : ''})`}${setup.where}${rounds > 1 ? `, round ${round} of ${rounds}` : ''}`);
      const page = await setup.on.newPage({ viewport: { width: 1100, height: 800 } });
      await page.goto(`${base}/bench/pages/guest.html`);
      await page.waitForFunction(() => 'benchGuest' in window);
      const r = await page.evaluate(([d, b, s, v]) => window.benchGuest(d as 'vga', s as number, b as 'auto', v as boolean), [display, backend, seconds, virgl] as const);
      await page.close();
      const compiled = r.fb.compiles ? `; v86 compiled ${r.fb.compiles.warmUp} modules in the warm-up, ${r.fb.compiles.measured} in the run` : '';
      progress(`  full-screen: ${r.fb.deliveredPerSecond.toFixed(2)} frames/s delivered, ${r.fb.stalls} stalls over 25 ms, ${r.fb.guestMsPerFrame} ms guest time per frame${compiled}`);
      progress(`  console: ${r.console.deliveredPerSecond.toFixed(2)} frames/s delivered, ${r.console.stalls} stalls over 25 ms, ${r.console.guestSeconds} s`);
      runs[i]?.push(r);
    }
  }
  const medians = runs.map(medianRun);
  const how = rounds > 1 ? `; medians of ${rounds} runs, each in turn with the others` : '';
  const results: BenchResult[] = [];
  for (const [i, { setup, display, backend: chosen, virgl }] of configurations.entries()) {
    if (display === 'vga') continue;
    const ours = medians[i] as GuestRun;
    const vga = medians[configurations.findIndex((c) => c.display === 'vga' && c.setup === setup)] as GuestRun;
    const backend = `${ours.backend}${chosen === 'auto' ? " (what 'auto' picks here)" : ''}${virgl ? ', virgl offered' : ''}${setup.where}`;
    const baseline = `v86's own VGA / Bochs VBE display, same guest and workload${how}; ${setup.is}`;
    results.push(
      result(`real guest, full-screen frames (vgw-fb-bench), virtio-gpu-web ${backend}: frames delivered to the canvas`, ours.fb.deliveredPerSecond, 'fps', baseline, vga.fb.deliveredPerSecond, 'higher'),
      result(`real guest, full-screen frames, virtio-gpu-web ${backend}: guest time per frame`, ours.fb.guestMsPerFrame, 'ms', baseline, vga.fb.guestMsPerFrame, 'lower'),
      result(`real guest, console scroll (seq 1 ${seconds >= 3 ? 3000 : 1000} on tty1), virtio-gpu-web ${backend}: guest time`, ours.console.guestSeconds, 's', baseline, vga.console.guestSeconds, 'lower'),
      result(`real guest, console scroll, virtio-gpu-web ${backend}: frames delivered to the canvas`, ours.console.deliveredPerSecond, 'fps', baseline, vga.console.deliveredPerSecond, 'higher'),
      result(`page load to first guest frame, cold boot, virtio-gpu-web ${backend}`, ours.firstFrameMs / 1000, 's', "cold boot to v86's first VGA frame", vga.firstFrameMs / 1000, 'lower'),
    );
  }
  return results;
};

type GuestRun = Awaited<ReturnType<Window['benchGuest']>>;

/** Each figure's median over the runs (what is not a number, such as the backend, as in the first run). */
function medianRun<T>(runs: T[]): T {
  const first = runs[0] as T;
  if (typeof first === 'number') return percentiles(runs as number[]).p50 as T;
  if (typeof first !== 'object' || first === null) return first;
  return Object.fromEntries(Object.keys(first).map((key) => [key, medianRun(runs.map((run) => (run as Record<string, unknown>)[key]))])) as T;
}

/** Time to the first frame from a snapshot, against a cold boot, on the demo page and in Node. */
const bootTimes: Part = async ({ browser, base, progress }) => {
  progress('demo page: first frame after a cold boot, then after a reload that resumes the snapshot');
  const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
  await page.goto(`${base}/?cold`);
  await page.waitForFunction(() => window.vgw?.snapshot === 'stored', null, { timeout: 180_000 });
  const cold = await page.evaluate(() => window.vgw!.firstFrameMs!);
  await page.goto(`${base}/`);
  await page.waitForFunction(() => window.vgw?.firstFrameMs != null, null, { timeout: 60_000 });
  const resumed = await page.evaluate(() => ({ ms: window.vgw!.firstFrameMs!, from: window.vgw!.startedFrom }));
  await page.close();
  if (resumed.from !== 'snapshot') throw new Error('the demo did not resume its snapshot');
  progress('Node: guest shell after a cold boot, then from a snapshot');
  const { GuestSession } = await import('../src/node/guest-session.ts');
  const { ensureGuestImage } = await import('../guest/build-image.mjs');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'vgw-bench-')), 'snapshot.bin');
  const image = ensureGuestImage();
  const timed = async () => {
    const t = performance.now();
    const session = await GuestSession.boot({ image, scanouts: [{ width: 1024, height: 768 }], snapshot: file });
    const ms = performance.now() - t;
    await session.stop();
    return ms;
  };
  const nodeCold = await timed();
  const nodeSnapshot = await timed();
  return [
    result('Chromium demo: page load to first guest frame, from a snapshot', resumed.ms / 1000, 's', 'the same page after a cold boot', cold / 1000, 'lower'),
    result('Node: guest shell reached, from a snapshot', nodeSnapshot / 1000, 's', 'the same guest after a cold boot', nodeCold / 1000, 'lower'),
  ];
};

/**
 * The 3d guest's desktop started cold in the demo, its disk read by RangeDisk and by v86's own buffer,
 * alternating: the time to weston's socket, and the range requests and bytes fetched by then.
 */
const diskReaders: Part = async ({ quick, browser, base, progress }) => {
  const rounds = quick ? 1 : 2;
  const runs: Record<'rangeDisk' | 'v86', { ms: number; requests: number; bytes: number }[]> = { rangeDisk: [], v86: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const reader of ['rangeDisk', 'v86'] as const) {
      progress(`3d desktop, cold, disk read by ${reader === 'v86' ? "v86's own buffer" : 'RangeDisk'} (round ${round} of ${rounds}, about a minute)`);
      const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
      await page.goto(`${base}/?image=3d&desktop&cold${reader === 'v86' ? '&disk=v86' : ''}`);
      await page.waitForFunction(() => window.vgw?.desktop.state === 'ready', null, { timeout: 300_000, polling: 250 });
      runs[reader].push(await page.evaluate(() => ({ ms: window.vgw!.desktop.readyMs!, requests: window.vgw!.disk.requests, bytes: window.vgw!.disk.read })));
      await page.close();
    }
  }
  const ours = medianRun(runs.rangeDisk);
  const theirs = medianRun(runs.v86);
  const baseline = "the same desktop with v86's own disk reader";
  return [
    result('Chromium demo, 3d desktop cold: page load to weston up (RangeDisk)', ours.ms / 1000, 's', baseline, theirs.ms / 1000, 'lower'),
    result('  range requests of the disk by then', ours.requests, 'requests', baseline, theirs.requests, 'lower'),
    result('  bytes of the disk they fetched', ours.bytes / 1048576, 'MiB', baseline, theirs.bytes / 1048576, 'lower'),
  ];
};

const PARTS = { presenters, present3d, guest: guestSideBySide, boot: bootTimes, disk: diskReaders } as const;

/** `--quick` for a short smoke run; `--only=device,presenters,present3d,guest,boot,disk` for some parts. */
export async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const chosen = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  const only = chosen ?? ['device', ...Object.keys(PARTS)];
  const progress = (m: string) => console.error(`[bench] ${m}`);
  const results: BenchResult[] = [];
  if (only.includes('device')) {
    progress('device core in Node');
    results.push(...benchDeviceCore(quick ? 0.3 : 2));
  }
  const server = await startDevServer();
  const { base } = server;
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
  const plainBrowser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumPlainArgs });
  try {
    for (const [name, part] of Object.entries(PARTS)) if (only.includes(name)) results.push(...(await part({ quick, browser, plainBrowser, base, progress })));
  } finally {
    await plainBrowser.close();
    await browser.close();
    await server.close();
  }
  report(results, quick, chosen ? `bench/results-${chosen.join('-')}.json` : 'bench/results.json');
  return 0;
}

function report(results: BenchResult[], quick: boolean, file: string): void {
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
  const rows = results.map((r) => [r.name, `${fmt(r.value)} ${r.unit}`, `${fmt(r.baselineValue)} ${r.unit}`, `${r.ratio.toFixed(2)}x (${r.better} is better)`, r.baseline]);
  const head = ['measure', 'value', 'baseline', 'ratio', 'baseline is'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, chromium: chromiumPath(), v86: JSON.parse(readFileSync(join(root, 'node_modules/v86/package.json'), 'utf8')).version };
  mkdirSync(join(root, 'bench'), { recursive: true });
  writeFileSync(join(root, file), JSON.stringify({ version: pkg.version, quick, date: new Date().toISOString(), machine, results }, null, 2) + '\n');
  console.error(`[bench] written to ${file}`);
}
