/**
 * Recovery with the real guest on screen: the WebGPU device is destroyed, then
 * the GPU worker is killed. Each time the scanout must come back exactly as it
 * was, from the device's own pixels, and the guest must keep running.
 */
import type { Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { fbExpected, fbPatternCommand } from '../guest/fb-pattern.ts';
import { expect, Guest, test } from '../src/playwright/index.ts';
import { GUEST_READY } from './guest-ready.ts';

test.use({ guestURL: '/?cold&size=640x480&backend=webgpu', guestViewport: { width: 900, height: 700 }, guestReady: GUEST_READY });
test.describe.configure({ mode: 'serial' });

const WIDTH = 640, FIRST_ROW = 320;
const ROWS = [FIRST_ROW, FIRST_ROW + 15];
const COLUMNS = [0, 1, 2, 3, 101, 639];
const EXPECTED = ROWS.map(() => COLUMNS.map((x) => fbExpected(x)));
let page: Page;
let guest: Guest;

test.beforeAll(async ({ guestPage }, info) => {
  guest = new Guest(guestPage.page, info);
  page = guest.page;
  expect(await page.evaluate(() => window.vgw!.presenter.backend)).toBe('webgpu');
  await guest.run(`echo 0 > /sys/class/graphics/fbcon/cursor_blink; clear > /dev/tty1; ${fbPatternCommand(WIDTH, FIRST_ROW)}`);
  await expect.poll(patternRows, { timeout: 20_000 }).toEqual(EXPECTED);
});

function patternRows(): Promise<number[][][]> {
  return page.evaluate(async ([rows, columns]) => {
    const c = await window.vgw!.device!.captureScanout(0);
    return rows!.map((y) => columns!.map((x) => Array.from(c.data.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 4))));
  }, [ROWS, COLUMNS] as const);
}

/** The pattern as the page shows it, in a screenshot of whatever canvas is scanout 0 now. */
async function patternOnPage(path: string): Promise<number[][][]> {
  const shot = PNG.sync.read(await page.locator('#screen-0').screenshot({ path }));
  return ROWS.map((y) => COLUMNS.map((x) => Array.from(shot.data.subarray((y * shot.width + x) * 4, (y * shot.width + x) * 4 + 4))));
}

async function guestStillRuns(word: string): Promise<void> {
  expect(await guest.run(`echo ${word}-$((40+2))`)).toContain(`${word}-42`);
  expect(await guest.run('dmesg | grep -i -E "virtio_gpu.*(error|fail)|\\*ERROR\\*" | wc -l')).toMatch(/^0\s*$/m);
}

test('a lost WebGPU device is replaced and the scanout drawn again', async ({}, info) => {
  expect(await page.evaluate(() => window.vgw!.presenter.loseGpuDevice())).toBe(true);
  await page.waitForFunction(() => window.vgw!.presenter.recoveries >= 1, null, { timeout: 15_000 });
  expect(await patternRows()).toEqual(EXPECTED);
  expect(await patternOnPage(info.outputPath('after-device-loss.png'))).toEqual(EXPECTED);
  await guestStillRuns('AFTER-LOSS');
});

test('a killed GPU worker is replaced on a fresh canvas, and the guest never notices', async ({}, info) => {
  const before = await page.evaluate(() => window.vgw!.presenter.recoveries);
  await page.evaluate(() => window.vgw!.presenter.worker.terminate());
  await page.waitForFunction((n) => window.vgw!.presenter.recoveries > n, before, { timeout: 20_000 });
  expect(await patternRows()).toEqual(EXPECTED);
  expect(await patternOnPage(info.outputPath('after-worker-restart.png'))).toEqual(EXPECTED);
  await guestStillRuns('AFTER-RESTART');
  // The console keeps drawing on the new canvas.
  await guest.run('echo NEW-TEXT > /dev/tty1');
  await expect.poll(async () => {
    const c = await page.evaluate(async () => {
      const capture = await window.vgw!.device!.captureScanout(0);
      let lit = 0;
      for (let i = 0; i < 640 * 4 * 32; i += 4) if (capture.data[i]! > 128) lit++;
      return lit;
    });
    return c;
  }, { timeout: 10_000 }).toBeGreaterThan(20);
});
