/**
 * `npm run conformance -- [--driver virgl|softpipe] [--list FILE] [--timeout S]`:
 * runs piglit's shader_runner tests in the 3d guest and prints each test's
 * result as it is known, then a summary. Exits non-zero when a test failed.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { chromiumPath, chromiumTestArgs } from '../../e2e/chromium.ts';
import { GUEST_READY } from '../../e2e/guest-ready.ts';
import { startDevServer } from '../../e2e/servers.ts';
import { ensureGuestImage } from '../../guest/build-image.mjs';
import { GuestSession } from '../../src/node/guest-session.ts';
import { bootGuest, SerialConsole } from '../../src/playwright/guest.ts';
import { defaultTests, firstLines, parseTestList, runPiglit, summarize, type Driver, type GuestShell, type PiglitResult } from './piglit.ts';

const USAGE = `usage: npm run conformance -- [--driver virgl|softpipe] [--list FILE] [--timeout S]

  --driver D   virgl (default): the 3d guest in Chromium, its Mesa drawing through
               the device's WebGL2 renderer; softpipe: the 3d guest in Node, Mesa
               drawing in software
  --list FILE  the tests to run, one a line, by their path under piglit's folder
               (tests/spec/glsl-1.30/execution/...shader_test); default: the
               execution tests of tests/spec/glsl-1.10 and glsl-1.20, and all
               execution tests of glsl-es-3.00
  --timeout S  seconds one test may take (default 60)`;

const BOOT_SECONDS = 300;

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { driver: { type: 'string', default: 'virgl' }, list: { type: 'string' }, timeout: { type: 'string', default: '60' }, help: { type: 'boolean', default: false } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const driver = values.driver;
  const testTimeout = Number(values.timeout);
  if (values.help || (driver !== 'virgl' && driver !== 'softpipe') || !(testTimeout > 0)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const image = ensureGuestImage('3d');
  const onImage = parseTestList(readFileSync(image.piglitTests as string, 'utf8'));
  const tests = values.list ? parseTestList(readFileSync(values.list, 'utf8')) : defaultTests(onImage);
  const unknown = tests.filter((t) => !onImage.includes(t));
  if (unknown.length) {
    console.error(`not on the 3d image: ${unknown.join(', ')}`);
    return 2;
  }
  console.log(`[conformance] ${tests.length} tests on ${driver}`);
  const started = Date.now();
  const onResult = (r: PiglitResult): void => {
    console.log(`${r.result.padEnd(4)} ${r.test}`);
    if (r.result === 'fail') console.log(firstLines(r.output).replace(/^/gm, '       '));
  };
  const results = await withGuest(driver, (shell) => runPiglit(shell, tests, { driver, testTimeout, onResult }));
  const s = summarize(results);
  console.log(`${s.pass} pass, ${s.fail} fail, ${s.skip} skip of ${s.total} (driver ${driver}, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return s.fail ? 1 : 0;
}

/** Boots the 3d guest where the driver runs (softpipe: Node; virgl: a Chromium page with WebGL2) and gives `use` its shell. */
async function withGuest<T>(driver: Driver, use: (shell: GuestShell) => Promise<T>): Promise<T> {
  if (driver === 'softpipe') {
    const guest = await GuestSession.boot({ image: ensureGuestImage('3d'), scanouts: [{ width: 640, height: 480 }], bootTimeout: BOOT_SECONDS });
    try {
      return await use(async (command, timeout) => (await guest.run(command, timeout)).output);
    } finally {
      await guest.stop();
    }
  }
  // Its own port: the e2e servers may be running.
  const server = await startDevServer();
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumTestArgs });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    await bootGuest(page, `${server.base}/e2e/pages/gl-guest.html`, GUEST_READY, BOOT_SECONDS * 1000, errors);
    const serial = new SerialConsole(page);
    const result = await use((command, timeout) => serial.run(command, { timeout: timeout * 1000 }));
    if (errors.length) console.log(`[conformance] page errors: ${errors.join('; ')}`);
    return result;
  } finally {
    await browser.close();
    await server.close();
  }
}
