/**
 * glmark2-es2-drm, live: every scene of its default list runs in the 3d guest
 * on the page's GPU (the virgl renderer on WebGL2), with no GL error, and a
 * frame of each scene, read back as the page drew it, matches the reference
 * renderer's frame of the same session: the page traces the whole session
 * (pages/trace-tap.ts), then virglrenderer on llvmpipe replays that trace and
 * writes the frames of the same flushes (`npm run oracle -- --frames-of`).
 *
 * Tolerance: as the replays' (picture-compare.ts), with each scene's own
 * where the two rasterizers cannot agree (SCENE_TOLERANCE, the figures
 * measured and the reason). The frames, the reference's beside each (with
 * the pixels off in red) and every frame out of tolerance are kept with the
 * test's results; the worst figures are printed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { runOracle } from '../scripts/oracle.mjs';
import { encodePng } from '../src/node/png.ts';
import { expect, test } from '../src/playwright/index.ts';
import { GUEST_READY } from './guest-ready.ts';
import { compare, figures, toleranceFor, type Compared, type Tolerance } from './picture-compare.ts';
import { sideBySide } from './side-by-side.ts';
import { distinctColours, DRAWN_COLOURS, type TappedFrame } from './pages/trace-tap.ts';

test.use({ guestURL: '/e2e/pages/gl-guest.html?record', guestReady: GUEST_READY, guestBootTimeout: 300_000 });

/** Seconds each scene of glmark2's default list runs: enough for a few frames on a software GPU. */
const GLMARK2_SCENE_SECONDS = 2;
/**
 * A scene's frame is the first one flushed this long after the scene before it ended: past its setup
 * (jellyfish's first frames are its background alone, ideas' are black), and before the end of a
 * scene that draws one frame a second or slower (terrain, buffer), whose last frame still comes after it.
 */
const ARM_DELAY_MS = 1200;
/** Frames more a scene's tap reads, one flush after another, while its frame is still flat (ideas' first second or so is black). */
const FLAT_RETAKES = 4;
/** Bytes of the trace a message carries. */
const TRACE_SLICE = 8 << 20;

/** Scenes whose live frame the two rasterizers cannot share within the replays' tolerance: the worst figures measured, and why. */
const SCENE_TOLERANCE: Readonly<Record<string, Tolerance>> = {
  // 51 % of pixels off by up to 179, PSNR 28.6 dB: the distant hills, a noisy texture minified trilinearly at grazing
  // angles, where llvmpipe's approximated level of detail and SwiftShader's part; the near ground matches.
  terrain: { pixels: 0.6, psnr: 26 },
  // 4.9 %, up to 235, PSNR 42.8 dB: refraction through the model's normals multiplies the coordinate differences.
  refract: { pixels: 0.07, psnr: 40 },
  // 4.1 to 4.7 %, up to 255, PSNR 46.4 dB at worst: a wireframe shaded from interpolated distances to its edges.
  buffer: { pixels: 0.07, psnr: 43 },
  // Up to 0.48 %, PSNR down to 36.7 dB: the windows move with time, and a frame that catches one mid-pixel has a row or
  // column along its edge up to 255 off and the blurred borders up to 9 (the replays, recorded with a steady clock, match
  // within the common tolerance).
  desktop: { pixels: 0.01, psnr: 34 },
  // 0.06 to 0.07 %, up to 255, PSNR 37.6 dB at worst: grids of thin quads, as loop's (picture-compare.ts).
  conditionals: { pixels: 0.005, psnr: 35 },
  function: { pixels: 0.005, psnr: 35 },
};

const toleranceOf = (scene: string): Tolerance => SCENE_TOLERANCE[scene] ?? toleranceFor(`glmark2-${scene}`);

