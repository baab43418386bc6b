// `npm start`: prepares what the demo needs (npm packages, the guest image)
// and serves it with Vite. Open the printed address in Chromium.
import { ensureGuestImage } from '../guest/build-image.mjs';
import { ensureNpmPackages, fail, prepare, run, step } from './setup.mjs';

ensureNpmPackages();
prepare('Guest image (Debian i386 kernel + busybox initramfs, cached in .cache/guest)', 'the guest image could not be built', () => ensureGuestImage());
const port = process.env.PORT ?? '5173';
step(`Serving the demo: open http://localhost:${port}/ in Chromium (Ctrl-C stops)`);
if (!run('npx', ['vite', '--port', port, '--strictPort', '--host', process.env.HOST ?? 'localhost', ...process.argv.slice(2)])) fail('vite stopped with an error');
