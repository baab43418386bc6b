/**
 * One call puts a virtio-gpu display on a page for a v86 emulator: the
 * canvases in a container, the GPU worker drawing them, the device on v86's
 * PCI bus, and a handle with what an embedder wants next (screenshots, stats,
 * the guest's serial output, teardown).
 */
import type { VirtioGpuDevice } from '../device/device.ts';
import { VIRGL_CAPSETS } from '../device/virgl-caps.ts';
import type { ScanoutConfig } from '../device/scanouts.ts';
import type { BackendChoice } from '../presenters/backends.ts';
import { createWorkerPresenter, type WorkerPresenter } from '../presenters/worker-presenter.ts';
import { WorkerRenderer3d } from '../renderers/worker-renderer-3d.ts';
import { attachVirtioGpu, attachVirtioTablet, virtioGpuTraffic, type AttachOptions, type V86Like, type VirtioTablet } from '../vm/v86.ts';
import { missingRequirements } from './requirements.ts';
import { captureToBlob } from './screenshot.ts';
import { SerialLog } from './serial-log.ts';
import { StatsMeter, type GpuStats } from './stats.ts';
import { followPointer } from './tablet-pointer.ts';

/** The public face of a v86 emulator (`new V86({ ..., autostart: false })` from the `v86` package) that this call uses. */
export interface V86Emulator {
  add_listener(event: 'emulator-loaded', listener: () => void): void;
  add_listener(event: 'serial0-output-byte', listener: (byte: number) => void): void;
  remove_listener(event: 'emulator-loaded', listener: () => void): void;
  remove_listener(event: 'serial0-output-byte', listener: (byte: number) => void): void;
  is_running(): boolean;
  run(): unknown;
  serial0_send(text: string): void;
}

export interface V86EmbedOptions extends Omit<AttachOptions, 'presenter' | 'scanouts'> {
  /** The displays: a count of 1024x768 ones, or each one's size. Default 1. */
  scanouts?: number | readonly ScanoutConfig[];
  /** Default 'auto': WebGPU, else WebGL2, else canvas 2D (WebGL2 first with `virgl` and one scanout: see WorkerPresenterOptions). */
  backend?: BackendChoice;
  /** Start the emulator once the device is on its bus. Default true; false leaves `emulator.run()` to you (to restore a snapshot first). */
  start?: boolean;
  /** Characters of serial output kept in `serial.text`. Default 1 MiB. */
  serialLimit?: number;
  /** Makes the GPU worker, when your bundler needs it built differently (it must run worker/gpu-worker.ts). */
  createWorker?: () => Worker;
  /** Told about each recovery of the GPU worker or the WebGPU device. */
  onRecovery?: (what: string) => void;
  /** Told after each frame the GPU worker presented, with its scanout. */
  onFrame?: (scanout: number) => void;
  /**
   * Offer the guest 3D (virgl, with CONTEXT_INIT): its Mesa then draws with
   * the page's GPU through WebGL2 in the GPU worker. Default true; where the
   * worker has no usable WebGL2 the guest gets no 3D and `threeD` says why.
   * `false` turns it off: with virgl offered, Linux 6.1 draws its console
   * with a transfer per update instead of paced guest blobs, which costs a
   * program that redraws the whole framebuffer (fbdev) more guest time.
   */
  virgl?: boolean;
  /**
   * Give the guest a virtio-input tablet (Linux's virtio_input driver) that
   * follows the page's pointer over scanout 0: absolute, so the guest's
   * pointer lands where the user points, with no pointer lock. Default false.
   * Construct V86 with `disable_mouse: true` then, or its PS/2 mouse moves
   * the guest's pointer too.
   */
  tablet?: boolean;
}

