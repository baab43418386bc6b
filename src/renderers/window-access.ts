/**
 * A backing seen through a window on one byte array: backing bytes
 * [base, base + length) are bytes[start, start + length). Reads outside the
 * window give zeros; writes outside it are dropped. One object is pointed at
 * each transfer's bytes with `show`, so a transfer allocates no wrapper.
 */
import type { BackingAccess } from './renderer-3d.ts';

const NOTHING = new Uint8Array(0);

export class WindowAccess implements BackingAccess {
  private bytes: Uint8Array = NOTHING;
  private start = 0;
  private length = 0;
  private base = 0;

  /** Looks at `bytes` (from `start`, `length` of them) as the backing from byte `base` on. */
  show(bytes: Uint8Array, start = 0, length = bytes.length - start, base = 0): this {
    this.bytes = bytes;
    this.start = start;
    this.length = length;
    this.base = base;
    return this;
  }

  /** Lets go of the bytes it showed. */
  clear(): void {
    this.show(NOTHING);
  }

  get size(): number {
    return this.base + this.length;
  }

  read(offset: number, into: Uint8Array): void {
    const from = offset - this.base;
    const available = from >= 0 ? Math.max(0, Math.min(into.length, this.length - from)) : 0;
    if (available > 0) into.set(this.bytes.subarray(this.start + from, this.start + from + available));
    into.fill(0, available);
  }

  write(offset: number, data: Uint8Array): void {
    const from = offset - this.base;
    if (from >= 0 && from + data.length <= this.length) this.bytes.set(data, this.start + from);
  }
}
