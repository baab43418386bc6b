/**
 * The TypeScript trace replayer: hand-built traces (the project's own trace
 * writer and wire codecs) replayed through a fake renderer that records what
 * it is asked, and one of them through the reference replayer too, whose
 * summary and file names the TypeScript twin must repeat.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runOracle } from '../../scripts/oracle.mjs';
import { BlobMem, CapsetId, CommandType as C, HeaderFlag, ResponseType } from '../../src/protocol/constants.ts';
import { Format } from '../../src/protocol/formats.ts';
import * as W from '../../src/protocol/structs.ts';
import { WEBGL2_MINIMUM_LIMITS } from '../../src/device/host-gl-limits.ts';
import type { BackingAccess, Renderer3d, Resource3dParams, Transfer3d } from '../../src/renderers/renderer-3d.ts';
import { picturesByTransfer, replayTrace, type FrameSource, type Picture, type ReplayOptions } from '../../src/trace/trace-replayer.ts';
import { TraceQueue, TraceWriter } from '../../src/trace/trace-writer.ts';
import { encode, hdr, memEntries, type Hdr } from './helpers.ts';

const TARGET_BUFFER = 0;
const TARGET_2D = 2;
const BIND_RENDER_TARGET = 1 << 1;
const VIRGL_R32_FLOAT = 28;
const Y_0_TOP = 1;

type Call = [string, ...unknown[]];

/** A renderer that draws nothing and writes down every call, with copies of what it was shown. */
class FakeRenderer implements Renderer3d, FrameSource {
  readonly limits = WEBGL2_MINIMUM_LIMITS;
  readonly calls: Call[] = [];
  /** What each transferToHost read: the whole backing, as it was during the call. */
  readonly uploads: Uint8Array[] = [];
  /** Each readback fills the box's rows of the backing with this byte. */
  readbackByte = 0xab;
  /** Each picture is this RGBA colour. */
  pictureColour = [1, 2, 3, 4];
  submitResult: () => void | Promise<void> = () => {};

  createContext(ctxId: number, capsetId: number, name: string): void {
    this.calls.push(['createContext', ctxId, capsetId, name]);
  }
  destroyContext(ctxId: number): void {
    this.calls.push(['destroyContext', ctxId]);
  }
  attachResource(ctxId: number, resourceId: number): void {
    this.calls.push(['attachResource', ctxId, resourceId]);
  }
  detachResource(ctxId: number, resourceId: number): void {
    this.calls.push(['detachResource', ctxId, resourceId]);
  }
  createResource(resourceId: number, params: Resource3dParams): void {
    this.calls.push(['createResource', resourceId, { ...params }]);
  }
  destroyResource(resourceId: number): void {
    this.calls.push(['destroyResource', resourceId]);
  }
  transferToHost(t: Transfer3d, backing: BackingAccess): void {
    this.calls.push(['transferToHost', structuredClone(t)]);
    const bytes = new Uint8Array(backing.size);
    backing.read(0, bytes);
    this.uploads.push(bytes);
  }
  transferFromHost(t: Transfer3d, backing: BackingAccess): void {
    this.calls.push(['transferFromHost', structuredClone(t)]);
    const row = new Uint8Array(t.box.w * 4).fill(this.readbackByte);
    for (let y = 0; y < t.box.h; y++) backing.write(t.offset + y * t.stride, row);
  }
  submit(ctxId: number, commands: Uint8Array): void | Promise<void> {
    this.calls.push(['submit', ctxId, Array.from(new Uint32Array(commands.buffer, commands.byteOffset, commands.length / 4))]);
    return this.submitResult();
  }
  readPicture(resourceId: number, ctxId: number, format: number, x: number, y: number, z: number, width: number, height: number): Uint8Array | null {
    this.calls.push(['readPicture', resourceId, ctxId, format, x, y, z, width, height]);
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < rgba.length; i += 4) rgba.set(this.pictureColour, i);
    return rgba;
  }

  named(name: string): Call[] {
    return this.calls.filter((c) => c[0] === name);
  }
}

