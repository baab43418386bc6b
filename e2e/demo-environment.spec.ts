/**
 * What the demo says when the browser lacks something: no cross-origin
 * isolation (it cannot run, and names the headers), no WebGPU (it falls back
 * and says why).
 */
import { readFileSync } from 'node:fs';
import { chromium, expect, test } from '@playwright/test';
import { chromiumPath } from './chromium.ts';

test('without cross-origin isolation the demo names the missing headers', async ({ page }) => {
  await page.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => !name.startsWith('cross-origin-')));
    await route.fulfill({ response, headers });
  });
  await page.goto('/?cold');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  const status = page.locator('#status');
  await expect(status).toHaveClass(/error/);
  await expect(status).toContainText('not cross-origin isolated');
  await expect(status).toContainText("'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'");
});

test('without WebGPU the demo falls back and says why', async ({ baseURL }) => {
  // A browser without the flags that turn WebGPU on here (see chromium.ts).
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--disable-features=WebGPU'] });
  try {
    const page = await browser.newPage({ baseURL: baseURL! });
    // 3D off: with it on, 'auto' takes WebGL2 first (the 3D renderer shares its context) and passes nothing over.
    await page.goto('/?cold&virgl=0');
    // WebGL2 here is SwiftShader, which 'auto' passes over too (canvas 2D is faster on a CPU); a machine with a GPU would stop at WebGL2.
    await expect(page.locator('#status')).toContainText(/display: (WebGL2|canvas 2D) \(passed over WebGPU: (no WebGPU adapter|navigator\.gpu is missing \(WebGPU is off or unsupported\))(; WebGL2: draws on the CPU \(.+\); canvas 2D is faster for 2D scanouts)?\)/, { timeout: 30_000 });
    expect(await page.evaluate(() => window.vgw!.gpu.notes[0])).toMatch(/^webgpu: /);
  } finally {
    await browser.close();
  }
});

test('the demo counts frames, commands and bytes, saves a screenshot, and goes fullscreen at the window size', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 900, height: 700 });
  await page.goto('/?cold');
  await page.waitForFunction(() => window.vgw?.firstFrameMs != null, null, { timeout: 100_000 });
  await expect(page.locator('#stats')).toContainText(/\d+\.\d fps · \d+ cmd\/s · .+\/s · total [1-9]\d* frames, [1-9]\d* commands/);
  expect(Number(await page.locator('#stats').getAttribute('data-bytes'))).toBeGreaterThan(1024 * 768 * 4);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#shot').click()]);
  expect(download.suggestedFilename()).toMatch(/^virtio-gpu-web-.*\.png$/);
  const png = readFileSync(await download.path());
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1024, 768]);
  await page.locator('#fullscreen').click();
  await expect.poll(() => page.evaluate(() => document.fullscreenElement?.id)).toBe('screen');
  await expect.poll(() => page.evaluate(() => [window.vgw!.device.scanouts[0]!.width, window.vgw!.device.scanouts[0]!.height])).toEqual([900, 700]);
});
