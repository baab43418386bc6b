/**
 * The virgl renderer on WebGL2 against the reference: each recorded trace (the
 * 11 GL test programs, kmscube and glmark2 scenes: test/guest/gl-traces.ts) is
 * replayed natively by virglrenderer on llvmpipe (`npm run oracle`) and in
 * Chromium by the project's renderer on WebGL2 (SwiftShader on this machine).
 * Every frame and readback of every trace is compared: 31 at most a trace.
 *
 * Tolerance: a pixel matches when no channel differs by more than 2 (two
 * rasterizers may round a blend or an interpolated colour differently by one
 * step); a picture matches when at most 0.5 % of its pixels miss that and its
 * PSNR (over R, G, B and A) is at least 40 dB. Where the two rasterizers
 * cannot agree, a program has its own tolerance below, with the figures
 * measured and the reason. The cause behind them all: SwiftShader, as Chromium
 * builds it, snaps vertices to 1/16 of a pixel (a right edge at x = 10.53
 * leaves the pixel centred at 10.5 uncovered), where llvmpipe snaps to 1/256;
 * so pixel centres near a triangle's edge, and texture coordinates
 * interpolated across it, come out slightly apart, and a high-contrast texture
 * or a scene made of edges turns that into large differences on few pixels.
 *
 * glmark2 scenes of its default list that are not recorded, with their worst
 * figures here: terrain (56 % of pixels off, up to 224 levels: trilinear
 * minification of noisy textures at grazing angles, where llvmpipe's
 * approximated level of detail and SwiftShader's part), refract (4.6 %, PSNR
 * 42 dB: refraction through the model's normals multiplies the coordinate
 * differences), buffer (4.6 % off by at most 10: a wireframe shaded from
 * interpolated distances to edges); jellyfish (0.09 %), conditionals and
 * function (as loop) match but add nothing the recorded scenes do not show.
 *
 * Each program's worst picture is printed, and written beside the reference's
 * (reference | WebGL2 | pixels off in red) to the test's results, as is every
 * picture out of tolerance.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { runOracle } from '../scripts/oracle.mjs';
import { ensureGlTraces, GL_TRACES } from '../test/guest/gl-traces.ts';
import type { PageReplay } from './pages/virgl-replay-page.ts';

const CHANNEL_TOLERANCE = 2;

interface Tolerance {
  /** Largest fraction of a picture's pixels off by more than CHANNEL_TOLERANCE. */
  pixels: number;
  /** Smallest PSNR, in dB. */
  psnr: number;
}

const TOLERANCE: Tolerance = { pixels: 0.005, psnr: 40 };

/** Programs whose pictures the two rasterizers cannot share within TOLERANCE: the worst figures measured, and where the differences are. */
const OWN_TOLERANCE: Readonly<Record<string, Tolerance>> = {
  // 0.96 %, PSNR 49 dB: bilinear minification of the cube's noise patch and colour bars.
  'kmscube-rgba': { pixels: 0.015, psnr: 40 },
  // 0.58 %, PSNR 52 dB: with texture-filter=nearest, the texel taken at pixel centres next to a texel boundary.
  'glmark2-texture': { pixels: 0.01, psnr: 40 },
  // Up to 0.48 %, PSNR down to 36.7 dB over four recordings (the windows move with time): the blurred windows' borders (up to 9 levels), and a row or column along a window's edge (up to 255).
  'glmark2-desktop': { pixels: 0.01, psnr: 34 },
  // 0.11 %, PSNR 35.4 dB: a grid of thin quads, all edges; the edge pixels the two rasterizers give to different quads differ by up to 255.
  'glmark2-loop': { pixels: 0.005, psnr: 33 },
};

let traces: Map<string, string>;
const worst = { program: '', picture: '', fraction: 0, maxDelta: 0, psnr: Infinity };

test.beforeAll(async () => {
  // A fresh cache records every trace in a booted guest first (gl-traces.ts), or waits for another process doing it.
  test.setTimeout(30 * 60_000);
  traces = await ensureGlTraces();
});

test.afterAll(() => {
  console.log(`[virgl-replay] worst picture: ${worst.program} ${worst.picture}: ${figures(worst)}`);
});

interface Compared {
  fraction: number;
  maxDelta: number;
  psnr: number;
  /** Pixels off by more than CHANNEL_TOLERANCE, one byte each (255: off). */
  off: Uint8Array;
}

function compare(expected: Uint8Array, actual: Uint8Array): Compared {
  const off = new Uint8Array(expected.length / 4);
  let count = 0;
  let maxDelta = 0;
  let squares = 0;
  for (let i = 0; i < expected.length; i += 4) {
    let delta = 0;
    for (let c = 0; c < 4; c++) {
      const d = Math.abs(expected[i + c]! - actual[i + c]!);
      squares += d * d;
      delta = Math.max(delta, d);
    }
    maxDelta = Math.max(maxDelta, delta);
    if (delta > CHANNEL_TOLERANCE) {
      off[i / 4] = 255;
      count++;
    }
  }
  const mse = squares / expected.length;
  return { fraction: count / off.length, maxDelta, psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse), off };
}

