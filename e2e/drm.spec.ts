/**
 * The project's DRM test program in the real guest on the demo page, with two
 * scanouts on two canvases drawn by the GPU worker: exact pattern pixels on
 * each, the cursor where the guest put it, and the guest's view of a resize.
 */
import { PNG } from 'pngjs';
import { drmPattern } from '../guest/drm-pattern.ts';
import { cursorMismatches, patternMismatches } from '../guest/drm-test-checks.ts';
import { expect, test, type Guest } from '../src/playwright/index.ts';
import { GUEST_READY } from './guest-ready.ts';

test.use({ guestURL: '/?scanouts=2&size=640x480&cold', guestViewport: { width: 1400, height: 700 }, guestReady: GUEST_READY });
test.describe.configure({ mode: 'serial' });

const captures = ({ page }: Guest) =>
  page.evaluate(async () => {
    const device = window.vgw!.device!;
    const all = await Promise.all([0, 1].map((i) => device.captureScanout(i)));
    return all.map((c) => ({ width: c.width, height: c.height, data: Array.from(c.data) }));
  });

test('vgw-drm-test shows its patterns on both canvases, flipped, with the cursor where the guest moved it', async ({ guest }, info) => {
  // The guest draws, flips and maps in software: on two busy cores that takes up to a minute.
  test.setTimeout(150_000);
  const { page } = guest;
  await guest.run('vgw-drm-test show > /tmp/drm.log 2>&1 &');
  await expect.poll(() => guest.run('cat /tmp/drm.log'), { timeout: 100_000 }).toMatch(/^ready$/m);
  const log = await guest.run('cat /tmp/drm.log');
  expect(log).toMatch(/output 0 flipped pattern 8\noutput 1 flipped pattern 9/);
  expect(log).toMatch(/blob res_handle=\d+ bo_handle=\d+ size=65536 mapped ok/);
  const [first, second] = (await captures(guest)).map((c) => ({ ...c, data: Uint8Array.from(c.data) }));
  expect([first!.width, first!.height, second!.width, second!.height]).toEqual([640, 480, 640, 480]);
  expect(patternMismatches(first!, 0)).toEqual([]);
  expect(patternMismatches(second!, 1)).toEqual([]);
  expect(cursorMismatches(first!)).toEqual([]);
  // And as the page shows them.
  for (const index of [0, 1]) {
    const shot = PNG.sync.read(await page.locator(`#screen-${index}`).screenshot({ path: info.outputPath(`scanout-${index}.png`) }));
    expect([shot.width, shot.height]).toEqual([640, 480]);
    for (const [x, y] of [[0, 0], [321, 17], [639, 479], [100, 400]]) {
      const i = (y! * shot.width + x!) * 4;
      expect(Array.from(shot.data.subarray(i, i + 4)), `scanout ${index} (${x},${y})`).toEqual(drmPattern(index + 8, x!, y!));
    }
  }
});

test('the guest sees a display resized from the page', async ({ guest }) => {
  const { page } = guest;
  await guest.run('kill %1; wait');
  await page.evaluate(() => window.vgw!.device!.configureScanout(1, { width: 800, height: 600 }));
  await expect.poll(() => guest.run('vgw-drm-test info'), { timeout: 30_000 }).toMatch(/Virtual-2 connected modes=800x600,.* preferred=800x600/);
});

test('"fit display to window" resizes scanout 0 to the window, and the guest sees it', async ({ guest }) => {
  const { page } = guest;
  await page.setViewportSize({ width: 1000, height: 650 });
  await page.locator('#fit').check();
  const size = await page.evaluate(() => ({ width: window.vgw!.device!.scanouts[0]!.width, height: window.vgw!.device!.scanouts[0]!.height }));
  expect(size.width).toBeGreaterThan(900);
  expect(size.width).toBeLessThanOrEqual(1000);
  expect(size.height).toBeLessThan(650);
  await expect.poll(() => guest.run('vgw-drm-test info'), { timeout: 30_000 }).toMatch(new RegExp(`Virtual-1 connected modes=${size.width}x${size.height},`));
});
