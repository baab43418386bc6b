import { describe, expect, it } from 'vitest';
import { CommandType as C, ResponseType as R, HeaderFlag } from '../../src/protocol/constants.ts';
import * as W from '../../src/protocol/structs.ts';
import { encode, flush, hdr, makeResource, memEntries, pixelAt, responseType, rig, send, transfer } from './helpers.ts';

const ONE_BY_ONE = (id: number) => ({ hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: id, format: 2, width: 1, height: 1 });

describe('responses', () => {
  it('answers OK_NODATA with a 24-byte header, echoing nothing for an unfenced request', async () => {
    const r = rig();
    const bytes = await send(r, W.ResourceCreate2d, { ...ONE_BY_ONE(1), hdr: hdr(C.RESOURCE_CREATE_2D, { ctxId: 9, ringIdx: 2, fenceId: 5n }) });
    expect(Array.from(bytes)).toEqual([0x00, 0x11, 0, 0, ...new Array(20).fill(0)]);
  });

  it('echoes FENCE, fence id and context of a fenced request, and the ring with INFO_RING_IDX', async () => {
    const r = rig();
    const fenced = await send(r, W.ResourceCreate2d, { ...ONE_BY_ONE(1), hdr: hdr(C.RESOURCE_CREATE_2D, { flags: HeaderFlag.FENCE | HeaderFlag.INFO_RING_IDX, fenceId: 0x1122334455667788n, ctxId: 3, ringIdx: 2 }) });
    expect(W.CtrlHeader.decode(fenced)).toEqual({ type: R.OK_NODATA, flags: 3, fenceId: 0x1122334455667788n, ctxId: 3, ringIdx: 2 });
    const err = await send(r, W.ResourceCreate2d, { ...ONE_BY_ONE(1), hdr: hdr(C.RESOURCE_CREATE_2D, { flags: HeaderFlag.FENCE, fenceId: 7n, ringIdx: 4 }) });
    expect(W.CtrlHeader.decode(err)).toEqual({ type: R.ERR_INVALID_RESOURCE_ID, flags: 1, fenceId: 7n, ctxId: 0, ringIdx: 0 });
  });

  it('answers ERR_UNSPEC to a request shorter than a header or than its command', async () => {
    const r = rig();
    expect(responseType(await r.device.controlCommand(new Uint8Array(10)))).toBe(R.ERR_UNSPEC);
    const short = W.ResourceCreate2d.encode(ONE_BY_ONE(1)).subarray(0, 39);
    expect(responseType(await r.device.controlCommand(short))).toBe(R.ERR_UNSPEC);
    expect(r.device.resourceUsage.count).toBe(0);
  });

  it('answers ERR_UNSPEC to unknown and cursor types, and to 3D and capset types while virgl is off', async () => {
    const r = rig();
    for (const type of [0, 0x1ff, C.GET_CAPSET_INFO, C.GET_CAPSET, C.CTX_CREATE, C.SUBMIT_3D, C.RESOURCE_MAP_BLOB, C.UPDATE_CURSOR]) {
      expect(responseType(await r.device.controlCommand(encode(W.ResourceOnly, { hdr: hdr(type), resourceId: 1 }))), `type 0x${type.toString(16)}`).toBe(R.ERR_UNSPEC);
    }
  });

  it('refuses blob commands with ERR_INVALID_PARAMETER and UUIDs with ERR_UNSPEC when those features are off, as QEMU', async () => {
    const r = rig({ features: { resourceBlob: false, resourceUuid: false } });
    expect(r.device.features).toBe(1 << 1);
    const blob = encode(W.ResourceCreateBlob, { hdr: hdr(C.RESOURCE_CREATE_BLOB), resourceId: 1, blobMem: 1, blobFlags: 0, nrEntries: 1, blobId: 0n, size: 4096 }, memEntries([[0, 4096]]));
    expect(responseType(await r.device.controlCommand(blob))).toBe(R.ERR_INVALID_PARAMETER);
    expect(responseType(await r.device.controlCommand(new Uint8Array(W.SetScanoutBlob.encode({ hdr: hdr(C.SET_SCANOUT_BLOB), r: { x: 0, y: 0, width: 16, height: 16 }, scanoutId: 0, resourceId: 1, width: 16, height: 16, format: 2, strides: [64, 0, 0, 0], offsets: [0, 0, 0, 0] }))))).toBe(R.ERR_INVALID_PARAMETER);
    await send(r, W.ResourceCreate2d, ONE_BY_ONE(1));
    expect(responseType(await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_ASSIGN_UUID), resourceId: 1 }))).toBe(R.ERR_UNSPEC);
  });

  it('logs each rejected command, rate-limited', async () => {
    const logs: string[] = [];
    const r = rig();
    const { createVirtioGpu, createMemoryPresenter, wrapGuestMemory } = await import('../../src/index.ts');
    const device = createVirtioGpu({ memory: wrapGuestMemory(r.ram), scanouts: [{ width: 64, height: 48 }], presenter: createMemoryPresenter(), log: (m) => logs.push(m), logRate: { burst: 3, perSecond: 0 } });
    for (let i = 0; i < 50; i++) await device.controlCommand(encode(W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: 99 }));
    expect(logs).toHaveLength(3);
    expect(logs[0]).toMatch(/RESOURCE_UNREF rejected -> ERR_INVALID_RESOURCE_ID: no resource 99/);
  });
});

