import { defineConfig } from 'vite';
import { offlineApp, virtioGpuWeb } from 'virtio-gpu-web/vite';

export default defineConfig({
  plugins: [
    virtioGpuWeb(), // COOP/COEP on `vite` and `vite preview` (SharedArrayBuffer works), and the GPU worker found inside the package
    offlineApp({ name: 'My VM', shortName: 'VM' }), // `vite build` writes a manifest, icons and a precaching service worker
  ],
});
