/**
 * The 3d guest's desktop in the demo (`?image=3d&desktop`): weston on the
 * virtio-gpu display, compositing through virgl on the page's WebGL2, with
 * es2gears_wayland turning; the page's pointer reaches the guest through the
 * virtio-input tablet at the pixel it points at. Typing into weston-terminal
 * is `example-desktop.spec.ts`, the README's example.
 */
import type { Pixels } from '../src/playwright/region.ts';
import { expect, test, type Guest } from '../src/playwright/index.ts';
import { ABS_MAX } from '../src/virtio/tablet-function.ts';
import { GUEST_READY } from './guest-ready.ts';

test.use({ guestURL: '/?cold', guestImage: 'desktop', guestReady: GUEST_READY, guestBootTimeout: 300_000 });

/** weston.ini's background (guest/desktop/weston.ini), and the panel's height. */
const BACKGROUND = [0x20, 0x4a, 0x66] as const;
const PANEL = 32;
/** es2gears_wayland's window width, and the most a cursor sprite covers. */
const GEARS_WINDOW = 300;
const CURSOR = 32;

function count(p: Pixels, match: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < p.data.length; i += 4) if (match(p.data[i]!, p.data[i + 1]!, p.data[i + 2]!)) n++;
  return n;
}

const isBackground = (r: number, g: number, b: number): boolean => r === BACKGROUND[0] && g === BACKGROUND[1] && b === BACKGROUND[2];

/** The disk's bytes read, and the range requests that read them with the time they took, summed (v86 waits for one at a time). */
function diskRead(disk: { read: number; requests: number; requestMs: number }): string {
  return `${(disk.read / 1048576).toFixed(1)} MiB (${disk.requests} range requests, ${(disk.requestMs / 1000).toFixed(1)} s in all)`;
}

async function desktopReady(guest: Guest): Promise<void> {
  await guest.page.waitForFunction(() => window.vgw?.desktop.state === 'ready', null, { timeout: 180_000 });
  const screen = guest.screen();
  const { width, height } = await screen.size();
  // weston's first frames: the panel across the top, the background below, es2gears_wayland's window on it.
  await screen.waitForRegion({ x: 0, y: PANEL, width, height: height - PANEL, name: 'desktop' }, {
    check: (p) => count(p, isBackground) > p.width * p.height * 0.5 && count(p, (r, g, b) => !isBackground(r, g, b)) > 20_000,
    description: "weston's background with a window on it",
  }, { timeout: 120_000 });
}

test('weston comes up on the canvas, compositing through virgl, with es2gears_wayland turning', async ({ guest }) => {
  test.setTimeout(300_000);
  await desktopReady(guest);
  const { page } = guest;
  const screen = guest.screen();
  const { width, height } = await screen.size();
  const state = await page.evaluate(() => ({ ready: window.vgw!.desktop.readyMs!, shown: performance.now(), threeD: window.vgw!.gpu.threeD, disk: { ...window.vgw!.disk } }));
  expect(state.threeD).toContain('virgl on WebGL2');
  const body = { x: 0, y: PANEL, width, height: height - PANEL, name: 'below the panel' };
  const first = await screen.pixels(body);
  await screen.waitForRegion(body, {
    check: (p) => {
      let changed = 0;
      for (let i = 0; i < p.data.length; i += 4) if (p.data[i] !== first.data[i] || p.data[i + 1] !== first.data[i + 1] || p.data[i + 2] !== first.data[i + 2]) changed++;
      return changed > 500;
    },
    description: 'the gears turned',
  }, { timeout: 30_000 });
  const shot = test.info().outputPath('desktop.png');
  await screen.canvas.screenshot({ path: shot });
  await test.info().attach('desktop', { path: shot, contentType: 'image/png' });
  const log = await guest.run('grep -E "Using GL renderer|GL renderer:|GL version:" /tmp/weston.log; cat /proc/loadavg');
  expect(log).toContain('virgl');
  const draws = await page.evaluate(() => window.vgw!.gpu.stats().threeD?.drawsPerSecond ?? 0);
  console.log(`[desktop] cold: weston's socket after ${(state.ready / 1000).toFixed(1)} s, its desktop on the canvas after ${(state.shown / 1000).toFixed(1)} s, ${diskRead(state.disk)} of the ${(state.disk.size / 1048576).toFixed(0)} MiB disk read by then; ${draws.toFixed(1)} draws/s with the gears turning; ${log.trim().replace(/\s+/g, ' ')}`);
});

