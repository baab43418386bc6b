/** Counts what crosses between a VM and the device, for an embedder's stats display. */
import type { GuestMemory } from './guest-memory.ts';

export interface Traffic {
  /** Requests served from the control and cursor queues (or received on a channel). */
  commands: number;
  /** Bytes the device read from guest memory (requests, backing pages on transfers, blob scanouts). */
  bytesFromGuest: number;
  /** Bytes the device wrote to guest memory (responses, used-ring updates). */
  bytesToGuest: number;
}

export function emptyTraffic(): Traffic {
  return { commands: 0, bytesFromGuest: 0, bytesToGuest: 0 };
}

/** `memory`, counting every byte read and written into `traffic`. */
export function meterMemory(memory: GuestMemory, traffic: Traffic): GuestMemory {
  return {
    size: memory.size,
    read(addr, length) {
      const bytes = memory.read(addr, length);
      traffic.bytesFromGuest += bytes.length;
      return bytes;
    },
    write(addr, bytes) {
      memory.write(addr, bytes);
      traffic.bytesToGuest += bytes.length;
    },
  };
}