function figures(r: { fraction: number; maxDelta: number; psnr: number }): string {
  return `${(r.fraction * 100).toFixed(3)} % of pixels off by more than ${CHANNEL_TOLERANCE}, largest channel difference ${r.maxDelta}, PSNR ${r.psnr === Infinity ? 'infinite' : `${r.psnr.toFixed(1)} dB`}`;
}

/** Reference, WebGL2 and the pixels off (red), side by side. */
function sideBySide(want: PNG, got: Uint8Array, off: Uint8Array): Buffer {
  const { width, height } = want;
  const png = new PNG({ width: width * 3, height });
  for (let y = 0; y < height; y++) {
    const row = y * width * 4;
    const out = y * width * 12;
    want.data.copy(png.data, out, row, row + width * 4);
    png.data.set(got.subarray(row, row + width * 4), out + width * 4);
    for (let x = 0, at = out + width * 8; x < width; x++, at += 4) {
      png.data[at] = off[y * width + x]!;
      png.data[at + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

for (const program of GL_TRACES) {
  test(`${program}: the WebGL2 renderer draws the frames and readbacks the reference draws`, async ({ page }, info) => {
    test.setTimeout(240_000);
    const tolerance = OWN_TOLERANCE[program] ?? TOLERANCE;
    const trace = traces.get(program);
    expect(trace, `a recorded trace of ${program}`).toBeDefined();
    const oracleDir = mkdtempSync(join(tmpdir(), `vgw-oracle-${program}-`));
    const oracle = runOracle(trace!, oracleDir);
    expect(oracle.status, oracle.stderr).toBe(0);
    const expected = new Set(readdirSync(oracleDir).filter((f) => f.endsWith('.png')));

    await page.goto('/e2e/pages/virgl-replay.html');
    await page.waitForFunction(() => 'replayVirgl' in window);
    const replay: PageReplay = await page.evaluate((b64) => window.replayVirgl(b64), readFileSync(trace!).toString('base64'));
    expect.soft(replay.log, `what the renderer logged on ${replay.renderer}`).toEqual([]);
    expect.soft(replay.rendererErrors, 'renderer calls that threw').toBe(0);
    expect(replay.pictures.map((p) => p.name).sort(), 'the same frames and readbacks as the reference').toEqual([...expected].sort());
    let programWorst: { name: string; want: PNG; got: Uint8Array; result: Compared } | null = null;
    let lowestPsnr = { name: '', psnr: Infinity };
    for (const [index, picture] of replay.pictures.entries()) {
      const want = PNG.sync.read(readFileSync(join(oracleDir, picture.name)));
      expect([picture.width, picture.height], picture.name).toEqual([want.width, want.height]);
      const got = new Uint8Array(inflateSync(Buffer.from(await page.evaluate((i) => window.virglPicture(i), index), 'base64')));
      const result = compare(want.data, got);
      if (result.fraction > tolerance.pixels || result.psnr < tolerance.psnr) writeFileSync(info.outputPath(picture.name), sideBySide(want, got, result.off));
      const was = programWorst?.result;
      if (!was || result.fraction > was.fraction || (result.fraction === was.fraction && result.psnr < was.psnr)) programWorst = { name: picture.name, want, got, result };
      if (result.psnr < lowestPsnr.psnr) lowestPsnr = { name: picture.name, psnr: result.psnr };
      expect.soft(result.fraction, `${picture.name}: ${figures(result)}`).toBeLessThanOrEqual(tolerance.pixels);
      expect.soft(result.psnr, `${picture.name}: ${figures(result)}`).toBeGreaterThanOrEqual(tolerance.psnr);
    }
    if (programWorst) {
      const { name, want, got, result } = programWorst;
      writeFileSync(info.outputPath(`worst-${name}`), sideBySide(want, got, result.off));
      const psnr = lowestPsnr.name === name || lowestPsnr.psnr === Infinity ? '' : `; lowest PSNR ${lowestPsnr.psnr.toFixed(1)} dB, ${lowestPsnr.name}`;
      console.log(`[virgl-replay] ${program}: ${replay.pictures.length} pictures; worst ${name}: ${figures(result)}${psnr}`);
      if (result.fraction >= worst.fraction) Object.assign(worst, { program, picture: name, fraction: result.fraction, maxDelta: result.maxDelta, psnr: result.psnr });
    }
    // glmark2's pictures run to tens of MB; those out of tolerance are in the results already.
    rmSync(oracleDir, { recursive: true, force: true });
  });
}
