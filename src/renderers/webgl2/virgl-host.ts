/**
 * The virgl renderer's home in the GPU worker: its WebGL2 context, the
 * renderer, and what the VM thread's proxy asks of it (worker-renderer-3d.ts):
 * work in order, transfer bytes in and out as buffers of their own, fences
 * that retire once the GPU has done the work before them (fenceSync), and
 * displayable images read back into the pixels the presenter shows.
 */
import type { ResourceImage } from '../../presenters/presenter.ts';
import type { BackingAccess, Resource3dParams, Transfer3d } from '../renderer-3d.ts';
import { WebGL2VirglRenderer } from './virgl-renderer.ts';

/** A backing whose bytes are one buffer that starts at the transfer's offset. */
class SpanAccess implements BackingAccess {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly base: number,
  ) {}

  get size(): number {
    return this.base + this.bytes.length;
  }

  read(offset: number, into: Uint8Array): void {
    const start = offset - this.base;
    const available = Math.max(0, Math.min(into.length, this.bytes.length - start));
    into.set(this.bytes.subarray(start, start + available));
    into.fill(0, available);
  }

  write(offset: number, bytes: Uint8Array): void {
    const start = offset - this.base;
    if (start >= 0 && start + bytes.length <= this.bytes.length) this.bytes.set(bytes, start);
  }
}

const WEBGL2_ATTRIBUTES: WebGLContextAttributes = { alpha: false, antialias: false, depth: false, stencil: false, premultipliedAlpha: false, preserveDrawingBuffer: false };

export class VirglHost {
  private readonly images = new Map<number, ResourceImage>();

  private constructor(
    private readonly gl: WebGL2RenderingContext,
    readonly renderer: WebGL2VirglRenderer,
    /** The GPU, as WebGL2 names it. */
    readonly description: string,
  ) {}

  /** A host on a WebGL2 context of its own, or why there can be none here. */
  static create(log: (message: string) => void): VirglHost | string {
    if (typeof OffscreenCanvas === 'undefined') return 'no OffscreenCanvas in the worker';
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2', WEBGL2_ATTRIBUTES);
    if (!gl) return 'WebGL2 is not available in the worker';
    // Float colour buffers: the capsets promise the guest renderable float formats.
    if (!gl.getExtension('EXT_color_buffer_float')) return 'WebGL2 lacks EXT_color_buffer_float, which the offered formats need';
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    return new VirglHost(gl, new WebGL2VirglRenderer(gl, log), String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)));
  }

  /** The presenter's copy of a displayable resource, which `present` fills. */
  imageCreated(id: number, image: ResourceImage): void {
    this.images.set(id, image);
  }

  imageDestroyed(id: number): void {
    this.images.delete(id);
  }

  createContext(ctxId: number, capsetId: number, name: string): void {
    this.renderer.createContext(ctxId, capsetId, name);
  }

  destroyContext(ctxId: number): void {
    this.renderer.destroyContext(ctxId);
  }

  createResource(id: number, params: Resource3dParams): void {
    this.renderer.createResource(id, params);
  }

  destroyResource(id: number): void {
    this.renderer.destroyResource(id);
  }

  /** `bytes` are the guest's backing from the transfer's offset on. */
  transferToHost(t: Transfer3d, bytes: Uint8Array): void {
    this.renderer.transferToHost(t, new SpanAccess(bytes, t.offset));
  }

  /** The backing's bytes from the transfer's offset, `length` of them, as the transfer leaves them. */
  transferFromHost(t: Transfer3d, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    this.renderer.transferFromHost(t, new SpanAccess(bytes, t.offset));
    return bytes;
  }

  /** Runs a stream; resolves once the GPU has done its work. */
  submit(ctxId: number, stream: Uint8Array): Promise<void> {
    this.renderer.submit(ctxId, stream);
    return this.finished();
  }

  /** Reads `rect` of a displayable resource back into the presenter's pixels of it, in its format. */
  present(id: number, rect: { x: number; y: number; width: number; height: number }): void {
    const image = this.images.get(id);
    if (!image || rect.width <= 0 || rect.height <= 0) return;
    const access = new SpanAccess(image.pixels, 0);
    const t: Transfer3d = { ctxId: 0, resourceId: id, level: 0, box: { x: rect.x, y: rect.y, z: 0, w: rect.width, h: rect.height, d: 1 }, offset: rect.y * image.stride + rect.x * 4, stride: image.stride, layerStride: image.stride * rect.height };
    this.renderer.transferFromHost(t, access);
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
