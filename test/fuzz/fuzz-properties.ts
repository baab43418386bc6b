/**
 * Property-based fuzzing of the device on three levels: single commands,
 * virtqueues, and command sequences (random, and mutations of what the real
 * guest sent); runFuzz runs them with the virgl stream and TGSI levels
 * (virgl-stream-fuzz.ts, tgsi-fuzz.ts). Every device case checks the same
 * invariants:
 *   - nothing throws out of the device or the queue server;
 *   - every request gets exactly one response, a valid response type, and
 *     ERR_UNSPEC for a truncated or unknown request;
 *   - the device never attempts to access outside guest memory (GuardMemory);
 *   - host memory and resource counts stay within the configured limits;
 *   - afterwards the device still serves a valid command sequence correctly.
 */
import fc from 'fast-check';
import { createMemoryPresenter, VirtioGpuDevice } from '../../src/index.ts';
import { BlobMem, CommandType as C, ResponseType as R } from '../../src/protocol/constants.ts';
import type { StructCodec } from '../../src/protocol/codec.ts';
import * as W from '../../src/protocol/structs.ts';
import { serveControlQueue, serveCursorQueue } from '../../src/virtio/gpu-queues.ts';
import { DescFlag, SplitVirtqueue } from '../../src/virtio/virtqueue.ts';
import { CORPUS_MEMORY_BYTES, CORPUS_SCANOUTS, loadCorpus } from './corpus.ts';
import { GuardMemory } from './guard-memory.ts';
import { applyEdits, editsOf, mutate, mutationOf, u32 } from './mutations.ts';
import { fail, fuzzProperty, runProperties, type FuzzOptions, type FuzzProperty, type FuzzReport } from './runner.ts';
import { TGSI_PROPERTIES } from './tgsi-fuzz.ts';
import { VIRGL_STREAM_PROPERTIES } from './virgl-stream-fuzz.ts';

export type { FuzzOptions, FuzzReport } from './runner.ts';

const hdr = (type: number): W.CtrlHeader => ({ type, flags: 0, fenceId: 0n, ctxId: 0, ringIdx: 0 });

export const FUZZ_LIMITS = { maxResources: 64, maxHostBytes: 8 << 20, maxDimension: 4096, maxBackingEntries: 64, maxPendingFences: 16, maxContexts: 8, maxSubmitBytes: 4096 };
const VALID_RESPONSES = new Set<number>(Object.values(R));

/** Shared between cases: allocating guest RAM per case would dominate the run. */
const memory = new GuardMemory(CORPUS_MEMORY_BYTES);
const corpus = loadCorpus();

// ---- value generators, weighted towards the boundaries

const resourceId = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(1, 2, 3, 4) }, { weight: 1, arbitrary: fc.constantFrom(0, 0xffff_ffff) }, { weight: 1, arbitrary: u32 });
const scanoutId = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: u32 });
const format = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(1, 2, 3, 4, 67, 68, 121, 134) }, { weight: 1, arbitrary: u32 });
const dimension = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 32 }) },
  { weight: 1, arbitrary: fc.integer({ min: 33, max: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 15, 16, 64, 4095, 4096, 4097, 0xffff, 0xffff_ffff) },
);
const U64_EDGES = [0, 4096, CORPUS_MEMORY_BYTES - 4096, CORPUS_MEMORY_BYTES - 1, CORPUS_MEMORY_BYTES, 2 ** 32, 2 ** 53 - 1, 2 ** 60];
const u64 = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: CORPUS_MEMORY_BYTES }) }, { weight: 1, arbitrary: fc.constantFrom(...U64_EDGES) });
/** Offsets into small resources and backings, mostly pixel-aligned, sometimes anywhere. */
const offset = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 4096 }).map((n) => n * 4) }, { weight: 1, arbitrary: u64 });
const coordinate = fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 64 }) }, { weight: 1, arbitrary: u32 });
/** Guest addresses near the fuzz cases' backing and near the end of guest memory. */
const SETUP_ADDR = CORPUS_MEMORY_BYTES - (1 << 20);
const guestAddr = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: (1 << 20) - 1 }).map((n) => SETUP_ADDR + n) },
  { weight: 1, arbitrary: fc.nat({ max: 65536 }).map((n) => CORPUS_MEMORY_BYTES - n) },
  { weight: 1, arbitrary: u64 },
);
const entryLength = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(1, 4, 256, 4096, 16384, 65536) }, { weight: 1, arbitrary: fc.constantFrom(0, 0xffff_ffff) }, { weight: 1, arbitrary: fc.nat({ max: 0xffff_ffff }) });

