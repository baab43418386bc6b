import type { GuestMemory } from '../memory/guest-memory.ts';

/**
 * A resource's backing store: a scatter list of guest-physical ranges, every
 * one checked to lie inside guest memory when it was attached.
 */
export class Backing {
  /** Byte offset of each entry within the backing. */
  private readonly starts: Float64Array;
  readonly totalBytes: number;

  constructor(
    private readonly addrs: Float64Array,
    private readonly lengths: Uint32Array,
  ) {
    this.starts = new Float64Array(addrs.length);
    let at = 0;
    for (let i = 0; i < addrs.length; i++) {
      this.starts[i] = at;
      at += lengths[i] as number;
    }
    this.totalBytes = at;
  }

  /** Copies of the scatter list, for snapshots. */
  entries(): { addrs: Float64Array; lengths: Uint32Array } {
    return { addrs: this.addrs.slice(), lengths: this.lengths.slice() };
  }

  /**
   * Copies up to `length` bytes from byte `offset` of the backing into
   * `dst[dstOffset..]`. Returns the bytes copied: fewer when the backing ends first.
   */
  copyOut(memory: GuestMemory, offset: number, dst: Uint8Array, dstOffset: number, length: number): number {
    return this.copy(memory, offset, dst, dstOffset, length, false);
  }

  /** Copies `src` into the backing from byte `offset`; returns the bytes copied (fewer when the backing ends first). */
  copyIn(memory: GuestMemory, offset: number, src: Uint8Array): number {
    return this.copy(memory, offset, src, 0, src.length, true);
  }

  /**
   * Copies `rows` rows of `rowBytes`, `stride` apart from byte `offset` of the
   * backing, into `dst` rows `dstStride` apart from `dstOffset`: one copy when
   * the rows are contiguous on both sides.
   */
  copyRowsOut(memory: GuestMemory, offset: number, stride: number, dst: Uint8Array, dstOffset: number, dstStride: number, rowBytes: number, rows: number): void {
    if (rowBytes === stride && stride === dstStride) {
      this.copyOut(memory, offset, dst, dstOffset, stride * rows);
      return;
    }
    for (let row = 0; row < rows; row++) this.copyOut(memory, offset + stride * row, dst, dstOffset + dstStride * row, rowBytes);
  }

  /** Walks the entries from byte `offset`, moving `length` bytes between them and `host[hostOffset..]`. */
  private copy(memory: GuestMemory, offset: number, host: Uint8Array, hostOffset: number, length: number, toGuest: boolean): number {
    if (offset >= this.totalBytes || length <= 0) return 0;
    let i = this.entryAt(offset);
    let inner = offset - (this.starts[i] as number);
    let done = 0;
    while (done < length && i < this.addrs.length) {
      const n = Math.min(length - done, (this.lengths[i] as number) - inner);
      const addr = (this.addrs[i] as number) + inner;
      const at = hostOffset + done;
      if (toGuest) memory.write(addr, host.subarray(at, at + n));
      else host.set(memory.read(addr, n), at);
      done += n;
      i++;
      inner = 0;
    }
    return done;
  }

  /** The entry holding byte `offset` (< totalBytes). */
  private entryAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
