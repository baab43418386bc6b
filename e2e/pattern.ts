/** Known pixel patterns shared by the page harness (which writes them) and the tests (which expect them). */

/** Memory bytes of pixel (x, y) for a pattern `seed`: every byte position differs, so any swizzle error shows. */
export function patternBytes(x: number, y: number, seed: number): [number, number, number, number] {
  return [(x * 4 + seed) & 0xff, (y * 5 + 17 + seed) & 0xff, ((x ^ y) * 3 + 101 + seed) & 0xff, (x + y + 211 + seed) & 0xff];
}

/** What a display shows for memory bytes m of each format, written out by hand from the format names. */
export const DISPLAYED: Record<number, (m: readonly number[]) => number[]> = {
  1: (m) => [m[2]!, m[1]!, m[0]!, 255], // B8G8R8A8
  2: (m) => [m[2]!, m[1]!, m[0]!, 255], // B8G8R8X8
  3: (m) => [m[1]!, m[2]!, m[3]!, 255], // A8R8G8B8
  4: (m) => [m[1]!, m[2]!, m[3]!, 255], // X8R8G8B8
  67: (m) => [m[0]!, m[1]!, m[2]!, 255], // R8G8B8A8
  68: (m) => [m[3]!, m[2]!, m[1]!, 255], // X8B8G8R8
  121: (m) => [m[3]!, m[2]!, m[1]!, 255], // A8B8G8R8
  134: (m) => [m[0]!, m[1]!, m[2]!, 255], // R8G8B8X8
};

export function expectedFrame(width: number, height: number, format: number, seed: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  const show = DISPLAYED[format]!;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.set(show(patternBytes(x, y, seed)), (y * width + x) * 4);
  return out;
}
