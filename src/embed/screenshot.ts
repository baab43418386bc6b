/** A captured scanout as an image file, in the browser. */
import type { Capture } from '../presenters/presenter.ts';

export async function captureToBlob(capture: Capture, type = 'image/png'): Promise<Blob> {
  const canvas = new OffscreenCanvas(capture.width, capture.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('virtio-gpu-web: no 2D canvas context for the screenshot');
  const rgba = new Uint8ClampedArray(capture.data.length);
  rgba.set(capture.data);
  context.putImageData(new ImageData(rgba, capture.width, capture.height), 0, 0);
  return canvas.convertToBlob({ type });
}
