/** Guest physical memory as the device sees it. */
export interface GuestMemory {
  /** Bytes of guest physical address space, from 0. Every access lies below this. */
  readonly size: number;
  /**
   * `length` bytes at `addr`. The result may be a view into guest memory: it is
   * valid only until the guest runs again, and the caller must not keep it.
   */
  read(addr: number, length: number): Uint8Array;
  write(addr: number, bytes: Uint8Array): void;
}

export class GuestMemoryError extends Error {
  constructor(readonly addr: number, readonly length: number, readonly size: number) {
    super(`guest memory access [${addr}, +${length}) outside [0, ${size})`);
    this.name = 'GuestMemoryError';
  }
}

/** True when [addr, addr + length) lies inside [0, size); safe for any numbers. */
export function inRange(addr: number, length: number, size: number): boolean {
  return Number.isSafeInteger(addr) && Number.isSafeInteger(length) && addr >= 0 && length >= 0 && length <= size && addr <= size - length;
}

export function checkRange(addr: number, length: number, size: number): void {
  if (!inRange(addr, length, size)) throw new GuestMemoryError(addr, length, size);
}

export interface GuestMemoryAccessors {
  size: number;
  read(addr: number, length: number): Uint8Array;
  write(addr: number, bytes: Uint8Array): void;
}

/**
 * Guest memory over a VM's own accessors (for v86: `cpu.read_blob` and
 * `cpu.write_blob`), with the bounds checks the accessors may lack.
 */
export function guestMemoryFromAccessors(accessors: GuestMemoryAccessors): GuestMemory {
  const { size } = accessors;
  return {
    size,
    read(addr, length) {
      checkRange(addr, length, size);
      return accessors.read(addr, length);
    },
    write(addr, bytes) {
      checkRange(addr, bytes.length, size);
      accessors.write(addr, bytes);
    },
  };
}

/** Guest memory over an ArrayBuffer or SharedArrayBuffer (reads return views, no copy). */
export function wrapGuestMemory(buffer: ArrayBuffer | SharedArrayBuffer | Uint8Array): GuestMemory {
  const ram = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  return guestMemoryFromAccessors({
    size: ram.length,
    read: (addr, length) => ram.subarray(addr, addr + length),
    write: (addr, bytes) => ram.set(bytes, addr),
  });
}