describe('GET_DISPLAY_INFO and GET_EDID', () => {
  it('reports each connected scanout as enabled with its size, the rest zero', async () => {
    const r = rig({ scanouts: [{ width: 1024, height: 768 }, { width: 640, height: 480, connected: false }, { width: 800, height: 600 }] });
    const bytes = await send(r, W.CtrlHeader, hdr(C.GET_DISPLAY_INFO));
    expect(bytes.length).toBe(408);
    const info = W.RespDisplayInfo.decode(bytes);
    expect(info.hdr.type).toBe(R.OK_DISPLAY_INFO);
    expect(info.pmodes[0]).toEqual({ r: { x: 0, y: 0, width: 1024, height: 768 }, enabled: 1, flags: 0 });
    expect(info.pmodes[1]).toEqual({ r: { x: 0, y: 0, width: 0, height: 0 }, enabled: 0, flags: 0 });
    expect(info.pmodes[2]).toEqual({ r: { x: 0, y: 0, width: 800, height: 600 }, enabled: 1, flags: 0 });
    expect(info.pmodes.slice(3).every((m) => m.enabled === 0 && m.r.width === 0)).toBe(true);
  });

  it('returns a 128-byte EDID whose preferred mode is the scanout size, ERR_INVALID_PARAMETER past the last scanout', async () => {
    const r = rig({ scanouts: [{ width: 1280, height: 720 }] });
    const bytes = await send(r, W.GetEdid, { hdr: hdr(C.GET_EDID), scanout: 0 });
    expect(bytes.length).toBe(1056);
    const resp = W.RespEdid.decode(bytes);
    expect(resp.hdr.type).toBe(R.OK_EDID);
    expect(resp.size).toBe(128);
    const edid = resp.edid;
    expect(Array.from(edid.subarray(0, 8))).toEqual([0, 255, 255, 255, 255, 255, 255, 0]);
    expect(edid[54 + 2]! | ((edid[54 + 4]! >> 4) << 8)).toBe(1280);
    expect(edid[54 + 5]! | ((edid[54 + 7]! >> 4) << 8)).toBe(720);
    expect(edid.subarray(128).every((b) => b === 0)).toBe(true);
    expect(responseType(await send(r, W.GetEdid, { hdr: hdr(C.GET_EDID), scanout: 1 }))).toBe(R.ERR_INVALID_PARAMETER);
  });
});