/** A value of a struct field, chosen by the field's name; `ids` picks resource ids. */
function fieldArbitrary(template: unknown, name: string, ids: fc.Arbitrary<number> = resourceId): fc.Arbitrary<unknown> {
  if (typeof template === 'bigint') return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
  if (template instanceof Uint8Array) return fc.uint8Array({ minLength: template.length, maxLength: template.length });
  if (Array.isArray(template)) return fc.tuple(...template.map((t) => fieldArbitrary(t, name, ids)));
  if (typeof template === 'object' && template !== null) {
    return fc.record(Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fieldArbitrary(v, k, ids)])));
  }
  if (/resourceId/.test(name)) return ids;
  if (/scanout/.test(name)) return scanoutId;
  if (name === 'format') return format;
  if (/^(width|height|w|h)$/.test(name)) return dimension;
  if (name === 'offset') return offset;
  if (name === 'x' || name === 'y') return coordinate;
  if (name === 'addr') return guestAddr;
  if (name === 'size') return fc.oneof(fc.constantFrom(4096, 16384, 65536), u64);
  if (name === 'nrEntries') return fc.oneof(fc.integer({ min: 0, max: 4 }), u32);
  if (name === 'blobMem') return fc.oneof(fc.constant(BlobMem.GUEST), u32);
  if (name === 'flags') return fc.nat({ max: 3 });
  if (name === 'ctxId') return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 1, 2) }, { weight: 1, arbitrary: u32 });
  if (name === 'target') return fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 9 }) }, { weight: 1, arbitrary: u32 });
  if (/^(depth|arraySize|lastLevel|nrSamples|d|z|level)$/.test(name)) return fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 7 }) }, { weight: 1, arbitrary: u32 });
  if (name === 'contextInit') return fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: u32 });
  if (name === 'nlen') return fc.nat({ max: 80 });
  if (name === 'ringIdx') return fc.nat({ max: 255 });
  return u32;
}

/** Control commands and the struct each is read as. */
const CONTROL: [number, StructCodec<{ hdr: W.CtrlHeader }>][] = [
  [C.GET_DISPLAY_INFO, W.HeaderOnly],
  [C.RESOURCE_CREATE_2D, W.ResourceCreate2d],
  [C.RESOURCE_UNREF, W.ResourceOnly],
  [C.SET_SCANOUT, W.SetScanout],
  [C.RESOURCE_FLUSH, W.ResourceFlush],
  [C.TRANSFER_TO_HOST_2D, W.TransferToHost2d],
  [C.RESOURCE_ATTACH_BACKING, W.ResourceAttachBacking],
  [C.RESOURCE_DETACH_BACKING, W.ResourceOnly],
  [C.GET_CAPSET_INFO, W.GetCapsetInfo],
  [C.GET_CAPSET, W.GetCapset],
  [C.GET_EDID, W.GetEdid],
  [C.RESOURCE_ASSIGN_UUID, W.ResourceOnly],
  [C.RESOURCE_CREATE_BLOB, W.ResourceCreateBlob],
  [C.SET_SCANOUT_BLOB, W.SetScanoutBlob],
  [C.CTX_CREATE, W.CtxCreate],
  [C.RESOURCE_CREATE_3D, W.ResourceCreate3d],
  [C.TRANSFER_TO_HOST_3D, W.TransferHost3d],
  [C.SUBMIT_3D, W.CmdSubmit],
  [C.CTX_DESTROY, W.HeaderOnly],
  [C.CTX_ATTACH_RESOURCE, W.ResourceOnly],
  [C.CTX_DETACH_RESOURCE, W.ResourceOnly],
  [C.TRANSFER_FROM_HOST_3D, W.TransferHost3d],
  [C.RESOURCE_MAP_BLOB, W.ResourceMapBlob],
];

