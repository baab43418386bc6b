/** A backing seen through a window on one byte array: what reads give and where writes land. */
import { describe, expect, it } from 'vitest';
import { WindowAccess } from '../../src/renderers/window-access.ts';

describe('WindowAccess', () => {
  it('reads the window as the backing from its base on, zeros outside, and writes only inside it', () => {
    const bytes = Uint8Array.of(9, 1, 2, 3, 4, 9);
    const access = new WindowAccess().show(bytes, 1, 4, 100);
    expect(access.size).toBe(104);
    const into = new Uint8Array(4).fill(7);
    access.read(102, into);
    expect(Array.from(into)).toEqual([3, 4, 0, 0]);
    access.read(96, into.fill(7));
    expect(Array.from(into)).toEqual([0, 0, 0, 0]);
    access.write(101, Uint8Array.of(20, 30));
    access.write(103, Uint8Array.of(40, 50));
    access.write(99, Uint8Array.of(60));
    expect(Array.from(bytes)).toEqual([9, 1, 20, 30, 4, 9]);
  });

  it('lets go of the bytes it showed', () => {
    const access = new WindowAccess().show(new Uint8Array(8));
    access.clear();
    expect(access.size).toBe(0);
    const into = new Uint8Array(2).fill(1);
    access.read(0, into);
    expect(Array.from(into)).toEqual([0, 0]);
  });
});
