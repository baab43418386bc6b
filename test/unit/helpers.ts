/** Builds requests the way a driver lays them out, for unit tests of one layer. */
import { createMemoryPresenter, createVirtioGpu, wrapGuestMemory, type ScanoutConfig } from '../../src/index.ts';
import type { StructCodec } from '../../src/protocol/codec.ts';
import { CtrlHeader } from '../../src/protocol/structs.ts';
import type { DeviceLimits } from '../../src/device/limits.ts';
import type { DeviceFeatures } from '../../src/device/device.ts';
import type { Presenter } from '../../src/presenters/presenter.ts';
import type { Renderer3d } from '../../src/renderers/renderer-3d.ts';

export type Hdr = typeof CtrlHeader extends StructCodec<infer T> ? T : never;

export function hdr(type: number, extra: Partial<Hdr> = {}): Hdr {
  return { type, flags: 0, fenceId: 0n, ctxId: 0, ringIdx: 0, ...extra };
}

export function encode<T>(codec: StructCodec<T>, value: T, trailing: Uint8Array[] = []): Uint8Array {
  const head = codec.encode(value);
  const out = new Uint8Array(head.length + trailing.reduce((n, t) => n + t.length, 0));
  out.set(head, 0);
  let at = head.length;
  for (const t of trailing) {
    out.set(t, at);
    at += t.length;
  }
  return out;
}

export function responseType(bytes: Uint8Array): number {
  return CtrlHeader.decode(bytes).type;
}

export interface Rig {
  ram: Uint8Array;
  device: ReturnType<typeof createVirtioGpu>;
  logs: string[];
}

export function rig(options: { scanouts?: ScanoutConfig[]; ramBytes?: number; limits?: Partial<DeviceLimits>; features?: DeviceFeatures; presenter?: Presenter; renderer3d?: Renderer3d } = {}): Rig {
  const ram = new Uint8Array(options.ramBytes ?? 8 << 20);
  const logs: string[] = [];
  const device = createVirtioGpu({
    memory: wrapGuestMemory(ram),
    scanouts: options.scanouts ?? [{ width: 64, height: 48 }],
    presenter: options.presenter ?? createMemoryPresenter(),
    limits: options.limits,
    features: options.features,
    renderer3d: options.renderer3d,
    log: (m) => logs.push(m),
    logRate: { burst: 1e9, perSecond: 1e9 },
  });
  return { ram, device, logs };
}

import * as W from '../../src/protocol/structs.ts';
import { CommandType } from '../../src/protocol/constants.ts';

export async function send<T>(r: Rig, codec: StructCodec<T>, value: T, trailing: Uint8Array[] = []): Promise<Uint8Array> {
  return r.device.controlCommand(encode(codec, value, trailing));
}

export function memEntries(entries: [addr: number, length: number][]): Uint8Array[] {
  return entries.map(([addr, length]) => W.MemEntry.encode({ addr, length }));
}

/** Creates a resource backed by one contiguous guest range at `addr`, and shows it on scanout 0 when `scanout` is set. */
export async function makeResource(
  r: Rig,
  { id, format = 2, width, height, addr, scanout }: { id: number; format?: number; width: number; height: number; addr: number; scanout?: number },
): Promise<void> {
  const ok = [
    await send(r, W.ResourceCreate2d, { hdr: hdr(CommandType.RESOURCE_CREATE_2D), resourceId: id, format, width, height }),
    await send(r, W.ResourceAttachBacking, { hdr: hdr(CommandType.RESOURCE_ATTACH_BACKING), resourceId: id, nrEntries: 1 }, memEntries([[addr, width * height * 4]])),
  ];
  if (scanout !== undefined) {
    ok.push(await send(r, W.SetScanout, { hdr: hdr(CommandType.SET_SCANOUT), r: { x: 0, y: 0, width, height }, scanoutId: scanout, resourceId: id }));
  }
  for (const bytes of ok) if (responseType(bytes) !== 0x1100) throw new Error(`setup command failed: 0x${responseType(bytes).toString(16)}`);
}

export function transfer(r: Rig, id: number, rect: W.Rect, offset: number): Promise<Uint8Array> {
  return send(r, W.TransferToHost2d, { hdr: hdr(CommandType.TRANSFER_TO_HOST_2D), r: rect, offset, resourceId: id });
}

export function flush(r: Rig, id: number, rect: W.Rect, extra: Partial<Hdr> = {}): Promise<Uint8Array> {
  return send(r, W.ResourceFlush, { hdr: hdr(CommandType.RESOURCE_FLUSH, extra), r: rect, resourceId: id });
}

/** RGBA of pixel (x, y) of a capture. */
export function pixelAt(capture: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const i = (y * capture.width + x) * 4;
  return Array.from(capture.data.subarray(i, i + 4));
}

/**
 * A memory presenter that is still reading the pixels of its last flush
 * until `release()`, as the GPU worker is until its next frame.
 */
export function holdingPresenter(): { presenter: Presenter; release: () => void } {
  const inner = createMemoryPresenter();
  let done = () => {};
  let reading: Promise<void> | null = new Promise<void>((resolve) => (done = resolve));
  const presenter: Presenter = Object.assign(Object.create(inner) as Presenter, { unread: () => reading });
  return {
    presenter,
    release: () => {
      reading = null;
      done();
    },
  };
}

export const createBlob = (r: Rig, resourceId: number, size: number, entries: [number, number][], extra: Partial<{ blobMem: number; nrEntries: number }> = {}) =>
  r.device.controlCommand(encode(W.ResourceCreateBlob, { hdr: hdr(CommandType.RESOURCE_CREATE_BLOB), resourceId, blobMem: 1, blobFlags: 2, nrEntries: entries.length, blobId: 0n, size, ...extra }, memEntries(entries))).then(responseType);

export const scanoutBlob = (r: Rig, o: { resourceId: number; rect: W.Rect; width: number; height: number; format?: number; stride: number; offset?: number; scanoutId?: number }) =>
  send(r, W.SetScanoutBlob, {
    hdr: hdr(CommandType.SET_SCANOUT_BLOB), r: o.rect, scanoutId: o.scanoutId ?? 0, resourceId: o.resourceId, width: o.width, height: o.height, format: o.format ?? 2,
    strides: [o.stride, 0, 0, 0], offsets: [o.offset ?? 0, 0, 0, 0],
  }).then(responseType);
