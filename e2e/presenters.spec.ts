/**
 * The GPU worker in real Chromium: for each presenter backend, a known
 * pattern goes through the real device and worker onto the canvas, and the
 * pixels read back from the canvas (inside the worker, and as the page shows
 * them in a screenshot) must be exact.
 */
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { expectedFrame, DISPLAYED, patternBytes } from './pattern.ts';

const W = 64, H = 48;
const FB = 0x10000, CURSOR = 0x100000, FORMATS_AT = 0x200000;
type Capture = { width: number; height: number; data: number[] };

async function open(page: Page, backend: string): Promise<string> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/e2e/pages/presenter.html');
  await page.waitForFunction(() => 'harness' in window);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const started = await page.evaluate(([b, w, h]) => window.harness.start(b as 'webgpu', w as number, h as number), [backend, W, H] as const);
  expect(errors).toEqual([]);
  return started.backend;
}

/** Shows the seed-0 pattern full screen from resource 1 (B8G8R8X8, as Linux's console uses). */
async function showPattern(page: Page, seed = 0): Promise<void> {
  await page.evaluate(async ([w, h, fb, s]) => {
    const t = window.harness;
    t.writePattern(fb, w, h, s);
    await t.resource(1, 2, w, h, fb);
    await t.setScanout(0, 1, { x: 0, y: 0, width: w, height: h });
    await t.transfer(1, { x: 0, y: 0, width: w, height: h });
    await t.flush(1, { x: 0, y: 0, width: w, height: h }, true);
    await t.presented();
  }, [W, H, FB, seed] as const);
}

const capture = (page: Page): Promise<Capture> => page.evaluate(() => window.harness.capture());

/** The harness with the 3D renderer in the worker, on `backend`; how the renderer's frames reach the canvas. */
async function openVirgl(page: Page, backend: string): Promise<string> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/e2e/pages/presenter.html');
  await page.waitForFunction(() => 'harness' in window);
  const started = await page.evaluate(([b, w, h]) => window.harness.startVirgl(w as number, h as number, b as 'webgpu'), [backend, W, H] as const);
  if ('reason' in started) throw new Error(`no 3D renderer: ${started.reason}`);
  expect(started.backend).toBe(backend);
  expect(errors).toEqual([]);
  return started.presents;
}

function px(c: { width: number; data: ArrayLike<number> }, x: number, y: number): number[] {
  const i = (y * c.width + x) * 4;
  return [c.data[i]!, c.data[i + 1]!, c.data[i + 2]!, c.data[i + 3]!];
}

/** Counts pixels that differ from `expected`, listing the first few. */
function diff(actual: ArrayLike<number>, expected: ArrayLike<number>, width: number): string[] {
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i += 4) {
    if (actual[i] !== expected[i] || actual[i + 1] !== expected[i + 1] || actual[i + 2] !== expected[i + 2] || actual[i + 3] !== expected[i + 3]) {
      if (bad.length < 5) bad.push(`(${(i / 4) % width},${Math.floor(i / 4 / width)}) got ${Array.from({ length: 4 }, (_, k) => actual[i + k])} want ${Array.from({ length: 4 }, (_, k) => expected[i + k])}`);
      else bad.push('…');
    }
  }
  return bad.slice(0, 6);
}

