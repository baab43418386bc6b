/** What the demo tells a visitor about the drawing backend it fell back to. */
import type { EmbeddedVirtioGpu } from '../embed/v86-embed.ts';

const NAMES = { webgpu: 'WebGPU', webgl2: 'WebGL2', canvas2d: 'canvas 2D' } as const;

/** "display: WebGPU", or "display: canvas 2D (passed over WebGPU: navigator.gpu is missing …; WebGL2: draws on the CPU …)". */
export function fallbackText(gpu: Pick<EmbeddedVirtioGpu, 'backend' | 'notes'>): string {
  const passed = gpu.notes.map((note) => {
    const [backend, ...why] = note.split(': ');
    return `${NAMES[backend as keyof typeof NAMES] ?? backend}: ${why.join(': ')}`;
  });
  return `display: ${NAMES[gpu.backend]}${passed.length ? ` (passed over ${passed.join('; ')})` : ''}`;
}