describe('RESOURCE_CREATE_2D and RESOURCE_UNREF', () => {
  it('validates id, duplicates, format and size in QEMU order', async () => {
    const r = rig({ limits: { maxDimension: 1024, maxHostBytes: 1 << 20, maxResources: 3 } });
    const create = (id: number, format: number, width: number, height: number) =>
      send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: id, format, width, height }).then(responseType);
    expect(await create(0, 2, 4, 4)).toBe(R.ERR_INVALID_RESOURCE_ID);
    expect(await create(1, 2, 4, 4)).toBe(R.OK_NODATA);
    expect(await create(1, 2, 4, 4)).toBe(R.ERR_INVALID_RESOURCE_ID);
    expect(await create(2, 5, 4, 4)).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create(2, 2, 0, 4)).toBe(R.ERR_OUT_OF_MEMORY);
    expect(await create(2, 2, 1025, 4)).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create(2, 2, 0xffffffff, 0xffffffff)).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create(2, 2, 512, 512)).toBe(R.ERR_OUT_OF_MEMORY); // exactly 1 MiB more: QEMU's strict limit
    expect(await create(2, 2, 256, 256)).toBe(R.OK_NODATA);
    expect(await create(3, 2, 4, 4)).toBe(R.OK_NODATA);
    expect(await create(4, 2, 4, 4)).toBe(R.ERR_OUT_OF_MEMORY); // resource count
    expect(r.device.resourceUsage).toEqual({ count: 3, bytes: 64 + 256 * 256 * 4 + 64, bytes3d: 0 });
  });

  it('unrefs a resource, frees its bytes and blanks a scanout that shows it; unknown ids fail', async () => {
    const r = rig();
    await makeResource(r, { id: 1, width: 64, height: 48, addr: 0x1000, scanout: 0 });
    r.ram.fill(0xff, 0x1000, 0x1000 + 64 * 48 * 4);
    await transfer(r, 1, { x: 0, y: 0, width: 64, height: 48 }, 0);
    await flush(r, 1, { x: 0, y: 0, width: 64, height: 48 });
    expect(pixelAt(await r.device.captureScanout(0), 5, 5)).toEqual([255, 255, 255, 255]);
    expect(responseType(await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: 1 }))).toBe(R.OK_NODATA);
    expect(r.device.resourceUsage).toEqual({ count: 0, bytes: 0, bytes3d: 0 });
    expect(r.device.scanouts[0]!.enabled).toBe(false);
    expect((await r.device.captureScanout(0)).width).toBe(0);
    expect(responseType(await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: 1 }))).toBe(R.ERR_INVALID_RESOURCE_ID);
    expect(responseType(await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: 0 }))).toBe(R.ERR_INVALID_RESOURCE_ID);
  });
});

describe('RESOURCE_ATTACH_BACKING and RESOURCE_DETACH_BACKING', () => {
  const attach = (r: ReturnType<typeof rig>, id: number, n: number, entries: Uint8Array[]) =>
    send(r, W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: id, nrEntries: n }, entries).then(responseType);

  it('accepts a scatter list inside guest RAM and refuses everything else with QEMU codes', async () => {
    const r = rig({ ramBytes: 1 << 20, limits: { maxBackingEntries: 8 } });
    await send(r, W.ResourceCreate2d, ONE_BY_ONE(1));
    expect(await attach(r, 2, 1, memEntries([[0, 4]]))).toBe(R.ERR_INVALID_RESOURCE_ID);
    expect(await attach(r, 1, 9, memEntries(new Array(9).fill([0, 4])))).toBe(R.ERR_UNSPEC);
    expect(await attach(r, 1, 2, memEntries([[0, 4]]))).toBe(R.ERR_UNSPEC); // one entry short
    expect(await attach(r, 1, 1, memEntries([[(1 << 20) - 2, 4]]))).toBe(R.ERR_UNSPEC); // crosses the end of RAM
    expect(await attach(r, 1, 1, memEntries([[2 ** 60, 4]]))).toBe(R.ERR_UNSPEC);
    expect(await attach(r, 1, 1, memEntries([[0x100, 0]]))).toBe(R.ERR_UNSPEC); // empty entry
    expect(await attach(r, 1, 2, memEntries([[0x100, 2], [0x300, 2]]))).toBe(R.OK_NODATA);
    expect(await attach(r, 1, 1, memEntries([[0x100, 4]]))).toBe(R.ERR_UNSPEC); // already attached
    const detach = (id: number) => send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_DETACH_BACKING), resourceId: id }).then(responseType);
    expect(await detach(1)).toBe(R.OK_NODATA);
    expect(await detach(1)).toBe(R.ERR_UNSPEC);
    expect(await detach(7)).toBe(R.ERR_INVALID_RESOURCE_ID);
  });
});

