/**
 * How close a picture of the WebGL2 renderer must come to the reference's
 * (virglrenderer on llvmpipe) for the same trace: e2e/virgl-replay.spec.ts
 * and the `npm run replay` spec hold every picture to these figures.
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
 */

export const CHANNEL_TOLERANCE = 2;

export interface Tolerance {
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
  // 0.11 %, PSNR 35.4 dB: a grid of thin quads, all edges; the edge pixels the two rasterizers give to different quads differ by up to 255.
  'glmark2-loop': { pixels: 0.005, psnr: 33 },
};

/** The tolerance for a recorded program's or application's pictures (test/guest/gl-traces.ts names them). */
export function toleranceFor(program: string): Tolerance {
  return OWN_TOLERANCE[program] ?? TOLERANCE;
}

export interface Compared {
  fraction: number;
  maxDelta: number;
  psnr: number;
  /** Pixels off by more than CHANNEL_TOLERANCE, one byte each (255: off). */
  off: Uint8Array;
}

/** Two RGBA8 pictures of the same size, pixel by pixel. */
export function compare(expected: Uint8Array, actual: Uint8Array): Compared {
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

export function within(result: Compared, tolerance: Tolerance): boolean {
  return result.fraction <= tolerance.pixels && result.psnr >= tolerance.psnr;
}

export function figures(r: { fraction: number; maxDelta: number; psnr: number }): string {
  return `${(r.fraction * 100).toFixed(3)} % of pixels off by more than ${CHANNEL_TOLERANCE}, largest channel difference ${r.maxDelta}, PSNR ${r.psnr === Infinity ? 'infinite' : `${r.psnr.toFixed(1)} dB`}`;
}
