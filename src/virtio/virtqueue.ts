/**
 * A split virtqueue (virtio 1.3, 2.7) read from guest memory. Every index,
 * address and length comes from the guest and is checked before it is
 * followed: a malformed chain is returned to the driver unused, a malformed
 * ring marks the queue broken.
 */
import { inRange, type GuestMemory } from '../memory/guest-memory.ts';
import { struct, u16, u32, u64 } from '../protocol/codec.ts';

export const DescFlag = { NEXT: 1, WRITE: 2, INDIRECT: 4 } as const;
export const AvailFlag = { NO_INTERRUPT: 1 } as const;

const Descriptor = struct([
  ['addr', u64],
  ['len', u32],
  ['flags', u16],
  ['next', u16],
]);
const DESC_SIZE = Descriptor.size;
const MAX_QUEUE_SIZE = 32768;

export interface QueueLayout {
  /** Number of descriptors; a power of two up to 32768. */
  size: number;
  descAddr: number;
  availAddr: number;
  usedAddr: number;
}

export interface QueueLimits {
  /** Most descriptors one chain may have, indirect ones included. */
  maxChainLength: number;
  /** Most bytes the device gathers from one chain's readable part. */
  maxRequestBytes: number;
}

/** Where the device is in the rings: the next avail entry it reads, the next used entry it writes. */
export interface QueuePosition {
  lastAvail: number;
  usedIdx: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxChainLength: 1024, maxRequestBytes: 64 << 20 };

/** One guest buffer: its readable segments (device reads) and writable ones (device writes). */
export class DescriptorChain {
  readonly readAddrs: number[] = [];
  readonly readLens: number[] = [];
  readonly writeAddrs: number[] = [];
  readonly writeLens: number[] = [];
  readableBytes = 0;
  constructor(readonly head: number) {}
}

export class VirtqueueError extends Error {
  override name = 'VirtqueueError';
}

/** Why a chain was refused; the chain still goes back to the driver. */
export class ChainError extends Error {
  override name = 'ChainError';
  constructor(readonly head: number, message: string) {
    super(message);
  }
}

/** Where a device reports what `takeChain` met besides a chain. */
export interface QueueFaults {
  log(message: string): void;
  /** The ring itself is malformed: the transport should flag DEVICE_NEEDS_RESET. */
  broken(reason: string): void;
}

/** A malformed chain `takeChain` gave back to the driver empty; `notify` is what pushUsed answered. */
export interface RefusedChain {
  readonly refused: true;
  readonly notify: boolean;
}
const REFUSED_NOTIFY: RefusedChain = { refused: true, notify: true };
const REFUSED_QUIET: RefusedChain = { refused: true, notify: false };

/**
 * The next chain to serve, or null when the ring is empty or broken (reported to `faults`).
 * A malformed chain is logged and given back empty, and the queue goes on.
 */
export function takeChain(queue: SplitVirtqueue, faults: QueueFaults, device: string): DescriptorChain | RefusedChain | null {
  try {
    return queue.pop();
  } catch (error) {
    if (error instanceof ChainError) {
      faults.log(`${device}: descriptor chain ${error.head} refused: ${error.message}`);
      return queue.pushUsed(error.head, 0) ? REFUSED_NOTIFY : REFUSED_QUIET;
    }
    if (error instanceof VirtqueueError) faults.broken(error.message);
    else faults.log(`${device}: queue failure: ${String(error)}`);
    return null;
  }
}

export class SplitVirtqueue {
  private lastAvail = 0;
  private usedIdx = 0;
  private scratch = new Uint8Array(4096);
  private readonly desc = Descriptor.zero();
  private readonly word = new Uint8Array(8);
  /** Set once the ring itself is malformed; the queue then serves nothing until reset. */
  broken: string | null = null;
  /** Set by a device reset: the rings are the driver's again, so chains still being served then are dropped. */
  private retired = false;

  constructor(
    private readonly memory: GuestMemory,
    readonly layout: QueueLayout,
    private readonly limits: QueueLimits = DEFAULT_QUEUE_LIMITS,
  ) {
    const { size, descAddr, availAddr, usedAddr } = layout;
    if (!Number.isInteger(size) || size < 1 || size > MAX_QUEUE_SIZE || (size & (size - 1)) !== 0) {
      this.broken = `queue size ${size} is not a power of two up to ${MAX_QUEUE_SIZE}`;
    } else if (
      !inRange(descAddr, DESC_SIZE * size, memory.size) ||
      !inRange(availAddr, 6 + 2 * size, memory.size) ||
      !inRange(usedAddr, 6 + 8 * size, memory.size)
    ) {
      this.broken = 'queue rings lie outside guest memory';
    }
  }

  get position(): QueuePosition {
    return { lastAvail: this.lastAvail, usedIdx: this.usedIdx };
  }

  /** Resumes at a saved position (snapshot restore). */
  set position({ lastAvail, usedIdx }: QueuePosition) {
    this.lastAvail = lastAvail & 0xffff;
    this.usedIdx = usedIdx & 0xffff;
  }

