/**
 * Debian's Firefox ESR, driven over WebDriver BiDi by puppeteer-core
 * (Playwright's Firefox is a patched build that cannot be had here). It runs
 * with a window on its own Xvfb display: headless Firefox has no WebGL2 on an
 * OffscreenCanvas, a windowed one has it (on Mesa's llvmpipe).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

const FIREFOX = '/usr/bin/firefox-esr';

export interface Firefox {
  browser: Browser;
  close(): Promise<void>;
}

/** Starts Xvfb on a free display (it picks one and says which on fd 3). */
async function startXvfb(): Promise<{ display: string; xvfb: ChildProcess }> {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let errors = '';
  xvfb.stderr!.on('data', (b: Buffer) => (errors += b.toString()));
  const display = await new Promise<string>((resolve, reject) => {
    let said = '';
    xvfb.stdio[3]!.on('data', (b: Buffer) => {
      said += b.toString();
      if (said.includes('\n')) resolve(`:${said.trim()}`);
    });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${errors}`)));
    xvfb.once('error', (error) => reject(new Error(`Xvfb could not start (${error.message}): run \`npm test\`, which installs Debian's xvfb`)));
  });
  return { display, xvfb };
}

export async function launchFirefox(): Promise<Firefox> {
  if (!existsSync(FIREFOX)) throw new Error("Firefox ESR is not installed: run `npm test` (it installs Debian's firefox-esr)");
  const { display, xvfb } = await startXvfb();
  try {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: false,
      env: { ...process.env, DISPLAY: display },
      // WebGL on Mesa's llvmpipe is block-listed by default.
      extraPrefsFirefox: { 'webgl.force-enabled': true },
    });
    return {
      browser,
      async close() {
        await browser.close();
        xvfb.kill();
      },
    };
  } catch (error) {
    xvfb.kill();
    throw error;
  }
}
