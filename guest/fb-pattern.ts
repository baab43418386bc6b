/**
 * A known pattern the guest writes into /dev/fb0 with busybox only: four
 * XRGB8888 pixels (memory bytes B, G, R, X) repeated over whole rows, written
 * in one write of 16 rows (FIELD-NOTES: single-row writes reach no transfer).
 */
export const FB_PIXELS: readonly (readonly [b: number, g: number, r: number, x: number])[] = [
  [0x10, 0x80, 0xf0, 0x00],
  [0x00, 0xff, 0x00, 0x00],
  [0xff, 0x00, 0x00, 0x00],
  [0x20, 0x40, 0x60, 0x00],
];

export const FB_BLOCK_ROWS = 16;

/** Shell command that writes the pattern to rows [firstRow, firstRow + 16) of a framebuffer `width` pixels wide. */
export function fbPatternCommand(width: number, firstRow: number): string {
  const octal = FB_PIXELS.flat().map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  const block = width * 4 * FB_BLOCK_ROWS;
  const doublings = Math.ceil(Math.log2(block / 16));
  return [
    `printf '${octal}' > /tmp/p`,
    `for i in $(seq ${doublings}); do cat /tmp/p /tmp/p > /tmp/q; mv /tmp/q /tmp/p; done`,
    `dd if=/tmp/p of=/dev/fb0 bs=${block} count=1 seek=${firstRow / FB_BLOCK_ROWS} 2>/dev/null`,
  ].join('; ');
}

/** The RGBA a display shows for pixel x of a pattern row. */
export function fbExpected(x: number): number[] {
  const [b, g, r] = FB_PIXELS[x % FB_PIXELS.length]!;
  return [r, g, b, 255];
}
