/**
 * The virgl renderer on WebGL2 against the reference: each recorded trace (the
 * 13 GL test programs, kmscube and glmark2 scenes: test/guest/gl-traces.ts) is
 * replayed natively by virglrenderer on llvmpipe (`npm run oracle`) and in
 * Chromium by the project's renderer on WebGL2 (SwiftShader on this machine).
 * Every frame and readback of every trace is compared: 31 at most a trace,
 * each held to the tolerance of e2e/picture-compare.ts (with the reasons for
 * the programs that have their own).
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
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { runOracle } from '../scripts/oracle.mjs';
import { ensureGlTraces, GL_TRACES } from '../test/guest/gl-traces.ts';
import { compare, figures, toleranceFor, within, type Compared } from './picture-compare.ts';
import { sideBySide } from './side-by-side.ts';
import { openReplayPage, pictureRgba, replayInPage } from './virgl-replay-client.ts';

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

for (const program of GL_TRACES) {
  test(`${program}: the WebGL2 renderer draws the frames and readbacks the reference draws`, async ({ page }, info) => {
    test.setTimeout(240_000);
    const tolerance = toleranceFor(program);
    const trace = traces.get(program);
    expect(trace, `a recorded trace of ${program}`).toBeDefined();
    const oracleDir = mkdtempSync(join(tmpdir(), `vgw-oracle-${program}-`));
    const oracle = await runOracle(trace!, oracleDir);
    expect(oracle.status, oracle.stderr).toBe(0);
    const expected = new Set(readdirSync(oracleDir).filter((f) => f.endsWith('.png')));

    await openReplayPage(page);
    const replay = await replayInPage(page, readFileSync(trace!), { checkPresents: true });
    expect.soft(replay.log, `what the renderer logged on ${replay.renderer}`).toEqual([]);
    expect.soft(replay.rendererErrors, 'renderer calls that threw').toBe(0);
    expect(replay.pictures.map((p) => p.name).sort(), 'the same frames and readbacks as the reference').toEqual([...expected].sort());
    // A WebGL2 scanout shows a frame from the renderer's texture: the same RGB as the frame's readback, exactly.
    expect.soft(replay.presents?.frames, 'frames shown by a WebGL2 surface on the renderer context').toBe(replay.pictures.filter((p) => p.kind === 'frame').length);
    expect.soft(replay.presents?.differing, 'frames whose RGB on the surface differs from their readback').toEqual([]);
    let programWorst: { name: string; want: PNG; got: Uint8Array; result: Compared } | null = null;
    let lowestPsnr = { name: '', psnr: Infinity };
    for (const [index, picture] of replay.pictures.entries()) {
      const want = PNG.sync.read(readFileSync(join(oracleDir, picture.name)));
      expect([picture.width, picture.height], picture.name).toEqual([want.width, want.height]);
      const got = await pictureRgba(page, index);
      const result = compare(want.data, got);
      if (!within(result, tolerance)) writeFileSync(info.outputPath(picture.name), sideBySide(want, got, result.off));
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
