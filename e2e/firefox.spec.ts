/**
 * The pages in Firefox ESR: the demo, the embedding example and the channel
 * example, each drawing Linux (or the VMM's frame) on its canvas, with the
 * backend the device chose and why it passed over better ones; the WebGL2
 * backend drawing in Firefox's own WebGL2; and the 3d guest's GL programs
 * drawn by the virgl renderer on that WebGL2 (Mesa's llvmpipe under Xvfb),
 * so that the renderer is shown to lean on WebGL2, not on one browser.
 */
import { expect, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import { PNG } from 'pngjs';
import { GL_PROGRAMS, glProgramMismatches } from '../guest/gl-test-checks.ts';
import { inTheShell, litPixels, outputsOf, shellCommands, SIX_TIMES_SEVEN } from './embedded-guest.ts';
import { launchFirefox, type Firefox } from './firefox.ts';

let firefox: Firefox;
let page: Page;
let errors: string[];
const base = (path: string) => new URL(path, test.info().project.use.baseURL).href;

test.beforeAll(async () => {
  firefox = await launchFirefox();
});

test.afterAll(async () => {
  await firefox?.close();
});

test.beforeEach(async () => {
  page = await firefox.browser.newPage();
  errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
});

test.afterEach(async () => {
  await page.close();
  expect(errors, 'errors on the page').toEqual([]);
});

/** The page's guest answers on its serial port and its console is on the canvas; returns the backend line. */
async function bootsOnTheCanvas(url: string, name: string): Promise<string> {
  await page.goto(base(url));
  const shell = await page.evaluate(inTheShell, SIX_TIMES_SEVEN);
  expect(outputsOf(shell)[0]!.trim(), 'the shell answers on the serial port').toBe('42');
  const canvas = (await page.$('#screen canvas'))!;
  await expect.poll(async () => litPixels(await canvas.screenshot({ path: test.info().outputPath(`${name}.png`) })), { timeout: 30_000 }).toBeGreaterThan(500);
  const line = `backend ${shell.backend}${shell.notes.length ? ` (passed over ${shell.notes.join('; ')})` : ''}`;
  console.log(`[firefox] ${name}: ${line}`);
  return shell.backend;
}

test('Firefox ESR: the demo boots Linux onto the canvas', async () => {
  test.setTimeout(240_000);
  await bootsOnTheCanvas('/?cold', 'demo');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
});

test('Firefox ESR: the embedding example boots Linux onto the canvas', async () => {
  test.setTimeout(240_000);
  await bootsOnTheCanvas('/examples/v86-embed/index.html', 'v86-embed');
});

test("Firefox ESR: the demo on Firefox's WebGL2", async () => {
  test.setTimeout(240_000);
  expect(await bootsOnTheCanvas('/?cold&backend=webgl2', 'demo-webgl2')).toBe('webgl2');
});

test('Firefox ESR: a VMM in a worker draws through the channel', async () => {
  test.setTimeout(120_000);
  await page.goto(base('/examples/channel-vmm/index.html'));
  await page.waitForFunction(() => 'example' in window);
  expect(await page.evaluate(() => (window as unknown as { example: { drawn: Promise<string> } }).example.drawn)).toBe('drawn');
  // Each pixel as the VMM wrote it: B=128, G=y*255/239, R=x*255/319 (e2e/examples.spec.ts checks the same in Chromium).
  const points = [[0, 0], [319, 0], [0, 239], [319, 239], [160, 120], [17, 203]] as const;
  const expected = points.map(([x, y]) => [Math.trunc((x * 255) / 319), Math.trunc((y * 255) / 239), 128, 255]);
  const canvas = (await page.$('#screen'))!;
  await expect.poll(async () => {
    const shot = PNG.sync.read(Buffer.from(await canvas.screenshot({ path: test.info().outputPath('channel-vmm.png') })));
    return points.map(([x, y]) => Array.from(shot.data.subarray((y * shot.width + x) * 4, (y * shot.width + x) * 4 + 4)));
  }).toEqual(expected);
});

test("Firefox ESR: the 3d guest's GL programs draw on Firefox's WebGL2 and read back the exact pixels", async () => {
  test.setTimeout(900_000);
  await page.goto(base('/e2e/pages/gl-guest.html'));
  await page.evaluate(inTheShell, shellCommands(['true'], 170_000));
  const threeD = await page.evaluate(() => globalThis.__virtioGpuWeb![0]!.threeD);
  console.log(`[firefox] 3D: ${threeD}`);
  expect(threeD).toMatch(/^virgl on WebGL2/);
  for (const program of GL_PROGRAMS) {
    const [output] = outputsOf(await page.evaluate(inTheShell, shellCommands([program], 120_000)));
    expect(output, "Mesa's virgl driver, not a software one").toMatch(/renderer virgl/);
    expect(glProgramMismatches(program, output!), output).toEqual([]);
  }
});
