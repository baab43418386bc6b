import { describe, expect, it } from 'vitest';
import { CommandType as C, HeaderFlag, ResponseType as R } from '../../src/protocol/constants.ts';
import * as W from '../../src/protocol/structs.ts';
import type { ValueOf } from '../../src/protocol/codec.ts';
import { RecordingRenderer } from '../../src/renderers/recording-renderer.ts';
import { TRACE_HEADER_SIZE, TraceRecord } from '../../src/trace/trace-writer.ts';
import { encode, flush, hdr, holdingPresenter, memEntries, pixelAt, responseType, rig, send, transfer, type Rig } from './helpers.ts';

const VIRGL_B8G8R8X8 = 2;
const VIRGL_R8G8B8A8 = 67;
const VIRGL_Z24X8 = 21;
const TARGET_BUFFER = 0;
const TARGET_2D = 2;
const TARGET_2D_ARRAY = 7;
const BIND_RENDER_TARGET = 1 << 1;

function virglRig(extra: Parameters<typeof rig>[0] = {}): Rig & { renderer: RecordingRenderer } {
  const renderer = new RecordingRenderer();
  const r = rig({ scanouts: [{ width: 32, height: 32 }], features: { virgl: true, contextInit: true }, renderer3d: renderer, ...extra });
  return Object.assign(r, { renderer });
}

type Create3d = Omit<ValueOf<typeof W.ResourceCreate3d>, 'hdr'>;
const texture = (resourceId: number, over: Partial<Create3d> = {}): Create3d => ({
  resourceId,
  target: TARGET_2D,
  format: VIRGL_R8G8B8A8,
  bind: BIND_RENDER_TARGET,
  width: 32,
  height: 32,
  depth: 1,
  arraySize: 1,
  lastLevel: 0,
  nrSamples: 0,
  flags: 0,
  ...over,
});

const create3d = (r: Rig, value: Create3d) => send(r, W.ResourceCreate3d, { hdr: hdr(C.RESOURCE_CREATE_3D), ...value }).then(responseType);
const ctxCreate = (r: Rig, ctxId: number, contextInit = 0, name = 'test') =>
  send(r, W.CtxCreate, { hdr: hdr(C.CTX_CREATE, { ctxId }), nlen: name.length, contextInit, debugName: padName(name) }).then(responseType);
const attachBacking = (r: Rig, id: number, addr: number, length: number) =>
  send(r, W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: id, nrEntries: 1 }, memEntries([[addr, length]])).then(responseType);
const transferToHost3d = (r: Rig, id: number, box: W.Box, offset = 0, extra: Partial<ValueOf<typeof W.TransferHost3d>> = {}) =>
  send(r, W.TransferHost3d, { hdr: hdr(C.TRANSFER_TO_HOST_3D, { ctxId: 1 }), box, offset, resourceId: id, level: 0, stride: 0, layerStride: 0, ...extra }).then(responseType);

function padName(name: string): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set(new TextEncoder().encode(name));
  return bytes;
}

function submit(r: Rig, ctxId: number, words: number[], extra: { size?: number; flags?: number; ringIdx?: number } = {}): Promise<Uint8Array> {
  const stream = new Uint8Array(new Uint32Array(words).buffer);
  return send(r, W.CmdSubmit, { hdr: hdr(C.SUBMIT_3D, { ctxId, flags: extra.flags ?? 0, fenceId: 7n, ringIdx: extra.ringIdx ?? 0 }), size: extra.size ?? stream.length, numInFences: 0 }, [stream]);
}

