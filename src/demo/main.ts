/**
 * The demo: Linux boots in v86 and its console appears on the virtio-gpu
 * canvas, drawn by the GPU worker. Until the first frame the serial log shows
 * boot progress. Keys typed on the page reach the console shell through v86's
 * PS/2 keyboard. After the first boot a snapshot is kept in IndexedDB and the
 * next visit resumes it (`?cold` boots from scratch).
 */
import { V86 } from 'v86';
import { createWorkerPresenter, type VirtioGpuDevice, type WorkerPresenter } from '../index.ts';
import { guestV86Options } from './guest-image.ts';
import { attachVirtioGpu, restoreVirtioGpuState, saveVirtioGpuState, type V86Like } from '../vm/v86.ts';
import { deleteSnapshot, loadSnapshot, storeSnapshot, type StoredSnapshot } from './snapshot-store.ts';

const READY = 'vgw-init: ready';
const status = document.getElementById('status') as HTMLElement;
const boot = document.getElementById('boot') as HTMLPreElement;
const screens = document.getElementById('screens') as HTMLElement;
const fit = document.getElementById('fit') as HTMLInputElement;

/** `?scanouts=N&size=WxH&cold`: how many displays, their size, and whether to skip the snapshot. */
function pageOptions(): { scanouts: { width: number; height: number }[]; cold: boolean } {
  const params = new URLSearchParams(location.search);
  const count = Math.min(16, Math.max(1, Number(params.get('scanouts') ?? 1) || 1));
  const [width, height] = (params.get('size') ?? '1024x768').split('x').map(Number);
  return { scanouts: Array.from({ length: count }, () => ({ width: width || 1024, height: height || 768 })), cold: params.has('cold') };
}

export interface DemoState {
  emulator: V86;
  presenter: WorkerPresenter;
  /** Attached once v86 has loaded. */
  device: VirtioGpuDevice | null;
  /** Everything the guest wrote to its serial port. */
  serial: string;
  /** Milliseconds from page start to the first frame on the canvas (null until then). */
  firstFrameMs: number | null;
  startedFrom: 'cold boot' | 'snapshot';
  /** The guest's serial shell has printed its first prompt (or the guest was resumed at one). */
  shellReady: boolean;
  /** A snapshot of this boot: being taken, or stored in IndexedDB. */
  snapshot: 'none' | 'saving' | 'stored';
}

declare global {
  interface Window {
    vgw?: DemoState;
  }
}

function show(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

async function start(): Promise<void> {
  show('loading the guest image…');
  const { scanouts, cold } = pageOptions();
  const canvases = scanouts.map(({ width, height }, i) => {
    const canvas = document.createElement('canvas');
    Object.assign(canvas, { width, height, tabIndex: 0, id: `screen-${i}`, title: `scanout ${i}` });
    screens.append(canvas);
    return canvas;
  });
  const { id: imageId } = (await (await fetch('/guest-image/id')).json()) as { id: string };
  const id = `${imageId}-${JSON.stringify(scanouts)}`;
  const [options, saved] = await Promise.all([guestV86Options(), cold ? null : loadSnapshot(id).catch(() => null)]);
  const presenter = await createWorkerPresenter({ canvases, onFlush: () => firstFrame(), onRecovery: (what) => show(`recovered: ${what}`) });
  const display = `display: ${presenter.backend}${presenter.notes.length ? `; ${presenter.notes.join('; ')}` : ''}`;
  show(saved ? `resuming the saved guest (${display})…` : `booting Linux (${display})…`);
  const emulator = new V86(options);
  const state: DemoState = { emulator, presenter, device: null, serial: '', firstFrameMs: null, startedFrom: saved ? 'snapshot' : 'cold boot', shellReady: saved !== null, snapshot: 'none' };
  window.vgw = state;
  const firstFrame = (): void => {
    if (state.firstFrameMs !== null) return;
    state.firstFrameMs = performance.now();
    boot.hidden = true;
    (presenter.elements[0] as HTMLCanvasElement | undefined)?.focus();
    show(`Linux on virtio-gpu-web (${presenter.backend}, ${state.startedFrom}): first frame after ${(state.firstFrameMs / 1000).toFixed(1)} s. Type into the console.`);
  };
  emulator.add_listener('serial0-output-byte', (byte: number) => {
    state.serial += String.fromCharCode(byte);
    if (state.firstFrameMs === null) boot.textContent = state.serial.slice(-6000);
    if (!state.shellReady && state.serial.endsWith('guest# ') && state.serial.includes(READY)) {
      state.shellReady = true;
      void keepSnapshot(state, id);
    }
  });
  emulator.add_listener('emulator-loaded', () => {
    void (async () => {
      const device = attachVirtioGpu(emulator as unknown as V86Like, { scanouts, presenter });
      state.device = device;
      fitToWindow(device);
      if (saved) await resume(state, device, saved);
      emulator.run();
      if (saved) await presenter.capture(0).then(firstFrame);
    })().catch(failed);
  });
}

/** With "fit display to window" on, scanout 0 follows the window's size: the guest sees a display resize. */
function fitToWindow(device: VirtioGpuDevice): void {
  let timer = 0;
  const apply = (): void => {
    if (!fit.checked) return;
    const box = screens.getBoundingClientRect();
    const width = Math.max(320, Math.min(4095, Math.floor(window.innerWidth - box.left * 2)));
    const height = Math.max(200, Math.min(4095, Math.floor(window.innerHeight - box.top - 12)));
    const scanout = device.scanouts[0];
    if (scanout && (scanout.width !== width || scanout.height !== height)) device.configureScanout(0, { width, height });
  };
  const later = (): void => {
    clearTimeout(timer);
    timer = window.setTimeout(apply, 150);
  };
  window.addEventListener('resize', later);
  fit.addEventListener('change', apply);
}

async function resume(state: DemoState, device: VirtioGpuDevice, saved: StoredSnapshot): Promise<void> {
  try {
    await state.emulator.restore_state(saved.v86);
    restoreVirtioGpuState(device, saved.device);
  } catch (error) {
    await deleteSnapshot();
    throw new Error(`the saved guest could not be resumed (deleted; reload to boot afresh): ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function keepSnapshot(state: DemoState, id: string): Promise<void> {
  if (!state.device) return;
  state.snapshot = 'saving';
  if (state.device.commandsInFlight > 0) {
    setTimeout(() => void keepSnapshot(state, id), 50);
    return;
  }
  try {
    // v86 captures its state when save_state is called; the device's is taken in the same tick.
    const v86 = state.emulator.save_state();
    const device = saveVirtioGpuState(state.device);
    await storeSnapshot({ id, v86: await v86, device });
    state.snapshot = 'stored';
  } catch (error) {
    console.warn('virtio-gpu-web demo: the snapshot was not stored', error);
  }
}

function failed(error: unknown): void {
  show(`failed: ${error instanceof Error ? error.message : String(error)}`, true);
  console.error(error);
}

start().catch(failed);