export interface EmbeddedVirtioGpu {
  readonly emulator: V86Emulator;
  readonly device: VirtioGpuDevice;
  readonly presenter: WorkerPresenter;
  /** The scanout canvases now in the container, in scanout order (replaced ones after a worker restart). */
  readonly canvases: readonly HTMLCanvasElement[];
  /** The drawing backend chosen, and why better ones were passed over. */
  readonly backend: WorkerPresenter['backend'];
  readonly notes: readonly string[];
  /** "virgl on WebGL2 (the GPU's name)", or why the guest has no 3D. */
  readonly threeD: string;
  /** The guest's tablet (with `tablet: true`), which the page's pointer drives; save its state beside the device's for snapshots. */
  readonly tablet: VirtioTablet | null;
  /**
   * The guest's first serial port: what it wrote (the newest `serialLimit`
   * characters), how many characters it wrote since the start, what it wrote
   * from such a position on, and a way to type into it.
   */
  readonly serial: { readonly text: string; readonly received: number; since(position: number): string; send(text: string): void };
  /** Totals since the start and rates over the last second. */
  stats(): GpuStats;
  /** Scanout `index` (default 0) exactly as shown, cursor included, as an image file (PNG unless `type` says otherwise). */
  screenshot(index?: number, type?: string): Promise<Blob>;
  /** Stops the GPU worker and removes the canvases; call before `emulator.destroy()`. */
  destroy(): Promise<void>;
}

/** Where every live handle is listed, for test tools such as `virtio-gpu-web/playwright`. */
export const INSTANCES_KEY = '__virtioGpuWeb';

declare global {
  var __virtioGpuWeb: EmbeddedVirtioGpu[] | undefined;
}

const DEFAULT_SIZE = { width: 1024, height: 768 };

function scanoutConfigs(scanouts: V86EmbedOptions['scanouts']): ScanoutConfig[] {
  if (scanouts === undefined) return [DEFAULT_SIZE];
  if (typeof scanouts === 'number') {
    if (!Number.isInteger(scanouts) || scanouts < 1 || scanouts > 16) throw new RangeError('virtio-gpu-web: scanouts must be a count from 1 to 16, or a list of { width, height }');
    return Array.from({ length: scanouts }, () => ({ ...DEFAULT_SIZE }));
  }
  return [...scanouts];
}

/** Resolves once v86 has built its machine (devices can join the PCI bus until it runs). */
function whenLoaded(emulator: V86Emulator): Promise<void> {
  if ((emulator as V86Like).v86?.cpu?.devices?.pci) return Promise.resolve();
  return new Promise((resolve) => {
    const loaded = (): void => {
      emulator.remove_listener('emulator-loaded', loaded);
      resolve();
    };
    emulator.add_listener('emulator-loaded', loaded);
  });
}

/** How long the GPU worker may take to answer the watchdog while it renders 3D. */
const VIRGL_HEARTBEAT_TIMEOUT_MS = 15_000;

/**
 * Attaches a virtio-gpu display to `emulator` (constructed with
 * `autostart: false`) and shows its scanouts in `container`; starts the
 * emulator unless `start: false`. Call it right after `new V86(...)`.
 */
