/**
 * The same guest and workloads on two displays in one browser: v86's own
 * VGA / Bochs VBE screen (canvas 2D in a rAF loop on the page's thread, the
 * display browser VMs offer today) and virtio-gpu-web (the GPU worker).
 * "Frames delivered" counts animation frames in which new guest content
 * reached the canvas (for v86, those with a putImageData; for the worker,
 * its presents: at most one per animation frame), per second in the
 * workload's steady state (see `measure`).
 */
import { V86 } from 'v86';
import { createWorkerPresenter, type BackendChoice } from '../../src/index.ts';
import { guestV86Options } from '../../src/demo/guest-image.ts';
import { SerialShell } from '../../src/vm/serial-shell.ts';
import { WorkerRenderer3d } from '../../src/renderers/worker-renderer-3d.ts';
import { attachVirtioGpu, type V86Like } from '../../src/vm/v86.ts';

export type Display = 'vga' | 'virtio';

/** Frames delivered per second in a workload's steady state, and its stalls: gaps between two delivered frames longer than 25 ms (a frame and a half at 60 Hz). */
export interface Delivery {
  deliveredPerSecond: number;
  stalls: number;
}

export interface GuestBench {
  display: Display;
  bootToShellMs: number;
  firstFrameMs: number;
  /** `compiles`: wasm modules v86 made for guest code during the warm-up and during the measured run (null if its internals changed). */
  fb: Delivery & { guestFrames: number; guestMsPerFrame: number; compiles: { warmUp: number; measured: number } | null };
  console: Delivery & { guestSeconds: number };
}

/**
 * Frames that reached the canvas, and when. v86's display: animation frames
 * in which it called putImageData (`mark()`; it may call it several times in
 * one frame). The GPU worker: its presents, which it makes at most once per
 * animation frame of its own (sampling its counter from this thread's frames
 * would merge two presents that straddle one of them).
 * `since(t)` covers the first frame after `t` to the last: while a workload
 * that started at `t` draws, without the shell's latency around it.
 */
