/**
 * What the demo says when the browser lacks something: no cross-origin
 * isolation (it cannot run, and names the headers), no WebGPU (it falls back
 * and says why).
 */
import { chromium, expect, test } from '@playwright/test';
import { chromiumPath } from './chromium.ts';

test('without cross-origin isolation the demo names the missing headers', async ({ page }) => {
  await page.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => !name.startsWith('cross-origin-')));
    await route.fulfill({ response, headers });
  });
  await page.goto('/?cold');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  const status = page.locator('#status');
  await expect(status).toHaveClass(/error/);
  await expect(status).toContainText('not cross-origin isolated');
  await expect(status).toContainText("'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'");
});

test('without WebGPU the demo draws with WebGL2 and says why', async ({ baseURL }) => {
  // A browser without the flags that turn WebGPU on here (see chromium.ts).
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--disable-features=WebGPU'] });
  try {
    const page = await browser.newPage({ baseURL: baseURL! });
    await page.goto('/?cold');
    await expect(page.locator('#status')).toContainText(/display: WebGL2 \(fallback: WebGPU unavailable: .+\)/, { timeout: 30_000 });
    expect(await page.evaluate(() => window.vgw!.gpu.backend)).toBe('webgl2');
  } finally {
    await browser.close();
  }
});
