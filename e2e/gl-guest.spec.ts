/**
 * Guest OpenGL drawn by the page's GPU: the 3d guest boots in Chromium with
 * the device offering virgl, and its Mesa (the virgl driver, not software)
 * runs the project's GL test programs through the GPU worker's WebGL2. Each
 * program reads back probe pixels with glReadPixels and must get exactly the
 * colours its scene defines; a held frame must be on the canvas.
 */
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { GL_PROGRAMS, glProgramMismatches } from '../guest/gl-test-checks.ts';
import { expect, test, type Pixels, type Region } from '../src/playwright/index.ts';
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

test("a held frame of vgw-gl-mrt is on the canvas, and the handle's stats count its draws and GPU memory", async ({ guest }) => {
  test.setTimeout(120_000);
  await guest.run('vgw-gl-mrt hold > /tmp/mrt.log 2>&1 &');
  await guest.run("while ! grep -q -E ': (ok|FAIL)' /tmp/mrt.log; do sleep 0.5; done; cat /tmp/mrt.log", { timeout: 90_000 });
  const screen = guest.screen(0);
  const bands = [[255, 0, 0], [255, 255, 0], [0, 0, 255], [0, 255, 255]];
  for (const [i, colour] of bands.entries()) {
    await screen.waitForRegion({ x: 160 * i + 40, y: 200, width: 80, height: 80, name: `band ${i}` }, { check: (p) => p.data.every((v, k) => k % 4 === 3 || v === colour[k % 4]), description: `all rgb(${colour.join(', ')})` });
  }
  await test.info().attach('mrt', { body: await screen.capture(), contentType: 'image/png' });
  // While the program holds its frame, its images are in the renderer, and the handle's stats say so.
  const { threeD } = await guest.page.evaluate(() => globalThis.__virtioGpuWeb![0]!.stats());
  console.log(`[gl-guest] stats while vgw-gl-mrt holds its frame: ${JSON.stringify(threeD)}`);
  expect(threeD?.capsets).toEqual(['virgl (version 1)', 'virgl2 (version 2)']);
  expect(threeD?.renderer, 'the GPU, as WebGL2 names it').toMatch(/\w/);
  expect(threeD?.draws, 'draws the renderer made').toBeGreaterThan(0);
  expect(threeD?.gpuBytes, "bytes of the program's images and buffers").toBeGreaterThan(0);
  await guest.run('kill %1; wait');
});

/** Distinct colours at 64 points of a grid over `p`: a shaded cube gives dozens, an empty or flat frame a few. */
const gridColours = (p: Pixels): number => {
  const seen = new Set<number>();
  for (let i = 0; i < 64; i++) {
    const at = (Math.floor(((i >> 3) + 0.5) * p.height / 8) * p.width + Math.floor(((i & 7) + 0.5) * p.width / 8)) * 4;
    seen.add((p.data[at]! << 16) | (p.data[at + 1]! << 8) | p.data[at + 2]!);
  }
  return seen.size;
};

const KMSCUBE_FRAMES = 300;

test("kmscube's cube turns on the canvas", async ({ guest }, info) => {
  test.setTimeout(180_000);
  // A set number of frames, so that kmscube exits by itself and writes its report (buffered, as its output is a file).
  // Its input is a pipe nobody writes to: kmscube stops at the first byte it can read there.
  await guest.run(`sleep 600 | kmscube --count ${KMSCUBE_FRAMES} > /tmp/kmscube.log 2>&1 & cube=$!`);
  const started = Date.now();
  const screen = guest.screen(0);
  const cube: Region = { x: 192, y: 112, width: 256, height: 256, name: 'the cube' };
  await screen.waitForRegion(cube, { check: (p) => gridColours(p) > 20, description: 'the shaded faces of a cube' }, { timeout: 120_000 });
  const first = await screen.pixels(cube);
  await screen.waitForRegion(cube, { check: (p) => Buffer.compare(p.data, first.data) !== 0, description: 'another frame: the cube turns' }, { timeout: 30_000 });
  // Corners show kmscube's grey clear colour.
  await screen.waitForRegion({ x: 0, y: 0, width: 16, height: 16, name: 'background' }, { check: (p) => p.data.every((v, k) => k % 4 === 3 || v === 128), description: 'all rgb(128, 128, 128)' });
  // And the page's canvas shows it, as a visitor sees it.
  const shot = PNG.sync.read(await screen.canvas.screenshot({ path: info.outputPath('kmscube.png') }));
  expect([shot.width, shot.height]).toEqual([640, 480]);
  const centre = { width: 256, height: 256, data: new Uint8Array(256 * 256 * 4) };
  for (let y = 0; y < 256; y++) centre.data.set(shot.data.subarray(((112 + y) * 640 + 192) * 4, ((112 + y) * 640 + 448) * 4), y * 256 * 4);
  expect(gridColours(centre), 'distinct colours on the canvas over the cube').toBeGreaterThan(20);
  expect(Array.from(shot.data.subarray(0, 3))).toEqual([128, 128, 128]);
  const log = await guest.run('while kill -0 $cube 2>/dev/null; do sleep 0.5; done; kill %1; cat /tmp/kmscube.log', { timeout: 150_000 });
  console.log(`[gl-guest] kmscube: ${KMSCUBE_FRAMES} frames in ${((Date.now() - started) / 1000).toFixed(1)} s; its last report: ${log.match(/Rendered .*/g)?.at(-1)}`);
  expect(log, "kmscube's own report of the GL it got").toMatch(/renderer: "virgl \(virtio-gpu-web/);
  expect(log).not.toMatch(/user interrupted/);
});

/** Faults the 3D renderer recovers from, each done to the page's device. */
const FAULTS: Record<string, () => Promise<unknown>> = {
  "the 3D renderer's WebGL2 context is lost and given back": () => globalThis.__virtioGpuWeb![0]!.presenter.gpuWorker.loseVirglContext(),
  'the GPU worker is killed': async () => globalThis.__virtioGpuWeb![0]!.presenter.worker.terminate(),
};

for (const [fault, inject] of Object.entries(FAULTS)) {
  test(`${fault}: the guest's next GL programs draw exactly again`, async ({ guest }) => {
    test.setTimeout(180_000);
    const { page } = guest;
    const before = await page.evaluate(() => globalThis.__virtioGpuWeb![0]!.presenter.recoveries);
    await page.evaluate(inject);
    await page.waitForFunction((n) => globalThis.__virtioGpuWeb![0]!.presenter.recoveries > n, before, { timeout: 20_000 });
    for (const program of ['vgw-gl-triangle', 'vgw-gl-texture']) {
      const output = await guest.run(program, { timeout: 90_000 });
      expect(glProgramMismatches(program, output), output).toEqual([]);
    }
    expect(await guest.run('echo still-$((40+2))')).toContain('still-42');
  });
}