const memEntries = fc.array(fc.record({ addr: guestAddr, length: entryLength }), { maxLength: 6 });

/** A control request: a struct with boundary-weighted fields, maybe scatter entries, maybe mutated bytes. */
/** The 2D and blob commands, which reach the most code, come up three times as often as the rest. */
const controlType = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...CONTROL.slice(0, 14)) }, { weight: 1, arbitrary: fc.constantFrom(...CONTROL) });

const structuredControl = (ids: fc.Arbitrary<number> = resourceId): fc.Arbitrary<Uint8Array> => controlType
  .chain(([type, codec]) =>
    fc.tuple(fieldArbitrary(codec.zero(), '', ids), memEntries, fc.nat({ max: 3 })).map(([value, entries, honest]) => {
      const v = value as { hdr: W.CtrlHeader; nrEntries?: number };
      v.hdr.type = type;
      // Mostly announce as many scatter entries as follow; sometimes lie.
      if ('nrEntries' in v && honest > 0) v.nrEntries = entries.length;
      const head = codec.encode(v);
      const tail = entries.map((e) => W.MemEntry.encode(e));
      const out = new Uint8Array(head.length + tail.length * 16);
      out.set(head);
      tail.forEach((t, i) => out.set(t, head.length + i * 16));
      return out;
    }),
  );

const corpusControl = fc.constantFrom(...corpus.filter((c) => c.queue === 'control').map((c) => c.bytes));

/** Requests are short and their headers and fixed fields come first: mutations stay within the first 120 bytes. */
const mutation = mutationOf({ reach: 120 });

const controlRequestFor = (ids: fc.Arbitrary<number>): fc.Arbitrary<Uint8Array> => fc
  .tuple(fc.oneof({ weight: 3, arbitrary: structuredControl(ids) }, { weight: 1, arbitrary: corpusControl }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) }), mutation)
  .map(([bytes, m]) => mutate(bytes, m));
export const controlRequest = controlRequestFor(resourceId);

export const cursorRequest: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.oneof(
      fieldArbitrary(W.UpdateCursor.zero(), '').map((v) => {
        const c = v as ReturnType<typeof W.UpdateCursor.zero>;
        c.hdr.type = c.hdr.type % 2 === 0 ? C.UPDATE_CURSOR : C.MOVE_CURSOR;
        return W.UpdateCursor.encode(c);
      }),
      fc.constantFrom(...corpus.filter((c) => c.queue === 'cursor').map((c) => c.bytes)),
    ),
    mutation,
  )
  .map(([bytes, m]) => mutate(bytes, m));

type HostAction = { resize: number; width: number; height: number } | { plug: number; connected: boolean };
const hostAction: fc.Arbitrary<HostAction> = fc.oneof(
  fc.record({ resize: fc.nat({ max: 1 }), width: fc.integer({ min: 16, max: 1024 }), height: fc.integer({ min: 16, max: 768 }) }),
  fc.record({ plug: fc.nat({ max: 1 }), connected: fc.boolean() }),
);

export type Step = { control: Uint8Array } | { cursor: Uint8Array } | { host: HostAction };
const stepFor = (ids: fc.Arbitrary<number>): fc.Arbitrary<Step> => fc.oneof(
  { weight: 8, arbitrary: controlRequestFor(ids).map((control) => ({ control })) },
  { weight: 2, arbitrary: cursorRequest.map((cursor) => ({ cursor })) },
  { weight: 1, arbitrary: hostAction.map((host) => ({ host })) },
);
/** Half the random sequences aim every command at one resource id, so commands build on each other. */
const randomSequence = fc.oneof(
  fc.array(stepFor(resourceId), { minLength: 1, maxLength: 40 }),
  fc.constantFrom(1, 2, 3, 4, 5).chain((id) => fc.array(stepFor(fc.constant(id)), { minLength: 1, maxLength: 40 })),
);

/**
 * A prefix of the real guest's requests in order, with edits: dropped,
 * repeated, swapped or mutated requests. Failures shrink to a short prefix.
 */
