/** The real Linux guest in v86, in Node, driving the device through its own virtio_gpu driver. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuestImage } from '../../guest/build-image.mjs';
import { GuestSession } from '../../src/node/guest-session.ts';
import { fbExpected, fbPatternCommand } from '../../guest/fb-pattern.ts';
import { pixel } from '../../guest/drm-test-checks.ts';

const WIDTH = 800, HEIGHT = 600;
let guest: GuestSession;

beforeAll(async () => {
  guest = await GuestSession.boot({ image: ensureGuestImage(), scanouts: [{ width: WIDTH, height: HEIGHT }], bootTimeout: 90 });
}, 120_000);

afterAll(async () => {
  await guest?.stop();
});

/** Writes the fb pattern's 16 rows from `firstRow` and waits (a few commands at most) until the scanout shows them. */
async function showFbPattern(session: GuestSession, firstRow: number) {
  const { status } = await session.run(fbPatternCommand(WIDTH, firstRow));
  let capture = await session.device.captureScanout(0);
  const shown = () => [0, 1, 2, 3, 401, WIDTH - 1].every((x) => [firstRow, firstRow + 15].every((y) => pixel(capture, x, y).join() === fbExpected(x).join()));
  for (let tries = 0; !shown() && tries < 50; tries++) {
    await session.run('true');
    capture = await session.device.captureScanout(0);
  }
  return { status, capture };
}

describe('Linux virtio_gpu on virtio-gpu-web', () => {
  it('initializes the driver and a framebuffer console, with no virtio-gpu errors or warnings', async () => {
    const { output } = await guest.run('dmesg');
    expect(output).toMatch(/\[drm\] Initialized virtio_gpu/);
    expect(output).toMatch(/features: -virgl \+edid/);
    expect(output).toMatch(/fb0: virtio_gpudrmfb frame buffer device/);
    expect(await guest.driverProblems()).toEqual([]);
    expect(guest.deviceLog).toEqual([]);
  });

  it('shows a connected connector whose modes hold the configured size, preferred first', async () => {
    expect((await guest.run('cat /sys/class/drm/card0-Virtual-1/status')).output.trim()).toBe('connected');
    const modes = (await guest.run('cat /sys/class/drm/card0-Virtual-1/modes')).output.trim().split('\n');
    expect(modes[0]).toBe(`${WIDTH}x${HEIGHT}`);
    expect(modes).toContain('640x480');
    expect((await guest.run('cat /sys/class/graphics/fb0/virtual_size')).output.trim()).toBe(`${WIDTH},${HEIGHT}`);
  });

  it('shows bytes written to /dev/fb0 on the scanout, converted from XRGB8888', async () => {
    const firstRow = 480;
    const { status, capture } = await showFbPattern(guest, firstRow);
    expect(status).toBe(0);
    expect([capture.width, capture.height]).toEqual([WIDTH, HEIGHT]);
    for (let x = 0; x < WIDTH; x += 37) for (const y of [firstRow, firstRow + 7, firstRow + 15]) expect(pixel(capture, x, y), `(${x},${y})`).toEqual(fbExpected(x));
    expect(pixel(capture, 5, firstRow - 1)).toEqual([0, 0, 0, 255]);
    expect(pixel(capture, 5, firstRow + 16)).toEqual([0, 0, 0, 255]);
  });

  it('gets every command it sent answered without an error', async () => {
    expect(guest.deviceLog).toEqual([]);
  });
});

describe('a guest resumed from a snapshot', () => {
  it('keeps driving the device: the restored console shows, and new drawing reaches the scanout', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'vgw-')), 'snapshot.bin');
    await guest.run('clear');
    const before = await guest.device.captureScanout(0);
    await guest.save(file);
    const resumed = await GuestSession.boot({ image: ensureGuestImage(), scanouts: [{ width: WIDTH, height: HEIGHT }], snapshot: file });
    try {
      expect(resumed.startedFrom).toBe('snapshot');
      const restored = await resumed.device.captureScanout(0);
      expect(Buffer.compare(Buffer.from(restored.data), Buffer.from(before.data))).toBe(0);
      const { capture } = await showFbPattern(resumed, 320);
      for (const x of [0, 1, 2, 3, 500]) expect(pixel(capture, x, 335)).toEqual(fbExpected(x));
      expect(await resumed.driverProblems()).toEqual([]);
      expect(resumed.deviceLog).toEqual([]);
    } finally {
      await resumed.stop();
    }
  });
});

describe('without guest blobs (VIRTIO_GPU_F_RESOURCE_BLOB off)', () => {
  it('Linux uses 2D resources with backing, and the scanout shows exactly the same pixels', async () => {
    const plain = await GuestSession.boot({ image: ensureGuestImage(), scanouts: [{ width: WIDTH, height: HEIGHT }], features: { resourceBlob: false }, bootTimeout: 90 });
    try {
      expect((await plain.run('dmesg')).output).toMatch(/features: -virgl \+edid -resource_blob/);
      const { capture } = await showFbPattern(plain, 480);
      for (let x = 0; x < WIDTH; x += 37) for (const y of [480, 487, 495]) expect(pixel(capture, x, y), `(${x},${y})`).toEqual(fbExpected(x));
      expect(await plain.driverProblems()).toEqual([]);
      expect(plain.deviceLog).toEqual([]);
    } finally {
      await plain.stop();
    }
  });
});