export async function attachVirtioGpuToV86(emulator: V86Emulator, container: HTMLElement, options: V86EmbedOptions = {}): Promise<EmbeddedVirtioGpu> {
  const { scanouts: wanted, backend, start = true, serialLimit = 1 << 20, createWorker, onRecovery, onFrame, virgl = true, tablet: withTablet = false, ...attachOptions } = options;
  if (emulator.is_running()) {
    throw new Error('virtio-gpu-web: the emulator already runs; construct V86 with autostart: false so the device is on the PCI bus before the guest boots');
  }
  const scanouts = scanoutConfigs(wanted);
  const missing = missingRequirements();
  if (missing) throw new Error(`virtio-gpu-web: ${missing}`);
  const loaded = whenLoaded(emulator);
  const serial = new SerialLog(serialLimit);
  const onSerial = (byte: number): void => serial.push(byte);
  emulator.add_listener('serial0-output-byte', onSerial);
  const canvases = scanouts.map((size, i) => {
    const canvas = container.ownerDocument.createElement('canvas');
    Object.assign(canvas, { width: size.width, height: size.height, tabIndex: 0, id: `${container.id || 'virtio-gpu'}-${i}`, title: `scanout ${i}` });
    canvas.dataset.scanout = String(i);
    container.append(canvas);
    return canvas;
  });
  let presenter: WorkerPresenter;
  try {
    presenter = await createWorkerPresenter({
      canvases,
      ...(backend && { backend }),
      virgl,
      ...(createWorker && { createWorker }),
      ...(onRecovery && { onRecovery }),
      ...(onFrame && { onPresent: onFrame }),
      // The 3D renderer's GL work runs on the worker's thread: compiling a scene's shaders or waiting for a readback
      // there takes seconds on a software GPU, and a worker that answers late is not a dead one.
      ...(virgl && { heartbeatTimeoutMs: VIRGL_HEARTBEAT_TIMEOUT_MS }),
    });
  } catch (error) {
    for (const canvas of canvases) canvas.remove();
    emulator.remove_listener('serial0-output-byte', onSerial);
    throw error;
  }
  const threeD = virgl ? await presenter.gpuWorker.virglInit() : { ok: false as const, reason: 'turned off (virgl: false)' };
  const log = attachOptions.log ?? ((message: string) => console.warn(message));
  const renderer3d = threeD.ok ? new WorkerRenderer3d(() => presenter.gpuWorker, log, threeD.limits) : null;
  if (renderer3d) presenter.onRestart((worker) => renderer3d.restarted(worker));
  const with3d = renderer3d ? { features: { ...attachOptions.features, virgl: true, contextInit: true }, renderer3d } : {};
  await loaded;
  const device = attachVirtioGpu(emulator as V86Like, { ...attachOptions, ...with3d, scanouts, presenter });
  const tablet = withTablet ? attachVirtioTablet(emulator as V86Like, { log }) : null;
  const stopPointer = tablet ? followPointer(container, () => presenter.elements[0] as HTMLCanvasElement | undefined, tablet) : () => {};
  const presented = (): number => scanouts.reduce((sum, _, i) => sum + presenter.framesPresented(i), 0);
  const meter = new StatsMeter(
    () => ({ frames: presented(), ...virtioGpuTraffic(device), draws: renderer3d?.draws ?? 0, gpuBytes: device.resourceUsage.bytes3d }),
    threeD.ok ? { renderer: threeD.renderer, capsets: VIRGL_CAPSETS.map((c) => `${c.name} (version ${c.maxVersion})`) } : null,
  );
  const handle: EmbeddedVirtioGpu = {
    emulator,
    device,
    presenter,
    get canvases() {
      return presenter.elements as HTMLCanvasElement[];
    },
    backend: presenter.backend,
    notes: presenter.notes,
    threeD: threeD.ok ? `virgl on WebGL2 (${threeD.renderer})` : `off: ${threeD.reason}`,
    tablet,
    serial: {
      get text() {
        return serial.text;
      },
      get received() {
        return serial.received;
      },
      since: (position) => serial.since(position),
      send: (text) => emulator.serial0_send(text),
    },
    stats: () => meter.stats(),
    screenshot: async (index = 0, type = 'image/png') => captureToBlob(await device.captureScanout(index), type),
    async destroy() {
      meter.stop();
      stopPointer();
      emulator.remove_listener('serial0-output-byte', onSerial);
      globalThis[INSTANCES_KEY] = globalThis[INSTANCES_KEY]?.filter((h) => h !== handle);
      await presenter.destroy();
      for (const canvas of presenter.elements as HTMLCanvasElement[]) canvas.remove();
    },
  };
  globalThis[INSTANCES_KEY] = [...(globalThis[INSTANCES_KEY] ?? []), handle];
  if (start) emulator.run();
  return handle;
}
