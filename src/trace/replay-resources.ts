/**
 * The resources of a trace replay and their backings, kept as the reference
 * replayer keeps them: one linear, zeroed buffer per backing, sized by the
 * memory entries, filled by MEMORY records at their offsets.
 */
import type { BackingAccess, Resource3dParams } from '../renderers/renderer-3d.ts';
import type { ReplayReport } from './replay-report.ts';

export interface ReplayResource {
  readonly id: number;
  /** As the renderer was given them; null for a resource the renderer never saw (a guest blob). */
  readonly params: Resource3dParams | null;
  backing: Uint8Array | null;
  /** The renderer may use the backing (transfers): it is attached, and the renderer holds the resource. */
  attached: boolean;
}

/** The reference replayer's limit on one backing: far above any real guest's. */
const MAX_BACKING_BYTES = 2 ** 30;

export class ReplayResources {
  private readonly table = new Map<number, ReplayResource>();

  constructor(private readonly report: ReplayReport) {}

  get(id: number): ReplayResource | undefined {
    return this.table.get(id);
  }

  /** Resource `id`, noted when the trace never created it. */
  named(id: number, what: string): ReplayResource | undefined {
    const r = this.table.get(id);
    if (!r) this.report.note('unknown-resource', () => `${what} names resource ${id}, which the trace never created`);
    return r;
  }

  /** A new resource needs an id that is not 0 and not in use. */
  idFree(id: number): boolean {
    if (id !== 0 && !this.table.has(id)) return true;
    this.report.note('resource-id-reused', () => `resource ${id} created twice or as 0`);
    return false;
  }

  add(id: number, params: Resource3dParams | null): ReplayResource {
    const r: ReplayResource = { id, params, backing: null, attached: false };
    this.table.set(id, r);
    return r;
  }

  /** Drops resource `id` and its backing; the caller tells the renderer. */
  remove(id: number): ReplayResource | undefined {
    const r = this.table.get(id);
    if (r) this.detachBacking(r);
    this.table.delete(id);
    return r;
  }

  detachBacking(r: ReplayResource): void {
    r.backing = null;
    r.attached = false;
  }

  /** A zeroed backing of `size` bytes, replacing any earlier one; false (noted) when it is too large. */
  newBacking(r: ReplayResource, size: number): boolean {
    this.detachBacking(r);
    if (size > MAX_BACKING_BYTES) {
      this.report.note('backing-too-large', () => `resource ${r.id} asks for ${size} bytes of backing; not replayed`);
      return false;
    }
    this.attach(r, new Uint8Array(size));
    return true;
  }

  /** A MEMORY record: its bytes at `offset` of the backing, which grows (noted) to hold them. */
  write(id: number, offset: number, data: Uint8Array): void {
    const r = this.table.get(id);
    if (!r) {
      this.report.note('memory-for-unknown-resource', () => `MEMORY for resource ${id}, which does not exist`);
      return;
    }
    const size = r.backing?.length ?? 0;
    if (offset > size || data.length > size - offset) {
      if (offset > MAX_BACKING_BYTES || data.length > MAX_BACKING_BYTES - offset) {
        this.report.note('backing-too-large', () => `MEMORY at ${offset}+${data.length} for resource ${id}`);
        return;
      }
      this.report.note('memory-beyond-backing', () => `MEMORY at ${offset}+${data.length} grows resource ${id}'s ${size}-byte backing`);
      const bigger = new Uint8Array(offset + data.length);
      if (r.backing) bigger.set(r.backing);
      this.detachBacking(r);
      this.attach(r, bigger);
    }
    (r.backing as Uint8Array).set(data, offset);
  }

  private attach(r: ReplayResource, backing: Uint8Array): void {
    r.backing = backing;
    r.attached = r.params !== null;
  }
}

/** The renderer's window on `bytes`, a backing or a picture's buffer. */
export function bytesBacking(bytes: Uint8Array): BackingAccess {
  return {
    size: bytes.length,
    read(offset, into) {
      const from = bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + into.length, bytes.length));
      into.set(from);
      into.fill(0, from.length);
    },
    write(offset, data) {
      if (offset < bytes.length) bytes.set(data.subarray(0, bytes.length - offset), offset);
    },
  };
}
