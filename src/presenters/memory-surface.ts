/** A surface held in memory as RGBA8: the presenter for Node, tests and screenshots. */
import { CompositingPresenter, nextMicrotask, type CursorPlacement, type Surface } from './compositing-presenter.ts';
import { blendOver, convertToRgba, type PixelRegion } from './pixel-convert.ts';
import type { Capture, CursorImage } from './presenter.ts';

export class MemorySurface implements Surface {
  width = 0;
  height = 0;
  /** What the scanout shows, without the cursor. */
  frame: Uint8Array | Uint8ClampedArray = new Uint8Array(0);

  resize(width: number, height: number): void {
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.frame = this.allocate(width * height * 4);
    for (let i = 3; i < this.frame.length; i += 4) this.frame[i] = 255;
  }

  upload(region: PixelRegion, x: number, y: number): void {
    convertToRgba(region, this.frame, this.width * 4, x, y, true);
  }

  setCursorImage(_image: CursorImage | null): void {}

  present(_cursor: CursorPlacement | null): void {}

  async read(cursor: CursorPlacement | null): Promise<Capture> {
    const data = new Uint8Array(this.frame);
    if (cursor) blendOver(data, this.width, this.height, cursor.image.rgba, cursor.image.width, cursor.image.height, cursor.x, cursor.y);
    return { width: this.width, height: this.height, data };
  }

  destroy(): void {
    this.frame = new Uint8Array(0);
  }

  protected allocate(bytes: number): Uint8Array | Uint8ClampedArray {
    return new Uint8Array(bytes);
  }
}

/** Keeps every scanout in memory; `capture` returns exactly what a display would show. */
export function createMemoryPresenter(): CompositingPresenter {
  return new CompositingPresenter(() => new MemorySurface(), false, nextMicrotask);
}
