/**
 * Drives the real device and the real GPU worker from a page, the way a VM
 * would, with guest memory in a SharedArrayBuffer. Tests call it through
 * page.evaluate and check the pixels that come back.
 */
import type { HostGlLimits } from '../../src/device/host-gl-limits.ts';
import { createVirtioGpu, createWorkerPresenter, wrapGuestMemory, type BackendChoice, type VirtioGpuDevice, type WorkerPresenter } from '../../src/index.ts';
import { CommandType as C, HeaderFlag, ResponseType } from '../../src/protocol/constants.ts';
import type { StructCodec } from '../../src/protocol/codec.ts';
import * as W from '../../src/protocol/structs.ts';
import { WorkerRenderer3d } from '../../src/renderers/worker-renderer-3d.ts';
import { patternBytes } from '../pattern.ts';

const hdr = (type: number, flags = 0, ctxId = 0): W.CtrlHeader => ({ type, flags, fenceId: flags ? 1n : 0n, ctxId, ringIdx: 0 });

/** PIPE_TEXTURE_2D; B8G8R8X8_UNORM (virtio-gpu's and virgl's 2); PIPE_BIND_RENDER_TARGET | SAMPLER_VIEW | SCANOUT; CREATE_OBJECT of a SURFACE, SET_FRAMEBUFFER_STATE, CLEAR of colour 0. */
const TEXTURE_2D = 2, XRGB = 2, SCANOUT_BINDS = (1 << 1) | (1 << 3) | (1 << 14);
const [CREATE_SURFACE, SET_FRAMEBUFFER, CLEAR] = [1 | (8 << 8) | (5 << 16), 5 | (3 << 16), 7 | (8 << 16)];

class Harness {
  readonly ram = new Uint8Array(new SharedArrayBuffer(8 << 20));
  device!: VirtioGpuDevice;
  presenter!: WorkerPresenter;

  async start(backend: BackendChoice, width: number, height: number): Promise<{ backend: string; notes: readonly string[] }> {
    const canvas = document.getElementById('screen') as HTMLCanvasElement;
    this.presenter = await createWorkerPresenter({ canvases: [canvas], backend });
    this.device = createVirtioGpu({ memory: wrapGuestMemory(this.ram), scanouts: [{ width, height }], presenter: this.presenter });
    return { backend: this.presenter.backend, notes: this.presenter.notes };
  }

  /**
   * The GPU worker's 3D renderer and a device offering virgl on it, as the
   * v86 embedding makes them: the limits the worker read from its WebGL2,
   * and the virgl2 capset the device answers GET_CAPSET with.
   */
  async startVirgl(width: number, height: number, backend: BackendChoice = 'canvas2d'): Promise<{ limits: HostGlLimits; capset: number[]; backend: string; presents: string } | { reason: string }> {
    this.presenter = await createWorkerPresenter({ canvases: [document.getElementById('screen') as HTMLCanvasElement], backend, virgl: true });
    const made = await this.presenter.gpuWorker.virglInit();
    if (!made.ok) return { reason: made.reason };
    const renderer3d = new WorkerRenderer3d(() => this.presenter.gpuWorker, (message) => console.warn(message), made.limits);
    this.device = createVirtioGpu({ memory: wrapGuestMemory(this.ram), scanouts: [{ width, height }], presenter: this.presenter, features: { virgl: true, contextInit: true }, renderer3d });
    const answer = await this.device.controlCommand(W.GetCapset.encode({ hdr: hdr(C.GET_CAPSET), capsetId: 2, capsetVersion: 2 }));
    if (W.CtrlHeader.decode(answer).type !== ResponseType.OK_CAPSET) throw new Error(`GET_CAPSET answered 0x${W.CtrlHeader.decode(answer).type.toString(16)}`);
    return { limits: made.limits, capset: Array.from(answer.subarray(W.CtrlHeader.size)), backend: this.presenter.backend, presents: made.presents };
  }