for (const backend of ['webgpu', 'webgl2', 'canvas2d'] as const) {
  test.describe(`${backend} presenter in the GPU worker`, () => {
    test('shows a full frame exactly, in the worker readback and on the page', async ({ page }, info) => {
      expect(await open(page, backend)).toBe(backend);
      await showPattern(page);
      const c = await capture(page);
      expect([c.width, c.height]).toEqual([W, H]);
      expect(diff(c.data, expectedFrame(W, H, 2, 0), W)).toEqual([]);
      const shot = await page.locator('#screen').screenshot({ path: info.outputPath(`${backend}-frame.png`) });
      const png = PNG.sync.read(shot);
      expect([png.width, png.height]).toEqual([W, H]);
      expect(diff(png.data, expectedFrame(W, H, 2, 0), W)).toEqual([]);
    });

    test('shows frames the 3D renderer draws exactly: from its texture on WebGL2, read back elsewhere', async ({ page }, info) => {
      const presents = await openVirgl(page, backend);
      expect(presents).toBe(backend === 'webgl2' ? 'from the shared WebGL2 context, with no copy' : 'read back into memory');
      const whole = { x: 0, y: 0, width: W, height: H };
      // A frame the guest uploads: every pixel's place and colour.
      await page.evaluate(async ([w, h, fb, r]) => {
        const t = window.harness;
        await t.scanout3d(w, h, fb);
        t.writePattern(fb, w, h, 0);
        await t.transfer3d(r, w * 4);
        await t.flush(1, r, true);
        await t.presented();
      }, [W, H, FB, whole] as const);
      const c = await capture(page);
      expect([c.width, c.height]).toEqual([W, H]);
      expect(diff(c.data, expectedFrame(W, H, 2, 0), W)).toEqual([]);
      const png = PNG.sync.read(await page.locator('#screen').screenshot({ path: info.outputPath(`${backend}-3d-frame.png`) }));
      expect(diff(png.data, expectedFrame(W, H, 2, 0), W)).toEqual([]);
      // A frame the GPU draws.
      await page.evaluate(async ([r]) => {
        const t = window.harness;
        await t.clear3d([0.2, 0.4, 0.6, 1]);
        await t.flush(1, r, true);
        await t.presented();
      }, [whole] as const);
      const cleared = await capture(page);
      for (const [x, y] of [[0, 0], [W - 1, 0], [0, H - 1], [W - 1, H - 1], [W / 2, H / 2]]) expect(px(cleared, x!, y!), `(${x},${y})`).toEqual([51, 102, 153, 255]);
      // A part of a frame.
      const part = { x: 8, y: 16, width: 24, height: 8 };
      await page.evaluate(async ([w, h, fb, r]) => {
        const t = window.harness;
        t.writePattern(fb, w, h, 99);
        await t.transfer3d(r, w * 4);
        await t.flush(1, r, true);
        await t.presented();
      }, [W, H, FB, part] as const);
      const patched = await capture(page);
      const show = DISPLAYED[2]!;
      for (const [x, y] of [[8, 16], [31, 23], [20, 20]]) expect(px(patched, x!, y!), `inside (${x},${y})`).toEqual(show(patternBytes(x!, y!, 99)));
      for (const [x, y] of [[7, 16], [32, 23], [8, 15], [8, 24]]) expect(px(patched, x!, y!), `outside (${x},${y})`).toEqual([51, 102, 153, 255]);
    });

    test('converts all eight 2D formats', async ({ page }) => {
      await open(page, backend);
      for (const [i, format] of [1, 2, 3, 4, 67, 68, 121, 134].entries()) {
        const c = await page.evaluate(async ([id, f, at]) => {
          const t = window.harness;
          t.writePattern(at, 16, 16, id);
          await t.resource(id, f, 16, 16, at);
          await t.transfer(id, { x: 0, y: 0, width: 16, height: 16 });
          await t.setScanout(0, id, { x: 0, y: 0, width: 16, height: 16 });
          return t.capture();
        }, [i + 1, format, FORMATS_AT + i * 0x1000] as const);
        expect([c.width, c.height]).toEqual([16, 16]);
        expect(diff(c.data, expectedFrame(16, 16, format, i + 1), 16), `format ${format}`).toEqual([]);
      }
    });

    test('a partial flush updates only the flushed rectangle', async ({ page }) => {
      await open(page, backend);
      await showPattern(page);
      await page.evaluate(async ([w, h, fb]) => {
        const t = window.harness;
        t.writePattern(fb, w, h, 99);
        await t.transfer(1, { x: 0, y: 0, width: w, height: h });
        await t.flush(1, { x: 8, y: 16, width: 24, height: 8 });
      }, [W, H, FB] as const);
      const c = await capture(page);
      const show = DISPLAYED[2]!;
      for (const [x, y] of [[8, 16], [31, 23], [20, 20]]) expect(px(c, x!, y!), `inside (${x},${y})`).toEqual(show(patternBytes(x!, y!, 99)));
      for (const [x, y] of [[7, 16], [32, 23], [8, 15], [8, 24], [0, 0], [63, 47]]) expect(px(c, x!, y!), `outside (${x},${y})`).toEqual(show(patternBytes(x!, y!, 0)));
    });

    test('draws the cursor as an overlay at its position, and moves it', async ({ page }) => {
      await open(page, backend);
      await showPattern(page);
      await page.evaluate(async ([at]) => {
        const t = window.harness;
        // Opaque green 6x6 block at the image's top-left, transparent elsewhere (B8G8R8A8, as Linux's ARGB8888 cursor).
        t.writeCursor(at, [{ x: 0, y: 0, size: 6, bgra: [0, 255, 0, 255] }]);
        await t.resource(50, 1, 64, 64, at);
        await t.transfer(50, { x: 0, y: 0, width: 64, height: 64 });
        await t.cursor('update', 10, 12, 50, 2, 2);
      }, [CURSOR] as const);
      const show = DISPLAYED[2]!;
      let c = await capture(page);
      expect(px(c, 10, 12)).toEqual([0, 255, 0, 255]);
      expect(px(c, 15, 17)).toEqual([0, 255, 0, 255]);
      expect(px(c, 16, 12)).toEqual(show(patternBytes(16, 12, 0)));
      expect(px(c, 9, 12)).toEqual(show(patternBytes(9, 12, 0)));
      await page.evaluate(() => window.harness.cursor('move', 40, 30, 50));
      c = await capture(page);
      expect(px(c, 10, 12)).toEqual(show(patternBytes(10, 12, 0)));
      expect(px(c, 15, 17)).toEqual(show(patternBytes(15, 17, 0)));
      expect(px(c, 40, 30)).toEqual([0, 255, 0, 255]);
      expect(px(c, 45, 35)).toEqual([0, 255, 0, 255]);
      expect(px(c, 46, 36)).toEqual(show(patternBytes(46, 36, 0)));
      // The overlay never reaches the resource: a full flush leaves the cursor where it is and nowhere else.
      await page.evaluate(async ([w, h]) => window.harness.flush(1, { x: 0, y: 0, width: w, height: h }), [W, H] as const);
      c = await capture(page);
      expect(px(c, 12, 14)).toEqual(show(patternBytes(12, 14, 0)));
      expect(px(c, 41, 31)).toEqual([0, 255, 0, 255]);
    });
  });
}