describe('TRANSFER_TO_HOST_2D and RESOURCE_FLUSH', () => {
  it('copies a full-width rect from `offset` as one block (QEMU fast path)', async () => {
    const r = rig({ scanouts: [{ width: 16, height: 16 }] });
    await makeResource(r, { id: 1, width: 16, height: 16, addr: 0x10000, scanout: 0 });
    const stride = 64;
    for (let i = 0; i < 16 * 16 * 4; i += 4) r.ram.set([i / 4, 0x80, 0x40, 0], 0x10000 + i); // B G R X
    expect(responseType(await transfer(r, 1, { x: 0, y: 4, width: 16, height: 2 }, 4 * stride))).toBe(R.OK_NODATA);
    await flush(r, 1, { x: 0, y: 0, width: 16, height: 16 });
    const cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 3, 4)).toEqual([0x40, 0x80, 4 * 16 + 3, 255]);
    expect(pixelAt(cap, 15, 5)).toEqual([0x40, 0x80, 5 * 16 + 15, 255]);
    expect(pixelAt(cap, 3, 3)).toEqual([0, 0, 0, 255]);
    expect(pixelAt(cap, 3, 6)).toEqual([0, 0, 0, 255]);
  });

  it('copies a sub-rect row by row: source at offset + stride*row, destination at the rect', async () => {
    const r = rig({ scanouts: [{ width: 16, height: 16 }] });
    await makeResource(r, { id: 1, width: 16, height: 16, addr: 0x10000, scanout: 0 });
    const stride = 64;
    r.ram.fill(0x11, 0x10000, 0x10000 + 1024);
    // Linux sends offset = y * pitch + x * cpp for a rect at (x, y).
    const x = 5, y = 7;
    for (let row = 0; row < 3; row++) for (let col = 0; col < 2; col++) r.ram.set([0, 0, 0xa0 + row * 2 + col, 0], 0x10000 + (y + row) * stride + (x + col) * 4);
    expect(responseType(await transfer(r, 1, { x, y, width: 2, height: 3 }, y * stride + x * 4))).toBe(R.OK_NODATA);
    expect(responseType(await flush(r, 1, { x, y, width: 2, height: 3 }))).toBe(R.OK_NODATA);
    const cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 5, 7)).toEqual([0xa0, 0, 0, 255]);
    expect(pixelAt(cap, 6, 9)).toEqual([0xa5, 0, 0, 255]);
    expect(pixelAt(cap, 4, 7)).toEqual([0, 0, 0, 255]); // outside the rect: untouched
    expect(pixelAt(cap, 7, 7)).toEqual([0, 0, 0, 255]);
  });

  it('gathers across scatter-list entries and stops silently where the backing ends', async () => {
    const r = rig({ scanouts: [{ width: 16, height: 16 }] });
    await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 1, format: 67, width: 16, height: 16 });
    // Row 0 split across two entries; row 1 only half backed.
    await send(r, W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 1, nrEntries: 2 }, memEntries([[0x2000, 40], [0x5000, 56]]));
    for (let i = 0; i < 40; i++) r.ram[0x2000 + i] = i;
    for (let i = 0; i < 56; i++) r.ram[0x5000 + i] = 100 + i;
    await send(r, W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r: { x: 0, y: 0, width: 16, height: 16 }, scanoutId: 0, resourceId: 1 });
    expect(responseType(await transfer(r, 1, { x: 0, y: 0, width: 16, height: 2 }, 0))).toBe(R.OK_NODATA);
    await flush(r, 1, { x: 0, y: 0, width: 16, height: 2 });
    const cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 9, 0)).toEqual([36, 37, 38, 255]);
    expect(pixelAt(cap, 10, 0)).toEqual([100, 101, 102, 255]);
    expect(pixelAt(cap, 7, 1)).toEqual([152, 153, 154, 255]);
    expect(pixelAt(cap, 8, 1)).toEqual([0, 0, 0, 255]);
  });

  it('refuses missing resources, missing backing and rects outside the resource', async () => {
    const r = rig();
    await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 1, format: 2, width: 32, height: 32 });
    expect(responseType(await transfer(r, 2, { x: 0, y: 0, width: 1, height: 1 }, 0))).toBe(R.ERR_INVALID_RESOURCE_ID);
    expect(responseType(await transfer(r, 1, { x: 0, y: 0, width: 1, height: 1 }, 0))).toBe(R.ERR_UNSPEC);
    await send(r, W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 1, nrEntries: 1 }, memEntries([[0, 4096]]));
    for (const rect of [{ x: 31, y: 0, width: 2, height: 1 }, { x: 0, y: 30, width: 1, height: 3 }, { x: 0xffffffff, y: 0, width: 2, height: 1 }, { x: 0, y: 0, width: 33, height: 1 }]) {
      expect(responseType(await transfer(r, 1, rect, 0))).toBe(R.ERR_INVALID_PARAMETER);
      expect(responseType(await flush(r, 1, rect))).toBe(R.ERR_INVALID_PARAMETER);
    }
    expect(responseType(await transfer(r, 1, { x: 0, y: 0, width: 32, height: 32 }, 2 ** 60))).toBe(R.OK_NODATA);
    expect(responseType(await flush(r, 1, { x: 0, y: 0, width: 0, height: 0 }))).toBe(R.OK_NODATA);
    expect(responseType(await flush(r, 9, { x: 0, y: 0, width: 1, height: 1 }))).toBe(R.ERR_INVALID_RESOURCE_ID);
  });

  it('shows only flushed content: a transfer without a flush does not reach the display', async () => {
    const r = rig({ scanouts: [{ width: 16, height: 16 }] });
    await makeResource(r, { id: 1, width: 16, height: 16, addr: 0x1000, scanout: 0 });
    r.ram.fill(0xee, 0x1000, 0x1000 + 1024);
    await transfer(r, 1, { x: 0, y: 0, width: 16, height: 16 }, 0);
    expect(pixelAt(await r.device.captureScanout(0), 0, 0)).toEqual([0, 0, 0, 255]);
    await flush(r, 1, { x: 0, y: 0, width: 8, height: 8 });
    const cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 7, 7)).toEqual([0xee, 0xee, 0xee, 255]);
    expect(pixelAt(cap, 8, 8)).toEqual([0, 0, 0, 255]);
  });

  it('answers a fenced flush at once, as QEMU does: the pixels are already the device\'s own', async () => {
    const r = rig({ scanouts: [{ width: 16, height: 16 }] });
    await makeResource(r, { id: 1, width: 16, height: 16, addr: 0x1000, scanout: 0 });
    const result = r.device.executeControl(encode(W.ResourceFlush, { hdr: hdr(C.RESOURCE_FLUSH, { flags: HeaderFlag.FENCE, fenceId: 42n }), r: { x: 0, y: 0, width: 16, height: 16 }, resourceId: 1 }));
    expect(result).toBeInstanceOf(Uint8Array);
    expect(W.CtrlHeader.decode(result as Uint8Array)).toEqual({ type: R.OK_NODATA, flags: 1, fenceId: 42n, ctxId: 0, ringIdx: 0 });
  });
});

