/**
 * The presenter logic every backend shares: which resource each scanout
 * shows, cursors, and frame pacing (many flushes between two frames become
 * one present). Backends only move pixels, through a Surface per scanout.
 */
import { rateLimitedLog } from '../device/rate-limited-log.ts';
import type { PixelRegion } from './pixel-convert.ts';
import type { Capture, CursorImage, Presenter, Rect, ResourceImage, ScanoutSource } from './presenter.ts';
import { Damage, intersectInto } from './rect.ts';

export interface CursorPlacement {
  image: CursorImage;
  x: number;
  y: number;
}

/** A resource another renderer draws, as a texture of the surface's own WebGL2 context; its row 0 is the image's top. */
export interface SharedTexture {
  texture: WebGLTexture;
  width: number;
  height: number;
}

/**
 * Resources that a renderer sharing the surfaces' GPU context draws (the
 * virgl renderer's): a surface that takes them draws them straight from
 * their textures, and their pixels are never read back.
 */
export interface PictureSource {
  /** Resource `id`'s texture; null when it has none to give (its pixels are shown). */
  picture(id: number): SharedTexture | null;
}

/** One scanout's pixels on some backend. */
export interface Surface {
  /** The scanout now shows `width` x `height` pixels (0 x 0 while disabled: shown black). */
  resize(width: number, height: number): void;
  /** Copies `region` of a resource to (x, y) of the surface. Only damaged regions are uploaded. */
  upload(region: PixelRegion, x: number, y: number): void;
  /**
   * Shows `picture` from now on, its (rect.x, rect.y) at (x, y) of the
   * surface: drawn from the texture at each present, with no copy (its RGB
   * shown, its alpha not). Only a surface on the renderer's own context has it.
   */
  uploadPicture?(picture: SharedTexture, rect: Readonly<Rect>, x: number, y: number): void;
  setCursorImage(image: CursorImage | null): void;
  /** Shows the surface with the cursor on top. */
  present(cursor: CursorPlacement | null): void | Promise<void>;
  /** Reads back what `present` shows. */
  read(cursor: CursorPlacement | null): Promise<Capture>;
  destroy(): void;
}

/** Makes the surface for a scanout, or null when the embedder gave that scanout nowhere to show. */
export type SurfaceFactory = (index: number) => Surface | null;

/**
 * When a scheduled present runs: every flush arriving before then joins the
 * same frame. In the GPU worker, the next animation frame; in memory, a
 * microtask (nothing to wait for).
 */
export type FrameScheduler = (present: () => void) => void;
export const nextTask: FrameScheduler = (present) => setTimeout(present, 0);
/**
 * In a worker that has animation frames (Chromium's, for OffscreenCanvas):
 * at most one present per display refresh, so the GPU worker never spends
 * the CPU the VM needs on frames nobody sees.
 */
export const nextAnimationFrame: FrameScheduler =
  typeof requestAnimationFrame === 'function' ? (present) => void requestAnimationFrame(() => present()) : nextTask;
export const nextMicrotask: FrameScheduler = (present) => queueMicrotask(present);

/** A frame that fails (its upload or present threw) fails its waiters; the rest only hear of it here. */
const logFrameFailure = rateLimitedLog((message) => console.warn(message));

interface Output {
  index: number;
  surface: Surface;
  source: ScanoutSource | null;
  cursorImage: CursorImage | null;
  cursorX: number;
  cursorY: number;
  cursorVisible: boolean;
  /** The next present, which flushes arriving now join. */
  frame: Promise<void> | null;
  /** The present under way: at most one per scanout, so a slow GPU is never handed a queue of frames. */
  presenting: Promise<void>;
  /** What flushes changed since the last upload (resource coordinates, inside the source). */
  damage: Damage;
  /** The surface holds an upload that is not presented yet: damage arriving now waits for the frame after. */
  ahead: boolean;
}

/** What a presenter in another thread tells the VM thread. */
export interface PresentHooks {
  /** Every flush of scanout `index` so far has had its pixels read (uploaded, or dropped). */
  read?(index: number): void;
  /** A present of scanout `index`, once the surface has shown it. */
  presented?(index: number): void;
}

export class CompositingPresenter implements Presenter {
  private readonly resources = new Map<number, ResourceImage>();
  private readonly outputs = new Map<number, Output | null>();
  private readonly region: PixelRegion = { format: 0, pixels: new Uint8Array(0), stride: 0, x: 0, y: 0, width: 0, height: 0 };
  private readonly clipped: Rect = { x: 0, y: 0, width: 0, height: 0 };
  /** The renderer sharing the surfaces' context, once there is one. */
  pictures: PictureSource | null = null;

  constructor(
    private makeSurface: SurfaceFactory,
    readonly needsSharedPixels = false,
    private readonly scheduleFrame: FrameScheduler = nextTask,
    private readonly hooks: PresentHooks = {},
  ) {}

  createResource(id: number, image: ResourceImage): void {
    this.resources.set(id, image);
  }

  destroyResource(id: number): void {
    this.resources.delete(id);
  }

  setScanout(index: number, source: ScanoutSource | null): void {
    const output = this.output(index);
    if (!output) return;
    output.source = source;
    this.fitWhole(output);
    void this.schedule(output);
  }

  /**
   * Notes the damage and presents soon. The pixels are read once per frame:
   * many flushes between two uploads cost one upload of their union.
   * Damage outside the source is dropped: in a worker it may arrive before
   * the message that changes the source.
   */
  flush(index: number, rect: Rect): void {
    const output = this.output(index);
    const source = output?.source;
    if (output && source && intersectInto(this.clipped, rect, source.rect)) {
      output.damage.add(this.clipped);
      void this.schedule(output);
    } else if (!output?.frame) {
      this.hooks.read?.(index);
    }
  }

