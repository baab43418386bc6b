/**
 * Vite plugins for pages that embed virtio-gpu-web: `virtioGpuWeb()` is what
 * every such page needs (the cross-origin isolation headers SharedArrayBuffer
 * needs, from the dev server and `vite preview`, and the GPU worker found
 * inside the package); `offlineApp(...)` makes the build an installable app
 * that runs with the network off (manifest, icons, and a service worker
 * precaching every file of the build).
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, PluginOption, ResolvedConfig, Rollup } from 'vite';
import { appIconPng } from './app-icon.ts';
import { serviceWorkerSource } from './service-worker.ts';

/** The headers that make a page cross-origin isolated (`crossOriginIsolated`, SharedArrayBuffer, Atomics.wait). */
export const CROSS_ORIGIN_ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

/** Sends the cross-origin isolation headers with every answer of `vite` (dev) and `vite preview`. */
export function crossOriginIsolation(): Plugin {
  return {
    name: 'virtio-gpu-web:cross-origin-isolation',
    config: () => ({ server: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } }, preview: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } } }),
  };
}

/**
 * Lets Vite find and build the GPU worker inside the package: keeps
 * virtio-gpu-web out of the dev server's dependency pre-bundling (the library
 * makes its worker with `new URL('./gpu-worker.js', import.meta.url)`, which
 * resolves only from the package's own folder) and, unless the config says
 * otherwise, builds workers as the ES modules they are.
 */
export function gpuWorker(): Plugin {
  return {
    name: 'virtio-gpu-web:gpu-worker',
    config: (user) => ({ optimizeDeps: { exclude: ['virtio-gpu-web'] }, ...(user.worker?.format === undefined && { worker: { format: 'es' as const } }) }),
  };
}

/** Everything a Vite page that embeds virtio-gpu-web needs: `crossOriginIsolation()` and `gpuWorker()`. */
export function virtioGpuWeb(): PluginOption[] {
  return [crossOriginIsolation(), gpuWorker()];
}

export interface OfflineAppOptions {
  /** The app's name, as the install prompt and the launcher show it. */
  name: string;
  shortName?: string;
  description?: string;
  /** Default '#181c26'. */
  themeColor?: string;
  backgroundColor?: string;
  /** Default 'standalone'. */
  display?: 'fullscreen' | 'standalone' | 'minimal-ui' | 'browser';
}

const ICONS = [
  { file: 'icons/icon-192.png', size: 192, maskable: false },
  { file: 'icons/icon-512.png', size: 512, maskable: false },
  { file: 'icons/icon-maskable-512.png', size: 512, maskable: true },
] as const;
const SERVICE_WORKER = 'sw.js';
const MANIFEST = 'manifest.webmanifest';

function publicFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path).split('\\').join('/'));
    }
  };
  try {
    if (statSync(dir).isDirectory()) walk(dir);
  } catch {
    // No public folder: nothing to add.
  }
  return out;
}

/**
 * Workbox's workbox-range-requests as one script for the service worker (it
 * defines `vgwRangeRequests`), bundled by Vite itself in a build of its own.
 */
async function rangeRequestsScript(): Promise<string> {
  const { build } = await import('vite');
  const entry = fileURLToPath(import.meta.resolve('workbox-range-requests/createPartialResponse.mjs'));
  const result = await build({
    configFile: false,
    root: dirname(entry),
    logLevel: 'warn',
    mode: 'production',
    // Workbox keeps its messages and checks for development builds, told apart by this.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: { write: false, copyPublicDir: false, minify: true, lib: { entry, formats: ['iife'], name: 'vgwRangeRequests' } },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const chunk = outputs[0]?.output[0];
  if (!chunk || chunk.type !== 'chunk') throw new Error('virtio-gpu-web/vite: bundling workbox-range-requests for the service worker gave no script');
  return chunk.code;
}

/**
 * Makes `vite build` an installable offline app: writes `manifest.webmanifest`
 * and icons, links them from index.html, and adds a service worker that
 * precaches every file the build writes (including what other plugins emit)
 * and answers with the cross-origin isolation headers.
 */
export function offlineApp(options: OfflineAppOptions): Plugin {
  let config: ResolvedConfig;
  const theme = options.themeColor ?? '#181c26';
  return {
    name: 'virtio-gpu-web:offline-app',
    apply: 'build',
    enforce: 'post',
    configResolved(resolved) {
      config = resolved;
    },
    transformIndexHtml: () => [
      { tag: 'link', attrs: { rel: 'manifest', href: `${config.base}${MANIFEST}` }, injectTo: 'head' },
      { tag: 'meta', attrs: { name: 'theme-color', content: theme }, injectTo: 'head' },
      { tag: 'link', attrs: { rel: 'icon', href: `${config.base}${ICONS[0].file}`, type: 'image/png' }, injectTo: 'head' },
      { tag: 'link', attrs: { rel: 'apple-touch-icon', href: `${config.base}${ICONS[0].file}` }, injectTo: 'head' },
      {
        tag: 'script',
        attrs: { type: 'module' },
        children: `if ('serviceWorker' in navigator) navigator.serviceWorker.register(${JSON.stringify(`${config.base}${SERVICE_WORKER}`)}, { scope: ${JSON.stringify(config.base)} });`,
        injectTo: 'head',
      },
    ],
    async generateBundle(_output, bundle) {
      for (const icon of ICONS) this.emitFile({ type: 'asset', fileName: icon.file, source: appIconPng(icon.size, icon.maskable) });
      const manifest = {
        name: options.name,
        short_name: options.shortName ?? options.name,
        ...(options.description && { description: options.description }),
        start_url: config.base,
        scope: config.base,
        display: options.display ?? 'standalone',
        theme_color: theme,
        background_color: options.backgroundColor ?? theme,
        icons: ICONS.map((icon) => ({ src: `${config.base}${icon.file}`, sizes: `${icon.size}x${icon.size}`, type: 'image/png', ...(icon.maskable && { purpose: 'maskable' }) })),
      };
      this.emitFile({ type: 'asset', fileName: MANIFEST, source: `${JSON.stringify(manifest, null, 2)}\n` });
      const files = [...new Set([...Object.keys(bundle), ...ICONS.map((i) => i.file), MANIFEST, ...(config.publicDir ? publicFiles(config.publicDir) : [])])].filter((f) => f !== SERVICE_WORKER).sort();
      const hash = createHash('sha256');
      for (const file of files) {
        const item = bundle[file];
        hash.update(file);
        if (item) hash.update(item.type === 'chunk' ? item.code : item.source);
      }
      const version = hash.digest('hex').slice(0, 16);
      const manifestOfFiles = { version, files: files.map((f) => (f === 'index.html' ? '' : f)).concat('index.html'), headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } };
      this.emitFile({ type: 'asset', fileName: SERVICE_WORKER, source: serviceWorkerSource(manifestOfFiles, await rangeRequestsScript()) });
    },
  };
}
