/**
 * The renderer's work still under way during a replay (submits that answered
 * with a promise) and the fences that follow it. Work is not awaited where it
 * is given, as the device does not await it either; the replay waits for it
 * only where the reference waits: before reading pixels back, and for every
 * fence before the summary.
 */
import type { ReplayReport } from './replay-report.ts';

export class ReplayWork {
  /** Settles once every piece of work given so far has: one chain, whatever the trace's length. */
  private tail: Promise<unknown> = Promise.resolve();
  private fences: Promise<unknown> = Promise.resolve();

  constructor(private readonly report: ReplayReport) {}

  /** Work of `what` (a renderer call and what it was about); a rejection is a renderer error. */
  add(work: void | Promise<void>, what: string): void {
    if (!work) return;
    const counted = work.then(undefined, (error: unknown) => this.report.rendererError(what, error));
    this.tail = Promise.all([this.tail, counted]);
  }

  /** A fence after the work given so far: signalled once that work is done. */
  fence(): void {
    this.report.totals.fences++;
    const signalled = this.tail.then(() => {
      this.report.totals.fencesSignalled++;
    });
    this.fences = Promise.all([this.fences, signalled]);
  }

  /** Resolves when the work given so far is done. */
  settled(): Promise<unknown> {
    return this.tail;
  }

  /** Waits for every fence, at most `timeoutMs`: a renderer that never finishes shows as fewer fences signalled than created. */
  async retire(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all([this.tail, this.fences]), late]);
    clearTimeout(timer);
  }
}
