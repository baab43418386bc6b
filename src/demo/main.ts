/**
 * The demo: Linux boots in v86 and its console appears on the virtio-gpu
 * canvas, drawn by the GPU worker (`?image=3d`: the guest with Mesa, its root
 * disk read on demand, the bytes read shown while it boots; `&desktop`:
 * then weston, with es2gears_wayland, and the pointer as a virtio tablet). Until the first frame the serial log shows
 * boot progress. Keys typed on the page reach the console shell through v86's
 * PS/2 keyboard. After the first boot a snapshot is kept in IndexedDB and the
 * next visit resumes it (`?cold` boots from scratch). A stats overlay, a
 * screenshot button, fullscreen and fit-to-window sit in the header.
 */
import { V86 } from 'v86';
import { attachVirtioGpuToV86, type EmbeddedVirtioGpu } from '../embed/v86-embed.ts';
import type { BackendChoice } from '../presenters/backends.ts';
import { restoreVirtioGpuState, saveVirtioGpuState } from '../vm/v86.ts';
import { missingRequirements } from '../embed/requirements.ts';
import { fallbackText } from './environment.ts';
import { DISK_PATH, guestV86Options, type DiskReader, type GuestImageKind } from './guest-image.ts';
import { deleteSnapshot, loadSnapshot, storeSnapshot, type StoredSnapshot } from './snapshot-store.ts';
import { keep3dImage, keptState } from './keep-3d.ts';
import { showStats } from './stats-overlay.ts';

const READY = 'vgw-init: ready';
const DESKTOP_READY = 'vgw-desktop: ready';
/** Typed at the serial shell to start the desktop; its output goes to the serial log. */
const DESKTOP_COMMAND = 'vgw-desktop es2gears_wayland &\n';
const element = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = element('status');
const boot = element<HTMLPreElement>('boot');
const screens = element('screen');
const fit = element<HTMLInputElement>('fit');

/**
 * `?image=3d&desktop&scanouts=N&size=WxH&backend=B&cold&virgl=0&disk=v86`: the guest, its desktop, how many displays, their size,
 * the drawing backend, whether to skip the snapshot, 3D off, and v86's own disk reader (the benchmark's baseline).
 */
function pageOptions(): { image: GuestImageKind; desktop: boolean; scanouts: { width: number; height: number }[]; backend: BackendChoice; cold: boolean; virgl: boolean; diskReader: DiskReader } {
  const params = new URLSearchParams(location.search);
  const count = Math.min(16, Math.max(1, Number(params.get('scanouts') ?? 1) || 1));
  const [width, height] = (params.get('size') ?? '1024x768').split('x').map(Number);
  const backend = (['webgpu', 'webgl2', 'canvas2d'] as const).find((b) => b === params.get('backend')) ?? 'auto';
  const desktop = params.has('desktop');
  const image = params.get('image') === '3d' || desktop ? '3d' : '2d';
  return { image, desktop, scanouts: Array.from({ length: count }, () => ({ width: width || 1024, height: height || 768 })), backend, cold: params.has('cold'), virgl: params.get('virgl') !== '0', diskReader: params.get('disk') === 'v86' ? 'v86' : 'range-disk' };
}

export interface DemoState {
  emulator: V86;
  gpu: EmbeddedVirtioGpu;
  presenter: EmbeddedVirtioGpu['presenter'];
  device: EmbeddedVirtioGpu['device'];
  /** Everything the guest wrote to its serial port. */
  serial: string;
  /** Milliseconds from page start to the first frame on the canvas (null until then). */
  firstFrameMs: number | null;
  startedFrom: 'cold boot' | 'snapshot';
  /** The guest's serial shell has printed its first prompt (or the guest was resumed at one). */
  shellReady: boolean;
  /** A snapshot of this boot: being taken, or stored in IndexedDB. */
  snapshot: 'none' | 'saving' | 'stored';
  /** Bytes of v86's part of the stored snapshot (memory, devices, and the disk blocks the guest wrote). */
  snapshotBytes: number;
  image: GuestImageKind;
  /** Bytes of the 3d guest's disk fetched so far, its size (0 for the 2d guest, which has none), and the range requests that fetched them with the milliseconds they took in all. */
  disk: { read: number; size: number; requests: number; requestMs: number };
  /** With `&desktop`: weston's state, and milliseconds from page start to its socket being up. */
  desktop: { state: 'off' | 'starting' | 'ready'; readyMs: number | null };
}

declare global {
  interface Window {
    vgw?: DemoState;
  }
}

function show(text: string, error = false): void {
  status.textContent = text;
  status.title = text;
  status.classList.toggle('error', error);
}

