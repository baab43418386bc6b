/**
 * The app's icon, drawn here pixel by pixel: a display on a stand whose
 * screen shows a colour ramp, on a rounded dark tile. One drawing serves
 * every size (and the maskable variant, which keeps the tile's full bleed).
 */
import { encodePng } from '../node/png.ts';

type Rgb = readonly [number, number, number];

const TILE: Rgb = [24, 28, 38];
const BEZEL: Rgb = [206, 214, 228];

function inRoundedRect(x: number, y: number, left: number, top: number, right: number, bottom: number, radius: number): boolean {
  if (x < left || x >= right || y < top || y >= bottom) return false;
  const cx = Math.min(Math.max(x, left + radius), right - radius);
  const cy = Math.min(Math.max(y, top + radius), bottom - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/** The screen's colour at (u, v) in [0, 1]²: a violet-to-teal ramp with a lit band of "pixels". */
function screenColour(u: number, v: number): Rgb {
  const r = Math.round(120 * (1 - u) + 30 * u);
  const g = Math.round(60 * (1 - u) + 200 * u);
  const b = Math.round(220 * (1 - v * 0.4));
  const cell = Math.floor(u * 8) + Math.floor(v * 6);
  return v > 0.42 && v < 0.58 && cell % 2 === 0 ? [250, 250, 250] : [r, g, b];
}

/** RGBA pixels of the icon at `size`² ; `maskable` fills the whole square (the platform cuts the shape). */
export function drawAppIcon(size: number, maskable = false): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  const s = (f: number): number => f * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let colour: Rgb | null = maskable || inRoundedRect(x, y, 0, 0, size, size, s(0.18)) ? TILE : null;
      const [bl, bt, br, bb] = [s(0.16), s(0.22), s(0.84), s(0.68)];
      if (inRoundedRect(x, y, bl, bt, br, bb, s(0.04))) {
        const [sl, st, sr, sb] = [bl + s(0.035), bt + s(0.035), br - s(0.035), bb - s(0.035)];
        colour = x >= sl && x < sr && y >= st && y < sb ? screenColour((x - sl) / (sr - sl), (y - st) / (sb - st)) : BEZEL;
      } else if ((x >= s(0.46) && x < s(0.54) && y >= bb && y < s(0.76)) || inRoundedRect(x, y, s(0.34), s(0.76), s(0.66), s(0.8), s(0.02))) {
        colour = BEZEL;
      }
      if (colour) rgba.set([...colour, 255], (y * size + x) * 4);
    }
  }
  return rgba;
}

export function appIconPng(size: number, maskable = false): Uint8Array {
  return encodePng(size, size, drawAppIcon(size, maskable));
}
