/** The demo's stats line: frames, commands and bytes per second, and with 3D its draws and GPU memory, refreshed twice a second. */
import type { EmbeddedVirtioGpu } from '../embed/v86-embed.ts';

function bytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

export function showStats(element: HTMLElement, gpu: Pick<EmbeddedVirtioGpu, 'stats'>): void {
  const draw = (): void => {
    const s = gpu.stats();
    element.textContent =
      `${s.framesPerSecond.toFixed(1)} fps · ${Math.round(s.commandsPerSecond)} cmd/s · ${bytes(s.bytesPerSecond)}/s` +
      ` · total ${s.frames} frames, ${s.commands} commands, ${bytes(s.bytesFromGuest + s.bytesToGuest)}` +
      (s.threeD ? ` · 3D ${Math.round(s.threeD.drawsPerSecond)} draws/s, ${bytes(s.threeD.gpuBytes)} on the GPU` : '');
    element.dataset.fps = String(s.framesPerSecond);
    element.dataset.commands = String(s.commands);
    element.dataset.bytes = String(s.bytesFromGuest + s.bytesToGuest);
  };
  draw();
  setInterval(draw, 500);
}
