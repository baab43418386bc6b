/**
 * The 3d guest in the demo page (`?image=3d`): v86 reads its root disk on
 * demand, in range requests, so it boots without downloading the disk first;
 * the device offers virgl and the guest's Mesa draws on the page's GPU. A
 * disk the server does not have is named, with how to get it.
 */
import { glProgramMismatches } from '../guest/gl-test-checks.ts';
import { expect, test } from '../src/playwright/index.ts';
import { GUEST_READY } from './guest-ready.ts';

test.use({ guestURL: '/?image=3d&cold', guestReady: GUEST_READY, guestBootTimeout: 300_000 });

const mib = (bytes: number): string => (bytes / (1 << 20)).toFixed(1);

test('the v86 example takes the 3d image too: its disk read on demand, GL drawing through virgl, the tablet on its PCI bus', async ({ browser }) => {
  test.setTimeout(300_000);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/examples/v86-embed/index.html?image=3d');
  const serial = (): Promise<string> => page.evaluate(() => globalThis.__virtioGpuWeb?.[0]?.serial.text ?? '');
  await expect.poll(serial, { timeout: 240_000, intervals: [1000] }).toMatch(GUEST_READY);
  const from = (await serial()).length;
  await page.evaluate(() => globalThis.__virtioGpuWeb![0]!.serial.send('grep -c "virtio-gpu-web tablet" /proc/bus/input/devices; vgw-gl-triangle\n'));
  await expect.poll(async () => (await serial()).slice(from), { timeout: 120_000, intervals: [1000] }).toMatch(/vgw-gl-triangle: (ok|FAIL)/);
  const output = (await serial()).slice(from);
  expect(output).toMatch(/^1\r?$/m);
  expect(glProgramMismatches('vgw-gl-triangle', output), output).toEqual([]);
  expect(await page.evaluate(() => globalThis.__virtioGpuWeb![0]!.threeD)).toContain('virgl on WebGL2');
  expect(errors).toEqual([]);
  await page.close();
});

test("the 3d guest boots in the demo with its disk read on demand, and its Mesa draws with the page's GPU", async ({ guest }) => {
  test.setTimeout(180_000);
  const { page } = guest;
  await expect(page.locator('#status')).toContainText('3D: virgl on WebGL2');
  const { disk: booted, firstFrameMs } = await page.evaluate(() => ({ disk: { ...window.vgw!.disk }, firstFrameMs: window.vgw!.firstFrameMs }));
  const output = await guest.run('vgw-gl-triangle', { timeout: 90_000 });
  expect(glProgramMismatches('vgw-gl-triangle', output), output).toEqual([]);
  const read = await page.evaluate(() => window.vgw!.disk.read);
  console.log(`[demo-3d] first frame after ${((firstFrameMs ?? 0) / 1000).toFixed(1)} s; of the ${mib(booted.size)} MiB disk, ${mib(booted.read)} MiB read to the shell prompt, ${mib(read)} MiB once vgw-gl-triangle (Mesa, LLVM) ran`);
  expect(booted.size).toBeGreaterThan(100 << 20);
  expect(booted.read, 'the boot read some of the disk').toBeGreaterThan(0);
  expect(booted.read, 'the disk is read on demand, not whole before boot').toBeLessThan(booted.size / 10);
  expect(read, 'the GL program read more of it').toBeGreaterThan(booted.read);
});

test('a reload resumes the 3d guest from its snapshot, which holds only the disk blocks the guest wrote, and GL still draws', async ({ guest }) => {
  test.setTimeout(240_000);
  const { page } = guest;
  await page.waitForFunction(() => window.vgw?.snapshot === 'stored', null, { timeout: 120_000 });
  const stored = await page.evaluate(() => window.vgw!.snapshotBytes);
  await page.goto('/?image=3d');
  await page.waitForFunction(() => window.vgw?.firstFrameMs != null, null, { timeout: 120_000 });
  const resumed = await page.evaluate(() => ({ from: window.vgw!.startedFrom, ms: window.vgw!.firstFrameMs!, disk: window.vgw!.disk }));
  expect(resumed.from).toBe('snapshot');
  const output = await guest.run('vgw-gl-triangle', { timeout: 90_000 });
  expect(glProgramMismatches('vgw-gl-triangle', output), output).toEqual([]);
  const read = await page.evaluate(() => window.vgw!.disk.read);
  console.log(`[demo-3d] from the snapshot (${mib(stored)} MiB of v86 state): first frame after ${(resumed.ms / 1000).toFixed(1)} s, ${mib(resumed.disk.read)} MiB of the disk read by then, ${mib(read)} MiB after vgw-gl-triangle`);
  // 512 MiB of memory plus what the guest wrote: the disk's 577 MiB would more than double it.
  expect(stored).toBeLessThan((512 << 20) + resumed.disk.size / 4);
  expect(guest.pageErrors).toEqual([]);
});

test('a 3d guest whose disk the server lacks says what is missing and how to get it', async ({ page }) => {
  await page.route('**/guest-image/3d/disk.img', (route) => route.fulfill({ status: 404 }));
  await page.goto('/?image=3d&cold');
  await expect(page.locator('#status')).toContainText("failed: the 3d guest's disk (/guest-image/3d/disk.img) is missing: HTTP 404. The dev server (npm start) builds the 3d image on first use");
});
