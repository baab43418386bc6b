/**
 * The package as a consumer gets it: packed, installed into a new Vite
 * project outside the repository with v86 and Vite, the README's embedding
 * example written into it, and Linux booting on the canvas both from
 * `vite build` + `vite preview` and from the Vite dev server.
 */
import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import type { Page, TestInfo } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { makeConsumerProject, PLAIN_PAGE_NAME, serve, serveFiles, sh, stop } from './consumer-project.ts';
import { inTheShell, litPixels, outputsOf, SIX_TIMES_SEVEN } from './embedded-guest.ts';
import { devPort } from './servers.ts';

test.describe.configure({ mode: 'serial' });

let project: string;
let server: ChildProcess | undefined;
let files: Server | undefined;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  project = makeConsumerProject();
});

test.afterEach(() => {
  if (server) stop(server);
  files?.close();
  server = files = undefined;
});

/** Loads the page and checks what a user would: the shell answers on the serial port, and the console is on the canvas. */
async function bootsOnTheCanvas(page: Page, url: string, how: string, info: TestInfo): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  const shell = await page.evaluate(inTheShell, SIX_TIMES_SEVEN);
  expect(outputsOf(shell)[0]!.trim(), 'the shell answers on the serial port').toBe('42');
  console.log(`[consumer] ${how}: backend ${shell.backend}${shell.notes.length ? ` (passed over ${shell.notes.join('; ')})` : ''}`);
  await expect.poll(async () => litPixels(await page.locator('#screen canvas').first().screenshot({ path: info.outputPath('screen.png') })), { timeout: 30_000 }).toBeGreaterThan(500);
  expect(errors).toEqual([]);
}

for (const { how, port, built } of [
  { how: 'vite build, then vite preview', port: devPort + 10, built: true },
  { how: 'the Vite dev server', port: devPort + 11, built: false },
]) {
  test(`a new Vite project that installed the packed package boots Linux on the canvas: ${how}`, async ({ page }, info) => {
    test.setTimeout(240_000);
    const url = `http://127.0.0.1:${port}/`;
    if (built) sh('npx', ['vite', 'build'], project);
    server = await serve(project, ['vite', ...(built ? ['preview'] : []), '--port', String(port), '--strictPort', '--host', '127.0.0.1'], url);
    await bootsOnTheCanvas(page, url, how, info);
  });
}

test('a plain ES-module page, no bundler, imports the installed package and boots Linux on the canvas', async ({ page }, info) => {
  test.setTimeout(240_000);
  const port = devPort + 12;
  files = await serveFiles(project, port);
  await bootsOnTheCanvas(page, `http://127.0.0.1:${port}/${PLAIN_PAGE_NAME}`, 'no bundler', info);
});
