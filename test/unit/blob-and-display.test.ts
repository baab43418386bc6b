import { describe, expect, it } from 'vitest';
import { CommandType as C, Event, HeaderFlag, ResponseType as R } from '../../src/protocol/constants.ts';
import * as W from '../../src/protocol/structs.ts';
import { VirtioGpuFunction } from '../../src/virtio/gpu-function.ts';
import { createMemoryPresenter } from '../../src/index.ts';
import type { Presenter } from '../../src/presenters/presenter.ts';
import { createBlob, encode, flush, hdr, holdingPresenter, makeResource, memEntries, pixelAt, responseType, rig, scanoutBlob, send, transfer, type Rig } from './helpers.ts';

/** Fills a B8G8R8X8 framebuffer of `width` x `height` with stride `stride` at `addr`: pixel (x, y) = (x, y, 0x5a). */
function fillFramebuffer(r: Rig, addr: number, width: number, height: number, stride: number, seed = 0): void {
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) r.ram.set([0x5a + seed, y, x, 0], addr + y * stride + x * 4);
}

describe('RESOURCE_CREATE_BLOB (guest memory)', () => {
  it('creates a guest blob over a scatter list, holding no host memory', async () => {
    const r = rig();
    expect(await createBlob(r, 7, 8192, [[0x10000, 4096], [0x30000, 4096]])).toBe(R.OK_NODATA);
    expect(r.device.resourceUsage).toEqual({ count: 1, bytes: 0, bytes3d: 0 });
  });

  it('refuses what QEMU refuses', async () => {
    const r = rig({ ramBytes: 1 << 20, limits: { maxBackingEntries: 4 } });
    expect(await createBlob(r, 0, 4096, [[0, 4096]])).toBe(R.ERR_INVALID_RESOURCE_ID);
    expect(await createBlob(r, 1, 4096, [[0, 4096]], { blobMem: 2 })).toBe(R.ERR_INVALID_PARAMETER); // host3d needs 3D
    expect(await createBlob(r, 1, 8192, [[0, 4096]])).toBe(R.ERR_INVALID_PARAMETER); // backing smaller than the blob
    expect(await createBlob(r, 1, 4096, [])).toBe(R.ERR_INVALID_PARAMETER);
    expect(await createBlob(r, 1, 4096, [[(1 << 20) - 100, 4096]])).toBe(R.ERR_UNSPEC); // outside guest RAM
    expect(await createBlob(r, 1, 4096, new Array(5).fill([0, 1024]))).toBe(R.ERR_UNSPEC); // too many entries
    expect(await createBlob(r, 1, 4096, [[0, 4096]], { nrEntries: 2 })).toBe(R.ERR_UNSPEC); // announced more than sent
    expect(await createBlob(r, 1, 4096, [[0, 4096]])).toBe(R.OK_NODATA);
    expect(await createBlob(r, 1, 4096, [[0, 4096]])).toBe(R.ERR_INVALID_RESOURCE_ID); // duplicate
    expect(responseType(await transfer(r, 1, { x: 0, y: 0, width: 1, height: 1 }, 0))).toBe(R.OK_NODATA); // nothing to fill: OK as QEMU
  });
});