test("the page's pointer reaches the guest through the tablet at the pixel it points at, and weston draws its cursor there", async ({ guest }) => {
  test.setTimeout(120_000);
  await desktopReady(guest);
  const screen = guest.screen();
  const { width, height } = await screen.size();
  const from = (await guest.serial()).length;
  await guest.sendSerial('vgw-pointer 1\n');
  await guest.waitForSerial('vgw-pointer: listening', { from, timeout: 30_000 });
  const point = { x: 700, y: 600 };
  await screen.click(point.x, point.y);
  const report = await guest.waitForSerial(/vgw-pointer: left up at x=(\d+) y=(\d+)/, { from, timeout: 30_000 });
  const [, gx, gy] = /vgw-pointer: left up at x=(\d+) y=(\d+)/.exec(report)!;
  const unit = { x: ABS_MAX / (width - 1), y: ABS_MAX / (height - 1) };
  console.log(`[desktop] clicked scanout pixel ${point.x},${point.y}; the guest's tablet reported ${gx},${gy} of ${ABS_MAX}, pixel ${(Number(gx) / unit.x).toFixed(1)},${(Number(gy) / unit.y).toFixed(1)}`);
  expect(Math.abs(Number(gx) / unit.x - point.x)).toBeLessThanOrEqual(1);
  expect(Math.abs(Number(gy) / unit.y - point.y)).toBeLessThanOrEqual(1);
  // weston's pointer sprite is on the cursor plane: the device draws it over the scanout where the guest put it.
  await screen.waitForRegion({ x: point.x, y: point.y, width: 12, height: 12, name: 'cursor' }, {
    check: (p) => count(p, (r, g, b) => !isBackground(r, g, b)) > 10,
    description: "weston's cursor at the click",
  }, { timeout: 20_000 });
});

test('"fit display to window" resizes the desktop: the display is plugged in again at the window\'s size, and weston takes it', async ({ guest }) => {
  test.setTimeout(180_000);
  await desktopReady(guest);
  const { page } = guest;
  const screen = guest.screen();
  await page.setViewportSize({ width: 900, height: 700 });
  await page.locator('#fit').check();
  await page.waitForFunction(() => {
    const s = window.vgw!.device.scanouts[0]!;
    return s.connected && s.width < 1024;
  }, null, { timeout: 30_000 });
  const { width, height } = await screen.size();
  // Until weston sets a mode on the display plugged in again, it shows nothing.
  await expect.poll(() => page.evaluate(async () => (await window.vgw!.device.captureScanout(0)).width), { timeout: 90_000 }).toBe(width);
  // weston's panel reaches the new right edge, and its background the new bottom edge. Windows keep their places, which
  // weston chose at random on the larger display: es2gears' window and the cursor may cover part of the bottom, never more.
  await screen.waitForRegion({ x: 0, y: height - 40, width, height: 40, name: 'bottom edge' }, {
    check: (p) => count(p, isBackground) >= p.height * (p.width - GEARS_WINDOW - CURSOR),
    description: "weston's background, but for a window and the cursor",
  }, { timeout: 90_000 });
  await screen.waitForRegion({ x: width - 40, y: 4, width: 40, height: PANEL - 8, name: 'panel at the right' }, { check: (p) => count(p, isBackground) === 0, description: "weston's panel" }, { timeout: 30_000 });
  const shot = test.info().outputPath('resized.png');
  await screen.canvas.screenshot({ path: shot });
  await test.info().attach('resized', { path: shot, contentType: 'image/png' });
  console.log(`[desktop] the window at 900x700: the desktop now ${width}x${height}`);
  await page.locator('#fit').uncheck();
});

test('a reload resumes the guest from its snapshot (taken at the shell, before weston) and the desktop comes up again', async ({ guest }) => {
  test.setTimeout(300_000);
  const { page } = guest;
  await page.waitForFunction(() => window.vgw?.snapshot === 'stored', null, { timeout: 120_000 });
  const stored = await page.evaluate(() => window.vgw!.snapshotBytes);
  await page.goto('/?image=3d&desktop');
  await desktopReady(guest);
  const resumed = await page.evaluate(() => ({ from: window.vgw!.startedFrom, ready: window.vgw!.desktop.readyMs!, disk: window.vgw!.disk }));
  expect(resumed.from).toBe('snapshot');
  const shown = await page.evaluate(() => performance.now());
  console.log(`[desktop] from the snapshot (${(stored / 1048576).toFixed(1)} MiB): weston's socket after ${(resumed.ready / 1000).toFixed(1)} s, its desktop on the canvas after ${(shown / 1000).toFixed(1)} s, ${diskRead(resumed.disk)} of the disk read by then`);
  expect(guest.pageErrors).toEqual([]);
});
