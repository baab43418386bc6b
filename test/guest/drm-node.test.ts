/**
 * The project's own DRM client (guest/programs/vgw-drm-test.c) in the real
 * guest, on two scanouts: modes, page flips, the cursor plane, guest blobs,
 * and the guest's view of a host-side resize and hotplug.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGuestImage } from '../../guest/build-image.mjs';
import { cursorMismatches, patternMismatches } from '../../guest/drm-test-checks.ts';
import { GuestSession } from '../../src/node/guest-session.ts';

const SCANOUTS = [{ width: 800, height: 600 }, { width: 640, height: 480 }];
let guest: GuestSession;

async function until(command: string, done: (output: string) => boolean, what: string): Promise<string> {
  let output = '';
  for (let i = 0; i < 100; i++) {
    output = (await guest.run(command)).output;
    if (done(output)) return output;
    await guest.run('sleep 0.1');
  }
  throw new Error(`${what}: last output ${JSON.stringify(output)}`);
}

beforeAll(async () => {
  guest = await GuestSession.boot({ image: ensureGuestImage(), scanouts: SCANOUTS, bootTimeout: 90 });
}, 120_000);

afterAll(async () => {
  await guest?.stop();
});

describe('vgw-drm-test on two scanouts', () => {
  it('sees both outputs connected, with EDID and guest blobs negotiated', async () => {
    expect((await guest.run('cat /sys/class/drm/card0-Virtual-2/status')).output.trim()).toBe('connected');
    expect((await guest.run('dmesg')).output).toMatch(/features: -virgl \+edid \+resource_blob/);
    const info = (await guest.run('vgw-drm-test info')).output;
    expect(info).toMatch(/param resource_blob=1/);
    expect(info).toMatch(/Virtual-1 connected modes=800x600,.* preferred=800x600/);
    expect(info).toMatch(/Virtual-2 connected modes=640x480,.* preferred=640x480/);
  });

  it('sets a mode with its pattern on every output, flips, sets and moves the cursor, maps a guest blob', async () => {
    await guest.run('vgw-drm-test show > /tmp/drm.log 2>&1 &');
    const log = await until('cat /tmp/drm.log', (o) => /^ready$|FAIL/m.test(o), 'vgw-drm-test did not get ready');
    expect(log).not.toMatch(/FAIL/);
    expect(log).toMatch(/output 0 mode 800x600 pattern 0\noutput 1 mode 640x480 pattern 1/);
    expect(log).toMatch(/output 0 flipped pattern 8\noutput 1 flipped pattern 9/);
    expect(log).toMatch(/cursor set at 100,50 hot 2,3\ncursor moved to 200,120/);
    expect(log).toMatch(/blob res_handle=\d+ bo_handle=\d+ size=65536 mapped ok/);
    const [first, second] = [await guest.device.captureScanout(0), await guest.device.captureScanout(1)];
    expect([first.width, first.height, second.width, second.height]).toEqual([800, 600, 640, 480]);
    expect(patternMismatches(first, 0)).toEqual([]);
    expect(patternMismatches(second, 1)).toEqual([]);
    expect(cursorMismatches(first)).toEqual([]);
  });

  // A DRM master re-probes connectors when it wants to (only the master may force a probe):
  // vgw-drm-test releases the display, and each `info` run is the master that probes.
  it("shows the guest a host-side resize, unplug and replug of a scanout", async () => {
    await guest.run('kill %1; wait');
    guest.device.configureScanout(1, { width: 1280, height: 720 });
    await until('vgw-drm-test info', (o) => /Virtual-2 connected modes=1280x720,.* preferred=1280x720/.test(o), 'the guest did not see the new preferred mode');
    guest.device.configureScanout(1, { connected: false });
    await until('vgw-drm-test info', (o) => /Virtual-2 disconnected/.test(o), 'the guest did not see the unplug');
    guest.device.configureScanout(1, { connected: true });
    await until('vgw-drm-test info', (o) => /Virtual-2 connected modes=1280x720/.test(o), 'the guest did not see the replug');
    expect((await guest.run('cat /sys/class/drm/card0-Virtual-2/status')).output.trim()).toBe('connected');
  });

  it('leaves no driver warnings and no rejected commands', async () => {
    expect(await guest.driverProblems()).toEqual([]);
    expect(guest.deviceLog).toEqual([]);
  });
});
