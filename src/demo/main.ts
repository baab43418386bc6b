/**
 * The demo: Linux boots in v86 and its console appears on the virtio-gpu
 * canvas, drawn by the GPU worker. Until the first frame the serial log shows
 * boot progress. Keys typed on the page reach the console shell through v86's
 * PS/2 keyboard.
 */
import { V86 } from 'v86';
import v86Wasm from 'v86/build/v86.wasm?url';
import { createWorkerPresenter, type VirtioGpuDevice, type WorkerPresenter } from '../index.ts';
import { GUEST_CMDLINE } from '../vm/guest-cmdline.ts';
import { attachVirtioGpu, type V86Like } from '../vm/v86.ts';

const WIDTH = 1024, HEIGHT = 768;
const status = document.getElementById('status') as HTMLElement;
const boot = document.getElementById('boot') as HTMLPreElement;
const canvas = document.getElementById('screen') as HTMLCanvasElement;

export interface DemoState {
  emulator: V86;
  /** Attached once v86 has loaded. */
  device: VirtioGpuDevice | null;
  presenter: WorkerPresenter;
  /** Everything the guest wrote to its serial port. */
  serial: string;
  /** Milliseconds from page start to the first frame on the canvas (null until then). */
  firstFrameMs: number | null;
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

async function fetchImage(name: string): Promise<{ buffer: ArrayBuffer }> {
  const response = await fetch(`/guest-image/${name}`);
  if (!response.ok) throw new Error(`guest image ${name}: HTTP ${response.status}`);
  return { buffer: await response.arrayBuffer() };
}

async function start(): Promise<void> {
  show('loading the guest image…');
  const [bios, bzimage, initrd] = await Promise.all(['bios.bin', 'vmlinuz', 'initramfs.cpio'].map(fetchImage));
  const presenter = await createWorkerPresenter({ canvases: [canvas] });
  show(`booting Linux (display: ${presenter.backend}${presenter.notes.length ? `; ${presenter.notes.join('; ')}` : ''})…`);
  const emulator = new V86({ wasm_path: v86Wasm, memory_size: 128 << 20, vga_memory_size: 2 << 20, bios: bios!, bzimage: bzimage!, initrd: initrd!, cmdline: GUEST_CMDLINE, autostart: false, disable_speaker: true });
  const state: DemoState = { emulator, presenter, device: null, serial: '', firstFrameMs: null };
  window.vgw = state;
  emulator.add_listener('serial0-output-byte', (byte: number) => {
    state.serial += String.fromCharCode(byte);
    if (state.firstFrameMs === null) boot.textContent = state.serial.slice(-6000);
  });
  const firstFrame = (): void => {
    if (state.firstFrameMs !== null) return;
    state.firstFrameMs = performance.now();
    boot.hidden = true;
    canvas.focus();
    show(`Linux on virtio-gpu-web (${presenter.backend}), first frame after ${(state.firstFrameMs / 1000).toFixed(1)} s: type into the console`);
  };
  const flush = presenter.flush.bind(presenter);
  emulator.add_listener('emulator-loaded', () => {
    state.device = attachVirtioGpu(emulator as unknown as V86Like, {
      scanouts: [{ width: WIDTH, height: HEIGHT }],
      presenter: { ...presenter, flush: (index, rect) => flush(index, rect).then(firstFrame) },
    });
    emulator.run();
  });
}

start().catch((error: unknown) => {
  show(`failed: ${error instanceof Error ? error.message : String(error)}`, true);
  console.error(error);
});
