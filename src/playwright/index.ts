/**
 * `virtio-gpu-web/playwright`: Playwright fixtures for tests of what a guest
 * shows. `guest` is a booted guest on a page (booted once per worker and
 * shared by the tests it runs, as a server fixture would be), with its
 * screens, serial console and keyboard:
 *
 *   import { test, expect } from 'virtio-gpu-web/playwright';
 *   test.use({ guestURL: '/', guestReady: /login: $/ });
 *   test('shows the prompt', async ({ guest }) => { ... });
 */
import { test as base, type Page } from '@playwright/test';
import { bootGuest, Guest } from './guest.ts';

export { expect } from '@playwright/test';
export { Guest, GuestScreen, type RegionExpectation, type WaitForRegionOptions } from './guest.ts';
export type { Pixels, Region } from './region.ts';
export { typeKeys } from './keyboard.ts';

export interface GuestOptions {
  /** The page that boots the guest with `attachVirtioGpuToV86` (relative to `baseURL`). Default '/'. */
  guestURL: string;
  /**
   * Which of the project's guests the demo page boots: null leaves `guestURL`
   * as it is; '3d' adds `image=3d` to its query (Mesa, virgl), 'desktop' adds
   * `desktop` too (weston, the tablet). Default null.
   */
  guestImage: '2d' | '3d' | 'desktop' | null;
  /** Serial output that means the guest is ready (a shell prompt, say); null waits for its first frame only. Default null. */
  guestReady: string | RegExp | null;
  /** Milliseconds the boot may take. Default 180 000. */
  guestBootTimeout: number;
  /** The page's viewport. Default 1100x860. */
  guestViewport: { width: number; height: number };
}

export interface GuestTestFixtures {
  /** The booted guest, bound to the running test (its attachments, its snapshots). */
  guest: Guest;
}

export interface GuestWorkerFixtures extends GuestOptions {
  /** The page the guest runs on, booted once per worker, and its uncaught errors. */
  guestPage: { page: Page; errors: string[] };
}

/** `url` with the demo's query for `image` added. */
export function withImage(url: string, image: GuestOptions['guestImage']): string {
  if (image === null || image === '2d') return url;
  const query = image === 'desktop' ? 'image=3d&desktop' : 'image=3d';
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

export const test = base.extend<GuestTestFixtures, GuestWorkerFixtures>({
  guestURL: ['/', { scope: 'worker', option: true }],
  guestImage: [null, { scope: 'worker', option: true }],
  guestReady: [null, { scope: 'worker', option: true }],
  guestBootTimeout: [180_000, { scope: 'worker', option: true }],
  guestViewport: [{ width: 1100, height: 860 }, { scope: 'worker', option: true }],
  guestPage: [
    async ({ browser, guestURL, guestImage, guestReady, guestBootTimeout, guestViewport }, use, workerInfo) => {
      const baseURL = workerInfo.project.use.baseURL;
      const page = await browser.newPage({ viewport: guestViewport, ...(baseURL && { baseURL }) });
      const errors: string[] = [];
      await bootGuest(page, withImage(guestURL, guestImage), guestReady, guestBootTimeout, errors);
      await use({ page, errors });
      await page.close();
    },
    { scope: 'worker', timeout: 300_000 },
  ],
  guest: async ({ guestPage }, use, testInfo) => {
    await use(new Guest(guestPage.page, testInfo, guestPage.errors));
  },
});