  /**
   * Resource 1, a scanout image in a 3D context (ctx 1) as guest Mesa makes
   * one, shown on scanout 0, with its backing at `addr` and a framebuffer of
   * it for SUBMIT_3D.
   */
  async scanout3d(width: number, height: number, addr: number): Promise<void> {
    const name = new Uint8Array(64);
    name.set(new TextEncoder().encode('harness'));
    await this.control(W.CtxCreate, { hdr: hdr(C.CTX_CREATE, 0, 1), nlen: 7, contextInit: 2, debugName: name });
    await this.control(W.ResourceCreate3d, { hdr: hdr(C.RESOURCE_CREATE_3D), resourceId: 1, target: TEXTURE_2D, format: XRGB, bind: SCANOUT_BINDS, width, height, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: 0 });
    await this.control(W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 1, nrEntries: 1 }, W.MemEntry.encode({ addr, length: width * height * 4 }));
    await this.control(W.ResourceOnly, { hdr: hdr(C.CTX_ATTACH_RESOURCE, 0, 1), resourceId: 1 });
    await this.submit3d([CREATE_SURFACE, 1, 1, XRGB, 0, 0, SET_FRAMEBUFFER, 1, 0, 1]);
    await this.setScanout(0, 1, { x: 0, y: 0, width, height });
  }

  /** TRANSFER_TO_HOST_3D of a box of resource 1 from its backing (rows `stride` apart). */
  transfer3d(box: W.Rect, stride: number): Promise<number> {
    return this.control(W.TransferHost3d, { hdr: hdr(C.TRANSFER_TO_HOST_3D, 0, 1), box: { x: box.x, y: box.y, z: 0, w: box.width, h: box.height, d: 1 }, offset: box.y * stride + box.x * 4, resourceId: 1, level: 0, stride, layerStride: 0 });
  }

  /** Clears resource 1 to `rgba` (0 to 1 each) in ctx 1, fenced. */
  clear3d(rgba: readonly number[]): Promise<number> {
    const colour = new Uint32Array(new Float32Array(rgba).buffer);
    return this.submit3d([CLEAR, 4, ...colour, 0, 0, 0]);
  }

  private submit3d(words: number[]): Promise<number> {
    const stream = new Uint8Array(new Uint32Array(words).buffer);
    return this.control(W.CmdSubmit, { hdr: hdr(C.SUBMIT_3D, HeaderFlag.FENCE, 1), size: stream.length, numInFences: 0 }, stream);
  }

  /** A second presenter on the canvas the first one took: the error it gives. */
  async reuseCanvas(): Promise<string> {
    try {
      await createWorkerPresenter({ canvases: [document.getElementById('screen') as HTMLCanvasElement] });
      return 'no error';
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  writePattern(addr: number, width: number, height: number, seed: number): void {
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) this.ram.set(patternBytes(x, y, seed), addr + (y * width + x) * 4);
  }

  writeCursor(addr: number, rgbaBlocks: { x: number; y: number; size: number; bgra: number[] }[]): void {
    this.ram.fill(0, addr, addr + 64 * 64 * 4);
    for (const b of rgbaBlocks) for (let y = b.y; y < b.y + b.size; y++) for (let x = b.x; x < b.x + b.size; x++) this.ram.set(b.bgra, addr + (y * 64 + x) * 4);
  }

  async control<T>(codec: StructCodec<T>, value: T, trailing?: Uint8Array): Promise<number> {
    const head = codec.encode(value);
    const request = new Uint8Array(head.length + (trailing?.length ?? 0));
    request.set(head);
    if (trailing) request.set(trailing, head.length);
    const type = W.CtrlHeader.decode(await this.device.controlCommand(request)).type;
    if (type !== ResponseType.OK_NODATA) throw new Error(`command answered 0x${type.toString(16)}`);
    return type;
  }

  async resource(id: number, format: number, width: number, height: number, addr: number): Promise<void> {
    await this.control(W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: id, format, width, height });
    await this.control(W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: id, nrEntries: 1 }, W.MemEntry.encode({ addr, length: width * height * 4 }));
  }

  transfer(id: number, r: W.Rect, offset = 0): Promise<number> {
    return this.control(W.TransferToHost2d, { hdr: hdr(C.TRANSFER_TO_HOST_2D), r, offset, resourceId: id });
  }

  /**
   * A flush, fenced or not, is answered at once (as QEMU answers it): the
   * worker reads the shared pixels when it draws the next frame, so a
   * transfer before then may show early. `presented()` waits for that frame.
   */
  flush(id: number, r: W.Rect, fenced = false): Promise<number> {
    return this.control(W.ResourceFlush, { hdr: hdr(C.RESOURCE_FLUSH, fenced ? HeaderFlag.FENCE : 0), r, resourceId: id });
  }

  setScanout(scanoutId: number, id: number, r: W.Rect): Promise<number> {
    return this.control(W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r, scanoutId, resourceId: id });
  }

  cursor(type: 'update' | 'move', x: number, y: number, id: number, hotX = 0, hotY = 0): Promise<void> {
    const t = type === 'update' ? C.UPDATE_CURSOR : C.MOVE_CURSOR;
    return this.device.cursorCommand(W.UpdateCursor.encode({ hdr: hdr(t), pos: { scanoutId: 0, x, y }, resourceId: id, hotX, hotY }));
  }

  presented(): Promise<void> {
    return this.presenter.whenPresented(0);
  }

  async capture(): Promise<{ width: number; height: number; data: number[] }> {
    const c = await this.device.captureScanout(0);
    return { width: c.width, height: c.height, data: Array.from(c.data) };
  }
}

declare global {
  interface Window {
    harness: Harness;
  }
}

window.harness = new Harness();
