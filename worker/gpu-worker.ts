/**
 * The GPU worker: owns the scanout canvases and draws them. The VM thread
 * drives it through comlink; resource pixels arrive once, as SharedArrayBuffer
 * views, and flushed rectangles come through a shared mailbox, not messages:
 * the worker sleeps on it while it has nothing to draw, and otherwise takes
 * what was posted at each frame, to upload once that frame is drawn.
 * When the WebGPU device is lost, the worker makes a new one and draws every
 * scanout again.
 */
import * as Comlink from 'comlink';
import { createSurfaces, type Backend, type BackendChoice } from '../src/presenters/backends.ts';
import { CompositingPresenter, nextAnimationFrame, type FrameScheduler } from '../src/presenters/compositing-presenter.ts';
import { DamageTaker } from '../src/presenters/damage-mailbox.ts';
import type { Capture, CursorImage, Rect, ResourceImage, ScanoutSource } from '../src/presenters/presenter.ts';
import type { HostGlLimits } from '../src/device/host-gl-limits.ts';
import { rateLimitedLog } from '../src/device/rate-limited-log.ts';
import type { Resource3dParams, Transfer3d } from '../src/renderers/renderer-3d.ts';
import type { Surface } from '../src/presenters/compositing-presenter.ts';
import { WebGL2Surface } from '../src/presenters/webgl2-surface.ts';
import { VirglHost, type SharedContext } from '../src/renderers/webgl2/virgl-host.ts';

let presenter: CompositingPresenter | null = null;
let mailbox: DamageTaker | null = null;
let gpu: GPUDevice | null = null;
let canvases: OffscreenCanvas[] = [];
let backend: Backend = 'canvas2d';
let surfaces: Surface[] = [];
let closing = false;
/** Times the worker has rebuilt its surfaces after losing the GPU device. */
let recoveries = 0;
/** The virgl renderer, once the VM side asked for 3D and WebGL2 could give it. */
let virgl: VirglHost | null = null;

function virglHost(): VirglHost {
  if (!virgl) throw new Error('virtio-gpu-web: the GPU worker was asked for 3D work before virglInit()');
  return virgl;
}

function active(): CompositingPresenter {
  if (!presenter) throw new Error('virtio-gpu-web: the GPU worker was used before init()');
  return presenter;
}

/** Whether 'auto' picks a backend for the virgl renderer (see createSurfaces). */
let forVirgl = false;

async function surfacesFor(choice: BackendChoice) {
  const made = await createSurfaces(canvases, choice, (reason) => void recover(reason), forVirgl);
  gpu = made.gpu;
  backend = made.backend;
  surfaces = made.surfaces;
  return made;
}

async function recover(reason: string): Promise<void> {
  if (closing || !presenter) return;
  console.warn(`virtio-gpu-web: GPU device lost (${reason}); drawing on a new one`);
  const made = await surfacesFor(backend);
  presenter.replaceSurfaces((index) => made.surfaces[index] ?? null);
  recoveries++;
}

/** The one scanout's canvas and WebGL2 context, for the virgl renderer to share; undefined with other backends or more scanouts. */
function scanoutContext(): SharedContext | undefined {
  const [surface] = surfaces;
  const [canvas] = canvases;
  return surfaces.length === 1 && canvas && surface instanceof WebGL2Surface ? { canvas, gl: surface.gl } : undefined;
}

/** How the renderer's images reach the scanouts. */
export type VirglPresents = 'from the shared WebGL2 context, with no copy' | 'read back into memory';
const presentsOf = (host: VirglHost): VirglPresents => (host.shared ? 'from the shared WebGL2 context, with no copy' : 'read back into memory');

const taken: Rect = { x: 0, y: 0, width: 0, height: 0 };

/** Hands what the mailbox holds to the presenter, which uploads it at its next frame. */
function drain(from: DamageTaker): void {
  for (let index = 0; index < from.scanouts; index++) if (from.take(index, taken)) presenter?.flush(index, taken);
}

/**
 * Posts made while a frame is coming are taken at that frame (and shown at
 * the one after); only when no frame is coming does the worker sleep until
 * the next post. (A scanout
 * that had no frame coming then gets the posts taken at another scanout's
 * frame one frame later.)
 */
async function takeDamage(from: DamageTaker): Promise<void> {
  while (!closing && mailbox === from) {
    const seen = from.posts();
    drain(from);
    await (presenter?.scheduled() ?? from.changed(seen));
  }
}

const takingDamageFirst: FrameScheduler = (present) =>
  nextAnimationFrame(() => {
    if (mailbox) drain(mailbox);
    present();
  });