describe('SET_SCANOUT_BLOB and flushes from guest pages', () => {
  it('shows the scanout rect of a blob framebuffer, honouring offset and stride', async () => {
    const r = rig({ scanouts: [{ width: 32, height: 16 }] });
    const addr = 0x20000, stride = 40 * 4, offset = 3 * stride; // 40-pixel rows, framebuffer starts 3 rows in
    fillFramebuffer(r, addr + offset, 40, 20, stride);
    expect(await createBlob(r, 5, offset + stride * 20, [[addr, offset + stride * 20]])).toBe(R.OK_NODATA);
    expect(await scanoutBlob(r, { resourceId: 5, rect: { x: 4, y: 2, width: 32, height: 16 }, width: 40, height: 20, stride, offset })).toBe(R.OK_NODATA);
    const cap = await r.device.captureScanout(0);
    expect([cap.width, cap.height]).toEqual([32, 16]);
    expect(pixelAt(cap, 0, 0)).toEqual([4, 2, 0x5a, 255]);
    expect(pixelAt(cap, 31, 15)).toEqual([35, 17, 0x5a, 255]);
    expect(r.device.resourceUsage.bytes).toBe(32 * 16 * 4); // the staging image only
  });

  it('copies only the flushed damage from guest pages, and nothing without a flush', async () => {
    const r = rig({ scanouts: [{ width: 32, height: 16 }] });
    const addr = 0x20000, stride = 128;
    fillFramebuffer(r, addr, 32, 16, stride);
    await createBlob(r, 5, stride * 16, [[addr, 1024], [0x40000, stride * 16 - 1024]]); // split across two entries
    fillFramebuffer(r, 0x40000 - 1024, 32, 16, stride); // the second entry holds rows 8..15
    await scanoutBlob(r, { resourceId: 5, rect: { x: 0, y: 0, width: 32, height: 16 }, width: 32, height: 16, stride });
    fillFramebuffer(r, addr, 32, 8, stride, 1);
    fillFramebuffer(r, 0x40000 - 1024, 32, 16, stride, 1);
    expect(pixelAt(await r.device.captureScanout(0), 1, 1)).toEqual([1, 1, 0x5a, 255]);
    expect(responseType(await flush(r, 5, { x: 2, y: 6, width: 4, height: 4 }))).toBe(R.OK_NODATA);
    const cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 2, 6)).toEqual([2, 6, 0x5b, 255]);
    expect(pixelAt(cap, 5, 9)).toEqual([5, 9, 0x5b, 255]); // row 9 comes from the second entry
    expect(pixelAt(cap, 6, 9)).toEqual([6, 9, 0x5a, 255]);
    expect(pixelAt(cap, 2, 10)).toEqual([2, 10, 0x5a, 255]);
  });

  it('copies a flush only once the presenter has read the last copy: flushes meanwhile join it, and their fences wait', async () => {
    const { presenter, release } = holdingPresenter();
    const r = rig({ scanouts: [{ width: 32, height: 16 }], presenter });
    const addr = 0x20000, stride = 128;
    fillFramebuffer(r, addr, 32, 16, stride);
    await createBlob(r, 5, stride * 16, [[addr, stride * 16]]);
    await scanoutBlob(r, { resourceId: 5, rect: { x: 0, y: 0, width: 32, height: 16 }, width: 32, height: 16, stride });
    fillFramebuffer(r, addr, 32, 16, stride, 1);
    const fenced = r.device.executeControl(encode(W.ResourceFlush, { hdr: hdr(C.RESOURCE_FLUSH, { flags: HeaderFlag.FENCE, fenceId: 42n }), r: { x: 0, y: 0, width: 4, height: 4 }, resourceId: 5 }));
    expect(fenced).toBeInstanceOf(Promise);
    const unfenced = r.device.executeControl(encode(W.ResourceFlush, { hdr: hdr(C.RESOURCE_FLUSH), r: { x: 20, y: 10, width: 4, height: 4 }, resourceId: 5 }));
    expect(responseType(unfenced as Uint8Array)).toBe(R.OK_NODATA);
    expect(pixelAt(await r.device.captureScanout(0), 1, 1)).toEqual([1, 1, 0x5a, 255]); // not copied while the presenter reads
    fillFramebuffer(r, addr, 32, 16, stride, 2);
    release();
    expect(W.CtrlHeader.decode(await fenced)).toEqual({ type: R.OK_NODATA, flags: HeaderFlag.FENCE, fenceId: 42n, ctxId: 0, ringIdx: 0 });
    const cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 1, 1)).toEqual([1, 1, 0x5c, 255]); // the pages as they are when copied
    expect(pixelAt(cap, 21, 11)).toEqual([21, 11, 0x5c, 255]); // the second flush joined the first
    expect(pixelAt(cap, 30, 15)).toEqual([30, 15, 0x5a, 255]); // outside both
  });

  it("copies a 2D image's transfers only once the presenter has read the last flush: they join, and the flushes after them wait", async () => {
    const { presenter, release } = holdingPresenter();
    const r = rig({ scanouts: [{ width: 32, height: 16 }], presenter });
    await makeResource(r, { id: 3, width: 32, height: 16, addr: 0x20000, scanout: 0 });
    r.ram.fill(0x11, 0x20000, 0x20000 + 32 * 16 * 4);
    const transfer2d = (rect: W.Rect, fenced: boolean) =>
      r.device.executeControl(encode(W.TransferToHost2d, { hdr: hdr(C.TRANSFER_TO_HOST_2D, fenced ? { flags: HeaderFlag.FENCE, fenceId: 5n } : {}), r: rect, offset: rect.y * 128 + rect.x * 4, resourceId: 3 }));
    const first = transfer2d({ x: 0, y: 0, width: 4, height: 4 }, true);
    expect(first).toBeInstanceOf(Promise);
    expect(responseType(transfer2d({ x: 20, y: 10, width: 4, height: 4 }, false) as Uint8Array)).toBe(R.OK_NODATA);
    // Refused at once, held or not.
    expect(responseType(transfer2d({ x: 30, y: 0, width: 4, height: 4 }, false) as Uint8Array)).toBe(R.ERR_INVALID_PARAMETER);
    const flushed = r.device.executeControl(encode(W.ResourceFlush, { hdr: hdr(C.RESOURCE_FLUSH, { flags: HeaderFlag.FENCE, fenceId: 6n }), r: { x: 0, y: 0, width: 32, height: 16 }, resourceId: 3 }));
    r.ram.fill(0x22, 0x20000, 0x20000 + 32 * 16 * 4);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pixelAt(await r.device.captureScanout(0), 1, 1)).toEqual([0, 0, 0, 255]); // nothing copied while the presenter reads
    release();
    expect(responseType(await first)).toBe(R.OK_NODATA);
    expect(responseType(await flushed)).toBe(R.OK_NODATA);
    const cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 1, 1)).toEqual([0x22, 0x22, 0x22, 255]); // the pages as they are when copied
    expect(pixelAt(cap, 21, 11)).toEqual([0x22, 0x22, 0x22, 255]); // the second transfer joined the first
    expect(pixelAt(cap, 30, 15)).toEqual([0, 0, 0, 255]); // the union of the two: (0,0) to (24,14)
  });

  it('answers a held flush whose scanout was blanked and blob freed meanwhile, copying nothing', async () => {
    const { presenter, release } = holdingPresenter();
    const r = rig({ scanouts: [{ width: 32, height: 16 }], presenter });
    await createBlob(r, 5, 2048, [[0x20000, 2048]]);
    await scanoutBlob(r, { resourceId: 5, rect: { x: 0, y: 0, width: 32, height: 16 }, width: 32, height: 16, stride: 128 });
    const fenced = r.device.executeControl(encode(W.ResourceFlush, { hdr: hdr(C.RESOURCE_FLUSH, { flags: HeaderFlag.FENCE, fenceId: 7n }), r: { x: 0, y: 0, width: 32, height: 16 }, resourceId: 5 }));
    expect(await scanoutBlob(r, { resourceId: 0, rect: { x: 0, y: 0, width: 0, height: 0 }, width: 0, height: 0, stride: 0 })).toBe(R.OK_NODATA);
    expect(responseType(await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: 5 }))).toBe(R.OK_NODATA);
    release();
    expect(responseType(await fenced)).toBe(R.OK_NODATA);
    expect(r.device.resourceUsage).toEqual({ count: 0, bytes: 0, bytes3d: 0 });
    expect(r.device.commandsInFlight).toBe(0);
  });

  it('copies and answers a held flush even when the presenter fails to say it has read, and says so in the log', async () => {
    const presenter: Presenter = Object.assign(Object.create(createMemoryPresenter()) as Presenter, { unread: () => Promise.reject(new Error('worker gone')) });
    const r = rig({ scanouts: [{ width: 32, height: 16 }], presenter });
    fillFramebuffer(r, 0x20000, 32, 16, 128);
    await createBlob(r, 5, 2048, [[0x20000, 2048]]);
    await scanoutBlob(r, { resourceId: 5, rect: { x: 0, y: 0, width: 32, height: 16 }, width: 32, height: 16, stride: 128 });
    fillFramebuffer(r, 0x20000, 32, 16, 128, 1);
    expect(responseType(await flush(r, 5, { x: 0, y: 0, width: 32, height: 16 }, { flags: HeaderFlag.FENCE, fenceId: 3n }))).toBe(R.OK_NODATA);
    expect(pixelAt(await r.device.captureScanout(0), 3, 3)).toEqual([3, 3, 0x5b, 255]);
    expect(r.logs.join('\n')).toMatch(/presenter rejected: worker gone/);
  });

  it('validates the scanout, the resource kind, the format, the stride and the extent', async () => {
    const r = rig({ scanouts: [{ width: 32, height: 16 }] });
    await createBlob(r, 5, 2048, [[0x20000, 2048]]);
    await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 6, format: 2, width: 32, height: 16 });
    const ok = { resourceId: 5, rect: { x: 0, y: 0, width: 32, height: 16 }, width: 32, height: 16, stride: 128 };
    expect(await scanoutBlob(r, { ...ok, scanoutId: 1 })).toBe(R.ERR_INVALID_SCANOUT_ID);
    expect(await scanoutBlob(r, { ...ok, resourceId: 9 })).toBe(R.ERR_INVALID_RESOURCE_ID);
    expect(await scanoutBlob(r, { ...ok, resourceId: 6 })).toBe(R.ERR_INVALID_RESOURCE_ID); // a 2D resource
    expect(await scanoutBlob(r, { ...ok, format: 99 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await scanoutBlob(r, { ...ok, stride: 124 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await scanoutBlob(r, { ...ok, stride: 0x8000_0000 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await scanoutBlob(r, { ...ok, rect: { x: 0, y: 0, width: 15, height: 16 } })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await scanoutBlob(r, { ...ok, offset: 4 })).toBe(R.ERR_INVALID_PARAMETER); // runs past the blob
    expect(await scanoutBlob(r, { ...ok, offset: 0xffff_fff0 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await scanoutBlob(r, ok)).toBe(R.OK_NODATA);
    expect(responseType(await flush(r, 5, { x: 40, y: 0, width: 4, height: 4 }))).toBe(R.ERR_INVALID_PARAMETER); // on no scanout
    expect(responseType(await send(r, W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r: ok.rect, scanoutId: 0, resourceId: 5 }))).toBe(R.ERR_INVALID_RESOURCE_ID);
    expect(await scanoutBlob(r, { ...ok, resourceId: 0 })).toBe(R.OK_NODATA); // disables
    expect(r.device.resourceUsage.bytes).toBe(32 * 16 * 4); // the 2D resource; the staging image is gone
  });

  it('frees the staging image when the blob is unreferenced', async () => {
    const r = rig({ scanouts: [{ width: 32, height: 16 }] });
    await createBlob(r, 5, 2048, [[0x20000, 2048]]);
    await scanoutBlob(r, { resourceId: 5, rect: { x: 0, y: 0, width: 32, height: 16 }, width: 32, height: 16, stride: 128 });
    await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: 5 });
    expect(r.device.resourceUsage).toEqual({ count: 0, bytes: 0, bytes3d: 0 });
    expect(r.device.scanouts[0]!.enabled).toBe(false);
  });

  it('takes a cursor image from a blob of at least 64x64x4 bytes (ARGB8888, as Linux sends)', async () => {
    const r = rig({ scanouts: [{ width: 32, height: 16 }] });
    await createBlob(r, 5, 2048, [[0x20000, 2048]]);
    await scanoutBlob(r, { resourceId: 5, rect: { x: 0, y: 0, width: 32, height: 16 }, width: 32, height: 16, stride: 128 });
    r.ram.fill(0, 0x50000, 0x50000 + 16384);
    r.ram.set([0xff, 0x00, 0x00, 0xff], 0x50000); // opaque blue at (0, 0)
    await createBlob(r, 6, 16384, [[0x50000, 16384]]);
    await r.device.cursorCommand(encode(W.UpdateCursor, { hdr: hdr(C.UPDATE_CURSOR), pos: { scanoutId: 0, x: 3, y: 4 }, resourceId: 6, hotX: 0, hotY: 0 }));
    const cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 3, 4)).toEqual([0, 0, 255, 255]);
    expect(pixelAt(cap, 4, 4)).toEqual([0, 0, 0, 255]);
  });
});

