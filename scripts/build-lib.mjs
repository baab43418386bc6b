// `npm run build:lib` (and `npm pack`'s prepack): the package as consumers
// install it, in dist/:
//   index.js       the library for pages (comlink inside: no bare imports)
//   gpu-worker.js  the GPU worker, self-contained; index.js makes it with
//                  `new Worker(new URL('./gpu-worker.js', import.meta.url))`,
//                  the form Vite, webpack 5 and plain pages all resolve
//   playwright.js, vite.js   the Node entry points
//   types/         declarations (tsc)
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { ensureNpmPackages, fail, root, run, step } from './setup.mjs';

const dist = join(root, 'dist');
/** The worker's URL as the sources write it, and as it must read next to dist/index.js. */
const WORKER_URL_IN_SOURCE = "new URL('../../worker/gpu-worker.ts', import.meta.url)";
const WORKER_URL_IN_DIST = 'new URL("./gpu-worker.js", import.meta.url)';
const WORKER_MAKER = join(root, 'src', 'presenters', 'worker-presenter.ts');

/** Points the worker's URL at the built worker; the build fails if the sources stop spelling it as expected. */
const workerUrl = {
  name: 'virtio-gpu-web:worker-url',
  transform(code, id) {
    if (id !== WORKER_MAKER) return null;
    if (!code.includes(WORKER_URL_IN_SOURCE)) throw new Error(`${WORKER_MAKER} no longer names its worker as ${WORKER_URL_IN_SOURCE}: update scripts/build-lib.mjs`);
    // Same length, so every other position (and the source map) stays right.
    return { code: code.replace(WORKER_URL_IN_SOURCE, WORKER_URL_IN_DIST.padEnd(WORKER_URL_IN_SOURCE.length)), map: null };
  },
};

const nodeExternal = [...builtinModules, /^node:/, 'vite', /^@playwright\//, /^playwright/];

async function bundle(input, { platform, external = [], plugins = [] }) {
  await build({ input, platform, external, plugins, output: { dir: dist, format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true }, logLevel: 'warn' });
}

ensureNpmPackages();
const { build } = await import('rolldown');

step('Library build (dist/: the page library, the GPU worker, the Vite and Playwright entry points, declarations)');
// dist/app is the demo's (`npm run build`), which may be building or served meanwhile.
for (const entry of existsSync(dist) ? readdirSync(dist) : []) if (entry !== 'app') rmSync(join(dist, entry), { recursive: true, force: true });
try {
  // Each bundle alone, so the worker and the page library share no chunk.
  await bundle({ index: 'src/index.ts' }, { platform: 'browser', plugins: [workerUrl] });
  await bundle({ 'gpu-worker': 'worker/gpu-worker.ts' }, { platform: 'browser' });
  await bundle({ playwright: 'src/playwright/index.ts', vite: 'src/vite/index.ts' }, { platform: 'node', external: nodeExternal });
} catch (error) {
  fail(`the library could not be bundled: ${error.message}`);
}
if (!readFileSync(join(dist, 'index.js'), 'utf8').includes(WORKER_URL_IN_DIST)) fail('dist/index.js does not make the GPU worker from ./gpu-worker.js');
if (!run('npx', ['tsc', '-p', 'tsconfig.build.json'])) fail('the declarations could not be generated');