const api = {
  async init(offscreen: OffscreenCanvas[], choice: BackendChoice, presents: Int32Array<SharedArrayBuffer>, damage: Int32Array<SharedArrayBuffer>, virglComing = false): Promise<{ backend: Backend; notes: string[] }> {
    canvases = offscreen;
    forVirgl = virglComing;
    const { notes } = await surfacesFor(choice);
    presenter = new CompositingPresenter((index) => surfaces[index] ?? null, true, takingDamageFirst, {
      read: (index) => mailbox?.read(index),
      presented: (index) => {
        Atomics.add(presents, index, 1);
        Atomics.notify(presents, index);
      },
    });
    presenter.pictures = virgl?.shared ? virgl : null;
    mailbox = new DamageTaker(damage);
    void takeDamage(mailbox);
    return { backend, notes };
  },
  createResource: (id: number, image: ResourceImage) => {
    virgl?.imageCreated(id, image);
    return active().createResource(id, image);
  },
  destroyResource: (id: number) => {
    virgl?.imageDestroyed(id);
    return active().destroyResource(id);
  },
  /**
   * Starts the virgl renderer: on the scanout's WebGL2 context where there is
   * one scanout drawn with WebGL2 (and `shareScanout`), so that its images
   * are shown with no copy; else on a WebGL2 context of its own. Answers the
   * GPU's name and the limits the capsets are to offer (the context's, or
   * `promised` when a guest already read capsets from a worker before this
   * one), or why there is none. `path`: how its images reach the scanouts.
   */
  virglInit(promised?: HostGlLimits, shareScanout = true): { ok: true; renderer: string; limits: HostGlLimits; presents: VirglPresents } | { ok: false; reason: string } {
    if (virgl) return { ok: true, renderer: virgl.description, limits: virgl.limits, presents: presentsOf(virgl) };
    const made = VirglHost.create(rateLimitedLog((message) => console.warn(`virtio-gpu-web: ${message}`)), promised, shareScanout ? scanoutContext() : undefined);
    if (typeof made === 'string') return { ok: false, reason: made };
    virgl = made;
    if (made.shared) {
      if (presenter) presenter.pictures = made;
      // The context came back to both: the surface needs its textures and programs again.
      canvases[0]?.addEventListener('webglcontextrestored', () => void recover('the WebGL2 context it shares with the 3D renderer was lost'));
    }
    return { ok: true, renderer: made.description, limits: made.limits, presents: presentsOf(made) };
  },
  virglCreateContext: (ctxId: number, capsetId: number, name: string) => virglHost().createContext(ctxId, capsetId, name),
  virglDestroyContext: (ctxId: number) => virglHost().destroyContext(ctxId),
  virglCreateResource: (id: number, params: Resource3dParams) => virglHost().createResource(id, params),
  virglDestroyResource: (id: number) => virglHost().destroyResource(id),
  virglTransferToHost: (t: Transfer3d, bytes: Uint8Array) => virglHost().transferToHost(t, bytes),
  virglTransferFromHost(t: Transfer3d, length: number): Uint8Array {
    const bytes = virglHost().transferFromHost(t, length);
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
  virglSubmit: (ctxId: number, stream: Uint8Array) => virglHost().submit(ctxId, stream),
  virglPresent: (id: number, rect: Rect) => virglHost().present(id, rect),
  setScanout: (index: number, source: ScanoutSource | null) => active().setScanout(index, source),
  setCursor: (index: number, image: CursorImage | null, x: number, y: number) => active().setCursor(index, image, x, y),
  moveCursor: (index: number, x: number, y: number, visible: boolean) => active().moveCursor(index, x, y, visible),
  whenPresented(index: number): Promise<void> {
    if (mailbox) drain(mailbox);
    return active().whenPresented(index);
  },
  async capture(index: number): Promise<Capture> {
    if (mailbox) drain(mailbox);
    const capture = await active().capture(index);
    return Comlink.transfer(capture, [capture.data.buffer as ArrayBuffer]);
  },
  /** Liveness and recovery count, for the VM side's watchdog and for tests. */
  ping: () => ({ recoveries, virglRecoveries: virgl?.recoveries ?? 0 }),
  /** Fault injection for tests: the browser takes the virgl renderer's WebGL2 context away and gives it back. */
  loseVirglContext: (): boolean => virgl?.loseContext() ?? false,
  /** Fault injection for tests: destroys the WebGPU device as a driver reset would. */
  loseGpuDevice(): boolean {
    if (!gpu) return false;
    gpu.destroy();
    return true;
  },
  destroy: () => {
    closing = true;
    presenter?.destroy();
    presenter = null;
  },
};

export type GpuWorkerApi = typeof api;

Comlink.expose(api);
