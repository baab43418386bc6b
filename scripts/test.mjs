// The whole test suite from a fresh clone: installs what is missing, runs the
// unit tests (vitest) and the browser tests (Playwright in Debian's Chromium,
// and Debian's Firefox ESR through puppeteer-core), and ends with one line:
// "N passed, N failed".
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureGuestImage } from '../guest/build-image.mjs';
import { ensureOracle } from './oracle.mjs';
import { CHROMIUM, ensureDebianPackages, ensureNpmPackages, FIREFOX, GLSLANG, fail, prepare, root, run, step } from './setup.mjs';

ensureNpmPackages();
ensureDebianPackages([CHROMIUM, ...FIREFOX], 'the browsers for the end-to-end tests');
ensureDebianPackages([GLSLANG], "Khronos' reference GLSL compiler, which checks the shaders the virgl renderer writes");
prepare('Guest images (Debian i386 kernel + busybox initramfs; the 3d one adds a disk with Mesa; cached in .cache/guest)', 'a guest image could not be built', () => {
  ensureGuestImage('2d');
  ensureGuestImage('3d');
});
prepare('Reference renderer (virglrenderer on llvmpipe, built into .cache/oracle)', 'the reference renderer could not be built', ensureOracle);

const results = join(root, 'test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

step('Type check (strict TypeScript, and the declarations the package ships)');
const typesOk = run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) && run('npx', ['tsc', '-p', 'tsconfig.build.json', '--noEmit']);

step('Unit tests (vitest)');
const unitOk = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${join(results, 'unit.json')}`]);

step('Guest tests in Node (Linux in v86 driving the device)');
const guestOk = run('npx', ['vitest', 'run', '-c', 'vitest.guest.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${join(results, 'guest.json')}`]);

step('Browser tests (Playwright: Chromium, and Firefox ESR through puppeteer-core)');
const e2eOk = run('npx', ['playwright', 'test']);

/**
 * Passed and failed counts from a runner's JSON report, and each failed test
 * named with its error's first line, so the last lines of a CI log say what
 * failed; a runner that failed without failing tests counts as one failure.
 */
function tally(name, ok, file, read) {
  let counts;
  try {
    counts = read(JSON.parse(readFileSync(join(results, file), 'utf8')));
  } catch {
    counts = { passed: 0, failed: 0, failures: [] };
  }
  const broken = !ok && counts.failed === 0;
  console.log(`${name}: ${counts.passed} passed, ${counts.failed + (broken ? 1 : 0)} failed${broken ? ' (the runner itself failed: see its output above)' : ''}`);
  for (const f of counts.failures) console.log(`  failed: ${f}`);
  return { passed: counts.passed, failed: counts.failed + (broken ? 1 : 0) };
}

const firstLine = (message) => String(message ?? '').replace(/\x1b\[[0-9;]*m/g, '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';

const vitestCounts = (r) => ({
  passed: r.numPassedTests,
  failed: r.numFailedTests,
  failures: r.testResults.flatMap((file) =>
    file.assertionResults.filter((t) => t.status === 'failed').map((t) => `${file.name.replace(`${root}/`, '')} › ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`)),
});

function playwrightFailures(suite, path = []) {
  const here = suite.title && !suite.title.endsWith('.ts') ? [...path, suite.title] : path;
  const own = (suite.specs ?? []).flatMap((spec) =>
    spec.tests.filter((t) => t.status === 'unexpected' || t.status === 'flaky').map((t) => {
      const error = t.results.find((r) => r.status !== 'passed')?.error?.message;
      return `[${t.projectName}] ${spec.file}:${spec.line} › ${[...here, spec.title].join(' › ')}${t.status === 'flaky' ? ' (flaky)' : ''}: ${firstLine(error)}`;
    }));
  return [...own, ...(suite.suites ?? []).flatMap((s) => playwrightFailures(s, here))];
}

console.log('');
const unit = tally('unit', unitOk, 'unit.json', vitestCounts);
const guest = tally('guest', guestOk, 'guest.json', vitestCounts);
const e2e = tally('browser', e2eOk, 'e2e.json', (r) => ({ passed: r.stats.expected, failed: r.stats.unexpected + r.stats.flaky, failures: r.suites.flatMap((s) => playwrightFailures(s)) }));
if (!typesOk) console.log('types: the type check failed (see its output above)');
const failed = unit.failed + guest.failed + e2e.failed + (typesOk ? 0 : 1);
console.log(`${unit.passed + guest.passed + e2e.passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
