import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, preview, resolveConfig, type InlineConfig } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import exampleConfig from '../../examples/vite.config.ts';
import { packageAliases } from '../../vite.config.ts';

const outDir = mkdtempSync(join(tmpdir(), 'vgw-vite-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** The README's Vite config, building the channel example page. */
const config = (): InlineConfig => ({ ...exampleConfig, configFile: false, root: 'examples/channel-vmm', logLevel: 'silent', resolve: { alias: packageAliases }, build: { outDir, emptyOutDir: true } });

describe('virtio-gpu-web/vite', () => {
  it('offlineApp() builds an installable app whose service worker precaches every file', async () => {
    await build(config());
    const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.webmanifest'), 'utf8')) as { name: string; icons: { src: string; sizes: string }[] };
    expect(manifest).toMatchObject({ name: 'My VM', short_name: 'VM', start_url: '/', display: 'standalone' });
    expect(manifest.icons.map((i) => i.sizes)).toEqual(['192x192', '512x512', '512x512']);
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest">');
    expect(html).toContain('navigator.serviceWorker.register("/sw.js"');
    const sw = readFileSync(join(outDir, 'sw.js'), 'utf8');
    const precache = JSON.parse(/\(self, (\{.*?\}), "virtio-gpu-web-kept-", vgwRangeRequests\.createPartialResponse\);\n$/.exec(sw)![1]!) as { files: string[]; headers: Record<string, string> };
    expect(precache.files).toEqual(expect.arrayContaining(['', 'index.html', 'manifest.webmanifest', 'icons/icon-192.png']));
    expect(precache.files.some((f) => /^assets\/gpu-worker-.*\.js$/.test(f)), 'the GPU worker').toBe(true);
    expect(precache.files.some((f) => /^assets\/vmm-worker-.*\.js$/.test(f)), 'the example VMM worker').toBe(true);
    expect(precache.headers).toMatchObject({ 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    expect(() => new Function(sw)).not.toThrow();
    // Workbox's range requests are bundled in, built for production (no `process` in a service worker).
    expect(sw).toContain('var vgwRangeRequests=');
    expect(sw).not.toContain('process.env');
  });

  it('virtioGpuWeb() keeps the package out of pre-bundling, where its worker URL would not resolve, and builds workers as ES modules', async () => {
    const resolved = await resolveConfig(config(), 'serve');
    expect(resolved.optimizeDeps.exclude).toContain('virtio-gpu-web');
    expect(resolved.worker.format).toBe('es');
    const chosen = await resolveConfig({ ...config(), worker: { format: 'iife' } }, 'build');
    expect(chosen.worker.format, "the page's own choice stands").toBe('iife');
  });

  it('virtioGpuWeb() makes `vite preview` send COOP and COEP', async () => {
    const server = await preview({ ...config(), preview: { port: 0, host: '127.0.0.1' } });
    try {
      const url = server.resolvedUrls!.local[0]!;
      for (const path of ['', 'sw.js']) {
        const response = await fetch(new URL(path, url));
        expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
        expect(response.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      }
    } finally {
      await server.close();
    }
  });
});