test('glmark2 runs every scene of its default list, each drawn as the reference draws the same session, with no GL error', async ({ guest }, info) => {
  test.setTimeout(900_000);
  const { page } = guest;
  const warnings: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  // In the page: once a scene starts (glmark2 printed the line of the one before), arm the tap for one of its frames.
  await page.evaluate(([delay, retakes]) => {
    const handle = globalThis.__virtioGpuWeb![0]!;
    const tap = window.traceTap!;
    const from = handle.serial.received;
    const state = { running: true };
    (globalThis as unknown as { glmark2: typeof state }).glmark2 = state;
    const scenesEnded = () => (handle.serial.since(from).match(/FPS: \d+/g) ?? []).length;
    void (async () => {
      let scene = 0;
      let startedAt = performance.now();
      let armed = -1;
      while (state.running) {
        if (scenesEnded() !== scene) {
          scene = scenesEnded();
          startedAt = performance.now();
        }
        if (armed !== scene && performance.now() - startedAt >= delay) {
          tap.arm(String(scene), retakes);
          armed = scene;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
  }, [ARM_DELAY_MS, FLAT_RETAKES] as const);
  const started = Date.now();
  const output = await guest.run(`glmark2-es2-drm --visual-config a=0 -b :duration=${GLMARK2_SCENE_SECONDS} 2>&1`, { timeout: 600_000 });
  const seconds = (Date.now() - started) / 1000;
  const { frames, bytes } = await page.evaluate(() => {
    (globalThis as unknown as { glmark2: { running: boolean } }).glmark2.running = false;
    return { frames: window.traceTap!.frames, bytes: window.traceTap!.bytes };
  });
  const scenes = output.split('\n').filter((line) => /^\[\w+\]/.test(line));
  console.log(`[glmark2] ${scenes.length} scenes in ${seconds.toFixed(0)} s; ${output.match(/glmark2 Score: \d+/)?.[0]}; a trace of ${(bytes / 1048576).toFixed(1)} MiB, ${frames.length} frames read back`);
  expect(output, "Mesa's virgl driver").toMatch(/GL_RENDERER:\s+virgl \(virtio-gpu-web/);
  expect(output).toMatch(/glmark2 Score: \d+/);
  expect(scenes.length, 'the scenes of the default list').toBeGreaterThanOrEqual(30);
  expect(scenes.filter((line) => !/FPS: \d+ FrameTime: [\d.]+ ms$/.test(line.trim())), 'scenes that did not run').toEqual([]);
  expect(output.split('\n').filter((line) => /error/i.test(line)), 'errors glmark2 reported').toEqual([]);

  const work = mkdtempSync(join(tmpdir(), 'vgw-glmark2-'));
  try {
    const trace = join(work, 'glmark2.trace');
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes; at += TRACE_SLICE) {
      const part = await page.evaluate(([start, end]) => window.traceTap!.sliceBase64(start!, end!), [at, at + TRACE_SLICE]);
      parts.push(Buffer.from(part, 'base64'));
    }
    writeFileSync(trace, Buffer.concat(parts));
    const reference = join(work, 'reference');
    const oracle = await runOracle(trace, reference, { framesOf: frames.map((f) => f.command) });
    expect(oracle.status, oracle.stderr).toBe(0);
    // Both lists follow the trace's order: one reference frame per flush read back.
    const wanted = readdirSync(reference).filter((f) => f.startsWith('frame-')).sort();
    expect(wanted.length, `reference frames for the flushes read back (${frames.map((f) => f.command).join(', ')})`).toBe(frames.length);

    let worst: { scene: string; result: Compared } | null = null;
    const caught = new Set<number>();
    /** Scenes by the most colours one of their frames has. */
    const colours = new Map<string, number>();
    for (const [i, frame] of frames.entries()) {
      const scene = Number(frame.label);
      const name = sceneName(scenes[scene] ?? `[scene${scene}]`);
      caught.add(scene);
      const want = PNG.sync.read(readFileSync(join(reference, wanted[i]!)));
      const got = await livePicture(page, i, frame);
      expect([frame.width, frame.height], `${name}: the reference's frame size`).toEqual([want.width, want.height]);
      const result = compare(want.data, got);
      const tolerance = toleranceOf(name);
      const stem = `glmark2-${String(scene).padStart(2, '0')}-${name}`;
      writeFileSync(info.outputPath(`${stem}.png`), encodePng(frame.width, frame.height, got));
      writeFileSync(info.outputPath(`${stem}-vs-reference.png`), sideBySide(want, got, result.off));
      console.log(`  ${(scenes[scene] ?? '').trim()}  [${figures(result)}]`);
      expect.soft(result.fraction, `${name}: ${figures(result)}`).toBeLessThanOrEqual(tolerance.pixels);
      expect.soft(result.psnr, `${name}: ${figures(result)}`).toBeGreaterThanOrEqual(tolerance.psnr);
      colours.set(name, Math.max(colours.get(name) ?? 0, distinctColours(got)));
      if (!worst || result.fraction > worst.result.fraction) worst = { scene: name, result };
    }
    if (worst) console.log(`[glmark2] worst frame: ${worst.scene}: ${figures(worst.result)}`);
    expect(scenes.filter((_, i) => !caught.has(i)), 'scenes with no frame read back').toEqual([]);
    expect([...colours].filter(([, n]) => n < DRAWN_COLOURS).map(([name]) => name), 'scenes whose frames are all one flat colour').toEqual([]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`[glmark2] the renderer said ${warnings.length ? warnings.join('; ') : 'nothing'}`);
});

/** `[build] use-vbo=false: FPS: …` → `build`. */
function sceneName(line: string): string {
  return line.slice(line.indexOf('[') + 1, line.indexOf(']'));
}

async function livePicture(page: Page, index: number, frame: TappedFrame): Promise<Uint8Array> {
  const deflated = await page.evaluate((i) => window.traceTap!.pictureBase64(i), index);
  const rgba = new Uint8Array(inflateSync(Buffer.from(deflated, 'base64')));
  expect(rgba.length, `frame ${index}'s pixels`).toBe(frame.width * frame.height * 4);
  return rgba;
}

