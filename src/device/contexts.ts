/** The 3D contexts the guest has created, and the resources attached to each. */
import { check, ERR_INVALID_CONTEXT_ID, ERR_OUT_OF_MEMORY } from './command-error.ts';

export interface Context3d {
  readonly id: number;
  readonly capsetId: number;
  readonly name: string;
  readonly resources: Set<number>;
  /** It ran a command stream: the renderer holds state of it that a snapshot cannot carry. */
  submitted: boolean;
}

/** A context in a snapshot: one that never ran a stream (Linux's own DRM clients make such contexts as soon as virgl is offered). */
export interface SavedContext {
  id: number;
  capsetId: number;
  name: string;
  resources: number[];
}

export class ContextTable {
  private readonly byId = new Map<number, Context3d>();

  constructor(private readonly maxContexts: number) {}

  get count(): number {
    return this.byId.size;
  }

  create(id: number, capsetId: number, name: string): Context3d {
    check(id !== 0, ERR_INVALID_CONTEXT_ID, 'context id 0 is reserved');
    check(!this.byId.has(id), ERR_INVALID_CONTEXT_ID, () => `context ${id} already exists`);
    check(this.byId.size < this.maxContexts, ERR_OUT_OF_MEMORY, () => `context limit ${this.maxContexts} reached`);
    const context: Context3d = { id, capsetId, name, resources: new Set(), submitted: false };
    this.byId.set(id, context);
    return context;
  }

  /** The context `id`, or an ERR_INVALID_CONTEXT_ID failure. */
  find(id: number): Context3d {
    const context = this.byId.get(id);
    check(context !== undefined, ERR_INVALID_CONTEXT_ID, () => `no context ${id}`);
    return context;
  }

  remove(context: Context3d): void {
    this.byId.delete(context.id);
  }

  /** Detaches resource `id` from every context; returns the contexts it was attached to. */
  detachEverywhere(resourceId: number): Context3d[] {
    const from: Context3d[] = [];
    for (const context of this.byId.values()) if (context.resources.delete(resourceId)) from.push(context);
    return from;
  }

  ids(): number[] {
    return [...this.byId.keys()];
  }

  all(): IterableIterator<Context3d> {
    return this.byId.values();
  }

  clear(): void {
    this.byId.clear();
  }
}
