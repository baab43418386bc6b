/**
 * Pacing with 3D off, in the demo page: Linux's console is then a guest
 * blob, whose pages the device copies only once the worker has read the last
 * copy, and Linux waits on each flush's fence (guest.spec.ts checks the copies
 * with 3D on, where transfers carry the frames).
 */
import { test } from '../src/playwright/index.ts';
import { GUEST_READY } from './guest-ready.ts';
import { expectPacedFrames } from './paced-frames.ts';

test.use({ guestURL: '/?cold&virgl=0', guestReady: GUEST_READY });

test('with 3D off, a guest that flushes faster than the display has each full-screen blob frame copied about once per frame shown', async ({ guest }) => {
  await expectPacedFrames(guest, 1024, 768);
});