async function start(): Promise<void> {
  const problem = missingRequirements();
  if (problem) throw new Error(problem);
  show('loading the guest image…');
  const { image, desktop, scanouts, backend, cold, virgl, diskReader } = pageOptions();
  const { id: imageId } = (await (await fetch('/guest-image/id')).json()) as { id: string };
  const id = `${imageId}-${JSON.stringify({ image, desktop, scanouts, virgl })}`;
  const [{ options, diskBytes }, saved] = await Promise.all([guestV86Options(image, '', diskReader, (message) => show(message)), cold ? null : loadSnapshot(id).catch(() => null)]);
  const disk = { read: 0, size: diskBytes, requests: 0, requestMs: 0 };
  // The desktop's pointer is the tablet; v86's PS/2 mouse would move it too.
  const emulator = new V86({ ...options, disable_mouse: desktop });
  let state: DemoState | undefined;
  const firstFrame = (): void => {
    if (!state || state.firstFrameMs !== null) return;
    state.firstFrameMs = performance.now();
    boot.hidden = true;
    state.gpu.canvases[0]?.focus();
    show(`Linux on virtio-gpu-web (${fallbackText(state.gpu)}; 3D: ${state.gpu.threeD}; ${state.startedFrom}): first frame after ${(state.firstFrameMs / 1000).toFixed(1)} s. Type into the console.`);
  };
  const gpu = await attachVirtioGpuToV86(emulator, screens, { scanouts, backend, virgl, tablet: desktop, start: false, onFrame: firstFrame, onRecovery: (what) => show(`recovered: ${what}`) });
  state = {
    emulator, gpu, presenter: gpu.presenter, device: gpu.device, serial: '', firstFrameMs: null, startedFrom: saved ? 'snapshot' : 'cold boot', shellReady: saved !== null,
    snapshot: 'none', snapshotBytes: 0, image, disk, desktop: { state: desktop ? 'starting' : 'off', readyMs: null },
  };
  window.vgw = state;
  if (disk.size > 0) watchDisk(state);
  // The emulator has not run yet: no serial output is missed.
  watchSerial(state, id);
  show(saved ? `resuming the saved guest (${fallbackText(gpu)})…` : `booting Linux (${fallbackText(gpu)})…`);
  fitToWindow(gpu, desktop);
  showStats(element('stats'), gpu);
  element('shot').addEventListener('click', () => void saveScreenshot(gpu));
  element('fullscreen').addEventListener('click', () => void screens.requestFullscreen().catch((error: unknown) => show(`fullscreen refused: ${String(error)}`, true)));
  if (saved) await resume(state, saved);
  emulator.run();
  if (saved) {
    startDesktop(state);
    await gpu.device.captureScanout(0).then(firstFrame);
  }
}

/**
 * Starts weston at the shell (after the snapshot of the booted guest: a
 * snapshot cannot hold the renderer's 3D resources, so the desktop starts
 * anew on each visit).
 */
function startDesktop(state: DemoState): void {
  if (state.desktop.state !== 'starting') return;
  show(`starting the desktop (weston, through virgl)…`);
  state.emulator.serial0_send(DESKTOP_COMMAND);
}

/** Counts the bytes of the disk v86 fetches (its range requests), and shows them until the first frame. */
function watchDisk(state: DemoState): void {
  const mib = (bytes: number): string => (bytes / (1 << 20)).toFixed(1);
  new PerformanceObserver((entries) => {
    for (const entry of entries.getEntries() as PerformanceResourceTiming[]) {
      if (new URL(entry.name).pathname !== DISK_PATH) continue;
      state.disk.read += entry.encodedBodySize;
      state.disk.requests++;
      state.disk.requestMs += entry.duration;
    }
    // The page's buffer of entries holds 250; the observer has them already.
    performance.clearResourceTimings();
    if (state.firstFrameMs === null) show(`booting the 3d guest (${fallbackText(state.gpu)}): ${mib(state.disk.read)} of its ${mib(state.disk.size)} MiB disk read so far…`);
  }).observe({ type: 'resource', buffered: true });
}

/** Keeps the guest's serial output in `state.serial`, shows it until the first frame, and keeps a snapshot at the first shell prompt after boot. */
function watchSerial(state: DemoState, id: string): void {
  state.emulator.add_listener('serial0-output-byte', (byte: number) => {
    state.serial += String.fromCharCode(byte);
    if (state.firstFrameMs === null) boot.textContent = state.serial.slice(-6000);
    if (!state.shellReady && state.serial.endsWith('guest# ') && state.serial.includes(READY)) {
      state.shellReady = true;
      void keepSnapshot(state, id).then(() => startDesktop(state));
    }
    if (state.desktop.state === 'starting' && state.serial.endsWith(DESKTOP_READY)) {
      const readyMs = performance.now();
      state.desktop = { state: 'ready', readyMs };
      show(`the desktop is up after ${(readyMs / 1000).toFixed(1)} s (${state.startedFrom}; ${fallbackText(state.gpu)}; 3D: ${state.gpu.threeD}): the pointer and keyboard are the guest's.`);
    }
  });
}

/**
 * Weston keeps an output's mode when its monitor changes ("not bothering to
 * do anything about it"), but takes a monitor's preferred mode when it is
 * connected: so for the desktop a resize is the display unplugged and then
 * plugged in at the new size, once the guest has read the unplug and weston
 * has had a moment to let the output go.
 */
