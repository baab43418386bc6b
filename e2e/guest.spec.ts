/**
 * The demo page in Chromium: Linux boots in v86, its own virtio_gpu driver
 * drives the device, and the console appears on the canvas the GPU worker
 * draws. One boot (the `guest` fixture's) serves these tests, in order.
 */
import { PNG } from 'pngjs';
import { fbExpected, fbPatternCommand } from '../guest/fb-pattern.ts';
import { expect, test } from '../src/playwright/index.ts';
import { GUEST_READY } from './guest-ready.ts';
import { expectPacedFrames } from './paced-frames.ts';

test.use({ guestURL: '/?cold', guestReady: GUEST_READY });
test.describe.configure({ mode: 'serial' });

const WIDTH = 1024, HEIGHT = 768;

function litPixels(png: Buffer): { width: number; height: number; lit: number } {
  const { width, height, data } = PNG.sync.read(png);
  let lit = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! > 128) lit++;
  return { width, height, lit };
}

test('Linux boots onto the virtio-gpu canvas', async ({ guest }, info) => {
  const { page } = guest;
  await page.waitForFunction(() => window.vgw?.firstFrameMs != null);
  await expect(page.locator('#boot')).toBeHidden();
  await expect(page.locator('#status')).toContainText('Linux on virtio-gpu-web');
  const shot = await guest.screen(0).capture();
  await info.attach('console', { body: shot, contentType: 'image/png' });
  const { width, height, lit } = litPixels(shot);
  expect([width, height]).toEqual([WIDTH, HEIGHT]);
  expect(lit, 'console text drawn on the scanout').toBeGreaterThan(2000);
  await guest.screen(0).canvas.screenshot({ path: info.outputPath('console.png') });
  expect(guest.pageErrors).toEqual([]);
});

test('keys typed on the page reach the guest shell', async ({ guest }) => {
  await guest.type('echo KEYS-$((6*7)) > /dev/ttyS0\n');
  await guest.waitForSerial('KEYS-42');
});

test('bytes written to /dev/fb0 appear exactly on the canvas', async ({ guest }, info) => {
  const firstRow = 640;
  await guest.type(`clear; ${fbPatternCommand(WIDTH, firstRow)}; echo FB-DONE > /dev/ttyS0\n`);
  await guest.waitForSerial('FB-DONE', { timeout: 60_000 });
  const rgba = Array.from({ length: 16 }, () => Array.from({ length: WIDTH }, (_, x) => fbExpected(x))).flat(2);
  await guest.screen(0).waitForRegion({ x: 0, y: firstRow, width: WIDTH, height: 16, name: 'fb pattern rows' }, { rgba }, { timeout: 20_000 });
  const shot = PNG.sync.read(await guest.screen(0).canvas.screenshot({ path: info.outputPath('fb-pattern.png') }));
  expect([shot.width, shot.height]).toEqual([WIDTH, HEIGHT]);
  const rows = [firstRow, firstRow + 7, firstRow + 15];
  const columns = Array.from({ length: 64 }, (_, i) => i * 16 + (i % 4));
  const onPage = rows.map((y) => columns.map((x) => Array.from(shot.data.subarray((y * WIDTH + x) * 4, (y * WIDTH + x) * 4 + 4))));
  expect(onPage, 'pattern rows in a screenshot of the page').toEqual(rows.map(() => columns.map((x) => fbExpected(x))));
});

test('a guest that draws faster than the display has its full-screen frames copied about once per frame shown', async ({ guest }) => {
  await expectPacedFrames(guest, WIDTH, HEIGHT);
});

test('a reload resumes the stored snapshot, and the console still takes keys', async ({ guest }, info) => {
  const { page } = guest;
  await page.waitForFunction(() => window.vgw?.snapshot === 'stored', null, { timeout: 60_000 });
  const cold = await page.evaluate(() => window.vgw!.firstFrameMs!);
  await page.goto('/');
  await page.waitForFunction(() => window.vgw?.firstFrameMs != null, null, { timeout: 60_000 });
  const resumed = await page.evaluate(() => ({ from: window.vgw!.startedFrom, ms: window.vgw!.firstFrameMs! }));
  expect(resumed.from).toBe('snapshot');
  info.annotations.push({ type: 'first frame', description: `cold boot ${Math.round(cold)} ms, from snapshot ${Math.round(resumed.ms)} ms` });
  console.log(`first frame in Chromium: cold boot ${Math.round(cold)} ms, from snapshot ${Math.round(resumed.ms)} ms`);
  // The resumed scanout shows the console as it was at the snapshot (taken after boot), before the guest draws again.
  const restored = litPixels(await guest.screen(0).capture());
  expect(restored).toMatchObject({ width: WIDTH, height: HEIGHT });
  expect(restored.lit, 'restored console text').toBeGreaterThan(2000);
  await guest.type('echo RESUMED-$((6*7)) > /dev/ttyS0\n');
  await guest.waitForSerial('RESUMED-42');
  expect(guest.pageErrors).toEqual([]);
});
