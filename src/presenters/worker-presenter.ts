/** The VM thread's side of the GPU worker: a Presenter whose drawing happens in a dedicated Worker. */
import * as Comlink from 'comlink';
import type { GpuWorkerApi } from '../../worker/gpu-worker.ts';
import type { Backend, BackendChoice } from './backends.ts';
import type { Capture, CursorImage, Presenter, Rect, ResourceImage, ScanoutSource } from './presenter.ts';

export interface WorkerPresenterOptions {
  /** One canvas per scanout, in scanout order. Each is transferred to the worker. */
  canvases: readonly (HTMLCanvasElement | OffscreenCanvas)[];
  /** Default 'auto': WebGPU, else WebGL2, else canvas 2D. */
  backend?: BackendChoice;
  /** A worker running worker/gpu-worker.ts, when the embedder builds it differently. */
  worker?: Worker;
}

export interface WorkerPresenter extends Presenter {
  /** The backend the worker chose. */
  readonly backend: Backend;
  /** Why better backends were passed over (empty when the first choice worked). */
  readonly notes: readonly string[];
  /** Stops the worker; the canvases go with it. */
  terminate(): void;
}

export async function createWorkerPresenter(options: WorkerPresenterOptions): Promise<WorkerPresenter> {
  if (typeof SharedArrayBuffer === 'undefined' || (typeof crossOriginIsolated !== 'undefined' && !crossOriginIsolated)) {
    throw new Error(
      'virtio-gpu-web: the GPU worker shares resource pixels through SharedArrayBuffer, which needs a cross-origin isolated page: ' +
        "serve it with 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'",
    );
  }
  const offscreen = options.canvases.map((canvas, i) => {
    if (typeof OffscreenCanvas !== 'undefined' && canvas instanceof OffscreenCanvas) return canvas;
    try {
      return (canvas as HTMLCanvasElement).transferControlToOffscreen();
    } catch (error) {
      throw new Error(`virtio-gpu-web: canvases[${i}] cannot be transferred to the GPU worker (it already has a context or was transferred before): ${String(error)}`);
    }
  });
  const worker = options.worker ?? new Worker(new URL('../../worker/gpu-worker.ts', import.meta.url), { type: 'module', name: 'virtio-gpu-web' });
  const remote = Comlink.wrap<GpuWorkerApi>(worker);
  let chosen: { backend: Backend; notes: string[] };
  try {
    chosen = await remote.init(Comlink.transfer(offscreen, offscreen), options.backend ?? 'auto');
  } catch (error) {
    worker.terminate();
    throw error;
  }
  return {
    backend: chosen.backend,
    notes: chosen.notes,
    needsSharedPixels: true,
    createResource: (id: number, image: ResourceImage) => remote.createResource(id, image),
    destroyResource: (id: number) => remote.destroyResource(id),
    setScanout: (index: number, source: ScanoutSource | null) => remote.setScanout(index, source),
    flush: (index: number, rect: Rect) => remote.flush(index, rect),
    setCursor: (index: number, image: CursorImage | null, x: number, y: number) => remote.setCursor(index, image, x, y),
    moveCursor: (index: number, x: number, y: number, visible: boolean) => remote.moveCursor(index, x, y, visible),
    capture: (index: number): Promise<Capture> => remote.capture(index),
    destroy: () => remote.destroy(),
    terminate: () => worker.terminate(),
  };
}
