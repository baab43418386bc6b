/** Guest memory that records every attempt to reach outside it (the device must never make one). */
import { GuestMemoryError, inRange, type GuestMemory } from '../../src/memory/guest-memory.ts';

export class GuardMemory implements GuestMemory {
  readonly ram: Uint8Array;
  readonly violations: string[] = [];

  constructor(readonly size: number) {
    this.ram = new Uint8Array(size);
  }

  read(addr: number, length: number): Uint8Array {
    this.guard('read', addr, length);
    return this.ram.subarray(addr, addr + length);
  }

  write(addr: number, bytes: Uint8Array): void {
    this.guard('write', addr, bytes.length);
    this.ram.set(bytes, addr);
  }

  private guard(what: string, addr: number, length: number): void {
    if (inRange(addr, length, this.size)) return;
    this.violations.push(`${what} [${addr}, +${length})`);
    throw new GuestMemoryError(addr, length, this.size);
  }
}
