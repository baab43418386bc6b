/**
 * Drives the replay page (e2e/pages/virgl-replay.html) from Node, for the
 * replay spec and `npm run replay`: the trace goes in as base64, and each
 * picture comes out deflated and in base64, one at a time, so that no single
 * message carries a long trace's frames.
 */
import { inflateSync } from 'node:zlib';
import type { Page } from '@playwright/test';
import type { PageReplay, PageReplayOptions, TakenPicture } from './pages/virgl-replay-page.ts';

export type { PageReplay, ReplayedPicture, TakenPicture } from './pages/virgl-replay-page.ts';

export const REPLAY_PAGE = '/e2e/pages/virgl-replay.html';

/** Opens the page under `base` (empty: the test's baseURL); the first load compiles the renderer's modules, slow on a busy machine. */
export async function openReplayPage(page: Page, base = '', timeout = 120_000): Promise<void> {
  await page.goto(`${base}${REPLAY_PAGE}`, { timeout });
  await page.waitForFunction(() => 'replayVirgl' in window, undefined, { timeout });
}

export interface ReplayInPageOptions {
  /** Count the virgl commands of the streams (the reference's --stats). */
  stats?: boolean;
  /**
   * Each picture as it is taken, while the page holds it for pictureRgba;
   * the page drops it once this settles. Without it the page keeps every
   * picture until the next replay.
   */
  onPicture?: (picture: TakenPicture) => Promise<void>;
  /** Show each frame also through the GPU backends' surfaces, as a scanout (see PageReplayOptions). */
  checkPresents?: boolean;
}

/** A page exposes a function once for good: the one exposed calls the current replay's handler. */
const handlers = new WeakMap<Page, (picture: TakenPicture) => Promise<void>>();

export async function replayInPage(page: Page, trace: Uint8Array, options: ReplayInPageOptions = {}): Promise<PageReplay> {
  const { onPicture } = options;
  if (onPicture) {
    if (!handlers.has(page)) {
      await page.exposeFunction('onVirglPicture', (picture: TakenPicture) => {
        const handler = handlers.get(page);
        if (!handler) throw new Error('no replay is taking pictures');
        return handler(picture);
      });
    }
    handlers.set(page, onPicture);
  }
  const pageOptions: PageReplayOptions = { stats: options.stats ?? false, stream: onPicture !== undefined, checkPresents: options.checkPresents ?? false };
  return page.evaluate(([b64, o]) => window.replayVirgl(b64, o), [Buffer.from(trace.buffer, trace.byteOffset, trace.byteLength).toString('base64'), pageOptions] as const);
}

/** Picture `index` of the page's last replay, RGBA8 rows from the top. */
export async function pictureRgba(page: Page, index: number): Promise<Uint8Array> {
  const deflated = await page.evaluate((i) => window.virglPicture(i), index);
  return new Uint8Array(inflateSync(Buffer.from(deflated, 'base64')));
}
