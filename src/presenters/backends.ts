/** Picks the best drawing backend a canvas offers and makes one surface per scanout canvas. */
import { Canvas2DSurface } from './canvas2d-surface.ts';
import type { Surface } from './compositing-presenter.ts';
import { WebGL2Surface } from './webgl2-surface.ts';
import { WebGPUSurface } from './webgpu-surface.ts';

export type Backend = 'webgpu' | 'webgl2' | 'canvas2d';
export type BackendChoice = Backend | 'auto';

export interface Surfaces {
  backend: Backend;
  surfaces: Surface[];
  /** Why better backends were passed over, for the embedder to show. */
  notes: string[];
  /** The WebGPU device the surfaces draw with (null for the other backends). */
  gpu: GPUDevice | null;
}

/** Creates surfaces with the first backend that works; `onLost` hears of a lost WebGPU device. */
export async function createSurfaces(canvases: readonly OffscreenCanvas[], choice: BackendChoice, onLost: (reason: string) => void = () => {}): Promise<Surfaces> {
  const order: Backend[] = choice === 'auto' ? ['webgpu', 'webgl2', 'canvas2d'] : [choice];
  const notes: string[] = [];
  for (const backend of order) {
    try {
      return { backend, notes, ...(await make(backend, canvases, onLost)) };
    } catch (error) {
      notes.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`virtio-gpu-web: no drawing backend works here (${notes.join('; ')})`);
}

async function make(backend: Backend, canvases: readonly OffscreenCanvas[], onLost: (reason: string) => void): Promise<{ surfaces: Surface[]; gpu: GPUDevice | null }> {
  switch (backend) {
    case 'webgpu': {
      if (!('gpu' in navigator) || !navigator.gpu) throw new Error('navigator.gpu is missing (WebGPU is off or unsupported)');
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) throw new Error('no WebGPU adapter');
      const gpu = await adapter.requestDevice();
      void gpu.lost.then((info) => onLost(`${info.reason}: ${info.message}`));
      return { surfaces: canvases.map((canvas) => new WebGPUSurface(gpu, canvas)), gpu };
    }
    case 'webgl2':
      return { surfaces: canvases.map((canvas) => new WebGL2Surface(canvas)), gpu: null };
    case 'canvas2d':
      return { surfaces: canvases.map((canvas) => new Canvas2DSurface(canvas)), gpu: null };
  }
}
