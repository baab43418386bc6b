import { copyFileSync, createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Alias, type Plugin } from 'vite';
import { ensureGuestImage, recipeHash } from './guest/build-image.mjs';
import { sourceHash } from './scripts/source-hash.mjs';
import { CROSS_ORIGIN_ISOLATION_HEADERS, crossOriginIsolation, offlineApp } from './src/vite/index.ts';

/** The package's own names resolve to its sources here, so examples and tests import it as users do (tsconfig.json `paths` says the same). */
export const packageAliases: Alias[] = [
  { find: /^virtio-gpu-web$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  { find: /^virtio-gpu-web\/(playwright|vite)$/, replacement: fileURLToPath(new URL('./src/$1/index.ts', import.meta.url)) },
];

const GUEST_FILES = { 'vmlinuz': 'kernel', 'initramfs.cpio': 'initrd', 'bios.bin': 'bios' } as const;
/** The 3d image adds its root disk; the dev server serves it at /guest-image/3d/<file> (built on first use, about a minute), the disk in ranges too. */
const GUEST_3D_FILES = { ...GUEST_FILES, 'disk.img': 'disk' } as const;

/** Names the guest images and the code: a snapshot taken under another id is never resumed. */
const imageId = (): string => JSON.stringify({ id: `${recipeHash()}-${recipeHash('3d')}-${sourceHash()}` });
/** Names the 3d image alone: the offline app keeps its files under this id. */
const image3dId = (): string => JSON.stringify({ id: recipeHash('3d') });

/** A file to GET or HEAD, whole or one byte range: v86 reads the 3d image's disk on demand, in ranges. */
function sendFile(req: IncomingMessage, res: ServerResponse, path: string): void {
  const size = statSync(path).size;
  const headers = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache', ...CROSS_ORIGIN_ISOLATION_HEADERS };
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const end = range?.[2] ? Math.min(size - 1, Number(range[2])) : size - 1;
  if (range && start > end) {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` });
    res.end();
    return;
  }
  res.writeHead(range ? 206 : 200, { ...headers, 'Content-Length': end - start + 1, ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}) });
  if (req.method === 'HEAD') res.end();
  else createReadStream(path, { start, end }).pipe(res);
}

function sendJson(res: ServerResponse, json: string): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', ...CROSS_ORIGIN_ISOLATION_HEADERS });
  res.end(json);
}

/**
 * The guest images built by guest/build-image.mjs at /guest-image/<file> and
 * /guest-image/3d/<file>: served by the dev server, written into the build
 * (building them on first use). The 2d image is part of the bundle, so the
 * offline app precaches it; the 3d image is copied beside it, never
 * precached (its disk is hundreds of MiB): the page keeps it when asked.
 */
function guestImage(): Plugin {
  return {
    name: 'virtio-gpu-web:guest-image',
    configureServer(server) {
      server.middlewares.use('/guest-image/3d', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0] as keyof typeof GUEST_3D_FILES | 'id';
        if (name === 'id') return sendJson(res, image3dId());
        if (!(name in GUEST_3D_FILES)) return next();
        sendFile(req, res, ensureGuestImage('3d')[GUEST_3D_FILES[name]] as string);
      });
      server.middlewares.use('/guest-image', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0] as keyof typeof GUEST_FILES | 'id';
        if (name === 'id') return sendJson(res, imageId());
        if (!(name in GUEST_FILES)) return next();
        sendFile(req, res, ensureGuestImage()[GUEST_FILES[name]]);
      });
    },
    generateBundle() {
      const image = ensureGuestImage();
      for (const [name, key] of Object.entries(GUEST_FILES)) this.emitFile({ type: 'asset', fileName: `guest-image/${name}`, source: readFileSync(image[key]) });
      this.emitFile({ type: 'asset', fileName: 'guest-image/id', source: imageId() });
    },
    writeBundle({ dir }) {
      if (!dir) return;
      const image = ensureGuestImage('3d');
      const out = join(dir, 'guest-image/3d');
      mkdirSync(out, { recursive: true });
      for (const [name, key] of Object.entries(GUEST_3D_FILES)) copyFileSync(image[key] as string, join(out, name));
      writeFileSync(join(out, 'id'), image3dId());
    },
  };
}

export default defineConfig({
  plugins: [
    crossOriginIsolation(),
    guestImage(),
    offlineApp({ name: 'virtio-gpu-web: Linux on a virtio-gpu display', shortName: 'virtio-gpu-web', description: 'Linux boots in v86 in the page; its own virtio_gpu driver draws through a GPU worker.' }),
  ],
  resolve: { alias: packageAliases },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['v86'] },
  build: { outDir: 'dist/app', emptyOutDir: true, chunkSizeWarningLimit: 4096 },
});
