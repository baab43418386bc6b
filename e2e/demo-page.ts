/** The demo page with its guest booted, and its serial shell, for the end-to-end tests that share one boot. */
import type { Browser, Page, TestInfo } from '@playwright/test';

/** Opens the demo at `path` and waits for the guest's shell (a cold boot takes 10-20 s here). */
export async function bootDemo(browser: Browser, info: TestInfo, path: string, viewport = { width: 1100, height: 860 }): Promise<Page> {
  info.setTimeout(150_000);
  const page = await browser.newPage({ viewport });
  await page.goto(path);
  await page.waitForFunction(() => window.vgw?.shellReady, null, { timeout: 140_000 });
  return page;
}

/** Runs a command at the demo guest's serial shell (echo on, as a person would see it) and returns its output. */
let commands = 0;

export async function serialRun(page: Page, command: string, timeout = 30_000): Promise<string> {
  const n = ++commands;
  const start = await page.evaluate(() => window.vgw!.serial.length);
  // The echoed command line shows "$((n+0))"; only the shell's output shows the number itself.
  // A line of its own: `command` may end in `&`.
  await page.evaluate((line) => window.vgw!.emulator.serial0_send(line), `${command}\necho "__done_$((${n}+0))__"\n`);
  const marker = `__done_${n}__`;
  await page.waitForFunction(([from, m]) => window.vgw!.serial.slice(from as number).includes(m as string), [start, marker] as const, { timeout });
  const text = (await page.evaluate((from) => window.vgw!.serial.slice(from), start)).replace(/\r/g, '');
  const output = text.slice(text.indexOf('\n') + 1, text.indexOf(marker));
  return output.slice(0, output.lastIndexOf('echo "__done_'));
}
