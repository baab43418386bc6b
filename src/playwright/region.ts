/** Rectangles of a scanout and how their pixels compare. */

/** A rectangle of a scanout, in scanout pixels. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Named in failure messages and file names. Default "x,y WxH". */
  name?: string;
}

export interface Pixels {
  width: number;
  height: number;
  /** RGBA8 rows, top first. */
  data: Uint8Array;
}

export interface Difference {
  /** Pixels that differ by more than the tolerance in any channel. */
  count: number;
  /** The first of them, in region coordinates. */
  first: { x: number; y: number; expected: number[]; actual: number[] } | null;
}

export function regionLabel(region: Region): string {
  return region.name ?? `${region.x},${region.y} ${region.width}x${region.height}`;
}

export function checkRegion(region: Region, scanout: { width: number; height: number }): void {
  const { x, y, width, height } = region;
  if (![x, y, width, height].every(Number.isInteger) || x < 0 || y < 0 || width < 1 || height < 1 || x + width > scanout.width || y + height > scanout.height) {
    throw new RangeError(`region "${regionLabel(region)}" (${x},${y} ${width}x${height}) is not inside the ${scanout.width}x${scanout.height} scanout`);
  }
}

/** Compares RGBA pixels of the same size; alpha is ignored (scanouts are opaque). */
export function difference(actual: Pixels, expected: Pixels, tolerance = 0): Difference {
  if (actual.width !== expected.width || actual.height !== expected.height) {
    return { count: Math.max(actual.width * actual.height, expected.width * expected.height), first: null };
  }
  let count = 0;
  let first: Difference['first'] = null;
  for (let p = 0; p < actual.width * actual.height; p++) {
    const i = p * 4;
    const a = actual.data, e = expected.data;
    if (Math.abs(a[i]! - e[i]!) > tolerance || Math.abs(a[i + 1]! - e[i + 1]!) > tolerance || Math.abs(a[i + 2]! - e[i + 2]!) > tolerance) {
      if (!first) first = { x: p % actual.width, y: Math.floor(p / actual.width), expected: Array.from(e.subarray(i, i + 4)), actual: Array.from(a.subarray(i, i + 4)) };
      count++;
    }
  }
  return { count, first };
}

export function describeDifference(d: Difference, actual: Pixels, expected: Pixels): string {
  if (!d.first) return `sizes differ: actual ${actual.width}x${actual.height}, expected ${expected.width}x${expected.height}`;
  return `${d.count} of ${actual.width * actual.height} pixels differ (first at (${d.first.x},${d.first.y}) of the region: expected rgba(${d.first.expected.join(',')}), got rgba(${d.first.actual.join(',')}))`;
}
