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
   * present. As on QEMU, the device answers the flush (and its fence) once this
   * returns: a transfer that lands before the presenter reads may show early,
   * never late. A presenter that must hold the guest until it has read the
   * pixels returns a promise instead; the fence waits for it.
   */
  flush(index: number, rect: Rect): void | Promise<void>;
  /** The cursor's image (null hides it) and its top-left position on the scanout. */
  setCursor(index: number, image: CursorImage | null, x: number, y: number): void | Promise<void>;
  moveCursor(index: number, x: number, y: number, visible: boolean): void | Promise<void>;
  capture(index: number): Promise<Capture>;
  destroy(): void | Promise<void>;
}
