/**
 * The reference renderer (`npm run oracle`): traces written with the project's
 * own trace writer and wire codecs, replayed on Debian's virglrenderer, and
 * the PNGs it writes checked pixel by pixel.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOracle, runOracle, type OracleRun } from '../../scripts/oracle.mjs';
import { BlobMem, CapsetId, CommandType, HeaderFlag, ResponseType } from '../../src/protocol/constants.ts';
import { Format } from '../../src/protocol/formats.ts';
import * as W from '../../src/protocol/structs.ts';
import { TraceQueue, TraceWriter } from '../../src/trace/trace-writer.ts';
import { encode, hdr, memEntries, pixelAt } from './helpers.ts';

/** Numbers of Mesa's virgl_protocol.h and Gallium's p_defines.h that these streams use. */
const Virgl = {
  CCMD_CREATE_OBJECT: 1,
  CCMD_BIND_OBJECT: 2,
  CCMD_SET_VIEWPORT_STATE: 4,
  CCMD_SET_FRAMEBUFFER_STATE: 5,
  CCMD_SET_VERTEX_BUFFERS: 6,
  CCMD_CLEAR: 7,
  CCMD_DRAW_VBO: 8,
  CCMD_BIND_SHADER: 31,
  OBJECT_BLEND: 1,
  OBJECT_RASTERIZER: 2,
  OBJECT_DSA: 3,
  OBJECT_SHADER: 4,
  OBJECT_VERTEX_ELEMENTS: 5,
  OBJECT_SURFACE: 8,
  PIPE_CLEAR_COLOR0: 1 << 2,
  PIPE_BUFFER: 0,
  PIPE_TEXTURE_2D: 2,
  PIPE_PRIM_TRIANGLE_STRIP: 5,
  SHADER_VERTEX: 0,
  SHADER_FRAGMENT: 1,
  BIND_RENDER_TARGET: 1 << 1,
  BIND_VERTEX_BUFFER: 1 << 4,
  FORMAT_R32G32_FLOAT: 29,
  FORMAT_R8_UNORM: 64,
  RS_S0_DEPTH_CLIP: 1 << 1,
  RS_S0_HALF_PIXEL_CENTER: 1 << 29,
  BLEND_S2_COLORMASK_RGBA: 0xf << 27,
} as const;

const cmd0 = (command: number, object: number, length: number): number => (command | (object << 8) | (length << 16)) >>> 0;
const f32 = (value: number): number => new Uint32Array(new Float32Array([value]).buffer)[0] as number;

/** A stream that makes resource `resourceId` the only colour buffer and clears it to `rgba` (0..1 floats). */
function clearStream(resourceId: number, format: number, rgba: readonly [number, number, number, number]): Uint8Array {
  const surface = 1;
  const dwords = [
    cmd0(Virgl.CCMD_CREATE_OBJECT, Virgl.OBJECT_SURFACE, 5), surface, resourceId, format, 0, 0,
    cmd0(Virgl.CCMD_SET_FRAMEBUFFER_STATE, 0, 3), 1, 0, surface,
    cmd0(Virgl.CCMD_CLEAR, 0, 8), Virgl.PIPE_CLEAR_COLOR0, ...rgba.map(f32), 0, 0, 0,
  ];
  return new Uint8Array(new Uint32Array(dwords).buffer);
}

/** A CREATE_OBJECT of a TGSI text shader: handle, stage, text length with its NUL, a token budget, no stream output. */
function shader(handle: number, stage: number, text: string): number[] {
  const bytes = new TextEncoder().encode(`${text}\0`);
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  padded.set(bytes);
  const words = [...new Uint32Array(padded.buffer)];
  return [cmd0(Virgl.CCMD_CREATE_OBJECT, Virgl.OBJECT_SHADER, 5 + words.length), handle, stage, bytes.length, 300, 0, ...words];
}

/**
 * One quad over NDC y in [-1, 0] with a positive viewport scale: in Gallium's
 * convention that is memory rows 0 to height/2 of the render target, the
 * top half of the picture. Vertices come from vertex buffer resource `vbo`.
 */