const corpusSequence: fc.Arbitrary<Step[]> = fc
  .tuple(
    fc.integer({ min: 1, max: corpus.length }),
    editsOf(mutation, corpus.length - 1, 12),
  )
  .map(([length, edits]) => {
    const steps: Step[] = corpus.slice(0, length).map((c) => (c.queue === 'control' ? { control: c.bytes } : { cursor: c.bytes }));
    return applyEdits(steps, edits, (s, m) => ('control' in s ? { control: mutate(s.control, m) } : s));
  });

/** A fresh resource (2D with backing, or a guest blob) made by valid commands, then steps aimed at it. */
const scenarioSequence: fc.Arbitrary<Step[]> = fc
  .tuple(fc.boolean(), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), format, memEntries, fc.array(stepFor(fc.constant(5)), { minLength: 1, maxLength: 30 }))
  .map(([blob, width, height, fmt, entries, steps]) => {
    const tail = entries.map((e) => W.MemEntry.encode(e));
    const withEntries = (head: Uint8Array) => Uint8Array.from([...head, ...tail.flatMap((t) => [...t])]);
    const setup: Step[] = blob
      ? [{ control: withEntries(W.ResourceCreateBlob.encode({ hdr: hdr(C.RESOURCE_CREATE_BLOB), resourceId: 5, blobMem: BlobMem.GUEST, blobFlags: 2, nrEntries: entries.length, blobId: 0n, size: width * height * 4 })) }]
      : [
          { control: W.ResourceCreate2d.encode({ hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 5, format: fmt, width, height }) },
          { control: withEntries(W.ResourceAttachBacking.encode({ hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 5, nrEntries: entries.length })) },
        ];
    return [...setup, ...steps];
  });

export const sequence: fc.Arbitrary<Step[]> = fc.oneof({ weight: 3, arbitrary: randomSequence }, { weight: 2, arbitrary: scenarioSequence }, { weight: 1, arbitrary: corpusSequence });

// ---- running a case and checking the invariants

export function newDevice(): VirtioGpuDevice {
  memory.violations.length = 0;
  return new VirtioGpuDevice({ memory, scanouts: CORPUS_SCANOUTS, presenter: createMemoryPresenter(), limits: FUZZ_LIMITS, features: { virgl: true, contextInit: true }, log: () => {} });
}

/**
 * The state every case starts from, so single commands meet real objects:
 * 1 a backed 2D resource on scanout 0, 2 a guest blob on scanout 1, 3 a
 * 64x64 cursor resource, 4 a 2D resource without backing (5 stays free);
 * 3D context 1, with resource 1 attached.
 */
const SETUP: Uint8Array[] = [
  W.ResourceCreate2d.encode({ hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 1, format: 2, width: 64, height: 48 }),
  Uint8Array.from([...W.ResourceAttachBacking.encode({ hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 1, nrEntries: 2 }), ...W.MemEntry.encode({ addr: SETUP_ADDR, length: 8192 }), ...W.MemEntry.encode({ addr: SETUP_ADDR + 65536, length: 4096 })]),
  W.SetScanout.encode({ hdr: hdr(C.SET_SCANOUT), r: { x: 0, y: 0, width: 64, height: 48 }, scanoutId: 0, resourceId: 1 }),
  Uint8Array.from([...W.ResourceCreateBlob.encode({ hdr: hdr(C.RESOURCE_CREATE_BLOB), resourceId: 2, blobMem: BlobMem.GUEST, blobFlags: 2, nrEntries: 1, blobId: 0n, size: 16384 }), ...W.MemEntry.encode({ addr: SETUP_ADDR + 131072, length: 16384 })]),
  W.SetScanoutBlob.encode({ hdr: hdr(C.SET_SCANOUT_BLOB), r: { x: 0, y: 0, width: 64, height: 48 }, scanoutId: 1, resourceId: 2, width: 64, height: 48, format: 2, strides: [256, 0, 0, 0], offsets: [0, 0, 0, 0] }),
  W.ResourceCreate2d.encode({ hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 3, format: 1, width: 64, height: 64 }),
  Uint8Array.from([...W.ResourceAttachBacking.encode({ hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 3, nrEntries: 1 }), ...W.MemEntry.encode({ addr: SETUP_ADDR + 262144, length: 16384 })]),
  W.ResourceCreate2d.encode({ hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 4, format: 67, width: 32, height: 32 }),
  W.CtxCreate.encode({ hdr: { ...hdr(C.CTX_CREATE), ctxId: 1 }, nlen: 4, contextInit: 2, debugName: new Uint8Array(64) }),
  W.ResourceOnly.encode({ hdr: { ...hdr(C.CTX_ATTACH_RESOURCE), ctxId: 1 }, resourceId: 1 }),
];