class Trace {
  private readonly chunks: Uint8Array[] = [];
  readonly writer = new TraceWriter({ write: (bytes) => this.chunks.push(bytes) });

  constructor() {
    this.writer.device(1n, [{ width: 64, height: 64 }]);
  }

  command(request: Uint8Array, response: number = ResponseType.OK_NODATA): this {
    this.writer.command(TraceQueue.CONTROL, response, request);
    return this;
  }

  memory(resourceId: number, offset: number, bytes: Uint8Array): this {
    this.writer.memory(resourceId, offset, bytes);
    return this;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const ctxCreate = (ctxId: number, name: string, contextInit: number = CapsetId.VIRGL2) =>
  encode(W.CtxCreate, { hdr: hdr(C.CTX_CREATE, { ctxId }), nlen: name.length, contextInit, debugName: new TextEncoder().encode(name) });
const create2d = (resourceId: number, width: number, height: number, format: number = Format.B8G8R8X8_UNORM) =>
  encode(W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId, format, width, height });
const create3d = (resourceId: number, over: Partial<Resource3dParams> = {}) =>
  encode(W.ResourceCreate3d, { hdr: hdr(C.RESOURCE_CREATE_3D), resourceId, target: TARGET_2D, format: Format.B8G8R8A8_UNORM, bind: BIND_RENDER_TARGET, width: 64, height: 64, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: 0, ...over });
const attach = (resourceId: number, entries: [number, number][]) =>
  encode(W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId, nrEntries: entries.length }, memEntries(entries));
const ctxAttach = (ctxId: number, resourceId: number) => encode(W.ResourceOnly, { hdr: hdr(C.CTX_ATTACH_RESOURCE, { ctxId }), resourceId });
const transfer3d = (type: number, ctxId: number, resourceId: number, box: W.Box, extra: Partial<{ offset: number; level: number; stride: number; layerStride: number }> = {}) =>
  encode(W.TransferHost3d, { hdr: hdr(type, { ctxId }), box, offset: 0, resourceId, level: 0, stride: 0, layerStride: 0, ...extra });
const transfer2d = (resourceId: number, r: W.Rect, offset = 0) => encode(W.TransferToHost2d, { hdr: hdr(C.TRANSFER_TO_HOST_2D), r, offset, resourceId });
const setScanout = (scanoutId: number, resourceId: number, r: W.Rect) => encode(W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r, scanoutId, resourceId });
const flush = (resourceId: number, r: W.Rect) => encode(W.ResourceFlush, { hdr: hdr(C.RESOURCE_FLUSH), r, resourceId });
const unref = (resourceId: number) => encode(W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId });
function submit(ctxId: number, words: number[], extra: Partial<Hdr> = {}): Uint8Array {
  const stream = new Uint8Array(new Uint32Array(words).buffer);
  return encode(W.CmdSubmit, { hdr: hdr(C.SUBMIT_3D, { ctxId, ...extra }), size: stream.length, numInFences: 0 }, [stream]);
}
const rect = (x: number, y: number, width: number, height: number): W.Rect => ({ x, y, width, height });
const box = (x: number, y: number, w: number, h: number): W.Box => ({ x, y, z: 0, w, h, d: 1 });

function replay(trace: Trace | Uint8Array, renderer = new FakeRenderer(), options: ReplayOptions = {}) {
  return replayTrace(trace instanceof Trace ? trace.bytes() : trace, renderer, options);
}

