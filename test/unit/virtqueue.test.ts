import { describe, expect, it } from 'vitest';
import { createMemoryPresenter, createVirtioGpu, wrapGuestMemory } from '../../src/index.ts';
import { CommandType as C, ResponseType as R } from '../../src/protocol/constants.ts';
import * as W from '../../src/protocol/structs.ts';
import { serveControlQueue, serveCursorQueue, type QueueEvents } from '../../src/virtio/gpu-queues.ts';
import { ChainError, DescFlag, SplitVirtqueue, VirtqueueError } from '../../src/virtio/virtqueue.ts';
import { encode, hdr } from './helpers.ts';

const SIZE = 8;
const DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000;

/** A driver's side of one split queue, laid out in a flat guest RAM. */
class Driver {
  readonly ram = new Uint8Array(1 << 20);
  readonly view = new DataView(this.ram.buffer);
  readonly memory = wrapGuestMemory(this.ram);
  private availIdx = 0;

  desc(table: number, i: number, addr: number, len: number, flags: number, next = 0): void {
    const at = table + 16 * i;
    this.view.setBigUint64(at, BigInt(addr), true);
    this.view.setUint32(at + 8, len, true);
    this.view.setUint16(at + 12, flags, true);
    this.view.setUint16(at + 14, next, true);
  }

  offer(head: number, idxStep = 1): void {
    this.view.setUint16(AVAIL + 4 + 2 * (this.availIdx % SIZE), head, true);
    this.availIdx = (this.availIdx + idxStep) & 0xffff;
    this.view.setUint16(AVAIL + 2, this.availIdx, true);
  }

  used(i: number): { id: number; len: number } {
    return { id: this.view.getUint32(USED + 4 + 8 * i, true), len: this.view.getUint32(USED + 8 + 8 * i, true) };
  }

  get usedIdx(): number {
    return this.view.getUint16(USED + 2, true);
  }

  queue(): SplitVirtqueue {
    return new SplitVirtqueue(this.memory, { size: SIZE, descAddr: DESC, availAddr: AVAIL, usedAddr: USED });
  }
}

