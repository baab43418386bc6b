/** Debian's Chromium, with the flags this machine needs (see FIELD-NOTES: closed network, SwiftShader WebGPU). */
import { execFileSync } from 'node:child_process';

export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Chromium is not installed: run `npm test` (it installs Debian\'s chromium) or set CHROMIUM_PATH');
  }
}

/** Chromium as it runs on this machine by itself: no GPU, so software compositing and a software canvas. */
export const chromiumPlainArgs = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/**
 * SwiftShader standing in for a GPU, so that WebGL2 and WebGPU run at all here.
 * Chromium then also composites and draws canvases through it, as it would on
 * a GPU, at a software renderer's cost.
 */
export const chromiumArgs = [
  ...chromiumPlainArgs,
  '--enable-unsafe-webgpu',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
  // A custom --enable-features replaces Playwright's own list, so its two features are repeated here.
  '--enable-features=Vulkan,CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies',
];

/**
 * The browser the tests drive: V8 compiles WebAssembly with its baseline
 * compiler only. On this machine's two cores, Chromium 156 compiling v86's
 * many small JIT modules with its optimizing compiler halves the guest's
 * speed (cold boot to the shell: 27 s by default, 13.5 s with this flag; Node
 * takes 12 s), and the tests that run the guest under load then time out.
 * The benchmark keeps Chromium's defaults, so its figures are what a page's
 * visitors get.
 */
export const chromiumTestArgs = [...chromiumArgs, '--js-flags=--liftoff-only'];
