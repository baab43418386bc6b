/**
 * The demo as `npm run build` makes it, served by `vite preview`: an
 * installable app (manifest, icons, service worker) that, once loaded, boots
 * the guest with the network off.
 */
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { appURL } from './servers.ts';

test.use({ baseURL: appURL });

test('the built app installs, precaches itself, and boots Linux on the canvas offline', async ({ page, context }, info) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?cold');
  const manifest = await page.evaluate(async () => {
    const link = document.querySelector<HTMLLinkElement>('link[rel=manifest]')!;
    return (await fetch(link.href)).json() as Promise<{ name: string; start_url: string; display: string; icons: { src: string; sizes: string; purpose?: string }[] }>;
  });
  expect(manifest).toMatchObject({ start_url: '/', display: 'standalone' });
  expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  for (const icon of manifest.icons) {
    const png = PNG.sync.read(Buffer.from(await (await page.request.get(icon.src)).body()));
    expect(`${png.width}x${png.height}`).toBe(icon.sizes);
  }
  // Active means installed: every file of the build is in the cache.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
  });
  const cached = await page.evaluate(async () => {
    const keys = await caches.keys();
    const cache = await caches.open(keys.find((k) => k.startsWith('virtio-gpu-web-'))!);
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
  expect(cached).toEqual(expect.arrayContaining(['/', '/guest-image/vmlinuz', '/guest-image/initramfs.cpio', '/guest-image/bios.bin', '/manifest.webmanifest']));
  expect(cached.some((p) => /^\/assets\/v86-.*\.wasm$/.test(p)), 'v86.wasm precached').toBe(true);
  expect(cached.some((p) => /^\/assets\/gpu-worker-.*\.js$/.test(p)), 'the GPU worker precached').toBe(true);

  await context.setOffline(true);
  const uncached = await page.evaluate(() => fetch(`/not-in-the-build-${Date.now()}`).then((r) => `HTTP ${r.status}`, (e: Error) => e.name));
  expect(uncached, 'the network is off for the page').toBe('TypeError');
  await page.reload();
  expect(await page.evaluate(() => crossOriginIsolated), 'cross-origin isolated from the cache').toBe(true);
  await page.waitForFunction(() => window.vgw?.firstFrameMs != null, null, { timeout: 120_000 });
  await page.waitForFunction(() => window.vgw?.shellReady, null, { timeout: 120_000 });
  expect(await page.evaluate(() => window.vgw!.startedFrom)).toBe('cold boot');
  const lit = await page.evaluate(async () => {
    const c = await window.vgw!.device.captureScanout(0);
    let n = 0;
    for (let i = 0; i < c.data.length; i += 4) if (c.data[i]! > 128) n++;
    return n;
  });
  expect(lit, 'console text drawn on the scanout').toBeGreaterThan(2000);
  await page.locator('#screen-0').screenshot({ path: info.outputPath('offline-boot.png') });
  expect(errors).toEqual([]);
});
