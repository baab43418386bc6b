/**
 * An outside conformance suite in the 3d guest: piglit's sample
 * (test/fixtures/piglit-sample.txt) on Mesa's software driver, every test
 * passing. e2e/piglit.spec.ts runs the same sample on virgl.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureGuestImage } from '../../guest/build-image.mjs';
import { GuestSession } from '../../src/node/guest-session.ts';
import { notPassing, runPiglit, sampleTests } from '../conformance/piglit.ts';

let guest: GuestSession;

beforeAll(async () => {
  guest = await GuestSession.boot({ image: ensureGuestImage('3d'), scanouts: [{ width: 640, height: 480 }], bootTimeout: 150 });
}, 180_000);

afterAll(async () => {
  await guest?.stop();
});

it('passes every test of the piglit sample on softpipe', async () => {
  const results = await runPiglit(async (command, timeout) => (await guest.run(command, timeout)).output, sampleTests(), { driver: 'softpipe' });
  expect(notPassing(results)).toEqual([]);
  expect(results).toHaveLength(sampleTests().length);
}, 600_000);
