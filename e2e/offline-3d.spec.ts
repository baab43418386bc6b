/**
 * The offline app keeps the 3d guest when the user asks (its disk is too
 * large to precache for every visitor), then boots it with the network off:
 * the service worker answers the kernel, initramfs and BIOS from the kept
 * cache, and v86's range requests for the disk with parts of the cached disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext } from '@playwright/test';
import { glProgramMismatches } from '../guest/gl-test-checks.ts';
import { chromiumPath, chromiumTestArgs } from './chromium.ts';
import { appURL } from './servers.ts';

const mib = (bytes: number): string => (bytes / (1 << 20)).toFixed(1);

test('the offline app keeps the 3d guest on request and boots it offline, GL drawing through virgl', async () => {
  test.setTimeout(600_000);
  // An installed app's storage is the profile's, on disk; a fresh context's is in memory, too small for the disk.
  const profile = mkdtempSync(join(tmpdir(), 'vgw-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: chromiumTestArgs, baseURL: appURL });
  try {
    await keepAndBootOffline(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

async function keepAndBootOffline(context: BrowserContext): Promise<void> {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?cold');
  const keep = page.locator('#keep3d');
  await expect(keep).toHaveAttribute('data-state', 'offered', { timeout: 60_000 });
  const offered = (await keep.textContent()) ?? '';
  expect(offered).toMatch(/^keep the 3d guest offline \(\d+ MiB\)$/);
  const started = Date.now();
  await keep.click();
  await expect(keep).toHaveAttribute('data-state', 'kept', { timeout: 300_000 });
  const keptMs = Date.now() - started;
  const kept = await page.evaluate(async () => {
    const name = (await caches.keys()).find((k) => k.startsWith('virtio-gpu-web-kept-3d-'));
    const cache = await caches.open(name!);
    return Promise.all((await cache.keys()).map(async (r) => [new URL(r.url).pathname, (await (await cache.match(r))!.blob()).size] as const));
  });
  expect(kept.map(([path]) => path).sort()).toEqual(['/guest-image/3d/bios.bin', '/guest-image/3d/disk.img', '/guest-image/3d/id', '/guest-image/3d/initramfs.cpio', '/guest-image/3d/vmlinuz']);

  await context.setOffline(true);
  await page.goto('/?image=3d&cold');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await page.waitForFunction(() => window.vgw?.shellReady && window.vgw.firstFrameMs != null, null, { timeout: 300_000 });
  const from = await page.evaluate(() => window.vgw!.serial.length);
  await page.evaluate(() => window.vgw!.emulator.serial0_send('vgw-gl-triangle\n'));
  await page.waitForFunction((at) => /vgw-gl-triangle: (ok|FAIL)/.test(window.vgw!.serial.slice(at)), from, { timeout: 120_000 });
  const output = await page.evaluate((at) => window.vgw!.serial.slice(at), from);
  expect(glProgramMismatches('vgw-gl-triangle', output), output).toEqual([]);
  const booted = await page.evaluate(() => ({ threeD: window.vgw!.gpu.threeD, firstFrameMs: window.vgw!.firstFrameMs!, disk: window.vgw!.disk }));
  expect(booted.threeD).toContain('virgl on WebGL2');
  const total = kept.reduce((n, [, bytes]) => n + bytes, 0);
  console.log(`[offline-3d] "${offered}": ${mib(total)} MiB kept in ${(keptMs / 1000).toFixed(1)} s; offline, the 3d guest's first frame after ${(booted.firstFrameMs / 1000).toFixed(1)} s, vgw-gl-triangle drew its probes exactly`);
  expect(errors).toEqual([]);
}