describe('trace replay, on a renderer that records its calls', () => {
  it('gives the renderer the trace\'s contexts, resources, transfers and streams in order, and names pictures as the reference does', async () => {
    const t = new Trace()
      .command(ctxCreate(3, 'kms'))
      .command(create3d(10))
      .command(create3d(11, { target: TARGET_BUFFER, format: 64, bind: 1 << 4, width: 32, height: 1 }))
      .command(attach(10, [[0x10000, 64 * 64 * 4]]))
      .command(attach(11, [[0x20000, 32]]))
      .command(ctxAttach(3, 10))
      .command(ctxAttach(3, 11))
      .memory(11, 8, new Uint8Array([9, 8, 7, 6]))
      .command(transfer3d(C.TRANSFER_TO_HOST_3D, 3, 11, box(0, 0, 32, 1)))
      .command(submit(3, [0x00080007, 4, 5, 6, 7, 8, 9, 10, 11], { flags: HeaderFlag.FENCE, fenceId: 5n }))
      .command(setScanout(0, 10, rect(0, 0, 64, 64)))
      .command(flush(10, rect(0, 0, 64, 64)))
      .command(transfer3d(C.TRANSFER_FROM_HOST_3D, 3, 10, box(4, 8, 16, 2), { offset: 8 * 256 + 16, stride: 256 }))
      .command(encode(W.HeaderOnly, { hdr: hdr(C.CTX_DESTROY, { ctxId: 3 }) }));
    const renderer = new FakeRenderer();
    const result = await replay(t, renderer);

    const params = (over: Partial<Resource3dParams>) => ({ target: TARGET_2D, format: Format.B8G8R8A8_UNORM, bind: BIND_RENDER_TARGET, width: 64, height: 64, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: 0, ...over });
    expect(renderer.calls).toEqual([
      ['createContext', 3, CapsetId.VIRGL2, 'kms'],
      ['createResource', 10, params({})],
      ['createResource', 11, params({ target: TARGET_BUFFER, format: 64, bind: 1 << 4, width: 32, height: 1 })],
      ['attachResource', 3, 10],
      ['attachResource', 3, 11],
      // Stride 0 becomes the level's own pitch, as the device gives it.
      ['transferToHost', { ctxId: 3, resourceId: 11, level: 0, box: box(0, 0, 32, 1), offset: 0, stride: 32, layerStride: 32 }],
      ['submit', 3, [0x00080007, 4, 5, 6, 7, 8, 9, 10, 11]],
      ['readPicture', 10, 0, Format.B8G8R8A8_UNORM, 0, 0, 0, 64, 64],
      ['transferFromHost', { ctxId: 3, resourceId: 10, level: 0, box: box(4, 8, 16, 2), offset: 8 * 256 + 16, stride: 256, layerStride: 256 * 64 }],
      ['readPicture', 10, 3, Format.B8G8R8A8_UNORM, 4, 8, 0, 16, 2],
      ['destroyContext', 3],
    ]);
    expect(Array.from(renderer.uploads[0] as Uint8Array)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 9, 8, 7, 6, ...new Array(20).fill(0)]);
    expect(result.frames.map((p) => [p.name, p.width, p.height])).toEqual([['frame-00000-s0-r10.png', 64, 64]]);
    expect(result.readbacks.map((p) => [p.name, p.width, p.height])).toEqual([['readback-00000-r10.png', 16, 2]]);
    expect(Array.from(result.readbacks[0]!.rgba.subarray(0, 8))).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(result.notes).toEqual(new Map());
    expect(result.totals).toEqual({ frames: 1, readbacks: 1, commands: 13, skippedFailed: 0, cursor: 0, unknownRecords: 0, unknownCommands: 0, rendererErrors: 0, fences: 1, fencesSignalled: 1 });
    expect(result.records).toEqual({ device: 1, capset: 0, command: 13, memory: 1 });
    expect(result.commands.get('SUBMIT_3D')).toEqual({ replayed: 1, skipped: 0 });
  });

  it('keeps each backing as the reference does: entries end to end, zeroed, MEMORY at its offset, readbacks written into it, grown when a record reaches past it', async () => {
    const [w, h] = [8, 4];
    const stride = w * 4;
    const first = new Uint8Array(stride * h).map((_, i) => i & 0xff);
    const t = new Trace()
      .command(ctxCreate(1, 'gl'))
      .command(create3d(20, { width: w, height: h }))
      // Two entries: one backing of their total length.
      .command(attach(20, [[0x20000, 48], [0x90000, stride * h - 48]]))
      .memory(20, 0, first)
      .command(transfer3d(C.TRANSFER_TO_HOST_3D, 1, 20, box(0, 0, w, h)))
      .command(transfer3d(C.TRANSFER_FROM_HOST_3D, 1, 20, box(2, 1, 2, 2), { offset: stride + 8 }))
      .command(transfer3d(C.TRANSFER_TO_HOST_3D, 1, 20, box(0, 0, w, h)))
      .memory(20, stride * h - 4, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))
      .command(transfer3d(C.TRANSFER_TO_HOST_3D, 1, 20, box(0, 0, w, h)));
    const renderer = new FakeRenderer();
    const result = await replay(t, renderer);

    const [before, afterReadback, grown] = renderer.uploads as [Uint8Array, Uint8Array, Uint8Array];
    expect(before).toEqual(first);
    const expected = first.slice();
    for (const y of [1, 2]) expected.fill(0xab, y * stride + 8, y * stride + 16);
    expect(afterReadback).toEqual(expected);
    expect(grown.length).toBe(stride * h + 4);
    expect(Array.from(grown.subarray(stride * h - 8))).toEqual([...expected.subarray(stride * h - 8, stride * h - 4), 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(result.notes).toEqual(new Map([['memory-beyond-backing', 1]]));
    expect(result.readbacks.map((p) => p.name)).toEqual(['readback-00000-r20.png']);
  });

  it('creates 2D resources as the reference does, transfers them with context 0 and the image\'s pitch, and skips what the guest saw fail', async () => {
    const [w, h] = [16, 8];
    const t = new Trace()
      .command(create2d(5, w, h))
      .command(attach(5, [[0x1000, w * h * 4]]))
      .command(setScanout(0, 5, rect(0, 0, w, h)))
      .command(transfer2d(5, rect(0, 2, w, 3), 2 * w * 4))
      .command(flush(5, rect(0, 0, w, h)))
      .command(transfer2d(5, rect(0, 0, w, h)), ResponseType.ERR_INVALID_PARAMETER)
      .command(flush(5, rect(0, 0, w, h)), ResponseType.ERR_INVALID_RESOURCE_ID)
      .command(setScanout(1, 5, rect(4, 2, 8, 4)))
      .command(flush(5, rect(0, 0, w, h)))
      .command(unref(5))
      .command(flush(5, rect(0, 0, w, h)));
    const renderer = new FakeRenderer();
    const result = await replay(t, renderer);

    expect(renderer.calls).toEqual([
      ['createResource', 5, { target: TARGET_2D, format: Format.B8G8R8X8_UNORM, bind: BIND_RENDER_TARGET, width: w, height: h, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: Y_0_TOP }],
      ['transferToHost', { ctxId: 0, resourceId: 5, level: 0, box: box(0, 2, w, 3), offset: 2 * w * 4, stride: w * 4, layerStride: w * 4 * h }],
      ['readPicture', 5, 0, Format.B8G8R8X8_UNORM, 0, 0, 0, w, h],
      ['readPicture', 5, 0, Format.B8G8R8X8_UNORM, 0, 0, 0, w, h],
      ['readPicture', 5, 0, Format.B8G8R8X8_UNORM, 4, 2, 0, 8, 4],
      ['destroyResource', 5],
    ]);
    // One frame per scanout showing the resource; the number counts pictures written.
    expect(result.frames.map((p) => p.name)).toEqual(['frame-00000-s0-r5.png', 'frame-00001-s0-r5.png', 'frame-00002-s1-r5.png']);
    expect(result.commands).toEqual(new Map([
      ['RESOURCE_CREATE_2D', { replayed: 1, skipped: 0 }],
      ['RESOURCE_ATTACH_BACKING', { replayed: 1, skipped: 0 }],
      ['SET_SCANOUT', { replayed: 2, skipped: 0 }],
      ['TRANSFER_TO_HOST_2D', { replayed: 1, skipped: 1 }],
      ['RESOURCE_FLUSH', { replayed: 3, skipped: 1 }],
      ['RESOURCE_UNREF', { replayed: 1, skipped: 0 }],
    ]));
    expect(result.totals.skippedFailed).toBe(2);
    expect(result.notes).toEqual(new Map([['unknown-resource', 1]]));
  });

  it('pictures a guest blob\'s scanout from its backing, at its offset and stride, without the renderer', async () => {
    const [w, h, stride, offset] = [4, 3, 32, 16];
    const size = offset + stride * h;
    const guest = new Uint8Array(size).map((_, i) => (i * 11 + 3) & 0xff);
    const blob = (resourceId: number) =>
      encode(W.ResourceCreateBlob, { hdr: hdr(C.RESOURCE_CREATE_BLOB), resourceId, blobMem: BlobMem.GUEST, blobFlags: 0, nrEntries: 1, blobId: 0n, size }, memEntries([[0x40000, size]]));
    const scanoutBlob = (format: number, r: W.Rect) =>
      encode(W.SetScanoutBlob, { hdr: hdr(C.SET_SCANOUT_BLOB), r, scanoutId: 0, resourceId: 40, width: w, height: h, format, strides: [stride, 0, 0, 0], offsets: [offset, 0, 0, 0] });
    const t = new Trace()
      .command(blob(40))
      .memory(40, 0, guest)
      .command(ctxAttach(1, 40))
      .command(scanoutBlob(Format.R8G8B8A8_UNORM, rect(0, 0, w, h)))
      .command(flush(40, rect(0, 0, w, h)))
      .command(scanoutBlob(Format.B8G8R8X8_UNORM, rect(1, 1, 2, 2)))
      .command(flush(40, rect(0, 0, w, h)));
    const renderer = new FakeRenderer();
    const result = await replay(t, renderer);

    expect(renderer.calls).toEqual([]);
    const [whole, part] = result.frames as [Picture, Picture];
    expect([whole.name, part.name]).toEqual(['frame-00000-s0-r40.png', 'frame-00001-s0-r40.png']);
    const at = (x: number, y: number) => offset + y * stride + x * 4;
    expect(whole.rgba).toEqual(Uint8Array.from({ length: w * h * 4 }, (_, i) => guest[at((i >> 2) % w, Math.floor(i / 4 / w)) + (i & 3)] as number));
    // B, G, R, X in memory: red is byte 2, alpha is forced.
    const g = (x: number, y: number) => [guest[at(x, y) + 2], guest[at(x, y) + 1], guest[at(x, y)], 255];
    expect(Array.from(part.rgba)).toEqual([...g(1, 1), ...g(2, 1), ...g(1, 2), ...g(2, 2)]);
    expect(result.notes).toEqual(new Map([['guest-blob', 1]]));
  });

  it('waits for submitted work before reading pixels back and at the end, counting fences and rejected work', async () => {
    const t = new Trace()
      .command(ctxCreate(1, 'gl'))
      .command(create3d(10))
      .command(attach(10, [[0, 64 * 64 * 4]]))
      .command(submit(1, [0], { flags: HeaderFlag.FENCE, fenceId: 1n }))
      .command(setScanout(0, 10, rect(0, 0, 64, 64)))
      .command(flush(10, rect(0, 0, 64, 64)))
      .command(submit(1, [1], { flags: HeaderFlag.FENCE, fenceId: 2n }))
      .command(submit(1, [2], { flags: HeaderFlag.FENCE, fenceId: 3n }));
    const renderer = new FakeRenderer();
    const events: string[] = [];
    let n = 0;
    renderer.submitResult = () => {
      const id = n++;
      return new Promise<void>((resolve, reject) =>
        setTimeout(() => {
          events.push(`done ${id}`);
          if (id === 1) reject(new Error('lost context'));
          else resolve();
        }, 5),
      );
    };
    const read = renderer.readPicture.bind(renderer);
    renderer.readPicture = (...args) => {
      events.push('read');
      return read(...args);
    };
    const result = await replay(t, renderer);
    expect(events).toEqual(['done 0', 'read', 'done 1', 'done 2']);
    expect(result.totals).toMatchObject({ fences: 3, fencesSignalled: 3, rendererErrors: 1, frames: 1 });

    const stuck = new FakeRenderer();
    stuck.submitResult = () => new Promise<void>(() => {});
    const late = await replay(new Trace().command(ctxCreate(1, 'gl')).command(submit(1, [0], { flags: HeaderFlag.FENCE, fenceId: 1n })), stuck, { fenceTimeoutMs: 20 });
    expect(late.totals).toMatchObject({ fences: 1, fencesSignalled: 0 });
  });

  it('counts renderer failures and odd commands as the reference does, and goes on', async () => {
    const t = new Trace()
      .command(ctxCreate(1, 'gl'))
      .command(create3d(10, { format: VIRGL_R32_FLOAT }))
      .command(attach(10, [[0, 64 * 64 * 4]]))
      .command(create3d(12, { lastLevel: 1 }))
      .command(create3d(12))
      .command(transfer3d(C.TRANSFER_TO_HOST_3D, 1, 12, box(0, 0, 64, 64)))
      .command(attach(12, [[0, 64 * 64 * 4]]))
      // A readback of a float image goes into the backing but is no picture; one of level 1 neither.
      .command(transfer3d(C.TRANSFER_FROM_HOST_3D, 1, 10, box(0, 0, 4, 4)))
      .command(transfer3d(C.TRANSFER_FROM_HOST_3D, 1, 12, box(0, 0, 4, 4), { level: 1 }))
      .command(setScanout(0, 10, rect(0, 0, 64, 64)))
      .command(flush(10, rect(0, 0, 64, 64)))
      .command(setScanout(1, 12, rect(32, 32, 64, 64)))
      .command(flush(12, rect(0, 0, 64, 64)))
      .command(create3d(13))
      .command(encode(W.HeaderOnly, { hdr: hdr(C.RESOURCE_CREATE_3D) }))
      .command(encode(W.HeaderOnly, { hdr: hdr(0x0999) }))
      .command(encode(W.ResourceMapBlob, { hdr: hdr(C.RESOURCE_MAP_BLOB), resourceId: 12, offset: 0 }))
      .command(setScanout(16, 12, rect(0, 0, 64, 64)));
    t.writer.command(TraceQueue.CURSOR, 0, encode(W.UpdateCursor, { hdr: hdr(C.MOVE_CURSOR), pos: { scanoutId: 0, x: 1, y: 2 }, resourceId: 0, hotX: 0, hotY: 0 }));
    const renderer = new FakeRenderer();
    const failing = renderer.createResource.bind(renderer);
    renderer.createResource = (id, params) => {
      if (id === 13) throw new Error('out of GPU memory');
      failing(id, params);
    };
    const log: string[] = [];
    const unknownKind = new Uint8Array([99, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4]);
    const bytes = new Uint8Array([...t.bytes(), ...unknownKind]);
    const result = await replay(bytes, renderer, { log: (m) => log.push(m) });

    expect(renderer.named('createResource').map((c) => c[1])).toEqual([10, 12]);
    expect(renderer.named('transferFromHost').length).toBe(2);
    expect(result.frames).toEqual([]);
    expect(result.notes).toEqual(new Map([
      ['resource-id-reused', 1],
      ['transfer-without-backing', 1],
      ['readback-not-pictured', 2],
      ['picture-format-unsupported', 1],
      ['scanout-outside-resource', 1],
      ['request-too-short', 1],
      ['unknown-command', 1],
      ['blob-mapping-ignored', 1],
      ['scanout-out-of-range', 1],
      ['unknown-record', 1],
    ]));
    expect(result.totals).toMatchObject({ commands: 19, cursor: 1, unknownCommands: 1, unknownRecords: 1, rendererErrors: 1 });
    expect(log).toContain('record 15: createResource 13 failed: out of GPU memory');
    expect(log.filter((m) => m.startsWith('note readback-not-pictured'))).toHaveLength(1);
  });

  it('takes pictures through the renderer\'s own readback with picturesByTransfer, converting its format to RGBA', async () => {
    const renderer = new FakeRenderer();
    renderer.readbackByte = 0x40;
    const source = picturesByTransfer(renderer);
    const rgba = await source.readPicture(7, 2, Format.B8G8R8X8_UNORM, 1, 2, 0, 3, 2);
    expect(renderer.calls).toEqual([['transferFromHost', { ctxId: 2, resourceId: 7, level: 0, box: box(1, 2, 3, 2), offset: 0, stride: 12, layerStride: 24 }]]);
    expect(Array.from(rgba as Uint8Array)).toEqual(new Array(6).fill([0x40, 0x40, 0x40, 255]).flat());
  });

  it('hands pictures to onPicture as they are taken, and keeps none when asked not to', async () => {
    const t = new Trace().command(create2d(5, 4, 4)).command(setScanout(0, 5, rect(0, 0, 4, 4))).command(flush(5, rect(0, 0, 4, 4))).command(flush(5, rect(0, 0, 4, 4)));
    const seen: string[] = [];
    const result = await replay(t, new FakeRenderer(), { keepPictures: false, onPicture: (p, kind) => void seen.push(`${kind} ${p.name}`) });
    expect(seen).toEqual(['frame frame-00000-s0-r5.png', 'frame frame-00001-s0-r5.png']);
    expect(result.frames).toEqual([]);
    expect(result.totals.frames).toBe(2);
  });

  it('rejects a truncated or foreign trace with the reference\'s message, before calling the renderer', async () => {
    const whole = new Trace().command(create2d(1, 8, 8)).bytes();
    const renderer = new FakeRenderer();
    await expect(replay(whole.subarray(0, whole.length - 3), renderer)).rejects.toThrow(/^malformed trace: record 2 at byte \d+: truncated record: kind 3 claims 48 payload bytes, 45 are left$/);
    const foreign = whole.slice();
    foreign[0] = 0x58;
    await expect(replay(foreign, renderer)).rejects.toThrow('no VGWTRACE magic: not a virtio-gpu-web trace');
    expect(renderer.calls).toEqual([]);
  });
});

