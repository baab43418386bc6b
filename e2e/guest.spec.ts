/**
 * The demo page in Chromium: Linux boots in v86, its own virtio_gpu driver
 * drives the device, and the console appears on the canvas the GPU worker
 * draws. One boot serves these tests, in order.
 */
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { fbExpected, fbPatternCommand } from '../guest/fb-pattern.ts';
import { typeKeys } from './keyboard.ts';

test.describe.configure({ mode: 'serial' });

const WIDTH = 1024, HEIGHT = 768;
let page: Page;
const pageErrors: string[] = [];

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

test.afterAll(async () => {
  await page?.close();
});

const serial = () => page.evaluate(() => window.vgw?.serial ?? '');

test('Linux boots onto the virtio-gpu canvas', async ({}, info) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await page.waitForFunction(() => window.vgw?.firstFrameMs != null, null, { timeout: 100_000 });
  await page.waitForFunction(() => window.vgw?.shellReady, null, { timeout: 60_000 });
  await expect(page.locator('#boot')).toBeHidden();
  await expect(page.locator('#status')).toContainText('Linux on virtio-gpu-web');
  const capture = await page.evaluate(async () => {
    const c = await window.vgw!.device!.captureScanout(0);
    let lit = 0;
    for (let i = 0; i < c.data.length; i += 4) if (c.data[i]! > 128) lit++;
    return { width: c.width, height: c.height, lit };
  });
  expect([capture.width, capture.height]).toEqual([WIDTH, HEIGHT]);
  expect(capture.lit, 'console text drawn on the scanout').toBeGreaterThan(2000);
  await page.locator('#screen-0').screenshot({ path: info.outputPath('console.png') });
  expect(pageErrors).toEqual([]);
});

test('keys typed on the page reach the guest shell', async () => {
  await page.locator('#screen-0').click();
  await typeKeys(page, 'echo KEYS-$((6*7)) > /dev/ttyS0\n');
  await expect.poll(serial, { timeout: 30_000 }).toContain('KEYS-42');
});

test('bytes written to /dev/fb0 appear exactly on the canvas', async ({}, info) => {
  test.setTimeout(90_000);
  const firstRow = 640;
  await typeKeys(page, `clear; ${fbPatternCommand(WIDTH, firstRow)}; echo FB-DONE > /dev/ttyS0\n`);
  await expect.poll(serial, { timeout: 60_000 }).toContain('FB-DONE');
  const rows = [firstRow, firstRow + 7, firstRow + 15];
  const columns = Array.from({ length: 64 }, (_, i) => i * 16 + (i % 4));
  const read = () => page.evaluate(async ([rs, cs]) => {
    const c = await window.vgw!.device!.captureScanout(0);
    return rs!.map((y) => cs!.map((x) => Array.from(c.data.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 4))));
  }, [rows, columns] as const);
  const expected = rows.map(() => columns.map((x) => fbExpected(x)));
  await expect.poll(read, { timeout: 20_000, message: 'pattern rows read back from the canvas in the worker' }).toEqual(expected);
  const shot = PNG.sync.read(await page.locator('#screen-0').screenshot({ path: info.outputPath('fb-pattern.png') }));
  expect([shot.width, shot.height]).toEqual([WIDTH, HEIGHT]);
  const onPage = rows.map((y) => columns.map((x) => Array.from(shot.data.subarray((y * WIDTH + x) * 4, (y * WIDTH + x) * 4 + 4))));
  expect(onPage, 'pattern rows in a screenshot of the page').toEqual(expected);
});

test('a reload resumes the stored snapshot, and the console still takes keys', async ({}, info) => {
  test.setTimeout(120_000);
  await page.waitForFunction(() => window.vgw?.snapshot === 'stored', null, { timeout: 60_000 });
  const cold = await page.evaluate(() => window.vgw!.firstFrameMs!);
  await page.reload();
  await page.waitForFunction(() => window.vgw?.firstFrameMs != null, null, { timeout: 60_000 });
  const resumed = await page.evaluate(() => ({ from: window.vgw!.startedFrom, ms: window.vgw!.firstFrameMs! }));
  expect(resumed.from).toBe('snapshot');
  info.annotations.push({ type: 'first frame', description: `cold boot ${Math.round(cold)} ms, from snapshot ${Math.round(resumed.ms)} ms` });
  console.log(`first frame in Chromium: cold boot ${Math.round(cold)} ms, from snapshot ${Math.round(resumed.ms)} ms`);
  // The resumed scanout shows the console as it was at the snapshot (taken after boot), before the guest draws again.
  const restored = await page.evaluate(async () => {
    const c = await window.vgw!.device!.captureScanout(0);
    let lit = 0;
    for (let i = 0; i < c.data.length; i += 4) if (c.data[i]! > 128) lit++;
    return { width: c.width, height: c.height, lit };
  });
  expect(restored).toMatchObject({ width: WIDTH, height: HEIGHT });
  expect(restored.lit, 'restored console text').toBeGreaterThan(2000);
  await page.locator('#screen-0').click();
  await typeKeys(page, 'echo RESUMED-$((6*7)) > /dev/ttyS0\n');
  await expect.poll(serial, { timeout: 30_000 }).toContain('RESUMED-42');
  expect(pageErrors).toEqual([]);
});
