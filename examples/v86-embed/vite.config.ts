import { defineConfig } from 'vite';
import { virtioGpuWeb } from 'virtio-gpu-web/vite';

export default defineConfig({
  plugins: [virtioGpuWeb()], // cross-origin isolation headers, and the GPU worker found inside the package
});