test('auto picks WebGPU on a real GPU, and canvas 2D when the GPU backends draw on the CPU, saying why', async ({ page }) => {
  await page.goto('/e2e/pages/presenter.html');
  const adapter = await page.evaluate(async () => {
    const a = await navigator.gpu.requestAdapter();
    const info = a?.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
    return { fallback: Boolean(info?.isFallbackAdapter), name: `${info?.vendor} ${info?.architecture} ${info?.description}` };
  });
  const software = adapter.fallback || /swiftshader|llvmpipe/i.test(adapter.name);
  await page.waitForFunction(() => 'harness' in window);
  const started = await page.evaluate(([w, h]) => window.harness.start('auto', w as number, h as number), [W, H] as const);
  if (software) {
    expect(started.backend).toBe('canvas2d');
    expect(started.notes.join('\n')).toMatch(/webgpu: draws on the CPU .*canvas 2D is faster/);
  } else {
    expect(started.backend).toBe('webgpu');
  }
});

test('a canvas already given to a worker is refused with a message that says so', async ({ page }) => {
  await open(page, 'canvas2d');
  expect(await page.evaluate(() => window.harness.reuseCanvas())).toMatch(/canvases\[0\] cannot be transferred to the GPU worker \(it already has a context or was transferred before\)/);
});
