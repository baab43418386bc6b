import type { Rect } from './presenter.ts';

/** Grows `into` to cover `r` as well (damage merging). */
export function unionInto(into: Rect, r: Rect): void {
  const right = Math.max(into.x + into.width, r.x + r.width);
  const bottom = Math.max(into.y + into.height, r.y + r.height);
  into.x = Math.min(into.x, r.x);
  into.y = Math.min(into.y, r.y);
  into.width = right - into.x;
  into.height = bottom - into.y;
}

/** Sets `into` to `r` (damage rectangles are reused, not reallocated, on hot paths). */
export function copyRect(into: Rect, r: Rect): void {
  into.x = r.x;
  into.y = r.y;
  into.width = r.width;
  into.height = r.height;
}
