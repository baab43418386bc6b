/**
 * What the device asks of whatever shows its scanouts. Every argument is
 * structured-clonable so a presenter can live in a Web Worker; pixel storage
 * is handed over once, at resource creation, and shared from then on.
 */
import type { Format } from '../protocol/formats.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ResourceImage {
  format: Format;
  width: number;
  height: number;
  /** Bytes per row of `pixels`. */
  stride: number;
  /**
   * The resource's host pixels. A presenter keeps this view: the device
   * writes transfers into it and then calls `flush`. In a worker it must sit
   * on a SharedArrayBuffer.
   */
  pixels: Uint8Array;
}

/** The part of a resource a scanout shows. */
export interface ScanoutSource {
  resourceId: number;
  rect: Rect;
}

export interface CursorImage {
  width: number;
  height: number;
  /** RGBA8, straight alpha, `width * height * 4` bytes; owned by the presenter once passed. */
  rgba: Uint8Array;
  hotX: number;
  hotY: number;
}

export interface Capture {
  width: number;
  height: number;
  /** RGBA8 rows, top first, exactly as shown (cursor composited, alpha 255). */
  data: Uint8Array;
}

export interface Presenter {
  /** True when resource pixels must live on a SharedArrayBuffer (the presenter runs in another thread). */
  readonly needsSharedPixels: boolean;
  createResource(id: number, image: ResourceImage): void | Promise<void>;
  destroyResource(id: number): void | Promise<void>;
  /** Shows `source` on scanout `index` (its size becomes the rect's size), or blanks it. */
  setScanout(index: number, source: ScanoutSource | null): void | Promise<void>;
  /**
   * `rect` of the scanout's resource (resource coordinates, inside the
   * scanout's rect) changed; the presenter reads those pixels before its next
   * present. As on QEMU, the device answers the flush once this returns: a
   * transfer that lands before the presenter reads may show early, never late.
   */
  flush(index: number, rect: Rect): void;
  /**
   * Null once the presenter has read the pixels of every flush of scanout
   * `index`; else resolves when it has, or when it stops waiting for a frame
   * that may not come (a hidden page). Before it copies a guest blob's pages
   * into the scanout's image, the device waits for this: no copy lands while
   * the presenter reads, and a guest that flushes faster than the display
   * refreshes is paced to it instead of having frames copied that nobody sees.
   */
  unread(index: number): Promise<void> | null;
  /** The cursor's image (null hides it) and its top-left position on the scanout. */
  setCursor(index: number, image: CursorImage | null, x: number, y: number): void | Promise<void>;
  moveCursor(index: number, x: number, y: number, visible: boolean): void | Promise<void>;
  capture(index: number): Promise<Capture>;
  destroy(): void | Promise<void>;
}