describe('SplitVirtqueue', () => {
  it('walks a chain of readable then writable buffers, gathering and scattering across segments', () => {
    const d = new Driver();
    d.ram.set([1, 2, 3], 0x8000);
    d.ram.set([4, 5], 0x9000);
    d.desc(DESC, 3, 0x8000, 3, DescFlag.NEXT, 5);
    d.desc(DESC, 5, 0x9000, 2, DescFlag.NEXT, 0);
    d.desc(DESC, 0, 0xa000, 2, DescFlag.WRITE | DescFlag.NEXT, 1);
    d.desc(DESC, 1, 0xb000, 8, DescFlag.WRITE);
    d.offer(3);
    const q = d.queue();
    const chain = q.pop()!;
    expect(chain.head).toBe(3);
    expect(Array.from(q.gather(chain))).toEqual([1, 2, 3, 4, 5]);
    expect(q.scatter(chain, new Uint8Array([9, 8, 7, 6, 5]))).toBe(5);
    expect(Array.from(d.ram.subarray(0xa000, 0xa002))).toEqual([9, 8]);
    expect(Array.from(d.ram.subarray(0xb000, 0xb003))).toEqual([7, 6, 5]);
    expect(q.pushUsed(chain.head, 5)).toBe(true);
    expect(d.usedIdx).toBe(1);
    expect(d.used(0)).toEqual({ id: 3, len: 5 });
    expect(q.pop()).toBeNull();
  });

  it('writes nothing once retired by a device reset: the rings belong to the driver again', () => {
    const d = new Driver();
    d.desc(DESC, 0, 0xa000, 4, DescFlag.WRITE);
    d.offer(0);
    const q = d.queue();
    const chain = q.pop()!;
    q.retire();
    expect(q.scatter(chain, new Uint8Array([1, 2, 3, 4]))).toBe(0);
    expect(q.pushUsed(chain.head, 4)).toBe(false);
    expect(Array.from(d.ram.subarray(0xa000, 0xa004))).toEqual([0, 0, 0, 0]);
    expect(d.usedIdx).toBe(0);
  });

  it('follows an indirect table', () => {
    const d = new Driver();
    const table = 0x5000;
    d.desc(table, 0, 0x8000, 4, DescFlag.NEXT, 1);
    d.desc(table, 1, 0x9000, 4, DescFlag.WRITE);
    d.desc(DESC, 2, table, 32, DescFlag.INDIRECT);
    d.offer(2);
    const chain = d.queue().pop()!;
    expect(chain.readAddrs).toEqual([0x8000]);
    expect(chain.writeAddrs).toEqual([0x9000]);
  });

  it.each([
    ['a descriptor loop', (d: Driver) => { d.desc(DESC, 0, 0x8000, 4, DescFlag.NEXT, 1); d.desc(DESC, 1, 0x8000, 4, DescFlag.NEXT, 0); }, /loops/],
    ['a next index past the table', (d: Driver) => d.desc(DESC, 0, 0x8000, 4, DescFlag.NEXT, SIZE), /outside a table/],
    ['a buffer past guest memory', (d: Driver) => d.desc(DESC, 0, (1 << 20) - 2, 4, 0), /outside guest memory/],
    ['an address past 2^53', (d: Driver) => d.desc(DESC, 0, 2 ** 60, 4, 0), /outside guest memory/],
    ['a readable buffer after a writable one', (d: Driver) => { d.desc(DESC, 0, 0x8000, 4, DescFlag.WRITE | DescFlag.NEXT, 1); d.desc(DESC, 1, 0x8000, 4, 0); }, /readable descriptor after a writable/],
    ['an indirect table inside an indirect table', (d: Driver) => { d.desc(0x5000, 0, 0x6000, 16, DescFlag.INDIRECT); d.desc(DESC, 0, 0x5000, 16, DescFlag.INDIRECT); }, /inside an indirect table/],
    ['an indirect descriptor with NEXT', (d: Driver) => d.desc(DESC, 0, 0x5000, 16, DescFlag.INDIRECT | DescFlag.NEXT, 1), /NEXT/],
    ['an indirect table of odd length', (d: Driver) => d.desc(DESC, 0, 0x5000, 20, DescFlag.INDIRECT), /indirect table of 20/],
    ['an indirect table past guest memory', (d: Driver) => d.desc(DESC, 0, (1 << 20) - 16, 32, DescFlag.INDIRECT), /outside guest memory/],
    ['a loop inside an indirect table', (d: Driver) => { d.desc(0x5000, 0, 0x8000, 4, DescFlag.NEXT, 1); d.desc(0x5000, 1, 0x8000, 4, DescFlag.NEXT, 0); d.desc(DESC, 0, 0x5000, 32, DescFlag.INDIRECT); }, /loops/],
  ])('refuses %s as a ChainError, and the queue keeps serving', (_name, build, message) => {
    const d = new Driver();
    build(d);
    d.offer(0);
    d.desc(DESC, 4, 0x8000, 4, 0);
    d.offer(4);
    const q = d.queue();
    expect(() => q.pop()).toThrow(ChainError);
    try { d.queue().pop(); } catch (e) { expect((e as Error).message).toMatch(message); }
    expect(q.pop()!.head).toBe(4);
  });

  it('refuses a chain longer than the limit, even through indirect tables', () => {
    const d = new Driver();
    for (let i = 0; i < 20; i++) d.desc(0x5000, i, 0x8000, 4, i < 19 ? DescFlag.NEXT : 0, i + 1);
    d.desc(DESC, 0, 0x5000, 20 * 16, DescFlag.INDIRECT);
    d.offer(0);
    const q = new SplitVirtqueue(d.memory, { size: SIZE, descAddr: DESC, availAddr: AVAIL, usedAddr: USED }, { maxChainLength: 16, maxRequestBytes: 1 << 20 });
    expect(() => q.pop()).toThrow(/longer than 16/);
  });

  it('refuses a request larger than the gather limit', () => {
    const d = new Driver();
    d.desc(DESC, 0, 0x8000, 4096, 0);
    d.offer(0);
    const q = new SplitVirtqueue(d.memory, { size: SIZE, descAddr: DESC, availAddr: AVAIL, usedAddr: USED }, { maxChainLength: 16, maxRequestBytes: 1024 });
    expect(() => q.pop()).toThrow(/larger than 1024/);
  });

  it('breaks on an avail index jump, a head past the queue, or rings outside memory', () => {
    const jump = new Driver();
    jump.offer(0, SIZE + 1);
    const q = jump.queue();
    expect(() => q.pop()).toThrow(VirtqueueError);
    expect(q.broken).toMatch(/jumped/);
    expect(() => q.pop()).toThrow(VirtqueueError);

    const head = new Driver();
    head.offer(SIZE);
    expect(() => head.queue().pop()).toThrow(/names descriptor 8/);

    const d = new Driver();
    expect(new SplitVirtqueue(d.memory, { size: 6, descAddr: DESC, availAddr: AVAIL, usedAddr: USED }).broken).toMatch(/power of two/);
    expect(new SplitVirtqueue(d.memory, { size: SIZE, descAddr: (1 << 20) - 8, availAddr: AVAIL, usedAddr: USED }).broken).toMatch(/outside/);
  });

  it('honours NO_INTERRUPT', () => {
    const d = new Driver();
    d.view.setUint16(AVAIL, 1, true);
    d.desc(DESC, 0, 0x8000, 4, 0);
    d.offer(0);
    const q = d.queue();
    expect(q.pushUsed(q.pop()!.head, 0)).toBe(false);
  });
});

