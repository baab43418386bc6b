/** What the browser must have for the device to run in a page, checked before anything is touched. */

/** Whether module workers (`new Worker(url, { type: 'module' })`) exist: a browser without them never reads the `type` option. */
function hasModuleWorkers(): boolean {
  if (typeof Worker === 'undefined') return false;
  let read = false;
  const options = {
    get type(): WorkerType {
      read = true;
      return 'module';
    },
  };
  try {
    new Worker('data:,', options).terminate();
  } catch {
    // A browser that refuses the URL has still read the options.
  }
  return read;
}

/** Why the device cannot run on this page, or null when it can. */
export function missingRequirements(): string | null {
  if (typeof SharedArrayBuffer === 'undefined' || (typeof crossOriginIsolated !== 'undefined' && !crossOriginIsolated)) {
    return (
      "this page is not cross-origin isolated, so SharedArrayBuffer is unavailable and the GPU worker cannot share the guest's pixels. " +
      "The server must send 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp' " +
      '(virtio-gpu-web/vite does it for Vite).'
    );
  }
  if (typeof OffscreenCanvas === 'undefined' || typeof HTMLCanvasElement === 'undefined' || !('transferControlToOffscreen' in HTMLCanvasElement.prototype)) {
    return 'this browser cannot hand a canvas to a worker (OffscreenCanvas, transferControlToOffscreen), which the GPU worker draws on.';
  }
  if (!hasModuleWorkers()) return 'this browser has no module workers (new Worker(url, { type: "module" })), which the GPU worker is.';
  return null;
}
