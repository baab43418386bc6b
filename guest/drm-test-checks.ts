/**
 * What vgw-drm-test leaves on the screens, checked the same way by the Node
 * and the Chromium tests: exact pixels of each output's flipped pattern and of
 * the cursor after its move.
 */
import type { Capture } from '../src/presenters/presenter.ts';
import { DRM_TEST_CURSOR, drmPattern } from './drm-pattern.ts';

export function pixel(c: Capture, x: number, y: number): number[] {
  const i = (y * c.width + x) * 4;
  return Array.from(c.data.subarray(i, i + 4));
}

function outsideCursor(x: number, y: number): boolean {
  const { movedTo, size } = DRM_TEST_CURSOR;
  return x < movedTo.x || x >= movedTo.x + size || y < movedTo.y || y >= movedTo.y + size;
}

/** Pixels of output `index` that differ from its flipped pattern (seed index + 8), as "(x,y) got … want …". */
export function patternMismatches(c: Capture, index: number): string[] {
  const bad: string[] = [];
  for (let y = 0; y < c.height; y += 7) {
    for (let x = (y * 3) % 11; x < c.width; x += 11) {
      if (index === 0 && !outsideCursor(x, y)) continue;
      const want = drmPattern(index + 8, x, y);
      const got = pixel(c, x, y);
      if (got.join() !== want.join()) bad.push(`(${x},${y}) got ${got} want ${want}`);
    }
  }
  return bad.slice(0, 5);
}

/** The cursor block where it was moved to, and the pattern right around it and where it first was. */
export function cursorMismatches(c: Capture): string[] {
  const { movedTo, at, size, rgba } = DRM_TEST_CURSOR;
  const checks: [number, number, number[]][] = [
    [movedTo.x, movedTo.y, [...rgba]],
    [movedTo.x + size - 1, movedTo.y + size - 1, [...rgba]],
    [movedTo.x - 1, movedTo.y, drmPattern(8, movedTo.x - 1, movedTo.y)],
    [movedTo.x + size, movedTo.y + size - 1, drmPattern(8, movedTo.x + size, movedTo.y + size - 1)],
    [at.x, at.y, drmPattern(8, at.x, at.y)],
  ];
  return checks.filter(([x, y, want]) => pixel(c, x, y).join() !== want.join()).map(([x, y, want]) => `(${x},${y}) got ${pixel(c, x, y)} want ${want}`);
}