describe('serving the control and cursor queues', () => {
  function setup() {
    const d = new Driver();
    const device = createVirtioGpu({ memory: d.memory, scanouts: [{ width: 64, height: 48 }], presenter: createMemoryPresenter(), log: () => {} });
    const seen = { interrupts: 0, broken: [] as string[], logs: [] as string[] };
    const events: QueueEvents = { interrupt: () => seen.interrupts++, broken: (r) => seen.broken.push(r), log: (m) => seen.logs.push(m) };
    return { d, device, seen, events };
  }

  it('answers each request into its writable buffer and interrupts once per batch', () => {
    const { d, device, seen, events } = setup();
    d.ram.set(encode(W.CtrlHeader, hdr(C.GET_DISPLAY_INFO)), 0x8000);
    d.desc(DESC, 0, 0x8000, 24, DescFlag.NEXT, 1);
    d.desc(DESC, 1, 0x9000, 408, DescFlag.WRITE);
    d.ram.set(encode(W.ResourceOnly, { hdr: hdr(C.RESOURCE_UNREF), resourceId: 5 }), 0x8100);
    d.desc(DESC, 2, 0x8100, 32, DescFlag.NEXT, 3);
    d.desc(DESC, 3, 0x9800, 24, DescFlag.WRITE);
    d.offer(0);
    d.offer(2);
    serveControlQueue(d.queue(), device, events);
    expect(d.usedIdx).toBe(2);
    expect(d.used(0)).toEqual({ id: 0, len: 408 });
    expect(d.used(1)).toEqual({ id: 2, len: 24 });
    expect(W.RespDisplayInfo.decode(d.ram, 0x9000).pmodes[0]!.r.width).toBe(64);
    expect(W.CtrlHeader.decode(d.ram, 0x9800).type).toBe(R.ERR_INVALID_RESOURCE_ID);
    expect(seen.interrupts).toBe(1);
  });

  it('gives a malformed chain back with length 0 and serves the next one', () => {
    const { d, device, seen, events } = setup();
    d.desc(DESC, 0, 0x8000, 4, DescFlag.NEXT, 0);
    d.ram.set(encode(W.CtrlHeader, hdr(C.GET_DISPLAY_INFO)), 0x8000);
    d.desc(DESC, 1, 0x8000, 24, DescFlag.NEXT, 2);
    d.desc(DESC, 2, 0x9000, 408, DescFlag.WRITE);
    d.offer(0);
    d.offer(1);
    serveControlQueue(d.queue(), device, events);
    expect(d.used(0)).toEqual({ id: 0, len: 0 });
    expect(d.used(1)).toEqual({ id: 1, len: 408 });
    expect(seen.logs[0]).toMatch(/chain 0 refused/);
  });

  it('truncates a response to the writable space the driver gave', () => {
    const { d, device, events } = setup();
    d.ram.set(encode(W.CtrlHeader, hdr(C.GET_DISPLAY_INFO)), 0x8000);
    d.desc(DESC, 0, 0x8000, 24, DescFlag.NEXT, 1);
    d.desc(DESC, 1, 0x9000, 30, DescFlag.WRITE);
    d.offer(0);
    serveControlQueue(d.queue(), device, events);
    expect(d.used(0)).toEqual({ id: 0, len: 30 });
  });

  it('reports a broken ring and stops', () => {
    const { d, device, seen, events } = setup();
    d.offer(0, 100);
    serveControlQueue(d.queue(), device, events);
    expect(seen.broken[0]).toMatch(/jumped/);
    expect(d.usedIdx).toBe(0);
  });

  it('returns cursor buffers with length 0', () => {
    const { d, device, events } = setup();
    d.ram.set(encode(W.UpdateCursor, { hdr: hdr(C.MOVE_CURSOR), pos: { scanoutId: 0, x: 1, y: 2 }, resourceId: 0, hotX: 0, hotY: 0 }), 0x8000);
    d.desc(DESC, 0, 0x8000, 56, 0);
    d.offer(0);
    serveCursorQueue(d.queue(), device, events);
    expect(d.used(0)).toEqual({ id: 0, len: 0 });
    expect(device.scanouts[0]!.cursor).toMatchObject({ x: 1, y: 2, visible: false });
  });
});