describe('capsets', () => {
  it('offers virgl and virgl2 in the config space and answers their info', async () => {
    const r = virglRig();
    expect(r.device.capsetCount).toBe(2);
    const info = async (capsetIndex: number) => W.RespCapsetInfo.decode(await send(r, W.GetCapsetInfo, { hdr: hdr(C.GET_CAPSET_INFO), capsetIndex }));
    expect(await info(0)).toMatchObject({ hdr: { type: R.OK_CAPSET_INFO }, capsetId: 1, capsetMaxVersion: 1, capsetMaxSize: 308 });
    expect(await info(1)).toMatchObject({ hdr: { type: R.OK_CAPSET_INFO }, capsetId: 2, capsetMaxVersion: 2, capsetMaxSize: 1376 });
    expect((await info(2)).hdr.type).toBe(R.ERR_INVALID_PARAMETER);
  });

  it('returns an OpenGL ES 3.0 profile: GLSL 1.30, 4 render targets, the scanout formats renderable', async () => {
    const r = virglRig();
    const caps = await send(r, W.GetCapset, { hdr: hdr(C.GET_CAPSET), capsetId: 2, capsetVersion: 2 });
    expect(responseType(caps)).toBe(R.OK_CAPSET);
    expect(caps.length).toBe(24 + 1376);
    const v = new DataView(caps.buffer, caps.byteOffset + 24);
    expect(v.getUint32(0, true)).toBe(2); // max_version
    expect(v.getUint32(264, true)).toBe(130); // glsl_level
    expect(v.getUint32(280, true)).toBe(4); // max_render_targets
    const renderable = (format: number) => (v.getUint32(4 + 64 + 4 * (format >> 5), true) >>> (format & 31)) & 1;
    expect([renderable(1), renderable(2), renderable(67), renderable(134), renderable(VIRGL_Z24X8)]).toEqual([1, 1, 1, 1, 0]);
    expect(new TextDecoder().decode(caps.subarray(24 + 696, 24 + 696 + 38))).toBe('virtio-gpu-web (OpenGL ES 3.0 profile)');
    const v1 = await send(r, W.GetCapset, { hdr: hdr(C.GET_CAPSET), capsetId: 1, capsetVersion: 1 });
    expect(v1.length).toBe(24 + 308);
    expect(responseType(await send(r, W.GetCapset, { hdr: hdr(C.GET_CAPSET), capsetId: 1, capsetVersion: 2 }))).toBe(R.ERR_INVALID_PARAMETER);
    expect(responseType(await send(r, W.GetCapset, { hdr: hdr(C.GET_CAPSET), capsetId: 4, capsetVersion: 0 }))).toBe(R.ERR_INVALID_PARAMETER);
  });

  it('has no capsets and refuses every 3D command while virgl is off', async () => {
    const r = rig();
    expect(r.device.capsetCount).toBe(0);
    expect(r.device.features & 1).toBe(0);
    expect(await ctxCreate(r, 1)).toBe(R.ERR_UNSPEC);
    expect(await create3d(r, texture(1))).toBe(R.ERR_UNSPEC);
  });
});

describe('contexts', () => {
  it('creates, attaches, detaches and destroys, refusing bad ids and capsets', async () => {
    const r = virglRig();
    expect(await ctxCreate(r, 0)).toBe(R.ERR_INVALID_CONTEXT_ID);
    expect(await ctxCreate(r, 1, 2)).toBe(R.OK_NODATA);
    expect(await ctxCreate(r, 1)).toBe(R.ERR_INVALID_CONTEXT_ID);
    expect(await ctxCreate(r, 2, 4)).toBe(R.ERR_INVALID_PARAMETER); // venus is not spoken here
    expect(await ctxCreate(r, 2, 0x102)).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create3d(r, texture(5))).toBe(R.OK_NODATA);
    const attach = (ctxId: number, type: number) => send(r, W.ResourceOnly, { hdr: hdr(type, { ctxId }), resourceId: 5 }).then(responseType);
    expect(await attach(1, C.CTX_ATTACH_RESOURCE)).toBe(R.OK_NODATA);
    expect(await attach(1, C.CTX_ATTACH_RESOURCE)).toBe(R.ERR_INVALID_PARAMETER);
    expect(await attach(9, C.CTX_ATTACH_RESOURCE)).toBe(R.ERR_INVALID_CONTEXT_ID);
    expect(await attach(1, C.CTX_DETACH_RESOURCE)).toBe(R.OK_NODATA);
    expect(await attach(1, C.CTX_DETACH_RESOURCE)).toBe(R.ERR_INVALID_PARAMETER);
    const destroy = (ctxId: number) => send(r, W.HeaderOnly, { hdr: hdr(C.CTX_DESTROY, { ctxId }) }).then(responseType);
    expect(await destroy(1)).toBe(R.OK_NODATA);
    expect(await destroy(1)).toBe(R.ERR_INVALID_CONTEXT_ID);
  });

  it('stops at the context limit', async () => {
    const r = virglRig({ limits: { maxContexts: 2 } });
    expect([await ctxCreate(r, 1), await ctxCreate(r, 2), await ctxCreate(r, 3)]).toEqual([R.OK_NODATA, R.OK_NODATA, R.ERR_OUT_OF_MEMORY]);
  });
});