function drawTopHalfStream(vbo: number, size: number): Uint8Array {
  const [blend, dsa, rasterizer, vs, fs, elements] = [2, 3, 4, 5, 6, 7];
  const half = size / 2;
  const dwords = [
    cmd0(Virgl.CCMD_CREATE_OBJECT, Virgl.OBJECT_BLEND, 11), blend, 0, 0, Virgl.BLEND_S2_COLORMASK_RGBA, 0, 0, 0, 0, 0, 0, 0,
    cmd0(Virgl.CCMD_BIND_OBJECT, Virgl.OBJECT_BLEND, 1), blend,
    cmd0(Virgl.CCMD_CREATE_OBJECT, Virgl.OBJECT_DSA, 5), dsa, 0, 0, 0, 0,
    cmd0(Virgl.CCMD_BIND_OBJECT, Virgl.OBJECT_DSA, 1), dsa,
    cmd0(Virgl.CCMD_CREATE_OBJECT, Virgl.OBJECT_RASTERIZER, 9), rasterizer, Virgl.RS_S0_DEPTH_CLIP | Virgl.RS_S0_HALF_PIXEL_CENTER, f32(1), 0, 0, f32(1), 0, 0, 0,
    cmd0(Virgl.CCMD_BIND_OBJECT, Virgl.OBJECT_RASTERIZER, 1), rasterizer,
    ...shader(vs, Virgl.SHADER_VERTEX, 'VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n'),
    ...shader(fs, Virgl.SHADER_FRAGMENT, 'FRAG\nPROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1\nDCL OUT[0], COLOR\nIMM[0] FLT32 {0x00000000, 0x3f800000, 0x00000000, 0x3f800000}\n  0: MOV OUT[0], IMM[0]\n  1: END\n'),
    cmd0(Virgl.CCMD_BIND_SHADER, 0, 2), vs, Virgl.SHADER_VERTEX,
    cmd0(Virgl.CCMD_BIND_SHADER, 0, 2), fs, Virgl.SHADER_FRAGMENT,
    cmd0(Virgl.CCMD_CREATE_OBJECT, Virgl.OBJECT_VERTEX_ELEMENTS, 5), elements, 0, 0, 0, Virgl.FORMAT_R32G32_FLOAT,
    cmd0(Virgl.CCMD_BIND_OBJECT, Virgl.OBJECT_VERTEX_ELEMENTS, 1), elements,
    cmd0(Virgl.CCMD_SET_VERTEX_BUFFERS, 0, 3), 8, 0, vbo,
    cmd0(Virgl.CCMD_SET_VIEWPORT_STATE, 0, 7), 0, f32(half), f32(half), f32(0.5), f32(half), f32(half), f32(0.5),
    cmd0(Virgl.CCMD_DRAW_VBO, 0, 12), 0, 4, Virgl.PIPE_PRIM_TRIANGLE_STRIP, 0, 1, 0, 0, 0, 0, 0, 3, 0,
  ];
  return new Uint8Array(new Uint32Array(dwords).buffer);
}

class Trace {
  private readonly chunks: Uint8Array[] = [];
  readonly writer = new TraceWriter({ write: (bytes) => this.chunks.push(bytes) });

