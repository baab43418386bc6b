/**
 * The 3d guest: Debian's Mesa on the root disk runs the project's 3D test
 * programs (guest/programs-3d) on /dev/dri/card0 and shows their frames
 * through KMS on the device.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuestImage } from '../../guest/build-image.mjs';
import { GL_PROGRAMS, glProgramMismatches } from '../../guest/gl-test-checks.ts';
import { pixel } from '../../guest/drm-test-checks.ts';
import { GuestSession } from '../../src/node/guest-session.ts';

const WIDTH = 640, HEIGHT = 480;
/** The device offers no 3D yet: Mesa renders in software, with softpipe (llvmpipe's JIT is far slower under emulation). */
const SOFTWARE = 'GALLIUM_DRIVER=softpipe';
let guest: GuestSession;

beforeAll(async () => {
  guest = await GuestSession.boot({ image: ensureGuestImage('3d'), scanouts: [{ width: WIDTH, height: HEIGHT }], bootTimeout: 150 });
}, 180_000);

afterAll(async () => {
  await guest?.stop();
});

describe('3D test programs in the 3d guest', () => {
  it.each(GL_PROGRAMS)('%s draws its scene and reads back the exact pixels', async (program) => {
    const { output, status } = await guest.run(`${SOFTWARE} ${program}`, 90);
    expect(glProgramMismatches(program, output)).toEqual([]);
    expect(output).toContain(`${program}: shown ${WIDTH}x${HEIGHT}`);
    expect(status).toBe(0);
  });

  it('shows a frame on the scanout: vgw-gl-mrt holding its four bands', async () => {
    await guest.run(`${SOFTWARE} vgw-gl-mrt hold > /tmp/mrt.log 2>&1 &`);
    const { output } = await guest.run("while ! grep -q -E ': (ok|FAIL)' /tmp/mrt.log; do sleep 0.5; done; cat /tmp/mrt.log", 90);
    expect(glProgramMismatches('vgw-gl-mrt', output)).toEqual([]);
    const frame = await guest.device.captureScanout(0);
    const bands = [0.125, 0.375, 0.625, 0.875].map((f) => pixel(frame, Math.floor(f * WIDTH), HEIGHT / 2));
    expect(bands).toEqual([[255, 0, 0, 255], [255, 255, 0, 255], [0, 0, 255, 255], [0, 255, 255, 255]]);
    await guest.run('kill %1; wait');
    expect(await guest.driverProblems()).toEqual([]);
    expect(guest.deviceLog).toEqual([]);
  });
});

describe('a 3d guest resumed from a snapshot', () => {
  it('holds only the disk blocks the guest wrote, and GL programs still run from the disk', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vgw-')), 'snapshot.bin');
    await guest.save(file);
    const image = ensureGuestImage('3d');
    const bytes = statSync(file).size;
    console.log(`[gl-node] snapshot of the booted 3d guest: ${(bytes / 1048576).toFixed(1)} MiB (its disk: ${(statSync(image.disk as string).size / 1048576).toFixed(0)} MiB)`);
    // 512 MiB of memory at most, and no copy of the disk.
    expect(bytes).toBeLessThan(statSync(image.disk as string).size);
    const resumed = await GuestSession.boot({ image, scanouts: [{ width: WIDTH, height: HEIGHT }], snapshot: file });
    try {
      expect(resumed.startedFrom).toBe('snapshot');
      const { output, status } = await resumed.run(`${SOFTWARE} vgw-gl-triangle`, 90);
      expect(glProgramMismatches('vgw-gl-triangle', output)).toEqual([]);
      expect(status).toBe(0);
      expect(resumed.deviceLog).toEqual([]);
    } finally {
      await resumed.stop();
    }
  });
});