describe('SET_SCANOUT', () => {
  it('validates scanout id, resource, backing and the rect (at least 16x16, inside the resource)', async () => {
    const r = rig({ scanouts: [{ width: 64, height: 48 }] });
    const set = (scanoutId: number, resourceId: number, rect: W.Rect) => send(r, W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r: rect, scanoutId, resourceId }).then(responseType);
    const full = { x: 0, y: 0, width: 64, height: 48 };
    expect(await set(1, 1, full)).toBe(R.ERR_INVALID_SCANOUT_ID);
    expect(await set(0, 1, full)).toBe(R.ERR_INVALID_RESOURCE_ID);
    await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 1, format: 2, width: 64, height: 48 });
    expect(await set(0, 1, full)).toBe(R.ERR_UNSPEC); // no backing
    await send(r, W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 1, nrEntries: 1 }, memEntries([[0, 64 * 48 * 4]]));
    expect(await set(0, 1, { x: 0, y: 0, width: 15, height: 48 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await set(0, 1, { x: 0, y: 0, width: 64, height: 15 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await set(0, 1, { x: 1, y: 0, width: 64, height: 48 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await set(0, 1, { x: 0, y: 0xfffffff0, width: 16, height: 48 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await set(0, 1, full)).toBe(R.OK_NODATA);
    expect(await set(0, 0, { x: 9, y: 9, width: 0, height: 0 })).toBe(R.OK_NODATA); // resource 0 disables, rect ignored
    expect(r.device.scanouts[0]!.enabled).toBe(false);
  });

  it('shows a sub-rectangle of a larger resource, and flushes outside it do not reach the scanout', async () => {
    const r = rig({ scanouts: [{ width: 16, height: 16 }] });
    await makeResource(r, { id: 1, format: 67, width: 32, height: 32, addr: 0x4000 });
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) r.ram.set([x, y, 7, 0xff], 0x4000 + (y * 32 + x) * 4);
    await send(r, W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r: { x: 8, y: 4, width: 16, height: 16 }, scanoutId: 0, resourceId: 1 });
    await transfer(r, 1, { x: 0, y: 0, width: 32, height: 32 }, 0);
    await flush(r, 1, { x: 0, y: 0, width: 32, height: 32 });
    const cap = await r.device.captureScanout(0);
    expect([cap.width, cap.height]).toEqual([16, 16]);
    expect(pixelAt(cap, 0, 0)).toEqual([8, 4, 7, 255]);
    expect(pixelAt(cap, 15, 15)).toEqual([23, 19, 7, 255]);
  });
});

describe('cursor queue', () => {
  const cursorCmd = (type: number, scanoutId: number, x: number, y: number, resourceId: number, hotX = 0, hotY = 0) =>
    encode(W.UpdateCursor, { hdr: hdr(type), pos: { scanoutId, x, y }, resourceId, hotX, hotY });

  // B8G8R8X8 too: with virgl offered, Linux's cursor is a dumb buffer of that format, and QEMU reads its fourth byte as alpha all the same.
  it.each([1, 2])('composites a 64x64 cursor (format %i, read as ARGB8888) with its top-left at pos, moves it, hides it with resource 0', async (format) => {
    const r = rig({ scanouts: [{ width: 128, height: 96 }] });
    const GREY = [0x40, 0x40, 0x40, 255];
    await makeResource(r, { id: 1, width: 128, height: 96, addr: 0x10000, scanout: 0 });
    // A grey frame, so that the cursor's transparent pixels show whether they are.
    r.ram.fill(0x40, 0x10000, 0x10000 + 128 * 96 * 4);
    await transfer(r, 1, { x: 0, y: 0, width: 128, height: 96 }, 0);
    await flush(r, 1, { x: 0, y: 0, width: 128, height: 96 });
    await makeResource(r, { id: 2, format, width: 64, height: 64, addr: 0x100000 });
    // Cursor: opaque red 4x4 block at its (0,0), transparent elsewhere (bytes B, G, R, A).
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) r.ram.set([0, 0, 255, 255], 0x100000 + (y * 64 + x) * 4);
    await transfer(r, 2, { x: 0, y: 0, width: 64, height: 64 }, 0);
    await r.device.cursorCommand(cursorCmd(C.UPDATE_CURSOR, 0, 10, 20, 2, 1, 1));
    let cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 10, 20)).toEqual([255, 0, 0, 255]);
    expect(pixelAt(cap, 13, 23)).toEqual([255, 0, 0, 255]);
    expect(pixelAt(cap, 14, 20)).toEqual(GREY);
    expect(pixelAt(cap, 9, 20)).toEqual(GREY);
    await r.device.cursorCommand(cursorCmd(C.MOVE_CURSOR, 0, 100, 90, 2));
    cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 10, 20)).toEqual(GREY);
    expect(pixelAt(cap, 100, 90)).toEqual([255, 0, 0, 255]);
    expect(pixelAt(cap, 103, 93)).toEqual([255, 0, 0, 255]);
    // Partly off the top-left: Linux sends negative crtc positions as wrapped u32.
    await r.device.cursorCommand(cursorCmd(C.MOVE_CURSOR, 0, 0xfffffffe, 0xfffffffe, 2));
    cap = await r.device.captureScanout(0);
    expect(pixelAt(cap, 1, 1)).toEqual([255, 0, 0, 255]);
    expect(pixelAt(cap, 2, 2)).toEqual(GREY);
    await r.device.cursorCommand(cursorCmd(C.MOVE_CURSOR, 0, 100, 90, 0));
    expect(pixelAt(await r.device.captureScanout(0), 100, 90)).toEqual(GREY);
  });

  it('keeps the cursor image it copied at UPDATE time; ignores bad scanouts, sizes and types', async () => {
    const r = rig({ scanouts: [{ width: 128, height: 96 }] });
    await makeResource(r, { id: 1, width: 128, height: 96, addr: 0x10000, scanout: 0 });
    await makeResource(r, { id: 2, format: 1, width: 64, height: 64, addr: 0x100000 });
    await makeResource(r, { id: 3, format: 1, width: 32, height: 32, addr: 0x200000 });
    r.ram.fill(255, 0x100000, 0x100000 + 64 * 64 * 4);
    await transfer(r, 2, { x: 0, y: 0, width: 64, height: 64 }, 0);
    await r.device.cursorCommand(cursorCmd(C.UPDATE_CURSOR, 0, 0, 0, 2));
    await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: 2 });
    await r.device.cursorCommand(cursorCmd(C.UPDATE_CURSOR, 0, 0, 0, 3)); // not 64x64: old image stays
    await r.device.cursorCommand(cursorCmd(C.UPDATE_CURSOR, 5, 50, 50, 3));
    await r.device.cursorCommand(cursorCmd(0x302, 0, 50, 50, 3));
    await r.device.cursorCommand(new Uint8Array(20));
    expect(pixelAt(await r.device.captureScanout(0), 63, 63)).toEqual([255, 255, 255, 255]);
    expect(r.logs.filter((l) => l.includes('cursor'))).toHaveLength(3);
  });
});

describe('reset', () => {
  it('drops every resource and blanks every scanout', async () => {
    const r = rig();
    await makeResource(r, { id: 1, width: 64, height: 48, addr: 0x1000, scanout: 0 });
    r.device.reset();
    expect(r.device.resourceUsage).toEqual({ count: 0, bytes: 0, bytes3d: 0 });
    expect(r.device.scanouts[0]!.enabled).toBe(false);
    expect(responseType(await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 1, format: 2, width: 4, height: 4 }))).toBe(R.OK_NODATA);
  });
});
