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

/** Sets `into` to the overlap of `a` and `b`; false (and `into` untouched) when they do not overlap. */
export function intersectInto(into: Rect, a: Rect, b: Rect): boolean {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  if (right <= x || bottom <= y) return false;
  into.x = x;
  into.y = y;
  into.width = right - x;
  into.height = bottom - y;
  return true;
}

/**
 * Damage gathered between two uses: the union of every rectangle added since
 * the last `clear`. One rectangle, reused, so hot paths allocate nothing.
 */
export class Damage {
  readonly rect: Rect = { x: 0, y: 0, width: 0, height: 0 };
  empty = true;

  add(r: Rect): void {
    if (this.empty) {
      this.rect.x = r.x;
      this.rect.y = r.y;
      this.rect.width = r.width;
      this.rect.height = r.height;
    } else {
      unionInto(this.rect, r);
    }
    this.empty = false;
  }

  clear(): void {
    this.empty = true;
  }
}
