// `npm run bench [-- --quick]`: installs what is missing (npm packages, Debian's
// chromium, the guest image), then runs bench/run.ts and prints its table.
import { ensureGuestImage } from '../guest/build-image.mjs';
import { CHROMIUM, ensureDebianPackages, ensureNpmPackages, fail, run, step } from './setup.mjs';

ensureNpmPackages();
ensureDebianPackages([CHROMIUM], 'the browser the benchmarks run in');
step('Guest images (the 3d one for the disk readers)');
ensureGuestImage();
ensureGuestImage('3d');
step(`Benchmarks${process.argv.includes('--quick') ? ' (quick)' : ''}: every figure against a baseline measured in the same run`);
if (!run('node', ['scripts/run-ts.mjs', 'bench/run.ts', ...process.argv.slice(2)])) fail('the benchmark failed: see above');