async function replug(gpu: EmbeddedVirtioGpu, size: { width: number; height: number }): Promise<void> {
  const { device } = gpu;
  device.configureScanout(0, { connected: false });
  for (let waited = 0; device.eventsRead !== 0 && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, REPLUG_SETTLE_MS));
  device.configureScanout(0, { ...size, connected: true });
}
/** How long weston gets to disable an output whose display was unplugged. */
const REPLUG_SETTLE_MS = 1500;

/** With "fit display to window" on (or in fullscreen), scanout 0 follows the window's size: the guest sees a display resize. */
function fitToWindow(gpu: EmbeddedVirtioGpu, desktop: boolean): void {
  let timer = 0;
  let replugging: Promise<void> = Promise.resolve();
  /** The size the last replug asked for: the window's events come in bursts, and each replug would unplug again. */
  let asked = '';
  const apply = (): void => {
    const full = document.fullscreenElement === screens;
    if (!fit.checked && !full) return;
    const box = screens.getBoundingClientRect();
    const width = Math.max(320, Math.min(4095, Math.floor(full ? window.innerWidth : window.innerWidth - box.left * 2)));
    const height = Math.max(200, Math.min(4095, Math.floor(full ? window.innerHeight : window.innerHeight - box.top - 12)));
    const scanout = gpu.device.scanouts[0];
    if (!scanout || (scanout.width === width && scanout.height === height)) return;
    if (!desktop) return gpu.device.configureScanout(0, { width, height });
    if (asked === `${width}x${height}`) return;
    asked = `${width}x${height}`;
    replugging = replugging.then(() => replug(gpu, { width, height }));
  };
  const later = (): void => {
    clearTimeout(timer);
    timer = window.setTimeout(apply, 150);
  };
  window.addEventListener('resize', later);
  document.addEventListener('fullscreenchange', later);
  fit.addEventListener('change', apply);
}

async function saveScreenshot(gpu: EmbeddedVirtioGpu): Promise<void> {
  const url = URL.createObjectURL(await gpu.screenshot(0));
  const link = Object.assign(document.createElement('a'), { href: url, download: `virtio-gpu-web-${new Date().toISOString().replace(/[:.]/g, '-')}.png` });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function resume(state: DemoState, saved: StoredSnapshot): Promise<void> {
  try {
    await state.emulator.restore_state(saved.v86);
    restoreVirtioGpuState(state.device, saved.device);
    if (saved.tablet) state.gpu.tablet?.restoreState(saved.tablet);
  } catch (error) {
    await deleteSnapshot();
    throw new Error(`the saved guest could not be resumed (deleted; reload to boot afresh): ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function keepSnapshot(state: DemoState, id: string): Promise<void> {
  state.snapshot = 'saving';
  while (state.device.commandsInFlight > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  try {
    // v86 captures its state when save_state is called; the device's is taken in the same tick.
    const v86 = state.emulator.save_state();
    const device = saveVirtioGpuState(state.device);
    const tablet = state.gpu.tablet?.saveState();
    const saved = await v86;
    await storeSnapshot({ id, v86: saved, device, ...(tablet && { tablet }) });
    state.snapshotBytes = saved.byteLength;
    state.snapshot = 'stored';
  } catch (error) {
    console.warn('virtio-gpu-web demo: the snapshot was not stored', error);
  }
}

function failed(error: unknown): void {
  show(`failed: ${error instanceof Error ? error.message : String(error)}`, true);
  console.error(error);
}

/**
 * In the offline app (a service worker controls the page), offers to keep the
 * 3d guest for use with the network off, saying how large it is. The
 * button's `data-state` says where that stands: 'offered', 'keeping', 'kept'
 * or 'failed'.
 */
async function offerKeeping(): Promise<void> {
  const button = element<HTMLButtonElement>('keep3d');
  const state = await keptState().catch(() => null);
  if (!state) return;
  const mib = (bytes: number): string => (bytes / (1 << 20)).toFixed(0);
  const kept = (): void => {
    button.textContent = `3d guest kept offline (${mib(state.bytes)} MiB)`;
    button.disabled = true;
    button.dataset.state = 'kept';
  };
  button.hidden = false;
  if (state.kept) return kept();
  button.textContent = `keep the 3d guest offline (${mib(state.bytes)} MiB)`;
  button.dataset.state = 'offered';
  button.addEventListener('click', () => {
    button.disabled = true;
    button.dataset.state = 'keeping';
    keep3dImage((stored) => (button.textContent = `keeping the 3d guest: ${mib(stored)} of ${mib(state.bytes)} MiB…`)).then(kept, (error: unknown) => {
      button.disabled = false;
      button.dataset.state = 'failed';
      button.textContent = `keeping the 3d guest failed (${error instanceof Error ? error.message : String(error)}): try again`;
    });
  }, { once: false });
}

start().catch(failed);
void offerKeeping();
