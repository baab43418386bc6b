/** What the demo tells a visitor about the browser: what is missing, and which drawing backend it fell back to. */
import type { EmbeddedVirtioGpu } from '../embed/v86-embed.ts';

/** Why the demo cannot run here at all, or null. */
export function environmentProblem(): string | null {
  if (typeof SharedArrayBuffer === 'undefined' || !crossOriginIsolated) {
    return (
      'this page is not cross-origin isolated, so SharedArrayBuffer is unavailable and the GPU worker cannot share the guest\'s pixels. ' +
      "The server must send 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp' " +
      '(virtio-gpu-web/vite does it for Vite).'
    );
  }
  if (typeof OffscreenCanvas === 'undefined') return 'this browser has no OffscreenCanvas, which the GPU worker draws on.';
  return null;
}

const NAMES = { webgpu: 'WebGPU', webgl2: 'WebGL2', canvas2d: 'canvas 2D' } as const;

/** "display: WebGPU", or "display: canvas 2D (passed over WebGPU: navigator.gpu is missing …; WebGL2: draws on the CPU …)". */
export function fallbackText(gpu: Pick<EmbeddedVirtioGpu, 'backend' | 'notes'>): string {
  const passed = gpu.notes.map((note) => {
    const [backend, ...why] = note.split(': ');
    return `${NAMES[backend as keyof typeof NAMES] ?? backend}: ${why.join(': ')}`;
  });
  return `display: ${NAMES[gpu.backend]}${passed.length ? ` (passed over ${passed.join('; ')})` : ''}`;
}
