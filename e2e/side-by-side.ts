/** The picture a test keeps when it compares a frame with the reference's: reference | this renderer's | the pixels off, in red. */
import { PNG } from 'pngjs';

/** `want` (the reference's), `got` (RGBA8 of the same size) and `off` (a byte a pixel, 255 where they differ) side by side, as PNG. */
export function sideBySide(want: PNG, got: Uint8Array, off: Uint8Array): Buffer {
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
