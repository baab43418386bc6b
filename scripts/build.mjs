// `npm run build`: the demo as an installable offline app in dist/app (guest
// images, v86 and its wasm, the GPU worker, manifest, icons, service worker),
// and the API reference in docs/API.md. Works from a fresh clone: installs the
// npm packages and builds the guest image first.
import { ensureGuestImage } from '../guest/build-image.mjs';
import { ensureNpmPackages, fail, prepare, run, step } from './setup.mjs';

ensureNpmPackages();
prepare('Guest image (Debian i386 kernel + busybox initramfs, cached in .cache/guest)', 'the guest image could not be built', () => ensureGuestImage());
prepare("3d guest image (Mesa, weston and a disk; copied beside the app, kept offline only when a user asks)", 'the 3d guest image could not be built', () => ensureGuestImage('3d'));
step('API reference (docs/API.md, from the types of the public exports)');
if (!run('node', ['scripts/run-ts.mjs', 'scripts/api-docs.ts'])) fail('the API reference could not be generated');
step('The offline app (vite build into dist/app)');
if (!run('npx', ['vite', 'build'])) fail('vite build failed');
step('Built: serve dist/app with `npx vite preview` (it sends the cross-origin isolation headers)');