export async function populatedDevice(): Promise<VirtioGpuDevice> {
  const device = newDevice();
  for (const request of SETUP) {
    const type = W.CtrlHeader.decode(await device.controlCommand(request)).type;
    if (type !== R.OK_NODATA) fail(`fuzz setup: 0x${W.CtrlHeader.decode(request).type.toString(16)} answered 0x${type.toString(16)}`);
  }
  return device;
}

function checkResponse(request: Uint8Array, response: Uint8Array): void {
  if (response.length < W.CtrlHeader.size) fail(`response of ${response.length} bytes`);
  const type = W.CtrlHeader.decode(response).type;
  if (!VALID_RESPONSES.has(type as never)) fail(`response type 0x${type.toString(16)}`);
  if (request.length < W.CtrlHeader.size && type !== R.ERR_UNSPEC) fail(`a ${request.length}-byte request answered 0x${type.toString(16)}`);
  const requestType = request.length >= 4 ? ((request[0] as number) | ((request[1] as number) << 8) | ((request[2] as number) << 16) | ((request[3] as number) << 24)) >>> 0 : 0;
  const known = CONTROL.find(([t]) => t === requestType);
  if (!known && type !== R.ERR_UNSPEC) fail(`unknown command 0x${requestType.toString(16)} answered 0x${type.toString(16)}`);
}

function checkDevice(device: VirtioGpuDevice): void {
  if (memory.violations.length) fail(`guest memory accessed outside its bounds: ${memory.violations.join('; ')}`);
  const { count, bytes } = device.resourceUsage;
  if (count > FUZZ_LIMITS.maxResources) fail(`${count} resources, limit ${FUZZ_LIMITS.maxResources}`);
  if (bytes >= FUZZ_LIMITS.maxHostBytes) fail(`${bytes} host bytes, limit ${FUZZ_LIMITS.maxHostBytes}`);
}

/** Runs one step; every control request must be answered exactly once. */
export async function runStep(device: VirtioGpuDevice, s: Step): Promise<void> {
  if ('control' in s) {
    let result;
    try {
      result = device.executeControl(s.control);
    } catch (error) {
      fail(`executeControl threw: ${String(error)}`);
    }
    checkResponse(s.control, result instanceof Uint8Array ? result : await result);
  } else if ('cursor' in s) {
    try {
      device.executeCursor(s.cursor);
    } catch (error) {
      fail(`executeCursor threw: ${String(error)}`);
    }
  } else if ('resize' in s.host) {
    device.configureScanout(s.host.resize, { width: s.host.width, height: s.host.height });
  } else {
    device.configureScanout(s.host.plug, { connected: s.host.connected });
  }
  checkDevice(device);
}

const HEALTH_ID = 0x7fff_0001;
const ok = async (device: VirtioGpuDevice, codec: StructCodec<{ hdr: W.CtrlHeader }>, value: { hdr: W.CtrlHeader }, tail?: Uint8Array) => {
  const head = codec.encode(value);
  const request = tail ? Uint8Array.from([...head, ...tail]) : head;
  const type = W.CtrlHeader.decode(await device.controlCommand(request)).type;
  if (type !== R.OK_NODATA) fail(`health check: command 0x${value.hdr.type.toString(16)} answered 0x${type.toString(16)}`);
};

