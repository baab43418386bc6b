/**
 * An outside conformance suite on the page's GPU: piglit's sample
 * (test/fixtures/piglit-sample.txt) in the 3d guest, its Mesa drawing with
 * virgl through the GPU worker's WebGL2, every test passing.
 * test/guest/piglit-node.test.ts runs the same sample on softpipe.
 */
import { expect, test } from '../src/playwright/index.ts';
import { notPassing, runPiglit, sampleTests } from '../test/conformance/piglit.ts';
import { GUEST_READY } from './guest-ready.ts';

test.use({ guestURL: '/e2e/pages/gl-guest.html', guestReady: GUEST_READY, guestBootTimeout: 300_000 });

test('the piglit sample passes on virgl', async ({ guest }) => {
  test.setTimeout(600_000);
  expect(await guest.page.evaluate(() => globalThis.__virtioGpuWeb![0]!.threeD)).toMatch(/^virgl on WebGL2/);
  const results = await runPiglit((command, timeout) => guest.run(command, { timeout: timeout * 1000 }), sampleTests(), { driver: 'virgl' });
  expect(notPassing(results)).toEqual([]);
  expect(results).toHaveLength(sampleTests().length);
});
