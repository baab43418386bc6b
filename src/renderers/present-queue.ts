/**
 * Presents of 3D-drawn images, at most one under way per resource: a present
 * asked for while one runs joins the next one (their rectangles merged), so
 * that a guest flipping faster than the worker reads frames back skips frames
 * instead of queueing readbacks (and the fences behind them) without end.
 */
import type { Rect } from '../presenters/presenter.ts';
import { unionInto } from '../presenters/rect.ts';

interface ResourcePresents {
  /** The present under way. */
  running: Promise<void>;
  /** The present that follows it: the union of the rectangles asked for meanwhile, and when it is done. */
  next: { rect: Rect; done: Promise<void> } | null;
}

export class PresentQueue {
  private readonly byResource = new Map<number, ResourcePresents>();

  /** `present` does the work (a readback in the worker); presents of other resources run independently. */
  constructor(private readonly present: (resourceId: number, rect: Rect) => Promise<void>) {}

  /** Resolves once a present that covers `rect` is done. */
  request(resourceId: number, rect: Readonly<Rect>): Promise<void> {
    const state = this.byResource.get(resourceId);
    if (!state) {
      const entry: ResourcePresents = { running: Promise.resolve(), next: null };
      entry.running = this.start(resourceId, entry, { ...rect });
      this.byResource.set(resourceId, entry);
      return entry.running;
    }
    if (state.next) {
      unionInto(state.next.rect, rect);
      return state.next.done;
    }
    const next = { rect: { ...rect }, done: Promise.resolve() };
    next.done = state.running.then(
      () => this.takeNext(resourceId, state),
      () => this.takeNext(resourceId, state),
    );
    state.next = next;
    return next.done;
  }

  private takeNext(resourceId: number, state: ResourcePresents): Promise<void> {
    const next = state.next as { rect: Rect };
    state.next = null;
    state.running = this.start(resourceId, state, next.rect);
    return state.running;
  }

  private start(resourceId: number, state: ResourcePresents, rect: Rect): Promise<void> {
    const settled = (): void => {
      if (state.next === null && this.byResource.get(resourceId) === state) this.byResource.delete(resourceId);
    };
    const running = this.present(resourceId, rect);
    running.then(settled, settled);
    return running;
  }
}