  /** Null: nothing but this thread writes the pixels, and it reads them before its next frame. */
  unread(): null {
    return null;
  }

  setCursor(index: number, image: CursorImage | null, x: number, y: number): void {
    const output = this.output(index);
    if (!output) return;
    output.cursorImage = image;
    output.surface.setCursorImage(image);
    this.placeCursor(output, x, y, image !== null);
  }

  moveCursor(index: number, x: number, y: number, visible: boolean): void {
    const output = this.output(index);
    if (output) this.placeCursor(output, x, y, visible);
  }

  /** Resolves once what was flushed so far is presented. */
  async whenPresented(index: number): Promise<void> {
    const output = this.output(index);
    if (output) await settled(output);
  }

  /** Resolves once every frame scheduled now is presented; null when none is. */
  scheduled(): Promise<unknown> | null {
    let frames: Promise<void>[] | null = null;
    for (const output of this.outputs.values()) if (output?.frame) (frames ??= []).push(output.frame);
    return frames && Promise.all(frames);
  }

  async capture(index: number): Promise<Capture> {
    const output = this.output(index);
    if (!output) throw new RangeError(`virtio-gpu-web: scanout ${index} has no surface to capture`);
    await settled(output);
    return output.surface.read(cursorOf(output));
  }

  /**
   * Draws on new surfaces (after the GPU device was lost): every scanout is
   * uploaded again from the resources' pixels, with its cursor, and presented.
   */
  replaceSurfaces(makeSurface: SurfaceFactory): void {
    this.makeSurface = makeSurface;
    for (const [index, output] of this.outputs) {
      const surface = output && makeSurface(index);
      if (!output || !surface) continue;
      output.surface = surface;
      this.fitWhole(output);
      surface.setCursorImage(output.cursorImage);
      void this.schedule(output);
    }
  }

  destroy(): void {
    for (const output of this.outputs.values()) output?.surface.destroy();
    this.outputs.clear();
    this.resources.clear();
  }

  private placeCursor(output: Output, x: number, y: number, visible: boolean): void {
    output.cursorX = x;
    output.cursorY = y;
    output.cursorVisible = visible;
    void this.schedule(output);
  }

  /** Sizes the surface to the source and marks all of it for the next upload. */
  private fitWhole(output: Output): void {
    const source = output.source;
    output.surface.resize(source?.rect.width ?? 0, source?.rect.height ?? 0);
    output.ahead = false;
    output.damage.clear();
    if (source) output.damage.add(source.rect);
  }

  private upload(output: Output, rect: Rect): void {
    const source = output.source;
    const image = source && this.resources.get(source.resourceId);
    if (!source || !image) return;
    const { surface } = output;
    const picture = surface.uploadPicture && this.pictures?.picture(source.resourceId);
    if (picture) return surface.uploadPicture?.(picture, rect, rect.x - source.rect.x, rect.y - source.rect.y);
    const region = this.region;
    region.format = image.format;
    region.pixels = image.pixels;
    region.stride = image.stride;
    region.x = rect.x;
    region.y = rect.y;
    region.width = rect.width;
    region.height = rect.height;
    surface.upload(region, rect.x - source.rect.x, rect.y - source.rect.y);
  }

  /**
   * The next present of `output`; calls arriving before it runs share it.
   * Its damage is uploaded as soon as the last present is done rather than
   * at the frame, which frees the pixels for the device's next copy a frame
   * earlier: a guest paced to the display (see `unread`) may then draw one
   * frame ahead of it, as with two swapchain images, and a slow frame of the
   * guest's costs no frame on the display. Damage arriving after that upload
   * waits for the frame after.
   */
  private schedule(output: Output): Promise<void> {
    if (output.frame) return output.frame;
    output.frame = (async () => {
      try {
        await output.presenting;
        this.uploadAhead(output);
        await new Promise<void>((resolve) => this.scheduleFrame(resolve));
      } finally {
        // A failed upload fails this frame's waiters, never the frames after.
        output.frame = null;
      }
      const done = Promise.resolve().then(() => {
        this.uploadAhead(output);
        output.ahead = false;
        return output.surface.present(cursorOf(output));
      });
      output.presenting = done.then(() => this.hooks.presented?.(output.index), () => {});
      await done;
      // Nothing left to upload: every flush so far was uploaded or dropped.
      if (output.damage.empty) this.hooks.read?.(output.index);
      else void this.schedule(output);
    })();
    output.frame.catch((error: unknown) => logFrameFailure(`virtio-gpu-web: a frame of scanout ${output.index} failed: ${String(error)}`));
    return output.frame;
  }

  /** Uploads the damage unless the surface already holds an upload to present; then every flush so far has been read. */
  private uploadAhead(output: Output): void {
    if (output.ahead || output.damage.empty) return;
    this.upload(output, output.damage.rect);
    output.damage.clear();
    output.ahead = true;
    this.hooks.read?.(output.index);
  }

  private output(index: number): Output | null {
    let output = this.outputs.get(index);
    if (output === undefined) {
      const surface = this.makeSurface(index);
      output = surface && { index, surface, source: null, cursorImage: null, cursorX: 0, cursorY: 0, cursorVisible: false, frame: null, presenting: Promise.resolve(), damage: new Damage(), ahead: false };
      this.outputs.set(index, output);
    }
    return output;
  }
}

/** Waits until every frame that shows damage flushed so far is presented (a frame may schedule the next). */
async function settled(output: Output): Promise<void> {
  await output.presenting;
  while (output.frame) await output.frame;
}

function cursorOf(output: Output): CursorPlacement | null {
  return output.cursorVisible && output.cursorImage ? { image: output.cursorImage, x: output.cursorX, y: output.cursorY } : null;
}
