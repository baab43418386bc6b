/**
 * Guest OpenGL drawn by the page's GPU: the 3d guest boots in Chromium with
 * the device offering virgl, and its Mesa (the virgl driver, not software)
 * runs the project's GL test programs through the GPU worker's WebGL2. Each
 * program reads back probe pixels with glReadPixels and must get exactly the
 * colours its scene defines; a held frame must be on the canvas.
 */
import { GL_PROGRAMS, glProgramMismatches } from '../guest/gl-test-checks.ts';
import { expect, test } from '../src/playwright/index.ts';
import { GUEST_READY } from './guest-ready.ts';

test.use({ guestURL: '/e2e/pages/gl-guest.html', guestReady: GUEST_READY, guestBootTimeout: 300_000 });

test('the device offers 3D and the guest\'s Mesa takes it', async ({ guest }) => {
  const threeD = await guest.page.evaluate(() => globalThis.__virtioGpuWeb![0]!.threeD);
  console.log(`[gl-guest] 3D: ${threeD}`);
  expect(threeD).toMatch(/^virgl on WebGL2/);
});

for (const program of GL_PROGRAMS) {
  test(`${program} draws with the page's GPU and reads back the exact pixels`, async ({ guest }) => {
    test.setTimeout(120_000);
    const output = await guest.run(program, { timeout: 90_000 });
    expect(output, "Mesa's virgl driver, not a software one").toMatch(/renderer virgl/);
    expect(glProgramMismatches(program, output), output).toEqual([]);
  });
}

test('a held frame of vgw-gl-mrt is on the canvas', async ({ guest }) => {
  test.setTimeout(120_000);
  await guest.run('vgw-gl-mrt hold > /tmp/mrt.log 2>&1 &');
  await guest.run("while ! grep -q -E ': (ok|FAIL)' /tmp/mrt.log; do sleep 0.5; done; cat /tmp/mrt.log", { timeout: 90_000 });
  const screen = guest.screen(0);
  const bands = [[255, 0, 0], [255, 255, 0], [0, 0, 255], [0, 255, 255]];
  for (const [i, colour] of bands.entries()) {
    await screen.waitForRegion({ x: 160 * i + 40, y: 200, width: 80, height: 80, name: `band ${i}` }, { check: (p) => p.data.every((v, k) => k % 4 === 3 || v === colour[k % 4]), description: `all rgb(${colour.join(', ')})` });
  }
  await test.info().attach('mrt', { body: await screen.capture(), contentType: 'image/png' });
  await guest.run('kill %1; wait');
});
