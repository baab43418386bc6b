/**
 * The page's trace tap (e2e/pages/trace-tap.ts): it keeps the trace as the
 * recorder wrote it, and reads back the frame of the first flush after it is
 * armed, naming it by the flush's index among the trace's commands, as the
 * reference's `--frames-of` counts them.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Remote } from 'comlink';
import { TraceTap } from '../../e2e/pages/trace-tap.ts';
import { CommandType, ResponseType } from '../../src/protocol/constants.ts';
import * as W from '../../src/protocol/structs.ts';
import { TraceQueue, TraceWriter } from '../../src/trace/trace-writer.ts';
import type { GpuWorkerApi } from '../../worker/gpu-worker.ts';
import type { Transfer3d } from '../../src/renderers/renderer-3d.ts';

const hdr = (type: number) => ({ type, flags: 0, fenceId: 0n, ctxId: 0, ringIdx: 0 });
const rect = { x: 0, y: 0, width: 2, height: 1 };

describe('trace tap', () => {
  it('keeps the trace and reads back the first flush of a shown 3D resource after it is armed, by command index', async () => {
    const reads: Transfer3d[] = [];
    const worker = { virglTransferFromHost: async (t: Transfer3d, length: number) => (reads.push(t), Uint8Array.from({ length }, (_, i) => (i % 4 === 3 ? 0 : 10 * (i + 1)))) };
    const tap = new TraceTap(() => worker as unknown as Remote<GpuWorkerApi>, 0);
    // Bytes arrive in odd pieces: the tap must find records across writes.
    const pieces: Uint8Array[] = [];
    const writer = new TraceWriter({ write: (bytes) => pieces.push(bytes) });
    const ok = ResponseType.OK_NODATA;
    writer.device(0n, [{ width: 2, height: 1 }]);
    writer.command(TraceQueue.CONTROL, ok, W.ResourceCreate3d.encode({ hdr: hdr(CommandType.RESOURCE_CREATE_3D), resourceId: 7, target: 2, format: 2, bind: 0, width: 2, height: 1, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: 0 }));
    writer.command(TraceQueue.CONTROL, ok, W.SetScanout.encode({ hdr: hdr(CommandType.SET_SCANOUT), r: rect, scanoutId: 0, resourceId: 7 }));
    writer.memory(7, 0, new Uint8Array(4000));
    writer.command(TraceQueue.CONTROL, ok, W.ResourceFlush.encode({ hdr: hdr(CommandType.RESOURCE_FLUSH), r: rect, resourceId: 7 }));
    writer.command(TraceQueue.CURSOR, 0, W.CtrlHeader.encode(hdr(CommandType.UPDATE_CURSOR)));
    writer.command(TraceQueue.CONTROL, ResponseType.ERR_INVALID_RESOURCE_ID, W.ResourceFlush.encode({ hdr: hdr(CommandType.RESOURCE_FLUSH), r: rect, resourceId: 7 }));
    writer.command(TraceQueue.CONTROL, ok, W.ResourceFlush.encode({ hdr: hdr(CommandType.RESOURCE_FLUSH), r: rect, resourceId: 7 }));
    const all = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) {
      all.set(p, at);
      at += p.length;
    }
    // Up to the first flush, then armed, then the rest in 3-byte writes.
    const firstFlushEnd = all.length - (pieces.at(-1)!.length + pieces.at(-2)!.length + pieces.at(-3)!.length);
    tap.write(all.slice(0, firstFlushEnd));
    tap.arm('scene 0');
    for (let i = firstFlushEnd; i < all.length; i += 3) tap.write(all.slice(i, Math.min(all.length, i + 3)));
    expect(tap.bytes).toBe(all.length);
    expect(Buffer.from(tap.sliceBase64(0, all.length), 'base64')).toEqual(Buffer.from(all));
    // Commands 0..5: create, set scanout, flush, cursor, failed flush, flush. The failed one is not a frame.
    expect(tap.frames).toEqual([{ label: 'scene 0', command: 5, resourceId: 7, width: 2, height: 1 }]);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ resourceId: 7, box: { x: 0, y: 0, z: 0, w: 2, h: 1, d: 1 }, stride: 8 });
    // B8G8R8X8 as RGBA, opaque.
    const picture = new Uint8Array(inflateSync(Buffer.from(await tap.pictureBase64(0), 'base64')));
    expect([...picture]).toEqual([30, 20, 10, 255, 70, 60, 50, 255]);
  });
});
