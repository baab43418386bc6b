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

const hdr = (type: number, flags = 0): W.CtrlHeader => ({ type, flags, fenceId: flags ? 1n : 0n, ctxId: 0, ringIdx: 0 });

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
  async startVirgl(width: number, height: number): Promise<{ limits: HostGlLimits; capset: number[] } | { reason: string }> {
    this.presenter = await createWorkerPresenter({ canvases: [document.getElementById('screen') as HTMLCanvasElement], backend: 'canvas2d' });
    const made = await this.presenter.gpuWorker.virglInit();
    if (!made.ok) return { reason: made.reason };
    const renderer3d = new WorkerRenderer3d(() => this.presenter.gpuWorker, (message) => console.warn(message), made.limits);
    this.device = createVirtioGpu({ memory: wrapGuestMemory(this.ram), scanouts: [{ width, height }], presenter: this.presenter, features: { virgl: true, contextInit: true }, renderer3d });
    const answer = await this.device.controlCommand(W.GetCapset.encode({ hdr: hdr(C.GET_CAPSET), capsetId: 2, capsetVersion: 2 }));
    if (W.CtrlHeader.decode(answer).type !== ResponseType.OK_CAPSET) throw new Error(`GET_CAPSET answered 0x${W.CtrlHeader.decode(answer).type.toString(16)}`);
    return { limits: made.limits, capset: Array.from(answer.subarray(W.CtrlHeader.size)) };
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
