import { createReadStream, statSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import { ensureGuestImage, recipeHash } from './guest/build-image.mjs';
import { sourceHash } from './scripts/source-hash.mjs';

/** SharedArrayBuffer (resource pixels shared with the GPU worker) needs a cross-origin isolated page. */
export const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

const GUEST_FILES = { 'vmlinuz': 'kernel', 'initramfs.cpio': 'initrd', 'bios.bin': 'bios' } as const;

/** Serves the guest image built by guest/build-image.mjs at /guest-image/<file> (building it on first use). */
function guestImage(): Plugin {
  return {
    name: 'virtio-gpu-web:guest-image',
    configureServer(server) {
      server.middlewares.use('/guest-image', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\//, '').split('?')[0] as keyof typeof GUEST_FILES | 'id';
        if (name === 'id') {
          // Names the guest image and the code: a snapshot taken under another id is never resumed.
          res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', ...crossOriginIsolation });
          res.end(JSON.stringify({ id: `${recipeHash()}-${sourceHash()}` }));
          return;
        }
        if (!(name in GUEST_FILES)) return next();
        const path = ensureGuestImage()[GUEST_FILES[name]];
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': statSync(path).size, 'Cache-Control': 'no-cache', ...crossOriginIsolation });
        createReadStream(path).pipe(res);
      });
    },
  };
}

export default defineConfig({
  plugins: [guestImage()],
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['v86'] },
});