/** After any case, a valid sequence must still work: a fresh resource shown, a pixel transferred and flushed. */
export async function healthCheck(device: VirtioGpuDevice): Promise<void> {
  await device.controlCommand(W.ResourceOnly.encode({ hdr: hdr(C.RESOURCE_UNREF), resourceId: HEALTH_ID }));
  device.executeCursor(W.UpdateCursor.encode({ hdr: hdr(C.MOVE_CURSOR), pos: { scanoutId: 0, x: 0, y: 0 }, resourceId: 0, hotX: 0, hotY: 0 }));
  const addr = CORPUS_MEMORY_BYTES - 4096;
  memory.ram.fill(0, addr, addr + 1024);
  memory.ram.set([0x11, 0x22, 0x33, 0x00], addr);
  await ok(device, W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: HEALTH_ID, format: 2, width: 16, height: 16 } as never);
  await ok(device, W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: HEALTH_ID, nrEntries: 1 } as never, W.MemEntry.encode({ addr, length: 1024 }));
  await ok(device, W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r: { x: 0, y: 0, width: 16, height: 16 }, scanoutId: 0, resourceId: HEALTH_ID } as never);
  await ok(device, W.TransferToHost2d, { hdr: hdr(C.TRANSFER_TO_HOST_2D), r: { x: 0, y: 0, width: 16, height: 16 }, offset: 0, resourceId: HEALTH_ID } as never);
  await ok(device, W.ResourceFlush, { hdr: hdr(C.RESOURCE_FLUSH), r: { x: 0, y: 0, width: 16, height: 16 }, resourceId: HEALTH_ID } as never);
  const capture = await device.captureScanout(0);
  const pixel = Array.from(capture.data.subarray(0, 4)).join();
  if (pixel !== '51,34,17,255') fail(`health check: scanout 0 shows ${pixel} at (0,0), want 51,34,17,255`);
  await ok(device, W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: HEALTH_ID } as never);
  checkDevice(device);
}

// ---- the virtqueue level

const QUEUE_MEMORY = 1 << 16;
const queueMemory = new GuardMemory(QUEUE_MEMORY);
const QUEUE = { size: 8, descAddr: 0x1000, availAddr: 0x2000, usedAddr: 0x3000 };

const descriptor = fc.record({
  addr: fc.oneof(fc.constantFrom(0x8000, 0x9000, 0x5000, 0x6000), fc.constantFrom(0, QUEUE_MEMORY - 16, QUEUE_MEMORY, 2 ** 40), fc.nat({ max: QUEUE_MEMORY })),
  len: fc.oneof(fc.constantFrom(0, 16, 24, 32, 48, 408, 1056, 4096), fc.nat({ max: 0xffff_ffff })),
  flags: fc.nat({ max: 7 }),
  next: fc.oneof(fc.nat({ max: 9 }), fc.nat({ max: 0xffff })),
});

export const queueCase = fc.record({
  table: fc.array(descriptor, { minLength: 8, maxLength: 8 }),
  indirect: fc.array(descriptor, { maxLength: 8 }),
  heads: fc.array(fc.oneof(fc.nat({ max: 7 }), fc.nat({ max: 0xffff })), { maxLength: 10 }),
  availStep: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 0xffff }) }),
  noInterrupt: fc.boolean(),
  request: controlRequest,
  cursor: fc.boolean(),
});

/** Builds the rings in guest memory as a (hostile) driver would, serves them, and checks the used ring. */
export type QueueCase = typeof queueCase extends fc.Arbitrary<infer T> ? T : never;

