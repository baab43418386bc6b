/**
 * The virgl renderer on WebGL2 against the reference: each 3D test program's
 * recorded trace is replayed natively by virglrenderer on llvmpipe
 * (`npm run oracle`) and in Chromium by the project's renderer on WebGL2;
 * every frame and readback must match. Tolerance: a pixel matches when no
 * channel differs by more than 2 (two rasterizers may round a blend or an
 * interpolated colour differently by one step); at most 0.5 % of a
 * picture's pixels may miss it (edge pixels of primitives, where the two
 * rasterizers' coverage rules may differ). The worst picture's figures are
 * printed.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { runOracle } from '../scripts/oracle.mjs';
import { ensureGlTraces } from '../test/guest/gl-traces.ts';
import type { PageReplay } from './pages/virgl-replay-page.ts';

const CHANNEL_TOLERANCE = 2;
const PIXEL_FRACTION = 0.005;

let traces: Map<string, string>;
const worst = { program: '', picture: '', fraction: 0, maxDelta: 0 };

test.beforeAll(async () => {
  test.setTimeout(600_000);
  traces = await ensureGlTraces();
});

test.afterAll(() => {
  console.log(`[virgl-replay] worst picture: ${worst.program} ${worst.picture}: ${(worst.fraction * 100).toFixed(3)} % of pixels off by more than ${CHANNEL_TOLERANCE}, largest channel difference ${worst.maxDelta}`);
});

interface Compared {
  fraction: number;
  maxDelta: number;
}

function compare(expected: Uint8Array, actual: Uint8Array): Compared {
  let off = 0;
  let maxDelta = 0;
  for (let i = 0; i < expected.length; i += 4) {
    let delta = 0;
    for (let c = 0; c < 4; c++) delta = Math.max(delta, Math.abs(expected[i + c]! - actual[i + c]!));
    maxDelta = Math.max(maxDelta, delta);
    if (delta > CHANNEL_TOLERANCE) off++;
  }
  return { fraction: off / (expected.length / 4), maxDelta };
}

const PROGRAMS = ['vgw-gl-clear', 'vgw-gl-triangle', 'vgw-gl-indexed', 'vgw-gl-texture', 'vgw-gl-depth', 'vgw-gl-blend', 'vgw-gl-ubo', 'vgw-gl-rtt', 'vgw-gl-readpixels', 'vgw-gl-instancing', 'vgw-gl-mrt'];

for (const program of PROGRAMS) {
  test(`${program}: the WebGL2 renderer draws the frames and readbacks the reference draws`, async ({ page }, info) => {
    test.setTimeout(120_000);
    const trace = traces.get(program);
    expect(trace, `a recorded trace of ${program}`).toBeDefined();
    const oracleDir = mkdtempSync(join(tmpdir(), `vgw-oracle-${program}-`));
    const oracle = runOracle(trace!, oracleDir);
    expect(oracle.status, oracle.stderr).toBe(0);
    const expected = new Map(readdirSync(oracleDir).filter((f) => f.endsWith('.png')).map((f) => [f, PNG.sync.read(readFileSync(join(oracleDir, f)))]));

    await page.goto('/e2e/pages/virgl-replay.html');
    await page.waitForFunction(() => 'replayVirgl' in window);
    const replay: PageReplay = await page.evaluate((b64) => window.replayVirgl(b64), readFileSync(trace!).toString('base64'));
    if (replay.log.length) console.log(`[virgl-replay] ${program} on ${replay.renderer}:\n  ${replay.log.slice(0, 20).join('\n  ')}`);
    const pictures = [...replay.frames, ...replay.readbacks];
    expect(pictures.map((p) => p.name).sort(), 'the same frames and readbacks as the reference').toEqual([...expected.keys()].sort());
    for (const picture of pictures) {
      const want = expected.get(picture.name)!;
      const got = Buffer.from(picture.rgba, 'base64');
      expect([picture.width, picture.height], picture.name).toEqual([want.width, want.height]);
      const png = new PNG({ width: picture.width, height: picture.height });
      got.copy(png.data);
      writeFileSync(info.outputPath(picture.name), PNG.sync.write(png));
      const result = compare(want.data, got);
      if (result.fraction >= worst.fraction) Object.assign(worst, { program, picture: picture.name, ...result });
      expect(result.fraction, `${picture.name}: ${(result.fraction * 100).toFixed(3)} % of pixels off by more than ${CHANNEL_TOLERANCE} (largest difference ${result.maxDelta})`).toBeLessThanOrEqual(PIXEL_FRACTION);
    }
  });
}