  command(request: Uint8Array, response: number = ResponseType.OK_NODATA): void {
    this.writer.command(TraceQueue.CONTROL, response, request);
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

let dir: string;
beforeAll(() => {
  ensureOracle();
  dir = mkdtempSync(join(tmpdir(), 'oracle-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function replay(name: string, trace: Uint8Array, options: { stats?: boolean; framesOf?: readonly number[] } = {}): Promise<{ run: OracleRun; out: string }> {
  const file = join(dir, `${name}.trace`);
  writeFileSync(file, trace);
  const out = join(dir, name);
  return { run: await runOracle(file, out, options), out };
}

type Picture = { width: number; height: number; data: Uint8Array };

function pixels(file: string): Picture {
  return PNG.sync.read(readFileSync(file));
}

function everyPixel(p: Picture, expected: number[]): void {
  const wrong: string[] = [];
  for (let y = 0; y < p.height; y++) for (let x = 0; x < p.width; x++) if (pixelAt(p, x, y).join() !== expected.join()) wrong.push(`${x},${y}: ${pixelAt(p, x, y).join()}`);
  expect(wrong.slice(0, 5)).toEqual([]);
}

function create3d(resourceId: number, target: number, format: number, bind: number, width: number, height: number): Uint8Array {
  return encode(W.ResourceCreate3d, { hdr: hdr(CommandType.RESOURCE_CREATE_3D), resourceId, target, format, bind, width, height, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, flags: 0 });
}

describe('reference renderer (virglrenderer replay)', () => {
  it('replays a 3D clear: the flushed scanout and a readback show the exact colour', async () => {
    const t = new Trace();
    t.writer.device(1n, [{ width: 64, height: 64 }]);
    const ctxId = 1;
    const rt = 10;
    const size = 64 * 64 * 4;
    t.command(encode(W.CtxCreate, { hdr: hdr(CommandType.CTX_CREATE, { ctxId }), nlen: 4, contextInit: CapsetId.VIRGL2, debugName: new TextEncoder().encode('test') }));
    t.command(create3d(rt, Virgl.PIPE_TEXTURE_2D, Format.B8G8R8A8_UNORM, Virgl.BIND_RENDER_TARGET, 64, 64));
    t.command(encode(W.ResourceAttachBacking, { hdr: hdr(CommandType.RESOURCE_ATTACH_BACKING), resourceId: rt, nrEntries: 1 }, memEntries([[0x10000, size]])));
    t.command(encode(W.ResourceOnly, { hdr: hdr(CommandType.CTX_ATTACH_RESOURCE, { ctxId }), resourceId: rt }));
    const stream = clearStream(rt, Format.B8G8R8A8_UNORM, [1, 51 / 255, 102 / 255, 1]);
    t.command(encode(W.CmdSubmit, { hdr: hdr(CommandType.SUBMIT_3D, { ctxId, flags: HeaderFlag.FENCE, fenceId: 7n }), size: stream.length, numInFences: 0 }, [stream]));
    t.command(encode(W.SetScanout, { hdr: hdr(CommandType.SET_SCANOUT), r: { x: 0, y: 0, width: 64, height: 64 }, scanoutId: 0, resourceId: rt }));
    t.command(encode(W.ResourceFlush, { hdr: hdr(CommandType.RESOURCE_FLUSH), r: { x: 0, y: 0, width: 64, height: 64 }, resourceId: rt }));
    t.command(encode(W.TransferHost3d, {
      hdr: hdr(CommandType.TRANSFER_FROM_HOST_3D, { ctxId }), box: { x: 4, y: 8, z: 0, w: 16, h: 8, d: 1 }, offset: 0, resourceId: rt, level: 0, stride: 64 * 4, layerStride: 0,
    }));

    const { run, out } = await replay('clear', t.bytes(), { stats: true });
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.status).toBe(0);
    expect(run.summary?.totals).toMatchObject({ frames: 1, readbacks: 1, renderer_errors: 0, stream_errors: 0, skipped_failed: 0, fences: 1, fences_signalled: 1 });
    expect(run.summary?.records).toEqual({ device: 1, capset: 0, command: 8, memory: 0 });
    expect(run.summary?.commands['SUBMIT_3D']).toEqual({ replayed: 1, skipped: 0 });
    // Most frequent first; ties in command number order.
    expect(run.summary?.virgl).toEqual([
      { name: 'SET_FRAMEBUFFER_STATE', count: 1, dwords: 4 },
      { name: 'CLEAR', count: 1, dwords: 9 },
      { name: 'CREATE_OBJECT.SURFACE', count: 1, dwords: 6 },
    ]);
    expect(readdirSync(out).sort()).toEqual(['frame-00000-s0-r10.png', 'readback-00000-r10.png']);
    const frame = pixels(frameFile(out, 0));
    expect([frame.width, frame.height]).toEqual([64, 64]);
    everyPixel(frame, [255, 51, 102, 255]);
    const readback = pixels(join(out, 'readback-00000-r10.png'));
    expect([readback.width, readback.height]).toEqual([16, 8]);
    everyPixel(readback, [255, 51, 102, 255]);
  });

  it('replays a draw: a quad over the top half of NDC lands in the top half of the picture', async () => {
    const t = new Trace();
    t.writer.device(1n, [{ width: 64, height: 64 }]);
    const ctxId = 3;
    const [rt, vbo] = [30, 31];
    t.command(encode(W.CtxCreate, { hdr: hdr(CommandType.CTX_CREATE, { ctxId }), nlen: 0, contextInit: 0, debugName: new Uint8Array(0) }));
    t.command(create3d(rt, Virgl.PIPE_TEXTURE_2D, Format.B8G8R8X8_UNORM, Virgl.BIND_RENDER_TARGET, 64, 64));
    t.command(create3d(vbo, Virgl.PIPE_BUFFER, Virgl.FORMAT_R8_UNORM, Virgl.BIND_VERTEX_BUFFER, 32, 1));
    t.command(encode(W.ResourceAttachBacking, { hdr: hdr(CommandType.RESOURCE_ATTACH_BACKING), resourceId: rt, nrEntries: 1 }, memEntries([[0x10000, 64 * 64 * 4]])));
    t.command(encode(W.ResourceAttachBacking, { hdr: hdr(CommandType.RESOURCE_ATTACH_BACKING), resourceId: vbo, nrEntries: 1 }, memEntries([[0x30000, 32]])));
    for (const resourceId of [rt, vbo]) t.command(encode(W.ResourceOnly, { hdr: hdr(CommandType.CTX_ATTACH_RESOURCE, { ctxId }), resourceId }));
    t.writer.memory(vbo, 0, new Uint8Array(new Float32Array([-1, -1, 1, -1, -1, 0, 1, 0]).buffer));
    t.command(encode(W.TransferHost3d, {
      hdr: hdr(CommandType.TRANSFER_TO_HOST_3D, { ctxId }), box: { x: 0, y: 0, z: 0, w: 32, h: 1, d: 1 }, offset: 0, resourceId: vbo, level: 0, stride: 0, layerStride: 0,
    }));
    const clear = clearStream(rt, Format.B8G8R8X8_UNORM, [0, 0, 1, 1]);
    const draw = drawTopHalfStream(vbo, 64);
    const stream = Buffer.concat([clear, draw]);
    t.command(encode(W.CmdSubmit, { hdr: hdr(CommandType.SUBMIT_3D, { ctxId }), size: stream.length, numInFences: 0 }, [stream]));
    t.command(encode(W.SetScanout, { hdr: hdr(CommandType.SET_SCANOUT), r: { x: 0, y: 0, width: 64, height: 64 }, scanoutId: 0, resourceId: rt }));
    t.command(encode(W.ResourceFlush, { hdr: hdr(CommandType.RESOURCE_FLUSH), r: { x: 0, y: 0, width: 64, height: 64 }, resourceId: rt }));

    const { run, out } = await replay('draw', t.bytes(), { stats: true });
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.status).toBe(0);
    expect(run.summary?.totals).toMatchObject({ frames: 1, renderer_errors: 0, stream_errors: 0 });
    expect(run.summary?.virgl.find((v) => v.name === 'DRAW_VBO')).toEqual({ name: 'DRAW_VBO', count: 1, dwords: 13 });
    const frame = pixels(frameFile(out, 0));
    const rows = (from: number, to: number, rgba: number[]) => {
      for (let y = from; y < to; y++) for (let x = 0; x < 64; x++) expect(pixelAt(frame, x, y), `${x},${y}`).toEqual(rgba);
    };
    rows(0, 32, [0, 255, 0, 255]);
    rows(32, 64, [0, 0, 255, 255]);
  });

  it('replays 2D uploads from MEMORY records, skips commands the guest saw fail, and forces alpha on X formats', async () => {
    const t = new Trace();
    t.writer.device(1n, [{ width: 8, height: 4 }]);
    const res = 20;
    const [w, h] = [8, 4];
    const stride = w * 4;
    // B8G8R8X8: bytes B, G, R, X; the X byte is junk the picture must ignore.
    const guest = new Uint8Array(stride * h);
    for (let i = 0; i < w * h; i++) guest.set([(i * 7) & 0xff, (i * 13 + 1) & 0xff, (i * 29 + 2) & 0xff, 0x5a], i * 4);
    t.command(encode(W.ResourceCreate2d, { hdr: hdr(CommandType.RESOURCE_CREATE_2D), resourceId: res, format: Format.B8G8R8X8_UNORM, width: w, height: h }));
    // Two entries: the backing is their concatenation.
    t.command(encode(W.ResourceAttachBacking, { hdr: hdr(CommandType.RESOURCE_ATTACH_BACKING), resourceId: res, nrEntries: 2 }, memEntries([[0x20000, 48], [0x90000, stride * h - 48]])));
    t.command(encode(W.SetScanout, { hdr: hdr(CommandType.SET_SCANOUT), r: { x: 0, y: 0, width: w, height: h }, scanoutId: 0, resourceId: res }));
    t.writer.memory(res, 0, guest);
    const whole = { x: 0, y: 0, width: w, height: h };
    t.command(encode(W.TransferToHost2d, { hdr: hdr(CommandType.TRANSFER_TO_HOST_2D), r: whole, offset: 0, resourceId: res }));
    t.command(encode(W.ResourceFlush, { hdr: hdr(CommandType.RESOURCE_FLUSH), r: whole, resourceId: res }));
    // Rows 2-3 change; a transfer the device refused must not be replayed.
    const changed = guest.slice(2 * stride);
    changed.fill(0xee);
    t.writer.memory(res, 2 * stride, changed);
    t.command(encode(W.TransferToHost2d, { hdr: hdr(CommandType.TRANSFER_TO_HOST_2D), r: whole, offset: 0, resourceId: res }), ResponseType.ERR_INVALID_PARAMETER);
    t.command(encode(W.TransferToHost2d, { hdr: hdr(CommandType.TRANSFER_TO_HOST_2D), r: { x: 0, y: 2, width: w, height: 1 }, offset: 2 * stride, resourceId: res }));
    t.command(encode(W.ResourceFlush, { hdr: hdr(CommandType.RESOURCE_FLUSH), r: whole, resourceId: res }));

    const { run, out } = await replay('upload', t.bytes());
    expect(run.status).toBe(0);
    expect(run.summary?.totals).toMatchObject({ frames: 2, readbacks: 0, renderer_errors: 0, skipped_failed: 1 });
    expect(run.summary?.commands['TRANSFER_TO_HOST_2D']).toEqual({ replayed: 2, skipped: 1 });
    const expected = (bytes: Uint8Array, x: number, y: number): number[] => {
      const at = y * stride + x * 4;
      return [bytes[at + 2] as number, bytes[at + 1] as number, bytes[at] as number, 255];
    };
    const first = pixels(frameFile(out, 0));
    const second = pixels(frameFile(out, 1));
    const updated = guest.slice();
    updated.fill(0xee, 2 * stride, 3 * stride);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        expect(pixelAt(first, x, y), `first frame ${x},${y}`).toEqual(expected(guest, x, y));
        expect(pixelAt(second, x, y), `second frame ${x},${y}`).toEqual(expected(updated, x, y));
      }
    }
    // Only the second flush's frame (command 7), under its full run's name, the same picture.
    const only = await replay('upload-second-frame', t.bytes(), { framesOf: [7] });
    expect(only.run.status).toBe(0);
    expect(only.run.summary?.totals).toMatchObject({ frames: 2 });
    expect(readdirSync(only.out)).toEqual(['frame-00001-s0-r20.png']);
    expect(readFileSync(join(only.out, 'frame-00001-s0-r20.png'))).toEqual(readFileSync(frameFile(out, 1)));
  });

  it('pictures a guest-memory blob scanout straight from its backing, at its offset and stride, keeping alpha', async () => {
    const t = new Trace();
    t.writer.device(1n, [{ width: 4, height: 3 }]);
    const blob = 40;
    const [w, h, stride, offset] = [4, 3, 32, 16];
    const size = offset + stride * h;
    t.command(encode(W.ResourceCreateBlob, {
      hdr: hdr(CommandType.RESOURCE_CREATE_BLOB), resourceId: blob, blobMem: BlobMem.GUEST, blobFlags: 0, nrEntries: 1, blobId: 0n, size,
    }, memEntries([[0x40000, size]])));
    const guest = new Uint8Array(size);
    for (let i = 0; i < size; i++) guest[i] = (i * 11 + 3) & 0xff;
    t.writer.memory(blob, 0, guest);
    t.command(encode(W.SetScanoutBlob, {
      hdr: hdr(CommandType.SET_SCANOUT_BLOB), r: { x: 0, y: 0, width: w, height: h }, scanoutId: 0, resourceId: blob, width: w, height: h,
      format: Format.R8G8B8A8_UNORM, strides: [stride, 0, 0, 0], offsets: [offset, 0, 0, 0],
    }));
    t.command(encode(W.ResourceFlush, { hdr: hdr(CommandType.RESOURCE_FLUSH), r: { x: 0, y: 0, width: w, height: h }, resourceId: blob }));

    const { run, out } = await replay('blob', t.bytes());
    expect(run.status).toBe(0);
    expect(run.summary?.totals).toMatchObject({ frames: 1, renderer_errors: 0 });
    expect(run.summary?.notes).toEqual({ 'guest-blob': 1 });
    const frame = pixels(frameFile(out, 0));
    expect([frame.width, frame.height]).toEqual([w, h]);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(pixelAt(frame, x, y)).toEqual([...guest.subarray(offset + y * stride + x * 4, offset + y * stride + x * 4 + 4)]);
  });

  it('ends a truncated or foreign trace with a clear error, and counts odd records without failing', async () => {
    const t = new Trace();
    t.writer.device(1n, [{ width: 8, height: 8 }]);
    t.command(encode(W.ResourceCreate2d, { hdr: hdr(CommandType.RESOURCE_CREATE_2D), resourceId: 1, format: Format.B8G8R8X8_UNORM, width: 8, height: 8 }));
    const whole = t.bytes();

    const truncated = await replay('truncated', whole.subarray(0, whole.length - 3));
    expect(truncated.run.status).toBe(1);
    expect(truncated.run.stderr).toMatch(/malformed trace .*record 2 at byte \d+: truncated record: kind 3 claims 48 payload bytes, 45 are left/);
    expect(truncated.run.summary).toBeUndefined();

    const foreign = whole.slice();
    foreign[0] = 0x58;
    const notOurs = await replay('foreign', foreign);
    expect(notOurs.run.status).toBe(1);
    expect(notOurs.run.stderr).toMatch(/no VGWTRACE magic/);

    // Well framed but odd: an unknown record kind, a request too short for its command, a flush of a resource never created,
    // a virgl stream whose command overruns it.
    const odd = new Trace();
    odd.writer.device(1n, [{ width: 8, height: 8 }]);
    odd.command(encode(W.CtxCreate, { hdr: hdr(CommandType.CTX_CREATE, { ctxId: 1 }), nlen: 0, contextInit: 0, debugName: new Uint8Array(0) }));
    const overrun = new Uint8Array(new Uint32Array([cmd0(Virgl.CCMD_CLEAR, 0, 8), Virgl.PIPE_CLEAR_COLOR0]).buffer);
    odd.command(encode(W.CmdSubmit, { hdr: hdr(CommandType.SUBMIT_3D, { ctxId: 1 }), size: overrun.length, numInFences: 0 }, [overrun]));
    const unknownKind = new Uint8Array([99, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4]);
    odd.command(encode(W.HeaderOnly, { hdr: hdr(CommandType.RESOURCE_CREATE_3D) }));
    odd.command(encode(W.ResourceFlush, { hdr: hdr(CommandType.RESOURCE_FLUSH), r: { x: 0, y: 0, width: 8, height: 8 }, resourceId: 77 }));
    const oddBytes = Buffer.concat([odd.bytes(), unknownKind]);
    const { run } = await replay('odd', oddBytes, { stats: true });
    expect(run.status).toBe(0);
    expect(run.summary?.totals).toMatchObject({ frames: 0, unknown_records: 1, renderer_errors: 0, stream_errors: 1 });
    expect(run.summary?.notes).toEqual({ 'virgl-stream-truncated': 1, 'request-too-short': 1, 'unknown-resource': 1, 'unknown-record': 1 });
  });
});

/** The PNG of frame `n` of scanout 0, whichever resource it shows. */
function frameFile(dir: string, n: number): string {
  const prefix = `frame-${String(n).padStart(5, '0')}-s0-r`;
  const name = readdirSync(dir).find((f) => f.startsWith(prefix));
  if (!name) throw new Error(`no ${prefix}*.png in ${dir}`);
  return join(dir, name);
}