  /**
   * The next chain the driver made available, or null when there is none.
   * Throws ChainError for a malformed chain (give it back with `pushUsed(head, 0)`)
   * and VirtqueueError when the ring is broken.
   */
  pop(): DescriptorChain | null {
    if (this.broken) throw new VirtqueueError(this.broken);
    const { size, availAddr } = this.layout;
    const availIdx = this.readU16(availAddr + 2);
    const pending = (availIdx - this.lastAvail) & 0xffff;
    if (pending === 0) return null;
    if (pending > size) return this.breakQueue(`avail index jumped by ${pending} on a queue of ${size}`);
    const head = this.readU16(availAddr + 4 + 2 * (this.lastAvail % size));
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    if (head >= size) return this.breakQueue(`avail ring names descriptor ${head} of ${size}`);
    const chain = new DescriptorChain(head);
    this.walk(chain);
    return chain;
  }

  /** The chain's readable bytes, in order. A single segment is returned as a view of guest memory. */
  gather(chain: DescriptorChain): Uint8Array {
    const n = chain.readAddrs.length;
    if (n === 1) return this.memory.read(chain.readAddrs[0] as number, chain.readLens[0] as number);
    if (this.scratch.length < chain.readableBytes) this.scratch = new Uint8Array(chain.readableBytes);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const len = chain.readLens[i] as number;
      this.scratch.set(this.memory.read(chain.readAddrs[i] as number, len), at);
      at += len;
    }
    return this.scratch.subarray(0, at);
  }

  /** Writes `bytes` into the chain's writable segments; returns how many fit. */
  scatter(chain: DescriptorChain, bytes: Uint8Array): number {
    if (this.retired) return 0;
    let at = 0;
    for (let i = 0; i < chain.writeAddrs.length && at < bytes.length; i++) {
      const len = Math.min(chain.writeLens[i] as number, bytes.length - at);
      this.memory.write(chain.writeAddrs[i] as number, bytes.subarray(at, at + len));
      at += len;
    }
    return at;
  }

  /** Returns a chain to the driver. True when the driver wants an interrupt for it. */
  pushUsed(head: number, writtenBytes: number): boolean {
    if (this.retired) return false;
    const { size, usedAddr, availAddr } = this.layout;
    const w = this.word;
    u32.write(w, 0, head);
    u32.write(w, 4, writtenBytes);
    this.memory.write(usedAddr + 4 + 8 * (this.usedIdx % size), w);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    u16.write(w, 0, this.usedIdx);
    this.memory.write(usedAddr + 2, w.subarray(0, 2));
    return (this.readU16(availAddr) & AvailFlag.NO_INTERRUPT) === 0;
  }

  /** The device was reset: from now on this queue writes nothing to guest memory. */
  retire(): void {
    this.retired = true;
  }

  private walk(chain: DescriptorChain): void {
    const { size, descAddr } = this.layout;
    const { maxChainLength } = this.limits;
    let table = descAddr;
    let tableSize = size;
    let index = chain.head;
    let total = 0;
    let inTable = 0;
    let indirect = false;
    for (;;) {
      if (++inTable > tableSize) throw new ChainError(chain.head, `chain loops in a table of ${tableSize}`);
      if (++total > maxChainLength) throw new ChainError(chain.head, `chain longer than ${maxChainLength} descriptors`);
      const d = Descriptor.read(this.memory.read(table + DESC_SIZE * index, DESC_SIZE), 0, this.desc);
      if (d.flags & DescFlag.INDIRECT) {
        if (indirect) throw new ChainError(chain.head, 'indirect descriptor inside an indirect table');
        if (d.flags & DescFlag.NEXT) throw new ChainError(chain.head, 'indirect descriptor with NEXT set');
        if (d.len === 0 || d.len % DESC_SIZE !== 0) throw new ChainError(chain.head, `indirect table of ${d.len} bytes`);
        if (!inRange(d.addr, d.len, this.memory.size)) throw new ChainError(chain.head, 'indirect table outside guest memory');
        indirect = true;
        table = d.addr;
        tableSize = d.len / DESC_SIZE;
        index = 0;
        inTable = 0;
        continue;
      }
      this.addSegment(chain, d.addr, d.len, (d.flags & DescFlag.WRITE) !== 0);
      if (!(d.flags & DescFlag.NEXT)) return;
      index = d.next;
      if (index >= tableSize) throw new ChainError(chain.head, `next descriptor ${index} outside a table of ${tableSize}`);
    }
  }

  private addSegment(chain: DescriptorChain, addr: number, len: number, writable: boolean): void {
    if (!inRange(addr, len, this.memory.size)) throw new ChainError(chain.head, `buffer [${addr}, +${len}) outside guest memory`);
    if (writable) {
      chain.writeAddrs.push(addr);
      chain.writeLens.push(len);
      return;
    }
    if (chain.writeAddrs.length > 0) throw new ChainError(chain.head, 'readable descriptor after a writable one');
    if (chain.readableBytes + len > this.limits.maxRequestBytes) {
      throw new ChainError(chain.head, `request larger than ${this.limits.maxRequestBytes} bytes`);
    }
    chain.readAddrs.push(addr);
    chain.readLens.push(len);
    chain.readableBytes += len;
  }

  private breakQueue(reason: string): never {
    this.broken = reason;
    throw new VirtqueueError(reason);
  }

  private readU16(addr: number): number {
    return u16.read(this.memory.read(addr, 2), 0, 0);
  }
}