function frameCounter(): { mark: () => void; presented: (frames: number) => void; since: (t: number) => Delivery } {
  let drawn = false;
  let frames = 0;
  const seen: { at: number; frames: number }[] = [];
  const presented = (total: number): void => void seen.push({ at: performance.now(), frames: total });
  const tick = () => {
    if (drawn) presented(++frames);
    drawn = false;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const since = (t: number): Delivery => {
    const counted = seen.filter((s) => s.at >= t);
    const first = counted[0];
    const last = counted[counted.length - 1];
    const deliveredPerSecond = first && last && last.at > first.at ? ((last.frames - first.frames) * 1000) / (last.at - first.at) : 0;
    let stalls = 0;
    for (let i = 1; i < counted.length; i++) if ((counted[i]?.at ?? 0) - (counted[i - 1]?.at ?? 0) > 25) stalls++;
    return { deliveredPerSecond, stalls };
  };
  return { mark: () => (drawn = true), presented, since };
}

/** The times at which v86 makes a wasm module for guest code (its `codegen_finalize`), or null if that internal is gone. */
function watchCompiles(emulator: V86): number[] | null {
  const cpu = (emulator as unknown as { v86?: { cpu?: { codegen_finalize?: (...args: unknown[]) => unknown } } }).v86?.cpu;
  const finalize = cpu?.codegen_finalize;
  if (!cpu || !finalize) return null;
  const times: number[] = [];
  cpu.codegen_finalize = function (this: unknown, ...args: unknown[]) {
    times.push(performance.now());
    return finalize.apply(this, args);
  };
  return times;
}

/** `virgl`: the device offers virgl too (with the renderer in the GPU worker), which changes how Linux draws its console. */
async function benchGuest(display: Display, seconds: number, backend: BackendChoice = 'auto', virgl = false): Promise<GuestBench & { backend: string }> {
  const start = performance.now();
  const screen = document.getElementById('screen') as HTMLElement;
  const frames = frameCounter();
  let firstFrameMs = 0;
  const drew = () => {
    firstFrameMs ||= performance.now() - start;
    frames.mark();
  };
  let emulator: V86;
  let used = 'v86 canvas 2D';
  if (display === 'vga') {
    // v86's screen adapter wants a container holding a text-mode div and a canvas.
    screen.innerHTML = '<div style="white-space:pre;font:14px monospace;line-height:14px"></div><canvas></canvas>';
    const canvas = screen.querySelector('canvas') as HTMLCanvasElement;
    const put = CanvasRenderingContext2D.prototype.putImageData;
    CanvasRenderingContext2D.prototype.putImageData = function (this: CanvasRenderingContext2D, ...args: Parameters<typeof put>) {
      if (this.canvas === canvas) drew();
      return put.apply(this, args);
    } as typeof put;
    emulator = new V86({ ...(await guestV86Options('2d', 'vgw.display=vga')).options, screen_container: screen });
    emulator.add_listener('emulator-loaded', () => emulator.run());
  } else {
    const canvas = document.createElement('canvas');
    screen.append(canvas);
    const presenter = await createWorkerPresenter({
      canvases: [canvas],
      backend,
      virgl,
      onPresent: () => {
        firstFrameMs ||= performance.now() - start;
        frames.presented(presenter.framesPresented(0));
      },
    });
    used = presenter.backend;
    const threeD = virgl ? await presenter.gpuWorker.virglInit() : null;
    if (threeD && !threeD.ok) throw new Error(`no virgl renderer: ${threeD.reason}`);
    const with3d = threeD?.ok ? { features: { virgl: true, contextInit: true }, renderer3d: new WorkerRenderer3d(() => presenter.gpuWorker, console.warn, threeD.limits) } : {};
    emulator = new V86((await guestV86Options()).options);
    emulator.add_listener('emulator-loaded', () => {
      attachVirtioGpu(emulator as unknown as V86Like, { scanouts: [{ width: 1024, height: 768 }], presenter, ...with3d });
      emulator.run();
    });
  }
  const shell = new SerialShell(emulator);
  await shell.waitFor((text) => text.includes('vgw-init: ready') && /guest# (\x1b\[6n)?$/.test(text), 180_000, 'the guest shell');
  const bootToShellMs = performance.now() - start;
  const run = async (command: string) => (await shell.run(command, 120)).output;
  /**
   * Runs a workload and counts its frames in steady state: from half a second after it starts (a line the
   * shell prints first, a second after the last workload, whose last frames are shown by then) to its last
   * frame. Its first half second is a program starting (fresh pages, v86 compiling the exec path), on
   * either display.
   */
  const measure = async (command: string) => {
    const from = shell.transcript.length;
    let started = Infinity;
    // The shell echoes "$((6*7))" as typed; only the command's output has 42.
    void shell.waitFor((text) => text.includes('vgw-bench-go-42', from), 120_000, 'the workload').then(() => (started = performance.now()), () => {});
    const output = await run(`sleep 1; echo vgw-bench-go-$((6*7)); ${command}`);
    return { output, started, delivery: frames.since(started + 500) };
  };
  await run('echo 0 > /sys/class/graphics/fbcon/cursor_blink');

  // Measured in steady state: v86 keeps compiling newly hot guest code (and V8 tiering that up) for about
  // the first 15 s of a workload, on either display, taking CPU from the emulator in bursts.
  const compiles = watchCompiles(emulator);
  const warmUpStart = performance.now();
  await run(`vgw-fb-bench ${Math.min(15, seconds * 1.5)}`);
  const { output: fbOut, started: fbStarted, delivery: fbDelivery } = await measure(`vgw-fb-bench ${seconds}`);
  const compiled = compiles && { warmUp: compiles.filter((t) => t >= warmUpStart && t < fbStarted).length, measured: compiles.filter((t) => t >= fbStarted).length };
  const fb = /frames=(\d+) seconds=[\d.]+ ms_per_frame=([\d.]+)/.exec(fbOut);
  if (!fb) throw new Error(`vgw-fb-bench said: ${fbOut}`);

  const lines = seconds >= 3 ? 3000 : 1000;
  const { output: consoleOut, delivery: consoleDelivery } = await measure(`time seq 1 ${lines} > /dev/tty1`);
  const real = /real\s+(?:(\d+)m\s*)?([\d.]+)s/.exec(consoleOut);
  if (!real) throw new Error(`time said: ${consoleOut}`);
  emulator.stop();
  return {
    display,
    backend: used,
    bootToShellMs,
    firstFrameMs,
    fb: { guestFrames: Number(fb[1]), guestMsPerFrame: Number(fb[2]), ...fbDelivery, compiles: compiled },
    console: { guestSeconds: Number(real[1] ?? 0) * 60 + Number(real[2]), ...consoleDelivery },
  };
}

declare global {
  interface Window {
    benchGuest: typeof benchGuest;
  }
}
window.benchGuest = benchGuest;