export async function runQueueCase(device: VirtioGpuDevice, c: QueueCase): Promise<void> {
  const ram = queueMemory.ram;
  ram.fill(0);
  queueMemory.violations.length = 0;
  const view = new DataView(ram.buffer);
  const writeDesc = (at: number, d: { addr: number; len: number; flags: number; next: number }) => {
    view.setBigUint64(at, BigInt(d.addr), true);
    view.setUint32(at + 8, d.len, true);
    view.setUint16(at + 12, d.flags, true);
    view.setUint16(at + 14, d.next, true);
  };
  c.table.forEach((d, i) => writeDesc(QUEUE.descAddr + 16 * i, d));
  c.indirect.forEach((d, i) => writeDesc(0x5000 + 16 * i, d));
  ram.set(c.request.subarray(0, 0x1000), 0x8000);
  c.heads.forEach((h, i) => view.setUint16(QUEUE.availAddr + 4 + 2 * (i % QUEUE.size), h, true));
  view.setUint16(QUEUE.availAddr, c.noInterrupt ? 1 : 0, true);
  const offered = Math.min(c.heads.length, QUEUE.size);
  view.setUint16(QUEUE.availAddr + 2, (offered + c.availStep) & 0xffff, true);
  const queue = new SplitVirtqueue(queueMemory, QUEUE, { maxChainLength: 16, maxRequestBytes: 1 << 14 });
  const broken: string[] = [];
  const events = { interrupt: () => {}, broken: (r: string) => broken.push(r), log: () => {} };
  try {
    (c.cursor ? serveCursorQueue : serveControlQueue)(queue, device, events);
  } catch (error) {
    fail(`serving the queue threw: ${String(error)}`);
  }
  await new Promise((resolve) => setImmediate(resolve));
  if (queueMemory.violations.length) fail(`queue memory accessed outside its bounds: ${queueMemory.violations.join('; ')}`);
  const usedIdx = view.getUint16(QUEUE.usedAddr + 2, true);
  const consumed = queue.position.lastAvail;
  if (!broken.length && usedIdx !== consumed) fail(`${consumed} chains taken, ${usedIdx} returned`);
  for (let i = 0; i < usedIdx; i++) {
    const id = view.getUint32(QUEUE.usedAddr + 4 + 8 * (i % QUEUE.size), true);
    if (id >= QUEUE.size) fail(`used ring returns descriptor ${id}`);
  }
  checkDevice(device);
}

const COMMAND_NAMES = new Map<number, string>(Object.entries(C).map(([name, value]) => [value, name]));

/** One line per request: the command's name, then its bytes. */
export function describeCase(value: unknown): string[] {
  const line = (queue: string, bytes: Uint8Array) => {
    const type = bytes.length >= 4 ? ((bytes[0] as number) | ((bytes[1] as number) << 8) | ((bytes[2] as number) << 16) | ((bytes[3] as number) << 24)) >>> 0 : -1;
    return `${queue} ${COMMAND_NAMES.get(type) ?? (type < 0 ? 'short' : `0x${type.toString(16)}`)} (${bytes.length} bytes) ${Buffer.from(bytes).toString('hex')}`;
  };
  const one = (v: unknown): string[] => {
    if (v instanceof Uint8Array) return [line('control', v)];
    if (Array.isArray(v)) return v.flatMap(one);
    if (v && typeof v === 'object' && 'control' in v) return [line('control', (v as { control: Uint8Array }).control)];
    if (v && typeof v === 'object' && 'cursor' in v) return [line('cursor', (v as { cursor: Uint8Array }).cursor)];
    if (v && typeof v === 'object' && 'host' in v) return [`host ${JSON.stringify((v as { host: unknown }).host)}`];
    return [JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x))];
  };
  return one(value);
}

/** The device's levels: each case starts from the populated device and ends with the health check. */
export const DEVICE_PROPERTIES: readonly FuzzProperty[] = [
  fuzzProperty('single control commands', 0.4, controlRequest, async (request) => { const d = await populatedDevice(); await runStep(d, { control: request }); await healthCheck(d); }, describeCase),
  fuzzProperty('single cursor commands', 0.1, cursorRequest, async (request) => { const d = await populatedDevice(); await runStep(d, { cursor: request }); await healthCheck(d); }, describeCase),
  fuzzProperty('virtqueues', 0.2, queueCase, async (c) => { const d = await populatedDevice(); await runQueueCase(d, c); await healthCheck(d); }, describeCase),
  fuzzProperty('command sequences', 0.3, sequence, async (steps) => { const d = await populatedDevice(); for (const s of steps) await runStep(d, s); await healthCheck(d); }, describeCase),
];

export const ALL_PROPERTIES: readonly FuzzProperty[] = [...DEVICE_PROPERTIES, ...VIRGL_STREAM_PROPERTIES, ...TGSI_PROPERTIES];

/** Runs `properties` (every level unless told), splitting `iterations` between them by their shares; returns fast-check's report for each. */
export function runFuzz(options: FuzzOptions & { properties?: readonly FuzzProperty[] }): Promise<FuzzReport[]> {
  return runProperties(options.properties ?? ALL_PROPERTIES, options);
}
