/**
 * The device core in Node, with a presenter that does nothing: what the
 * device itself costs per transfer, flush and command, against the bare copy
 * of the same bytes measured in the same run.
 */
import { VirtioGpuDevice, wrapGuestMemory, type Presenter } from '../src/index.ts';
import { CommandType as C, ResponseType as R } from '../src/protocol/constants.ts';
import * as W from '../src/protocol/structs.ts';
import { result, type BenchResult } from './results.ts';

const WIDTH = 1920, HEIGHT = 1080, STRIDE = WIDTH * 4, FRAME = STRIDE * HEIGHT;
const BACKING = 0x100000;
/** Linux hands 2D resources a scatter list of merged page runs; 64 KiB runs are typical. */
const RUN = 64 * 1024;

const nullPresenter: Presenter = {
  needsSharedPixels: false,
  createResource() {},
  destroyResource() {},
  setScanout() {},
  flush() {},
  unread: () => null,
  setCursor() {},
  moveCursor() {},
  capture: () => Promise.reject(new Error('no capture in the benchmark')),
  destroy() {},
};

const hdr = (type: number): W.CtrlHeader => ({ type, flags: 0, fenceId: 0n, ctxId: 0, ringIdx: 0 });

function setup(): { device: VirtioGpuDevice; ram: Uint8Array } {
  const ram = new Uint8Array(BACKING + FRAME + RUN);
  for (let i = 0; i < FRAME; i += 4096) ram[BACKING + i] = i & 0xff;
  const device = new VirtioGpuDevice({ memory: wrapGuestMemory(ram), scanouts: [{ width: WIDTH, height: HEIGHT }], presenter: nullPresenter, log: () => {} });
  const entries = Math.ceil(FRAME / RUN);
  const attach = new Uint8Array(W.ResourceAttachBacking.size + entries * W.MemEntry.size);
  attach.set(W.ResourceAttachBacking.encode({ hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 1, nrEntries: entries }));
  for (let i = 0; i < entries; i++) attach.set(W.MemEntry.encode({ addr: BACKING + i * RUN, length: RUN }), W.ResourceAttachBacking.size + i * W.MemEntry.size);
  for (const request of [
    W.ResourceCreate2d.encode({ hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 1, format: 2, width: WIDTH, height: HEIGHT }),
    attach,
    W.SetScanout.encode({ hdr: hdr(C.SET_SCANOUT), r: { x: 0, y: 0, width: WIDTH, height: HEIGHT }, scanoutId: 0, resourceId: 1 }),
  ]) {
    const answer = device.executeControl(request) as Uint8Array;
    if (W.CtrlHeader.decode(answer).type !== R.OK_NODATA) throw new Error('benchmark setup failed');
  }
  return { device, ram };
}

/** Runs `body` in batches until `seconds` pass; returns operations per second (after a warm-up). */
function rate(seconds: number, batch: number, body: () => void): number {
  const warm = performance.now() + seconds * 200;
  while (performance.now() < warm) body();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < seconds * 1000) {
    for (let i = 0; i < batch; i++) body();
    ops += batch;
    now = performance.now();
  }
  return ops / ((now - start) / 1000);
}

export function benchDeviceCore(seconds: number): BenchResult[] {
  const { device, ram } = setup();
  const full = { x: 0, y: 0, width: WIDTH, height: HEIGHT };
  const transfer = W.TransferToHost2d.encode({ hdr: hdr(C.TRANSFER_TO_HOST_2D), r: full, offset: 0, resourceId: 1 });
  const flush = W.ResourceFlush.encode({ hdr: hdr(C.RESOURCE_FLUSH), r: full, resourceId: 1 });
  const hostCopy = new Uint8Array(FRAME);
  const guestFrame = ram.subarray(BACKING, BACKING + FRAME);

  const frames = rate(seconds, 2, () => {
    device.executeControl(transfer);
    device.executeControl(flush);
  });
  const bareFrames = rate(seconds, 2, () => hostCopy.set(guestFrame));

  // The framebuffer console's traffic: one 8x16 cell at a time, all over the screen.
  const cells: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < 256; i++) {
    const x = (i * 8 * 37) % (WIDTH - 8), y = ((i * 16 * 11) % (HEIGHT - 16));
    const r = { x, y, width: 8, height: 16 };
    cells.push([W.TransferToHost2d.encode({ hdr: hdr(C.TRANSFER_TO_HOST_2D), r, offset: y * STRIDE + x * 4, resourceId: 1 }), W.ResourceFlush.encode({ hdr: hdr(C.RESOURCE_FLUSH), r, resourceId: 1 })]);
  }
  let c = 0;
  const cellPairs = rate(seconds, 256, () => {
    const [t, f] = cells[c++ & 255] as [Uint8Array, Uint8Array];
    device.executeControl(t);
    device.executeControl(f);
  });
  let b = 0;
  const bareCells = rate(seconds, 256, () => {
    const i = b++ & 255;
    const x = (i * 8 * 37) % (WIDTH - 8), y = (i * 16 * 11) % (HEIGHT - 16);
    for (let row = 0; row < 16; row++) {
      const at = (y + row) * STRIDE + x * 4;
      hostCopy.set(guestFrame.subarray(at, at + 32), at);
    }
  });

  // A command that does nothing: an empty flush.
  const noop = W.ResourceFlush.encode({ hdr: hdr(C.RESOURCE_FLUSH), r: { x: 0, y: 0, width: 0, height: 0 }, resourceId: 1 });
  const noops = rate(seconds, 1024, () => device.executeControl(noop));
  const requestCopy = new Uint8Array(64);
  const bareRequests = rate(seconds, 1024, () => requestCopy.set(noop));

  const gbps = (framesPerSecond: number) => (framesPerSecond * FRAME) / 1e9;
  return [
    result('device: full-frame 1920x1080 TRANSFER_TO_HOST_2D + RESOURCE_FLUSH', gbps(frames), 'GB/s', 'bare copy of the same 8.3 MB', gbps(bareFrames), 'higher'),
    result('device: 8x16 cell TRANSFER + FLUSH pairs (framebuffer console)', cellPairs, 'pairs/s', 'bare copy of the same 16 rows of 32 bytes', bareCells, 'higher'),
    result('device: no-op command (empty RESOURCE_FLUSH)', 1e9 / noops, 'ns/command', 'bare copy of the 48 request bytes', 1e9 / bareRequests, 'lower'),
  ];
}
