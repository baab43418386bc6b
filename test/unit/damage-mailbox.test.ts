import { describe, expect, it } from 'vitest';
import { changed, createMailboxMemory, DamagePoster, DamageTaker } from '../../src/presenters/damage-mailbox.ts';
import type { Rect } from '../../src/presenters/presenter.ts';

function pair(scanouts = 2) {
  const memory = createMailboxMemory(scanouts);
  return { memory, poster: new DamagePoster(memory), taker: new DamageTaker(memory) };
}

const out = (): Rect => ({ x: -1, y: -1, width: -1, height: -1 });

describe('damage mailbox', () => {
  it('has nothing to take before a post, and each post once', () => {
    const { poster, taker } = pair();
    const r = out();
    expect(taker.take(0, r)).toBe(false);
    poster.post(0, { x: 8, y: 16, width: 8, height: 16 });
    expect(taker.take(0, r)).toBe(true);
    expect(r).toEqual({ x: 8, y: 16, width: 8, height: 16 });
    expect(taker.take(0, r)).toBe(false);
  });

  it('hands over the union of posts the worker has not taken yet', () => {
    const { poster, taker } = pair();
    poster.post(1, { x: 0, y: 0, width: 8, height: 16 });
    poster.post(1, { x: 100, y: 50, width: 10, height: 10 });
    const r = out();
    expect(taker.take(0, r)).toBe(false);
    expect(taker.take(1, r)).toBe(true);
    expect(r).toEqual({ x: 0, y: 0, width: 110, height: 60 });
  });

  it('starts afresh after a take: taken damage is not handed over again', () => {
    const { poster, taker } = pair();
    const r = out();
    poster.post(0, { x: 0, y: 0, width: 1024, height: 768 });
    taker.take(0, r);
    poster.post(0, { x: 8, y: 8, width: 8, height: 16 });
    expect(taker.take(0, r)).toBe(true);
    expect(r).toEqual({ x: 8, y: 8, width: 8, height: 16 });
  });

  it('leaves a post that is being written for the next take', () => {
    const { memory, poster, taker } = pair(1);
    poster.post(0, { x: 1, y: 2, width: 3, height: 4 });
    const seq = 2; // after the header (posts, sleeping), scanout 0's sequence number
    Atomics.add(memory, seq, 1);
    const r = out();
    expect(taker.take(0, r)).toBe(false);
    Atomics.sub(memory, seq, 1);
    expect(taker.take(0, r)).toBe(true);
    expect(r).toEqual({ x: 1, y: 2, width: 3, height: 4 });
  });

  it('ignores scanouts it does not have', () => {
    const { poster, taker } = pair(1);
    poster.post(5, { x: 0, y: 0, width: 1, height: 1 });
    expect(taker.posts()).toBe(0);
    expect(taker.take(5, out())).toBe(false);
  });

  it('wakes a waiting worker on each post', async () => {
    const { poster, taker } = pair(1);
    const seen = taker.posts();
    const woke = taker.changed(seen);
    poster.post(0, { x: 0, y: 0, width: 1, height: 1 });
    await woke;
    expect(taker.posts()).toBe(seen + 1);
    await changed(createMailboxMemory(1), 0, 1);
  });

  it('wakes nobody while the worker does not sleep: it looks at its next frame anyway', async () => {
    const { memory, poster, taker } = pair(1);
    const unannounced = Atomics.waitAsync(memory, 0, 0, 100);
    poster.post(0, { x: 0, y: 0, width: 1, height: 1 });
    expect(unannounced.async && (await unannounced.value)).toBe('timed-out');
    const woke = taker.changed(taker.posts());
    poster.post(0, { x: 1, y: 1, width: 1, height: 1 });
    await woke;
    const r = out();
    expect(taker.take(0, r)).toBe(true);
    expect(r).toEqual({ x: 0, y: 0, width: 2, height: 2 });
  });

  it('tells the poster once the worker has read the pixels of what it took', async () => {
    const { poster, taker } = pair(2);
    expect(poster.unread(0, 10_000)).toBeNull();
    poster.post(0, { x: 0, y: 0, width: 8, height: 8 });
    const waiting = poster.unread(0, 10_000);
    expect(waiting).toBeInstanceOf(Promise);
    taker.read(0); // nothing taken yet: nothing read
    expect(poster.unread(0, 10_000)).not.toBeNull();
    taker.take(0, out());
    expect(poster.unread(0, 10_000)).not.toBeNull(); // taken, not yet uploaded
    expect(poster.unread(1, 10_000)).toBeNull(); // other scanouts are unaffected
    taker.read(0);
    await waiting;
    expect(poster.unread(0, 10_000)).toBeNull();
  });

  it('stops waiting after the limit when the worker never reads (a hidden page)', async () => {
    const { poster } = pair(1);
    poster.post(0, { x: 0, y: 0, width: 8, height: 8 });
    await poster.unread(0, 20);
    expect(poster.unread(0, 20)).not.toBeNull();
  });
});
