/**
 * Flushed damage handed from the VM thread to the GPU worker through shared
 * memory. The VM thread posts without waiting and without a message per
 * flush (messages cost the thread that runs the guest); the worker takes the
 * union of everything posted since it last looked. It is woken only when it
 * said it sleeps: while it has a frame coming it looks anyway, at that frame,
 * so a stream of flushes costs the VM thread no wake-up each.
 * The worker also says which post it has read the pixels of, so the VM
 * thread can hold a copy into those pixels until the worker is done with them.
 * Lock-free: a worker that dies at any instant never blocks the poster.
 */
import { nextAnimationFrame } from './compositing-presenter.ts';
import type { Rect } from './presenter.ts';
import { Damage } from './rect.ts';

/**
 * Int32 slots per scanout: a sequence number (odd while the poster writes), the rectangle,
 * the last sequence the worker took, and the last one whose pixels it has read.
 */
const SLOT = { SEQ: 0, X: 1, Y: 2, WIDTH: 3, HEIGHT: 4, TAKEN: 5, READ: 6, SIZE: 7 } as const;
/** Slot 0 counts posts: the worker waits on it. Slot 1 is 1 while the worker waits and wants a wake-up. */
const POSTED = 0;
const SLEEPING = 1;
const HEADER = 2;

export function createMailboxMemory(scanouts: number): Int32Array<SharedArrayBuffer> {
  return new Int32Array(new SharedArrayBuffer(4 * (HEADER + scanouts * SLOT.SIZE)));
}

function base(index: number): number {
  return HEADER + index * SLOT.SIZE;
}

function scanoutsIn(memory: Int32Array<SharedArrayBuffer>): number {
  return (memory.length - HEADER) / SLOT.SIZE;
}

/** The VM thread's end. */
export class DamagePoster {
  /** Damage posted since the worker last took a post, per scanout: what the next post must still cover. */
  private readonly pending: Damage[];
  private readonly published: number[];

  constructor(private readonly memory: Int32Array<SharedArrayBuffer>) {
    const scanouts = scanoutsIn(memory);
    this.pending = Array.from({ length: scanouts }, () => new Damage());
    this.published = new Array<number>(scanouts).fill(0);
  }

  post(index: number, rect: Rect): void {
    const m = this.memory;
    const at = base(index);
    const pending = this.pending[index];
    const published = this.published[index];
    if (pending === undefined || published === undefined) return;
    if (Atomics.load(m, at + SLOT.TAKEN) === published) pending.clear();
    pending.add(rect);
    const seq = (published + 2) | 0;
    Atomics.store(m, at + SLOT.SEQ, seq - 1);
    Atomics.store(m, at + SLOT.X, pending.rect.x);
    Atomics.store(m, at + SLOT.Y, pending.rect.y);
    Atomics.store(m, at + SLOT.WIDTH, pending.rect.width);
    Atomics.store(m, at + SLOT.HEIGHT, pending.rect.height);
    Atomics.store(m, at + SLOT.SEQ, seq);
    this.published[index] = seq;
    // The worker sets SLEEPING before it checks POSTED, and this reads SLEEPING after adding to POSTED:
    // one of the two sees the other's write, so no post is left unseen by a sleeping worker.
    Atomics.add(m, POSTED, 1);
    if (Atomics.load(m, SLEEPING) !== 0) {
      Atomics.store(m, SLEEPING, 0);
      Atomics.notify(m, POSTED);
    }
  }

  /**
   * Null when the worker has read the pixels of every post to `index`; else
   * resolves once it has, or after `limitMs` (a worker that presents nothing,
   * in a hidden page, or one that died, must not hold the guest for longer).
   */
  unread(index: number, limitMs: number): Promise<void> | null {
    const published = this.published[index];
    if (published === undefined || this.readUpTo(index, published)) return null;
    return this.waitRead(index, published, performance.now() + limitMs);
  }

  private readUpTo(index: number, seq: number): boolean {
    // Sequence numbers wrap: `seq` is read when READ is not behind it.
    return ((Atomics.load(this.memory, base(index) + SLOT.READ) - seq) | 0) >= 0;
  }

  private async waitRead(index: number, seq: number, deadline: number): Promise<void> {
    const at = base(index) + SLOT.READ;
    for (let left = deadline - performance.now(); left > 0 && !this.readUpTo(index, seq); left = deadline - performance.now()) {
      await changed(this.memory, at, Atomics.load(this.memory, at), left);
    }
  }
}

/** The GPU worker's end. */
export class DamageTaker {
  readonly scanouts: number;

  constructor(private readonly memory: Int32Array<SharedArrayBuffer>) {
    this.scanouts = scanoutsIn(memory);
  }

  /** Posts so far (wait on this with `changed`). */
  posts(): number {
    return Atomics.load(this.memory, POSTED);
  }

  /** Sleeps until a post after `seen`: the only wait that asks the poster for a wake-up. */
  async changed(seen: number): Promise<void> {
    Atomics.store(this.memory, SLEEPING, 1);
    await changed(this.memory, POSTED, seen);
    Atomics.store(this.memory, SLEEPING, 0);
  }

  /**
   * Copies the damage posted for `index` since the last take into `out`;
   * false when there is none, or when a post is being written (its wake-up
   * follows, and the next take gets it).
   */
  take(index: number, out: Rect): boolean {
    if (!(index >= 0 && index < this.scanouts)) return false;
    const m = this.memory;
    const at = base(index);
    const seq = Atomics.load(m, at + SLOT.SEQ);
    if (seq & 1 || seq === Atomics.load(m, at + SLOT.TAKEN)) return false;
    out.x = Atomics.load(m, at + SLOT.X);
    out.y = Atomics.load(m, at + SLOT.Y);
    out.width = Atomics.load(m, at + SLOT.WIDTH);
    out.height = Atomics.load(m, at + SLOT.HEIGHT);
    if (Atomics.load(m, at + SLOT.SEQ) !== seq) return false;
    Atomics.store(m, at + SLOT.TAKEN, seq);
    return true;
  }

  /** Every post taken for `index` so far has had its pixels read: the poster may write them again. */
  read(index: number): void {
    if (!(index >= 0 && index < this.scanouts)) return;
    const m = this.memory;
    const at = base(index);
    const taken = Atomics.load(m, at + SLOT.TAKEN);
    if (Atomics.exchange(m, at + SLOT.READ, taken) !== taken) Atomics.notify(m, at + SLOT.READ);
  }
}

/**
 * Resolves once `view[index]` is no longer `seen`, or after `limitMs`:
 * Atomics.waitAsync where the browser has it, elsewhere a check per
 * animation frame.
 */
export function changed(view: Int32Array<SharedArrayBuffer>, index: number, seen: number, limitMs = Infinity): Promise<void> {
  if (typeof Atomics.waitAsync === 'function') {
    const wait = Atomics.waitAsync(view, index, seen, limitMs);
    return wait.async ? wait.value.then(() => undefined) : Promise.resolve();
  }
  const deadline = performance.now() + limitMs;
  return new Promise((resolve) => {
    const check = (): void => (Atomics.load(view, index) !== seen || performance.now() >= deadline ? resolve() : nextAnimationFrame(check));
    check();
  });
}
