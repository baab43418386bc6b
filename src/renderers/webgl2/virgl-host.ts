/**
 * The virgl renderer's home in the GPU worker: its WebGL2 context, the
 * renderer, and what the VM thread's proxy asks of it (worker-renderer-3d.ts):
 * work in order, transfer bytes in and out as buffers of their own, fences
 * that retire once the GPU has done the work before them (fenceSync), and
 * displayable images for the presenter: on a context the host shares with
 * the scanout's surface, their textures, shown as they are; else their
 * pixels, read back.
 *
 * When the browser takes the WebGL2 context away (a GPU reset, too many
 * contexts), 3D work is dropped (fences still retire, reads give zeros) until
 * it gives the context back; then the guest's contexts and resources are made
 * again, empty: what the guest created in them and drew before is gone.
 * The renderer keeps the limits the guest was promised, whatever a context
 * made later serves: a guest cannot be promised less mid-run.
 */
import { shortfalls, type HostGlLimits } from '../../device/host-gl-limits.ts';
import type { PictureSource, SharedTexture } from '../../presenters/compositing-presenter.ts';
import type { Rect, ResourceImage } from '../../presenters/presenter.ts';
import type { Resource3dParams, Transfer3d } from '../renderer-3d.ts';
import { WindowAccess } from '../window-access.ts';
import { readHostGlLimits } from './host-limits.ts';
import type { QueryAnswer } from './queries.ts';
import { WebGL2VirglRenderer } from './virgl-renderer.ts';

const WEBGL2_ATTRIBUTES: WebGLContextAttributes = { alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false, preserveDrawingBuffer: false };

/** A scanout's canvas and the WebGL2 context its surface draws with, for the host to share. */
export interface SharedContext {
  canvas: OffscreenCanvas;
  gl: WebGL2RenderingContext;
}

/** What a context serves, or why it cannot carry the renderer. */
function servedBy(gl: WebGL2RenderingContext): HostGlLimits | string {
  const served = readHostGlLimits(gl);
  // Mesa offers the guest OpenGL 3.0 and ES 3.0 only when it can draw into float images.
  return served.colorBufferFloat ? served : 'WebGL2 lacks EXT_color_buffer_float, which the offered formats need';
}

/** How long a stream's fence waits for the results of the queries it asked for, once its work is done. */
const QUERY_WAIT_MS = 1000;

export class VirglHost implements PictureSource {
  private readonly images = new Map<number, ResourceImage>();
  /** Images the guest flushed after drawing them here (not 2D ones a context only samples): a shared surface shows their textures. */
  private readonly drawnImages = new Set<number>();
  private readonly window = new WindowAccess();
  /** What the guest made, to make again on a restored context. */
  private readonly contexts = new Map<number, { capsetId: number; name: string }>();
  private readonly resources = new Map<number, Resource3dParams>();
  private renderer: WebGL2VirglRenderer;
  private lost = false;
  /** Set by `loseContext` (tests), which gives the context back itself. */
  private restoreAfterLoss: WEBGL_lose_context | null = null;
  /** Times the context came back and the renderer was made again. */
  recoveries = 0;
  /** Draws of the renderers before this one. */
  private drawsBefore = 0;

  private constructor(
    canvas: OffscreenCanvas,
    private readonly gl: WebGL2RenderingContext,
    private readonly log: (message: string) => void,
    /** The GPU, as WebGL2 names it. */
    readonly description: string,
    /** What the guest is promised: the capsets are computed from these. */
    readonly limits: HostGlLimits,
    /** The context is the scanout surface's: displayable images are shown from their textures. */
    readonly shared: boolean,
  ) {
    this.renderer = new WebGL2VirglRenderer(gl, log, limits);
    canvas.addEventListener('webglcontextlost', (event) => {
      // Without this the browser never gives the context back.
      event.preventDefault();
      this.lost = true;
      this.log('virgl: the WebGL2 context was lost; 3D work is dropped until the browser gives it back');
      const restore = this.restoreAfterLoss;
      this.restoreAfterLoss = null;
      if (restore) setTimeout(() => restore.restoreContext(), 0);
    });
    canvas.addEventListener('webglcontextrestored', () => this.restored());
  }

