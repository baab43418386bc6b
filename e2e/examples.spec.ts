/**
 * The example pages: a VMM in a worker drives the device through the
 * channel; v86 embedded in one call reports stats and takes screenshots.
 */
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';

test('a VMM in a worker, with its RAM in a SharedArrayBuffer, draws through the channel', async ({ page }, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/examples/channel-vmm/index.html');
  await page.waitForFunction(() => 'example' in window);
  expect(await page.evaluate(() => (window as unknown as { example: { drawn: Promise<string> } }).example.drawn)).toBe('drawn');
  // Each pixel as the VMM wrote it into its RAM: bytes B=128, G=y*255/239, R=x*255/319.
  const expected = (x: number, y: number) => [Math.trunc((x * 255) / 319), Math.trunc((y * 255) / 239), 128, 255];
  const points = [[0, 0], [319, 0], [0, 239], [319, 239], [160, 120], [17, 203]] as const;
  const captured = await page.evaluate(async (ps) => {
    const { host } = (window as unknown as { example: { host: import('../src/index.ts').VirtioGpuChannelHost } }).example;
    const c = await host.device!.captureScanout(0);
    return { size: [c.width, c.height], pixels: ps.map(([x, y]) => Array.from(c.data.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 4))), traffic: { ...host.traffic } };
  }, points);
  expect(captured.size).toEqual([320, 240]);
  expect(captured.pixels).toEqual(points.map(([x, y]) => expected(x, y)));
  expect(captured.traffic.commands).toBe(5);
  expect(captured.traffic.bytesFromGuest, 'the transfer read the framebuffer from the shared RAM').toBeGreaterThanOrEqual(320 * 240 * 4);
  // And as the page shows the canvas.
  await expect.poll(async () => {
    const shot = PNG.sync.read(await page.locator('#screen').screenshot({ path: info.outputPath('channel-vmm.png') }));
    return points.map(([x, y]) => Array.from(shot.data.subarray((y * shot.width + x) * 4, (y * shot.width + x) * 4 + 4)));
  }).toEqual(points.map(([x, y]) => expected(x, y)));
  expect(errors).toEqual([]);
});