describe('trace replay against the reference replayer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trace-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('repeats its summary and its file names for a trace of every kind of command and oddity', async () => {
    const blobSize = 16 * 16 * 4;
    const t = new Trace()
      .command(ctxCreate(2, 'both'))
      .command(create2d(1, 16, 16))
      .command(attach(1, [[0x1000, 16 * 16 * 4]]))
      .memory(1, 0, new Uint8Array(16 * 16 * 4).fill(0x7f))
      .command(transfer2d(1, rect(0, 0, 16, 16)))
      .command(setScanout(0, 1, rect(0, 0, 16, 16)))
      .command(flush(1, rect(0, 0, 16, 16)))
      .command(create3d(2, { width: 16, height: 16 }))
      .command(attach(2, [[0x2000, 16 * 16 * 4]]))
      .command(ctxAttach(2, 2))
      .command(submit(2, [0], { flags: HeaderFlag.FENCE, fenceId: 9n }))
      .command(transfer3d(C.TRANSFER_FROM_HOST_3D, 2, 2, box(0, 0, 8, 8)))
      .command(transfer3d(C.TRANSFER_FROM_HOST_3D, 2, 2, box(0, 0, 8, 8), { level: 0, offset: 0, stride: 64 }))
      .command(setScanout(1, 2, rect(8, 8, 16, 16)))
      .command(flush(2, rect(0, 0, 16, 16)))
      .command(encode(W.ResourceCreateBlob, { hdr: hdr(C.RESOURCE_CREATE_BLOB), resourceId: 3, blobMem: BlobMem.GUEST, blobFlags: 0, nrEntries: 1, blobId: 0n, size: blobSize }, memEntries([[0x3000, blobSize]])))
      .memory(3, 0, new Uint8Array(blobSize).map((_, i) => i & 0xff))
      .command(encode(W.SetScanoutBlob, { hdr: hdr(C.SET_SCANOUT_BLOB), r: rect(0, 0, 16, 16), scanoutId: 2, resourceId: 3, width: 16, height: 16, format: Format.B8G8R8A8_UNORM, strides: [64, 0, 0, 0], offsets: [0, 0, 0, 0] }))
      .command(flush(3, rect(0, 0, 16, 16)))
      .command(flush(1, rect(0, 0, 16, 16)), ResponseType.ERR_UNSPEC)
      .command(flush(44, rect(0, 0, 16, 16)))
      .command(unref(1))
      .command(flush(1, rect(0, 0, 16, 16)))
      .memory(77, 0, new Uint8Array(4))
      .command(encode(W.HeaderOnly, { hdr: hdr(C.CTX_DESTROY, { ctxId: 2 }) }));
    const file = join(dir, 'mixed.trace');
    writeFileSync(file, t.bytes());
    const oracle = await runOracle(file, join(dir, 'mixed'));
    expect(oracle.status, oracle.stderr).toBe(0);
    const reference = oracle.summary!;

    const ours = await replay(t, new FakeRenderer());
    expect([...ours.frames, ...ours.readbacks].map((p) => p.name).sort()).toEqual(readdirSync(join(dir, 'mixed')).sort());
    expect(Object.fromEntries(ours.notes)).toEqual(reference.notes);
    expect(Object.fromEntries(ours.commands)).toEqual(reference.commands);
    expect(ours.records).toEqual(reference.records);
    const { totals } = ours;
    expect({
      frames: totals.frames, readbacks: totals.readbacks, commands: totals.commands, skipped_failed: totals.skippedFailed, cursor: totals.cursor, unknown_records: totals.unknownRecords,
      unknown_commands: totals.unknownCommands, renderer_errors: totals.rendererErrors, fences: totals.fences, fences_signalled: totals.fencesSignalled,
    }).toEqual({ ...reference.totals, stream_errors: undefined });
  });

  it('counts the virgl commands of the streams it replays as the reference\'s --stats does, and notes a stream that overruns', async () => {
    const header = (command: number, objectType: number, length: number) => (command | (objectType << 8) | (length << 16)) >>> 0;
    const CLEAR = 7, CREATE_OBJECT = 1, BIND_OBJECT = 2, SURFACE = 8, SET_SUB_CTX = 28;
    const t = new Trace()
      .command(ctxCreate(1, 'stats'))
      .command(submit(1, [header(CLEAR, 0, 8), 0, 0, 0, 0, 0, 0, 0, 0, header(CREATE_OBJECT, SURFACE, 1), 0, header(CLEAR, 0, 8), 0, 0, 0, 0, 0, 0, 0, 0]))
      // SET_SUB_CTX is no object command: its second byte is no object type, and it is named by the command alone.
      .command(submit(1, [header(SET_SUB_CTX, 7, 1), 0, header(BIND_OBJECT, 50, 1), 0, header(99, 0, 0), header(CREATE_OBJECT, SURFACE, 1), 0]))
      .command(submit(1, [header(CLEAR, 0, 8), 0, 0, 0]))
      .command(submit(1, [header(CLEAR, 0, 0)]), ResponseType.ERR_UNSPEC);
    const file = join(dir, 'stats.trace');
    writeFileSync(file, t.bytes());
    const oracle = await runOracle(file, join(dir, 'stats'), { stats: true });
    expect(oracle.status, oracle.stderr).toBe(0);

    const ours = await replay(t, new FakeRenderer(), { stats: true });
    expect(ours.virgl).toEqual(oracle.summary!.virgl);
    expect(ours.virgl.map((v) => v.name)).toEqual(['CLEAR', 'CREATE_OBJECT.SURFACE', 'SET_SUB_CTX', 'UNKNOWN_99', 'BIND_OBJECT.UNKNOWN_50']);
    expect(Object.fromEntries(ours.notes)).toEqual(oracle.summary!.notes);
    expect(ours.notes.get('virgl-stream-truncated')).toBe(1);
    expect((await replay(t, new FakeRenderer())).virgl).toEqual([]);
  });
});