describe('RESOURCE_ASSIGN_UUID', () => {
  it('gives each resource one stable, unique RFC 4122 v4 UUID', async () => {
    const r = rig();
    for (const id of [1, 2]) await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: id, format: 2, width: 1, height: 1 });
    const uuid = async (id: number) => {
      const bytes = await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_ASSIGN_UUID), resourceId: id });
      expect(bytes.length).toBe(40);
      const resp = W.RespResourceUuid.decode(bytes);
      expect(resp.hdr.type).toBe(R.OK_RESOURCE_UUID);
      return Buffer.from(resp.uuid).toString('hex');
    };
    const a = await uuid(1);
    expect(await uuid(1)).toBe(a);
    const b = await uuid(2);
    expect(b).not.toBe(a);
    expect(a[12]).toBe('4');
    expect('89ab').toContain(a[16]);
    await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: 1 });
    await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 1, format: 2, width: 1, height: 1 });
    expect(await uuid(1)).not.toBe(a); // a new resource under an old id is a new resource
    expect(responseType(await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_ASSIGN_UUID), resourceId: 9 }))).toBe(R.ERR_INVALID_RESOURCE_ID);
  });
});

describe('display configuration from the host', () => {
  it('resizes, unplugs and replugs a scanout, raising VIRTIO_GPU_EVENT_DISPLAY each time', async () => {
    const r = rig({ scanouts: [{ width: 640, height: 480 }, { width: 800, height: 600 }] });
    let events = 0;
    r.device.onDisplayEvent = () => events++;
    r.device.configureScanout(1, { width: 1280, height: 720 });
    expect([events, r.device.eventsRead]).toEqual([1, Event.DISPLAY]);
    let info = W.RespDisplayInfo.decode(await send(r, W.CtrlHeader, hdr(C.GET_DISPLAY_INFO)));
    expect(info.pmodes[1]).toEqual({ r: { x: 0, y: 0, width: 1280, height: 720 }, enabled: 1, flags: 0 });
    const edid = W.RespEdid.decode(await send(r, W.GetEdid, { hdr: hdr(C.GET_EDID), scanout: 1 })).edid;
    expect(edid[56]! | ((edid[58]! >> 4) << 8)).toBe(1280);
    r.device.configureScanout(1, { connected: false });
    info = W.RespDisplayInfo.decode(await send(r, W.CtrlHeader, hdr(C.GET_DISPLAY_INFO)));
    expect(info.pmodes[1]!.enabled).toBe(0);
    r.device.configureScanout(1, { connected: true });
    expect(events).toBe(3);
    expect(() => r.device.configureScanout(2, { width: 100 })).toThrow(/no scanout 2/);
    expect(() => r.device.configureScanout(0, { width: 8 })).toThrow(/16 to 4095/);
  });

  it('shows events in the device config space; writing events_clear clears them', () => {
    const r = rig({ scanouts: [{ width: 640, height: 480 }, { width: 800, height: 600 }] });
    const fn = new VirtioGpuFunction(r.device, () => {});
    expect([fn.readConfig(0, 4), fn.readConfig(4, 4), fn.readConfig(8, 4), fn.readConfig(12, 4)]).toEqual([0, 0, 2, 0]);
    r.device.configureScanout(0, { width: 1024, height: 768 });
    expect(fn.readConfig(0, 4)).toBe(Event.DISPLAY);
    fn.writeConfig(4, 4, Event.DISPLAY);
    expect(fn.readConfig(0, 4)).toBe(0);
  });
});

