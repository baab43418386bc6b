/**
 * The offline app keeps the 3d guest when the user asks: its files (the disk
 * is hundreds of MiB, so the service worker does not precache it for every
 * visitor) go into a cache of the page's own, named after the image, which
 * the app's service worker answers from, the disk's byte ranges included.
 */
import { KEPT_CACHE_PREFIX } from '../vite/service-worker.ts';
import { GUEST_3D_BASE } from './guest-image.ts';

const FILES = ['bios.bin', 'vmlinuz', 'initramfs.cpio', 'disk.img', 'id'];
const CACHE_PREFIX = `${KEPT_CACHE_PREFIX}3d-`;

export interface Keeping {
  /** The 3d image's files are all in the cache. */
  kept: boolean;
  /** Their bytes together. */
  bytes: number;
}

async function imageCacheName(): Promise<string> {
  const { id } = (await (await fetch(`${GUEST_3D_BASE}/id`)).json()) as { id: string };
  return `${CACHE_PREFIX}${id}`;
}

/**
 * Whether the current 3d image is kept, and how large it is, once a service
 * worker controls the page (never, where none is registered: the dev server);
 * null where the browser has no service workers.
 */
export async function keptState(): Promise<Keeping | null> {
  if (!('caches' in self) || !('serviceWorker' in navigator)) return null;
  const workers = navigator.serviceWorker;
  await workers.ready;
  if (!workers.controller) await new Promise((resolve) => workers.addEventListener('controllerchange', resolve, { once: true }));
  const name = await imageCacheName();
  const cache = (await caches.has(name)) ? await caches.open(name) : null;
  let bytes = 0;
  let kept = cache !== null;
  for (const file of FILES) {
    const url = `${GUEST_3D_BASE}/${file}`;
    const cached = await cache?.match(url);
    if (!cached) kept = false;
    bytes += Number((cached ?? (await fetch(url, { method: 'HEAD' }))).headers.get('Content-Length') ?? 0);
  }
  return { kept, bytes };
}

/** Puts the 3d image's files into the cache, telling `progress` the bytes stored so far; drops caches of other 3d images. */
export async function keep3dImage(progress: (stored: number) => void): Promise<void> {
  const name = await imageCacheName();
  const cache = await caches.open(name);
  let stored = 0;
  for (const file of FILES) {
    const url = `${GUEST_3D_BASE}/${file}`;
    const response = await fetch(url, { cache: 'no-store' });
    if (!response.ok || !response.body) throw new Error(`${url}: HTTP ${response.status}`);
    // One branch goes to the cache, the other counts what passes.
    const [toCache, toCount] = response.body.tee();
    const counting = (async () => {
      const reader = toCount.getReader();
      for (let part = await reader.read(); !part.done; part = await reader.read()) progress((stored += part.value.byteLength));
    })();
    await Promise.all([cache.put(url, new Response(toCache, { status: 200, headers: response.headers })), counting]);
  }
  for (const other of await caches.keys()) if (other.startsWith(CACHE_PREFIX) && other !== name) await caches.delete(other);
}