describe('RESOURCE_CREATE_3D', () => {
  it('takes offered formats and targets within the limits, charging host bytes', async () => {
    const r = virglRig({ limits: { maxHostBytes: 1 << 20 } });
    expect(await create3d(r, texture(1, { format: 999 }))).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create3d(r, texture(1, { target: 9 }))).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create3d(r, texture(1, { width: 0 }))).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create3d(r, texture(1, { lastLevel: 6 }))).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create3d(r, texture(1, { nrSamples: 4 }))).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create3d(r, texture(1, { depth: 2 }))).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create3d(r, texture(1, { target: TARGET_BUFFER, height: 2 }))).toBe(R.ERR_INVALID_PARAMETER);
    expect(await create3d(r, texture(1, { width: 1024, height: 1024 }))).toBe(R.ERR_OUT_OF_MEMORY);
    expect(r.device.resourceUsage).toEqual({ count: 0, bytes: 0, bytes3d: 0 });
    expect(await create3d(r, texture(1, { target: TARGET_2D_ARRAY, arraySize: 4, format: VIRGL_Z24X8, lastLevel: 5 }))).toBe(R.OK_NODATA);
    expect(r.device.resourceUsage.bytes).toBe(4 * 4 * (1024 + 256 + 64 + 16 + 4 + 1));
    expect(r.device.resourceUsage.bytes3d).toBe(r.device.resourceUsage.bytes);
    expect(await create3d(r, texture(1))).toBe(R.ERR_INVALID_RESOURCE_ID);
    expect(await create3d(r, texture(2, { target: TARGET_BUFFER, width: 4096, height: 1 }))).toBe(R.OK_NODATA);
    expect(r.renderer.stats.resources).toBe(2);
    await send(r, W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: 1 });
    expect(r.device.resourceUsage).toEqual({ count: 1, bytes: 4096, bytes3d: 4096 });
  });

  it('keeps host pixels of a displayable 3D image: 3D and 2D transfers reach the scanout', async () => {
    const r = virglRig();
    await ctxCreate(r, 1);
    expect(await create3d(r, texture(1, { format: VIRGL_B8G8R8X8 }))).toBe(R.OK_NODATA);
    const stride = 32 * 4;
    r.ram.fill(0x40, 0x10000, 0x10000 + stride * 32);
    r.ram.fill(0x80, 0x10000 + stride * 4, 0x10000 + stride * 4 + 16);
    expect(await attachBacking(r, 1, 0x10000, stride * 32)).toBe(R.OK_NODATA);
    expect(responseType(await send(r, W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r: { x: 0, y: 0, width: 32, height: 32 }, scanoutId: 0, resourceId: 1 }))).toBe(R.OK_NODATA);
    expect(await transferToHost3d(r, 1, { x: 0, y: 4, z: 0, w: 4, h: 1, d: 1 }, stride * 4, { stride })).toBe(R.OK_NODATA);
    expect(responseType(await transfer(r, 1, { x: 0, y: 10, width: 32, height: 1 }, stride * 10))).toBe(R.OK_NODATA);
    await flush(r, 1, { x: 0, y: 0, width: 32, height: 32 });
    const shot = await r.device.captureScanout(0);
    expect(pixelAt(shot, 3, 4)).toEqual([0x80, 0x80, 0x80, 255]);
    expect(pixelAt(shot, 5, 10)).toEqual([0x40, 0x40, 0x40, 255]);
    expect(pixelAt(shot, 5, 11)).toEqual([0, 0, 0, 255]);
    expect(r.renderer.stats.transfersToHost).toBe(2);
  });

  it('gives an adopted 2D resource to the renderer only once a context that runs streams has it attached, with the pixels it has then', async () => {
    const r = virglRig();
    await ctxCreate(r, 1);
    await ctxCreate(r, 2);
    const stride = 32 * 4;
    const attach = (ctxId: number) => send(r, W.ResourceOnly, { hdr: hdr(C.CTX_ATTACH_RESOURCE, { ctxId }), resourceId: 5 }).then(responseType);
    expect(responseType(await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 5, format: VIRGL_B8G8R8X8, width: 32, height: 32 }))).toBe(R.OK_NODATA);
    expect(await attachBacking(r, 5, 0x10000, stride * 32)).toBe(R.OK_NODATA);
    expect(responseType(await transfer(r, 5, { x: 0, y: 0, width: 32, height: 32 }, 0))).toBe(R.OK_NODATA);
    expect([r.renderer.stats.resources, r.renderer.stats.transfersToHost], 'the console-style resource costs the renderer nothing').toEqual([0, 0]);
    expect(await attach(1)).toBe(R.OK_NODATA);
    expect(responseType(await transfer(r, 5, { x: 0, y: 0, width: 32, height: 32 }, 0))).toBe(R.OK_NODATA);
    expect([r.renderer.stats.resources, r.renderer.stats.transfersToHost], 'attached to a context that runs no streams (as Linux does with its console): still nothing').toEqual([0, 0]);
    expect(responseType(await submit(r, 2, []))).toBe(R.OK_NODATA);
    expect(await attach(2)).toBe(R.OK_NODATA);
    expect([r.renderer.stats.resources, r.renderer.stats.transfersToHost], 'created and filled once a context that ran a stream attaches it').toEqual([1, 1]);
    expect(responseType(await transfer(r, 5, { x: 0, y: 0, width: 32, height: 1 }, 0))).toBe(R.OK_NODATA);
    expect(r.renderer.stats.transfersToHost).toBe(2);
  });

  it("gives a context's waiting 2D images to the renderer before its first stream runs", async () => {
    const r = virglRig();
    await ctxCreate(r, 1);
    expect(responseType(await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 5, format: VIRGL_B8G8R8X8, width: 32, height: 32 }))).toBe(R.OK_NODATA);
    expect(responseType(await send(r, W.ResourceOnly, { hdr: hdr(C.CTX_ATTACH_RESOURCE, { ctxId: 1 }), resourceId: 5 }))).toBe(R.OK_NODATA);
    expect(r.renderer.stats.resources).toBe(0);
    expect(responseType(await submit(r, 1, [(8 << 16) | 7, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(R.OK_NODATA);
    expect([r.renderer.stats.resources, r.renderer.stats.transfersToHost]).toEqual([1, 1]);
    expect(r.renderer.stats.commands).toEqual(new Map([[7, 1]]));
  });

  it('refuses 3D transfers outside the level or past the backing', async () => {
    const r = virglRig();
    await ctxCreate(r, 1);
    await create3d(r, texture(1, { lastLevel: 2 }));
    expect(await transferToHost3d(r, 1, { x: 0, y: 0, z: 0, w: 4, h: 4, d: 1 })).toBe(R.ERR_UNSPEC); // no backing yet
    await attachBacking(r, 1, 0x10000, 32 * 32 * 4);
    expect(await transferToHost3d(r, 1, { x: 0, y: 0, z: 0, w: 33, h: 1, d: 1 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await transferToHost3d(r, 1, { x: 0, y: 0, z: 1, w: 1, h: 1, d: 1 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await transferToHost3d(r, 1, { x: 8, y: 0, z: 0, w: 1, h: 1, d: 1 }, 0, { level: 2 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await transferToHost3d(r, 1, { x: 0, y: 0, z: 0, w: 1, h: 1, d: 1 }, 0, { level: 3 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await transferToHost3d(r, 1, { x: 0, y: 0, z: 0, w: 32, h: 32, d: 1 }, 4)).toBe(R.ERR_INVALID_PARAMETER);
    expect(await transferToHost3d(r, 1, { x: 0, y: 0, z: 0, w: 32, h: 2, d: 1 }, 0, { stride: 64 })).toBe(R.ERR_INVALID_PARAMETER);
    expect(await transferToHost3d(r, 1, { x: 0, y: 0, z: 0, w: 32, h: 32, d: 1 })).toBe(R.OK_NODATA);
  });
});

describe('SUBMIT_3D', () => {
  it('hands the stream to the renderer and answers its fence on the context and ring', async () => {
    const r = virglRig();
    await ctxCreate(r, 3, 2);
    // Two commands: a clear (7) of 8 words and a set-framebuffer-state (5) of 2 words.
    const answer = await submit(r, 3, [(8 << 16) | 7, 0, 0, 0, 0, 0, 0, 0, 0, (2 << 16) | 5, 0, 0], { flags: HeaderFlag.FENCE | HeaderFlag.INFO_RING_IDX, ringIdx: 2 });
    expect(W.CtrlHeader.decode(answer)).toEqual({ type: R.OK_NODATA, flags: 3, fenceId: 7n, ctxId: 3, ringIdx: 2 });
    expect(r.renderer.stats.commands).toEqual(new Map([[7, 1], [5, 1]]));
  });

  it("writes a query's answer at the start of its buffer's backing before the fence, only for a buffer of the context", async () => {
    const r = virglRig();
    await ctxCreate(r, 1, 2);
    for (const [id, addr] of [[4, 0x20000], [5, 0x30000]] as const) {
      await create3d(r, texture(id, { target: TARGET_BUFFER, format: 64, bind: 0, width: 16, height: 1 }));
      await attachBacking(r, id, addr, 16);
      r.ram.fill(0xee, addr, addr + 16);
    }
    await send(r, W.ResourceOnly, { hdr: hdr(C.CTX_ATTACH_RESOURCE, { ctxId: 1 }), resourceId: 4 });
    // CREATE_OBJECT(QUERY) handles 1 and 2 answering into resources 4 and 5 (not the context's), then GET_QUERY_RESULT of each.
    const createQuery = (handle: number, resource: number) => [(4 << 16) | (9 << 8) | 1, handle, 0, 0, resource];
    const answer = await submit(r, 1, [...createQuery(1, 4), ...createQuery(2, 5), (2 << 16) | 21, 1, 0, (2 << 16) | 21, 2, 0], { flags: HeaderFlag.FENCE });
    expect(responseType(answer)).toBe(R.OK_NODATA);
    // The recording renderer draws nothing: nothing passed. State DONE (1), a 4-byte result of 0.
    expect(Array.from(r.ram.subarray(0x20000, 0x20010))).toEqual([1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(r.ram.subarray(0x30000, 0x30010))).toEqual(new Array(16).fill(0xee));
  });

  it('refuses unknown contexts, ragged or over-long streams, and in-fences', async () => {
    const r = virglRig({ limits: { maxSubmitBytes: 64 } });
    await ctxCreate(r, 1);
    expect(responseType(await submit(r, 2, [0]))).toBe(R.ERR_INVALID_CONTEXT_ID);
    expect(responseType(await submit(r, 1, [0, 0], { size: 6 }))).toBe(R.ERR_INVALID_PARAMETER);
    expect(responseType(await submit(r, 1, [0, 0], { size: 16 }))).toBe(R.ERR_INVALID_PARAMETER);
    expect(responseType(await submit(r, 1, new Array(32).fill(0)))).toBe(R.ERR_INVALID_PARAMETER);
    const withFences = encode(W.CmdSubmit, { hdr: hdr(C.SUBMIT_3D, { ctxId: 1 }), size: 0, numInFences: 1 });
    expect(responseType(await r.device.controlCommand(withFences))).toBe(R.ERR_INVALID_PARAMETER);
    expect(r.renderer.stats.submits).toBe(0);
  });
});

describe('2D transfers with 3D offered', () => {
  it('holds a transfer into a shown image until the presenter has read, unless a context that runs streams has it attached', async () => {
    const { presenter, release } = holdingPresenter();
    const r = virglRig({ presenter });
    await ctxCreate(r, 1);
    await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 7, format: VIRGL_B8G8R8X8, width: 32, height: 32 });
    await attachBacking(r, 7, 0x40000, 32 * 32 * 4);
    await send(r, W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r: { x: 0, y: 0, width: 32, height: 32 }, scanoutId: 0, resourceId: 7 });
    await send(r, W.ResourceOnly, { hdr: hdr(C.CTX_ATTACH_RESOURCE, { ctxId: 1 }), resourceId: 7 });
    const transfer2d = () => r.device.executeControl(encode(W.TransferToHost2d, { hdr: hdr(C.TRANSFER_TO_HOST_2D, { flags: HeaderFlag.FENCE, fenceId: 2n }), r: { x: 0, y: 0, width: 32, height: 32 }, offset: 0, resourceId: 7 }));
    // Attached to a context that ran nothing (Linux's console's): held.
    const held = transfer2d();
    expect(held).toBeInstanceOf(Promise);
    release();
    expect(responseType(await held)).toBe(R.OK_NODATA);
    const { presenter: reading } = holdingPresenter();
    const busy = virglRig({ presenter: reading });
    await ctxCreate(busy, 1);
    await send(busy, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 7, format: VIRGL_B8G8R8X8, width: 32, height: 32 });
    await attachBacking(busy, 7, 0x40000, 32 * 32 * 4);
    await send(busy, W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r: { x: 0, y: 0, width: 32, height: 32 }, scanoutId: 0, resourceId: 7 });
    await send(busy, W.ResourceOnly, { hdr: hdr(C.CTX_ATTACH_RESOURCE, { ctxId: 1 }), resourceId: 7 });
    await submit(busy, 1, [0]);
    // Its streams after the transfer must see it: copied at once, though the presenter still reads.
    const now = busy.device.executeControl(encode(W.TransferToHost2d, { hdr: hdr(C.TRANSFER_TO_HOST_2D, { flags: HeaderFlag.FENCE, fenceId: 2n }), r: { x: 0, y: 0, width: 32, height: 32 }, offset: 0, resourceId: 7 }));
    expect(now).not.toBeInstanceOf(Promise);
    expect(busy.renderer.stats.transfersToHost).toBeGreaterThanOrEqual(2);
  });
});

describe('snapshots with 3D offered', () => {
  it("saves a context that never ran a stream (Linux's own DRM clients make one) with its resources, and refuses one that did", async () => {
    const r = virglRig();
    await ctxCreate(r, 1, 0, 'fbdev');
    await send(r, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 7, format: VIRGL_B8G8R8X8, width: 32, height: 32 });
    await attachBacking(r, 7, 0x40000, 32 * 32 * 4);
    await send(r, W.ResourceOnly, { hdr: hdr(C.CTX_ATTACH_RESOURCE, { ctxId: 1 }), resourceId: 7 });
    const state = structuredClone(r.device.saveState());
    expect(state.contexts).toEqual([{ id: 1, capsetId: 2, name: 'fbdev', resources: [7] }]);

    const copy = virglRig();
    copy.ram.set(r.ram);
    copy.device.restoreState(state);
    expect(copy.renderer.stats.contexts).toBe(1);
    // The context is there again, with resource 7 attached: detaching it works once, then is refused.
    const detach = () => send(copy, W.ResourceOnly, { hdr: hdr(C.CTX_DETACH_RESOURCE, { ctxId: 1 }), resourceId: 7 }).then(responseType);
    expect(await detach()).toBe(R.OK_NODATA);
    expect(await detach()).toBe(R.ERR_INVALID_PARAMETER);
    // A device without 3D cannot take it.
    expect(() => rig({ scanouts: [{ width: 32, height: 32 }] }).device.restoreState(state)).toThrow(/offers no 3D/);

    await submit(r, 1, [0]);
    expect(() => r.device.saveState()).toThrow(/context 1 \(fbdev\) ran command streams/);
  });
});

describe('trace recording', () => {
  it('writes the device, the capset read, each command with its answer, and the guest bytes a transfer reads', async () => {
    const r = virglRig();
    const chunks: Uint8Array[] = [];
    const stop = r.device.startRecording({ write: (bytes) => chunks.push(bytes) });
    await send(r, W.GetCapset, { hdr: hdr(C.GET_CAPSET), capsetId: 2, capsetVersion: 2 });
    await ctxCreate(r, 1);
    await create3d(r, texture(1, { format: VIRGL_B8G8R8X8 }));
    r.ram.fill(0x11, 0x20000, 0x20000 + 16);
    await attachBacking(r, 1, 0x20000, 32 * 32 * 4);
    await transferToHost3d(r, 1, { x: 0, y: 0, z: 0, w: 32, h: 32, d: 1 });
    await transferToHost3d(r, 1, { x: 0, y: 0, z: 0, w: 32, h: 32, d: 1 });
    await ctxCreate(r, 1);
    stop();
    await ctxCreate(r, 2);

    const trace = Buffer.concat(chunks);
    expect(new TextDecoder().decode(trace.subarray(0, 8))).toBe('VGWTRACE');
    const records = parse(trace.subarray(TRACE_HEADER_SIZE));
    expect(records.map((rec) => rec.kind)).toEqual([TraceRecord.DEVICE, TraceRecord.CAPSET, TraceRecord.COMMAND, TraceRecord.COMMAND, TraceRecord.COMMAND, TraceRecord.COMMAND, TraceRecord.MEMORY, TraceRecord.COMMAND, TraceRecord.COMMAND, TraceRecord.COMMAND]);
    const device = records[0]!.view;
    expect([device.getUint32(8, true), device.getUint32(12, true), device.getUint32(16, true)]).toEqual([1, 32, 32]);
    const capset = records[1]!;
    expect([capset.view.getUint32(0, true), capset.view.getUint32(4, true), capset.payload.length - 8]).toEqual([2, 2, 1376]);
    const commandTypes = records.filter((rec) => rec.kind === TraceRecord.COMMAND).map((rec) => [rec.view.getUint32(8, true), rec.view.getUint32(4, true)]);
    expect(commandTypes).toEqual([
      [C.GET_CAPSET, R.OK_CAPSET],
      [C.CTX_CREATE, R.OK_NODATA],
      [C.RESOURCE_CREATE_3D, R.OK_NODATA],
      [C.RESOURCE_ATTACH_BACKING, R.OK_NODATA],
      [C.TRANSFER_TO_HOST_3D, R.OK_NODATA],
      [C.TRANSFER_TO_HOST_3D, R.OK_NODATA],
      [C.CTX_CREATE, R.ERR_INVALID_CONTEXT_ID],
    ]);
    const memory = records[6]!;
    expect([memory.view.getUint32(0, true), Number(memory.view.getBigUint64(8, true))]).toEqual([1, 0]);
    const bytes = memory.payload.subarray(16);
    expect(bytes.length).toBe(4096);
    expect(Array.from(bytes.subarray(14, 18))).toEqual([0x11, 0x11, 0, 0]);
  });
});

function parse(bytes: Uint8Array): { kind: number; payload: Uint8Array; view: DataView }[] {
  const out: { kind: number; payload: Uint8Array; view: DataView }[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.length; ) {
    const kind = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    const payload = bytes.subarray(at + 8, at + 8 + length);
    out.push({ kind, payload, view: new DataView(payload.buffer, payload.byteOffset, payload.byteLength) });
    at += 8 + length;
  }
  return out;
}
