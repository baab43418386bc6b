/**
 * The `virtio-gpu-web/playwright` fixture's own tests, on the real guest: its
 * screen captures, region waits (pixels, snapshot, check) and their failure
 * path, its serial console and its keyboard.
 */
import { existsSync, readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { fbExpected, fbPatternCommand } from '../guest/fb-pattern.ts';
import { expect, test, type Region } from '../src/playwright/index.ts';
import { GUEST_READY } from './guest-ready.ts';

test.use({ guestURL: '/?cold', guestReady: GUEST_READY });
test.describe.configure({ mode: 'serial' });

const FIRST_ROW = 320;
const PATTERN: Region = { x: 0, y: FIRST_ROW, width: 64, height: 16, name: 'pattern start' };
const patternRgba = (region: Region): number[] => Array.from({ length: region.height }, () => Array.from({ length: region.width }, (_, x) => fbExpected(region.x + x))).flat(2);

test('run() returns what a serial command printed; type() presses Shift where a US keyboard needs it', async ({ guest }) => {
  expect(await guest.run('echo $((6*7)); echo second line')).toBe('42\nsecond line\n');
  await guest.type('echo "Typed_A|B:C" > /dev/ttyS0\n');
  expect(await guest.waitForSerial(/Typed_\w\|B:C/)).toBe('Typed_A|B:C');
});

test('capture() is a PNG of the scanout or of a region, as the device shows it', async ({ guest }) => {
  const screen = guest.screen(0);
  const whole = PNG.sync.read(await screen.capture());
  expect([whole.width, whole.height]).toEqual([1024, 768]);
  const region = { x: 8, y: 16, width: 40, height: 24 };
  const part = PNG.sync.read(await screen.capture(region));
  expect([part.width, part.height]).toEqual([40, 24]);
  const pixels = await screen.pixels(region);
  expect(Buffer.from(part.data).equals(Buffer.from(pixels.data))).toBe(true);
  for (const [x, y] of [[0, 0], [39, 23], [17, 5]] as const) {
    const at = ((region.y + y) * whole.width + region.x + x) * 4;
    expect(Array.from(part.data.subarray((y * 40 + x) * 4, (y * 40 + x) * 4 + 4))).toEqual(Array.from(whole.data.subarray(at, at + 4)));
  }
});

test('waitForRegion waits for pixels, a snapshot, or a check', async ({ guest }, info) => {
  await guest.run(`echo 0 > /sys/class/graphics/fbcon/cursor_blink; clear > /dev/tty1; ${fbPatternCommand(1024, FIRST_ROW)}`);
  const screen = guest.screen(0);
  await screen.waitForRegion(PATTERN, { rgba: patternRgba(PATTERN) });
  await screen.waitForRegion(PATTERN, { snapshot: 'fb-pattern-start.png' });
  // The checked-in snapshot is the pattern itself, not merely what the screen showed once.
  const snapshot = PNG.sync.read(readFileSync(info.snapshotPath('fb-pattern-start.png')));
  expect(Array.from(snapshot.data)).toEqual(patternRgba(PATTERN));
  await screen.waitForRegion({ x: 0, y: FIRST_ROW, width: 1024, height: 16 }, { check: (p) => p.data[1] === 0x80 && p.data[4 * 1023] === 0x60, description: 'the row ends as the pattern does' });
});

test('a region that never matches fails with its name, the difference, and the actual frame saved', async ({ guest }, info) => {
  const magenta = Array.from({ length: PATTERN.width * PATTERN.height }, () => [255, 0, 255, 255]).flat();
  const started = Date.now();
  const error = await guest.screen(0).waitForRegion(PATTERN, { rgba: magenta }, { timeout: 1500 }).then(() => null, (e: Error) => e);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  expect(error?.message).toMatch(/^Region "pattern start" \(0,320 64x16\) of scanout 0 did not match the expected pixels within 1500 ms: 1024 of 1024 pixels differ \(first at \(0,0\) of the region: expected rgba\(255,0,255,255\), got rgba\(240,128,16,255\)\)\. Actual frame saved to (.*)$/);
  const saved = /Actual frame saved to (.*)$/.exec(error!.message)![1]!;
  expect(existsSync(saved)).toBe(true);
  const frame = PNG.sync.read(readFileSync(saved));
  expect([frame.width, frame.height]).toEqual([1024, 768]);
  expect(Array.from(frame.data.subarray(FIRST_ROW * 1024 * 4, FIRST_ROW * 1024 * 4 + 8))).toEqual([...fbExpected(0), ...fbExpected(1)]);
  expect(info.attachments.map((a) => a.name)).toEqual(['pattern-start-scanout-0-actual-frame.png', 'pattern-start-scanout-0-actual.png', 'pattern-start-scanout-0-expected.png']);
});

test('misuse and timeouts say what went wrong', async ({ guest }) => {
  await expect(guest.screen(0).waitForRegion({ x: 1000, y: 0, width: 64, height: 8, name: 'off the edge' }, { rgba: [] })).rejects.toThrow('region "off the edge" (1000,0 64x8) is not inside the 1024x768 scanout');
  await expect(guest.waitForSerial('NEVER-PRINTED', { timeout: 500 })).rejects.toThrow(/did not match NEVER-PRINTED in time[\s\S]*guest# /);
});