describe('snapshots', () => {
  it('restores 2D and blob resources, scanouts and UUIDs into a fresh device', async () => {
    const r = rig({ scanouts: [{ width: 32, height: 16 }, { width: 16, height: 16 }] });
    fillFramebuffer(r, 0x20000, 32, 16, 128);
    await createBlob(r, 5, 2048, [[0x20000, 2048]]);
    await scanoutBlob(r, { resourceId: 5, rect: { x: 0, y: 0, width: 32, height: 16 }, width: 32, height: 16, stride: 128 });
    await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 6, format: 67, width: 16, height: 16 });
    await send(r, W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 6, nrEntries: 1 }, memEntries([[0x30000, 1024]]));
    r.ram.fill(0x77, 0x30000, 0x30000 + 1024);
    await transfer(r, 6, { x: 0, y: 0, width: 16, height: 16 }, 0);
    await send(r, W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r: { x: 0, y: 0, width: 16, height: 16 }, scanoutId: 1, resourceId: 6 });
    const uuid = W.RespResourceUuid.decode(await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_ASSIGN_UUID), resourceId: 6 })).uuid.slice();
    const state = structuredClone(r.device.saveState());

    const copy = rig({ scanouts: [{ width: 32, height: 16 }, { width: 16, height: 16 }] });
    copy.ram.set(r.ram);
    copy.device.restoreState(state);
    expect(copy.device.resourceUsage).toEqual(r.device.resourceUsage);
    expect(pixelAt(await copy.device.captureScanout(0), 7, 3)).toEqual([7, 3, 0x5a, 255]);
    expect(pixelAt(await copy.device.captureScanout(1), 5, 5)).toEqual([0x77, 0x77, 0x77, 255]);
    expect(W.RespResourceUuid.decode(await send(copy, W.ResourceOnly, { hdr: hdr(C.RESOURCE_ASSIGN_UUID), resourceId: 6 })).uuid).toEqual(uuid);
    expect(responseType(await flush(copy, 5, { x: 0, y: 0, width: 32, height: 16 }))).toBe(R.OK_NODATA);
  });
});
