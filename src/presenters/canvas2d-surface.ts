/** A scanout drawn with canvas 2D: pixels converted on the CPU, only damaged rectangles put on the canvas. */
import type { CursorPlacement } from './compositing-presenter.ts';
import { fitCanvas } from './gpu-draw.ts';
import { MemorySurface } from './memory-surface.ts';
import type { PixelRegion } from './pixel-convert.ts';
import type { Capture, CursorImage } from './presenter.ts';
import { Damage } from './rect.ts';

/**
 * A software canvas: this backend serves machines without a hardware GPU,
 * where an accelerated canvas would raster every upload again on SwiftShader
 * (measured: fewer frames and more CPU).
 */
export const CANVAS2D_SETTINGS: CanvasRenderingContext2DSettings = { alpha: false, willReadFrequently: true };

export class Canvas2DSurface extends MemorySurface {
  private readonly ctx: OffscreenCanvasRenderingContext2D;
  private image: ImageData | null = null;
  private cursorCanvas: OffscreenCanvas | null = null;
  /** Damage since the last present, and where the cursor was drawn then (to restore under it). */
  private readonly dirty = new Damage();
  private readonly lastCursor = new Damage();

  constructor(private readonly canvas: OffscreenCanvas) {
    super();
    const ctx = canvas.getContext('2d', CANVAS2D_SETTINGS);
    if (!ctx) throw new Error('virtio-gpu-web: canvas 2D is not available on this canvas');
    this.ctx = ctx;
  }

  override resize(width: number, height: number): void {
    fitCanvas(this.canvas, width, height);
    super.resize(width, height);
    this.dirty.clear();
    this.dirty.add({ x: 0, y: 0, width, height });
    this.lastCursor.clear();
  }

  override upload(region: PixelRegion, x: number, y: number): void {
    super.upload(region, x, y);
    this.dirty.add({ x, y, width: region.width, height: region.height });
  }

  override setCursorImage(image: CursorImage | null): void {
    if (!image) return;
    const canvas = new OffscreenCanvas(image.width, image.height);
    canvas.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(image.rgba), image.width, image.height), 0, 0);
    this.cursorCanvas = canvas;
    if (!this.lastCursor.empty) this.dirty.add(this.lastCursor.rect);
  }

  override present(cursor: CursorPlacement | null): void {
    if (!this.image) {
      this.ctx.fillStyle = '#000';
      this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
      return;
    }
    if (!this.lastCursor.empty) this.dirty.add(this.lastCursor.rect);
    const d = this.dirty.rect;
    if (!this.dirty.empty) this.ctx.putImageData(this.image, 0, 0, d.x, d.y, d.width, d.height);
    this.dirty.clear();
    this.lastCursor.clear();
    if (cursor && this.cursorCanvas) {
      this.ctx.drawImage(this.cursorCanvas, cursor.x, cursor.y);
      this.lastCursor.add({ x: cursor.x, y: cursor.y, width: this.cursorCanvas.width, height: this.cursorCanvas.height });
    }
  }

  override async read(cursor: CursorPlacement | null): Promise<Capture> {
    if (!this.image) return { width: 0, height: 0, data: new Uint8Array(0) };
    this.present(cursor);
    const { width, height } = this.image;
    return { width, height, data: new Uint8Array(this.ctx.getImageData(0, 0, width, height).data.buffer) };
  }

  protected override allocate(bytes: number): Uint8ClampedArray {
    this.image = bytes > 0 ? new ImageData(this.width, this.height) : null;
    return this.image?.data ?? new Uint8ClampedArray(0);
  }
}
