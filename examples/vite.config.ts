import { defineConfig } from 'vite';
import { crossOriginIsolation, offlineApp } from 'virtio-gpu-web/vite';

export default defineConfig({
  plugins: [
    crossOriginIsolation(), // COOP/COEP on `vite` and `vite preview`: SharedArrayBuffer works
    offlineApp({ name: 'My VM', shortName: 'VM' }), // `vite build` writes a manifest, icons and a precaching service worker
  ],
  worker: { format: 'es' },
});
