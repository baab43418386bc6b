/**
 * The GPU worker: owns the scanout canvases and draws them. The VM thread
 * drives it through comlink; resource pixels arrive once, as SharedArrayBuffer
 * views, and every later flush names only a rectangle.
 */
import * as Comlink from 'comlink';
import { createSurfaces, type Backend, type BackendChoice } from '../src/presenters/backends.ts';
import { CompositingPresenter } from '../src/presenters/compositing-presenter.ts';
import type { Capture, CursorImage, Rect, ResourceImage, ScanoutSource } from '../src/presenters/presenter.ts';

let presenter: CompositingPresenter | null = null;

function active(): CompositingPresenter {
  if (!presenter) throw new Error('virtio-gpu-web: the GPU worker was used before init()');
  return presenter;
}

const api = {
  async init(canvases: OffscreenCanvas[], choice: BackendChoice): Promise<{ backend: Backend; notes: string[] }> {
    const { backend, surfaces, notes } = await createSurfaces(canvases, choice);
    presenter = new CompositingPresenter((index) => surfaces[index] ?? null, true);
    return { backend, notes };
  },
  createResource: (id: number, image: ResourceImage) => active().createResource(id, image),
  destroyResource: (id: number) => active().destroyResource(id),
  setScanout: (index: number, source: ScanoutSource | null) => active().setScanout(index, source),
  flush: (index: number, rect: Rect) => active().flush(index, rect),
  setCursor: (index: number, image: CursorImage | null, x: number, y: number) => active().setCursor(index, image, x, y),
  moveCursor: (index: number, x: number, y: number, visible: boolean) => active().moveCursor(index, x, y, visible),
  async capture(index: number): Promise<Capture> {
    const capture = await active().capture(index);
    return Comlink.transfer(capture, [capture.data.buffer as ArrayBuffer]);
  },
  destroy: () => {
    presenter?.destroy();
    presenter = null;
  },
};

export type GpuWorkerApi = typeof api;

Comlink.expose(api);
