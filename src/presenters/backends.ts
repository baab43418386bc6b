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

/**
 * Creates surfaces with the first backend that works; `onLost` hears of a lost
 * WebGPU device. 'auto' passes over a GPU backend that draws on the CPU
 * (SwiftShader, llvmpipe): for 2D scanouts canvas 2D is faster there, and the
 * CPU it saves is the VM's. For the virgl renderer (`virgl`) and one
 * scanout, 'auto' takes WebGL2 first, on any GPU: the renderer shares its
 * context, and its frames are shown with no readback (twice the frames of a
 * readback on SwiftShader: `npm run bench -- --only=present3d`).
 */
export async function createSurfaces(canvases: readonly OffscreenCanvas[], choice: BackendChoice, onLost: (reason: string) => void = () => {}, virgl = false): Promise<Surfaces> {
  const shared = virgl && canvases.length === 1;
  const order: Backend[] = choice !== 'auto' ? [choice] : shared ? ['webgl2', 'webgpu', 'canvas2d'] : ['webgpu', 'webgl2', 'canvas2d'];
  const notes: string[] = [];
  for (const backend of order) {
    try {
      const passable = choice === 'auto' && backend !== 'canvas2d' && !(shared && backend === 'webgl2');
      const software = passable ? await softwareRenderer(backend) : null;
      if (software) {
        notes.push(`${backend}: draws on the CPU (${software}); canvas 2D is faster for 2D scanouts`);
        continue;
      }
      return { backend, notes, ...(await make(backend, canvases, onLost)) };
    } catch (error) {
      notes.push(`${backend}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`virtio-gpu-web: no drawing backend works here (${notes.join('; ')})`);
}

const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software/i;

/** The name of the software rasterizer behind `backend`, or null for a real GPU (or when it cannot tell). */
async function softwareRenderer(backend: 'webgpu' | 'webgl2'): Promise<string | null> {
  if (backend === 'webgpu') {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) return null;
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const name = [info.vendor, info.architecture, info.description].join(' ');
    return info.isFallbackAdapter || SOFTWARE_RENDERERS.test(name) ? name.trim() || 'a fallback adapter' : null;
  }
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  if (!gl) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return SOFTWARE_RENDERERS.test(name) ? name : null;
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
