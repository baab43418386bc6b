/** Presents of 3D images: one under way per resource, the rest merged into the next. */
import { describe, expect, it } from 'vitest';
import type { Rect } from '../../src/presenters/presenter.ts';
import { PresentQueue } from '../../src/renderers/present-queue.ts';

/** A present whose completion the test decides. */
function controlled() {
  const calls: { resourceId: number; rect: Rect; finish: () => void }[] = [];
  const queue = new PresentQueue((resourceId, rect) => new Promise<void>((resolve) => calls.push({ resourceId, rect: { ...rect }, finish: resolve })));
  return { queue, calls };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('PresentQueue', () => {
  it('runs one present per resource at a time and merges those asked for meanwhile into one, whose rectangle covers them all', async () => {
    const { queue, calls } = controlled();
    const done: string[] = [];
    void queue.request(1, { x: 0, y: 0, width: 10, height: 10 }).then(() => done.push('first'));
    void queue.request(1, { x: 20, y: 5, width: 10, height: 10 }).then(() => done.push('second'));
    void queue.request(1, { x: 5, y: 30, width: 2, height: 2 }).then(() => done.push('third'));
    void queue.request(2, { x: 0, y: 0, width: 4, height: 4 }).then(() => done.push('other resource'));
    await tick();
    expect(calls.map((c) => [c.resourceId, c.rect])).toEqual([[1, { x: 0, y: 0, width: 10, height: 10 }], [2, { x: 0, y: 0, width: 4, height: 4 }]]);
    calls[0]!.finish();
    await tick();
    expect(done).toEqual(['first']);
    expect(calls.map((c) => [c.resourceId, c.rect]).at(-1)).toEqual([1, { x: 5, y: 5, width: 25, height: 27 }]);
    calls[2]!.finish();
    calls[1]!.finish();
    await tick();
    expect(done.sort()).toEqual(['first', 'other resource', 'second', 'third']);
    expect(calls).toHaveLength(3);
  });

  it('starts afresh once a resource has nothing under way, and goes on after a present that failed', async () => {
    const failing = new PresentQueue(() => Promise.reject(new Error('lost')));
    await expect(failing.request(1, { x: 0, y: 0, width: 1, height: 1 })).rejects.toThrow('lost');
    const { queue, calls } = controlled();
    void queue.request(1, { x: 0, y: 0, width: 1, height: 1 });
    calls[0]!.finish();
    await tick();
    void queue.request(1, { x: 2, y: 2, width: 1, height: 1 });
    await tick();
    expect(calls.map((c) => c.rect)).toEqual([{ x: 0, y: 0, width: 1, height: 1 }, { x: 2, y: 2, width: 1, height: 1 }]);
  });
});
