import { describe, expect, it } from 'vitest';
import * as W from '../../src/protocol/structs.ts';
import { u64, u64big } from '../../src/protocol/codec.ts';
import { Format, formatInfo } from '../../src/protocol/formats.ts';

describe('wire structs', () => {
  // Sizes and offsets as the virtio 1.3 spec lays them out (5.7.6).
  it.each([
    ['CtrlHeader', W.CtrlHeader, 24, { type: 0, flags: 4, fenceId: 8, ctxId: 16, ringIdx: 20 }],
    ['RespDisplayInfo', W.RespDisplayInfo, 408, { pmodes: 24 }],
    ['GetEdid', W.GetEdid, 32, { scanout: 24 }],
    ['RespEdid', W.RespEdid, 1056, { size: 24, edid: 32 }],
    ['ResourceCreate2d', W.ResourceCreate2d, 40, { resourceId: 24, format: 28, width: 32, height: 36 }],
    ['ResourceOnly', W.ResourceOnly, 32, { resourceId: 24 }],
    ['SetScanout', W.SetScanout, 48, { r: 24, scanoutId: 40, resourceId: 44 }],
    ['ResourceFlush', W.ResourceFlush, 48, { r: 24, resourceId: 40 }],
    ['TransferToHost2d', W.TransferToHost2d, 56, { r: 24, offset: 40, resourceId: 48 }],
    ['ResourceAttachBacking', W.ResourceAttachBacking, 32, { resourceId: 24, nrEntries: 28 }],
    ['MemEntry', W.MemEntry, 16, { addr: 0, length: 8 }],
    ['GetCapsetInfo', W.GetCapsetInfo, 32, { capsetIndex: 24 }],
    ['RespCapsetInfo', W.RespCapsetInfo, 40, { capsetId: 24, capsetMaxVersion: 28, capsetMaxSize: 32 }],
    ['GetCapset', W.GetCapset, 32, { capsetId: 24, capsetVersion: 28 }],
    ['RespResourceUuid', W.RespResourceUuid, 40, { uuid: 24 }],
    ['ResourceCreateBlob', W.ResourceCreateBlob, 56, { resourceId: 24, blobMem: 28, blobFlags: 32, nrEntries: 36, blobId: 40, size: 48 }],
    ['SetScanoutBlob', W.SetScanoutBlob, 96, { r: 24, scanoutId: 40, resourceId: 44, width: 48, height: 52, format: 56, strides: 64, offsets: 80 }],
    ['CtxCreate', W.CtxCreate, 96, { nlen: 24, contextInit: 28, debugName: 32 }],
    ['ResourceCreate3d', W.ResourceCreate3d, 72, { resourceId: 24, target: 28, format: 32, bind: 36, width: 40, height: 44, depth: 48, arraySize: 52, lastLevel: 56, nrSamples: 60, flags: 64 }],
    ['TransferHost3d', W.TransferHost3d, 72, { box: 24, offset: 48, resourceId: 56, level: 60, stride: 64, layerStride: 68 }],
    ['CmdSubmit', W.CmdSubmit, 32, { size: 24, numInFences: 28 }],
    ['ResourceMapBlob', W.ResourceMapBlob, 40, { resourceId: 24, offset: 32 }],
    ['RespMapInfo', W.RespMapInfo, 32, { mapInfo: 24 }],
    ['UpdateCursor', W.UpdateCursor, 56, { pos: 24, resourceId: 40, hotX: 44, hotY: 48 }],
    ['DeviceConfigLayout', W.DeviceConfigLayout, 16, { eventsRead: 0, eventsClear: 4, numScanouts: 8, numCapsets: 12 }],
  ] as const)('%s is %i bytes with the spec offsets', (_name, codec, size, offsets) => {
    expect(codec.size).toBe(size);
    expect(codec.offsets).toMatchObject(offsets);
  });

  it('decodes little-endian fields at their offsets', () => {
    const b = new Uint8Array(56);
    b.set([0x05, 0x01, 0, 0], 0); // type 0x105
    b.set([0x01, 0, 0, 0], 4); // FENCE
    b.set([0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0xf1], 8);
    b.set([7, 0, 0, 0], 16);
    b[20] = 3;
    b.set([0x10, 0, 0, 0, 0x20, 0, 0, 0, 0x30, 0, 0, 0, 0x40, 0, 0, 0], 24);
    b.set([0x00, 0x10, 0, 0, 1, 0, 0, 0], 40); // offset 0x1_0000_1000
    b.set([0x2a, 0, 0, 0], 48);
    expect(W.TransferToHost2d.decode(b)).toEqual({
      hdr: { type: 0x105, flags: 1, fenceId: 0xf123456789abcdefn, ctxId: 7, ringIdx: 3 },
      r: { x: 0x10, y: 0x20, width: 0x30, height: 0x40 },
      offset: 0x1_0000_1000,
      resourceId: 42,
    });
  });

  it('round-trips every field, zeroing padding', () => {
    const value = {
      hdr: { type: 0x10d, flags: 3, fenceId: 2n ** 64n - 1n, ctxId: 0xffffffff, ringIdx: 255 },
      r: { x: 1, y: 2, width: 3, height: 4 },
      scanoutId: 15,
      resourceId: 0xfffffffe,
      width: 640,
      height: 480,
      format: 134,
      strides: [2560, 1, 2, 3],
      offsets: [4, 5, 6, 0xffffffff],
    };
    const bytes = W.SetScanoutBlob.encode(value);
    expect(bytes.subarray(60, 64)).toEqual(new Uint8Array(4));
    expect(W.SetScanoutBlob.decode(bytes)).toEqual(value);
    const entry = W.MemEntry.encode({ addr: 2 ** 52 + 12345, length: 4096 });
    expect(W.MemEntry.decode(entry)).toEqual({ addr: 2 ** 52 + 12345, length: 4096 });
  });

  it('decodes u64 values past 2^53 to numbers no range check accepts, and u64big exactly', () => {
    const b = new Uint8Array(8).fill(0xff);
    expect(u64.read(b, 0, 0)).toBeGreaterThanOrEqual(2 ** 64 - 1);
    expect(Number.isSafeInteger(u64.read(b, 0, 0))).toBe(false);
    expect(u64big.read(b, 0, 0n)).toBe(2n ** 64n - 1n);
  });
});

describe('pixel formats', () => {
  it('knows all eight 2D formats with memory byte order swizzles', () => {
    expect(Object.values(Format).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 67, 68, 121, 134]);
    expect(formatInfo(Format.B8G8R8X8_UNORM)?.swizzle).toEqual([2, 1, 0, -1]);
    expect(formatInfo(Format.B8G8R8A8_UNORM)?.swizzle).toEqual([2, 1, 0, 3]);
    expect(formatInfo(Format.A8R8G8B8_UNORM)?.swizzle).toEqual([1, 2, 3, 0]);
    expect(formatInfo(Format.X8R8G8B8_UNORM)?.swizzle).toEqual([1, 2, 3, -1]);
    expect(formatInfo(Format.R8G8B8A8_UNORM)?.swizzle).toEqual([0, 1, 2, 3]);
    expect(formatInfo(Format.X8B8G8R8_UNORM)?.swizzle).toEqual([3, 2, 1, -1]);
    expect(formatInfo(Format.A8B8G8R8_UNORM)?.swizzle).toEqual([3, 2, 1, 0]);
    expect(formatInfo(Format.R8G8B8X8_UNORM)?.swizzle).toEqual([0, 1, 2, -1]);
    expect(formatInfo(5)).toBeUndefined();
  });
});