  /**
   * A host on the scanout surface's context (`shared`), or on a WebGL2
   * context of its own; or why there can be none here. `promised`: the
   * limits a guest already read from a renderer before this one (in a GPU
   * worker that died), kept whatever this context serves.
   */
  static create(log: (message: string) => void, promised?: HostGlLimits, shared?: SharedContext): VirglHost | string {
    if (typeof OffscreenCanvas === 'undefined') return 'no OffscreenCanvas in the worker';
    const canvas = shared?.canvas ?? new OffscreenCanvas(1, 1);
    const gl = shared?.gl ?? canvas.getContext('webgl2', WEBGL2_ATTRIBUTES);
    if (!gl) return 'WebGL2 is not available in the worker';
    const served = servedBy(gl);
    if (typeof served === 'string') return served;
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const host = new VirglHost(canvas, gl, log, String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)), promised ?? served, shared !== undefined);
    if (promised) host.reportShortfalls(served, "the new GPU worker's WebGL2 context");
    return host;
  }

  /** Says once what a context made after the guest read its capsets serves less of than they promised. */
  private reportShortfalls(served: HostGlLimits, context: string): void {
    const short = shortfalls(this.limits, served);
    if (short.length > 0) this.log(`virgl: ${context} serves less than the guest was promised: ${short.join(', ')}; what needs more fails`);
  }

  private restored(): void {
    const served = servedBy(this.gl);
    if (typeof served === 'string') return this.log(`virgl: the WebGL2 context came back, but ${served}; 3D stays off`);
    this.reportShortfalls(served, 'the restored WebGL2 context');
    this.drawsBefore += this.renderer.counts.draws;
    this.renderer = new WebGL2VirglRenderer(this.gl, this.log, this.limits);
    for (const [id, params] of this.resources) this.renderer.createResource(id, params);
    for (const [ctxId, { capsetId, name }] of this.contexts) this.renderer.createContext(ctxId, capsetId, name);
    this.lost = false;
    this.recoveries++;
    this.log(`virgl: the WebGL2 context is back; ${this.contexts.size} contexts and ${this.resources.size} resources made again, empty`);
  }

  /** Fault injection for tests: the browser takes the context away, and gives it back at once. */
  loseContext(): boolean {
    const lose = this.gl.getExtension('WEBGL_lose_context');
    if (!lose || this.lost) return false;
    this.restoreAfterLoss = lose;
    lose.loseContext();
    return true;
  }

  /** The presenter's copy of a displayable resource, which `present` fills. */
  imageCreated(id: number, image: ResourceImage): void {
    this.images.set(id, image);
  }

  imageDestroyed(id: number): void {
    this.images.delete(id);
    this.drawnImages.delete(id);
  }

  createContext(ctxId: number, capsetId: number, name: string): void {
    this.contexts.set(ctxId, { capsetId, name });
    if (!this.lost) this.renderer.createContext(ctxId, capsetId, name);
  }

  destroyContext(ctxId: number): void {
    this.contexts.delete(ctxId);
    if (!this.lost) this.renderer.destroyContext(ctxId);
  }

  createResource(id: number, params: Resource3dParams): void {
    this.resources.set(id, params);
    if (!this.lost) this.renderer.createResource(id, params);
  }

  destroyResource(id: number): void {
    this.resources.delete(id);
    if (!this.lost) this.renderer.destroyResource(id);
  }

  /** `bytes` are the guest's backing from the transfer's offset on. */
  transferToHost(t: Transfer3d, bytes: Uint8Array): void {
    if (!this.lost) this.renderer.transferToHost(t, this.window.show(bytes, 0, bytes.length, t.offset));
  }

  /** The backing's bytes from the transfer's offset, `length` of them, as the transfer leaves them (zeros while the context is lost). */
  transferFromHost(t: Transfer3d, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    if (!this.lost) this.renderer.transferFromHost(t, this.window.show(bytes, 0, bytes.length, t.offset));
    return bytes;
  }

  /**
   * Runs a stream; resolves once the GPU has done its work, with the draws
   * made since the host started (for stats) and the answers of the queries
   * the stream asked for (and earlier ones of the context that were still
   * waiting), for the device to write into the guest's buffers before the
   * fence retires. A query whose result the GPU has not given within
   * QUERY_WAIT_MS is answered with a later stream of its context.
   */
  async submit(ctxId: number, stream: Uint8Array): Promise<{ draws: number; answers: QueryAnswer[] }> {
    const answers: QueryAnswer[] = [];
    if (!this.lost) {
      this.renderer.submit(ctxId, stream);
      await this.finished();
      const until = performance.now() + QUERY_WAIT_MS;
      while (!this.lost && !this.renderer.answerQueries(ctxId, answers) && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return { draws: this.drawsBefore + this.renderer.counts.draws, answers };
  }

  /**
   * A guest's flush of `rect` of a displayable resource. A surface on the
   * shared context shows the resource's texture at its next frame and needs
   * nothing now; else the pixels are read back into the presenter's copy.
   */
  present(id: number, rect: Readonly<Rect>): void {
    const image = this.images.get(id);
    if (this.lost || !image || rect.width <= 0 || rect.height <= 0) return;
    if (this.shared && this.renderer.picture(id)) {
      this.drawnImages.add(id);
      return;
    }
    const access = this.window.show(image.pixels);
    const t: Transfer3d = { ctxId: 0, resourceId: id, level: 0, box: { x: rect.x, y: rect.y, z: 0, w: rect.width, h: rect.height, d: 1 }, offset: rect.y * image.stride + rect.x * 4, stride: image.stride, layerStride: image.stride * rect.height };
    this.renderer.transferFromHost(t, access);
  }

  picture(id: number): SharedTexture | null {
    return this.shared && !this.lost && this.drawnImages.has(id) ? this.renderer.picture(id) : null;
  }

  /** Resolves when the GL work issued so far is done: a fence, polled, since WebGL signals none in the task that made it. */
  private finished(): Promise<void> {
    const { gl } = this;
    const sync = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
    gl.flush();
    if (!sync) return Promise.resolve();
    return new Promise((resolve) => {
      const poll = (): void => {
        const status = gl.getSyncParameter(sync, gl.SYNC_STATUS);
        if (status === gl.SIGNALED || gl.isContextLost()) {
          gl.deleteSync(sync);
          resolve();
        } else setTimeout(poll, 1);
      };
      setTimeout(poll, 0);
    });
  }
}
