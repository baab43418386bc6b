/** The pattern guest/programs/vgw-drm-test.c draws (XRGB8888 per seed), as the RGBA a display shows. */
export function drmPattern(seed: number, x: number, y: number): number[] {
  return [(x ^ y ^ (seed * 37)) & 0xff, (y + 101 * seed) & 0xff, (x + 13 * seed) & 0xff, 255];
}

/** What vgw-drm-test's cursor looks like: an opaque 8x8 magenta block at its top-left. */
export const DRM_TEST_CURSOR = { size: 8, rgba: [255, 0, 255, 255], at: { x: 100, y: 50 }, movedTo: { x: 200, y: 120 }, hot: { x: 2, y: 3 } } as const;
