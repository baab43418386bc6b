/**
 * A booted guest on a page, seen from a Playwright test: its screens, its
 * serial console, its keyboard. The page is any page that embedded the device
 * with `attachVirtioGpuToV86` (the handle lists itself in
 * `globalThis.__virtioGpuWeb`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Locator, Page, TestInfo } from '@playwright/test';
import type {} from '../embed/v86-embed.ts'; // globalThis.__virtioGpuWeb
import { decodePng, encodePng } from '../node/png.ts';
import { typeKeys } from './keyboard.ts';
import { commandOutput, doneMarker, withMarker } from './shell-output.ts';
import { checkRegion, describeDifference, difference, regionLabel, type Pixels, type Region } from './region.ts';

/** What a region must show: exact pixels, a PNG snapshot beside the test, or a check of your own. */
export type RegionExpectation =
  | { rgba: Uint8Array | readonly number[] }
  | { snapshot: string }
  | { check: (pixels: Pixels) => boolean; description: string };

export interface WaitForRegionOptions {
  /** Milliseconds. Default 10 000. */
  timeout?: number;
  /** Largest difference per colour channel still counted as equal. Default 0. */
  tolerance?: number;
  /** Pixels allowed to differ. Default 0. */
  maxDiffPixels?: number;
}

const POLL_MS = 100;

/** `pattern` as a RegExp's source and flags, to build it again in the page; a string matches as written. */
export function patternParts(pattern: string | RegExp): { source: string; flags: string } {
  if (typeof pattern === 'string') return { source: pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags: '' };
  return { source: pattern.source, flags: pattern.flags.replace('g', '') };
}

/** Scanout `index`'s pixels in `region` (or all), read in the page as the device shows them. */
async function readPixels(page: Page, index: number, region: Region | null): Promise<Pixels> {
  const { width, height, base64 } = await page.evaluate(
    async ([i, r]) => {
      const handle = globalThis.__virtioGpuWeb?.[0];
      if (!handle) throw new Error('no virtio-gpu-web device on this page');
      const c = await handle.device.captureScanout(i);
      const box = r ?? { x: 0, y: 0, width: c.width, height: c.height };
      if (box.x + box.width > c.width || box.y + box.height > c.height) throw new Error(`region ${box.x},${box.y} ${box.width}x${box.height} is not inside the ${c.width}x${c.height} scanout`);
      const out = new Uint8Array(box.width * box.height * 4);
      for (let y = 0; y < box.height; y++) out.set(c.data.subarray(((box.y + y) * c.width + box.x) * 4, ((box.y + y) * c.width + box.x + box.width) * 4), y * box.width * 4);
      let binary = '';
      for (let i = 0; i < out.length; i += 0x8000) binary += String.fromCharCode(...out.subarray(i, i + 0x8000));
      return { width: box.width, height: box.height, base64: btoa(binary) };
    },
    [index, region && { x: region.x, y: region.y, width: region.width, height: region.height }] as const,
  );
  return { width, height, data: new Uint8Array(Buffer.from(base64, 'base64')) };
}

function fileSafe(text: string): string {
  return text.replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^-|-$/g, '') || 'region';
}

export class GuestScreen {
  constructor(
    private readonly page: Page,
    private readonly info: TestInfo,
    readonly index: number,
  ) {}

  /** The scanout's canvas on the page (for Playwright's own screenshots and clicks). */
  get canvas(): Locator {
    return this.page.locator(`canvas[data-scanout="${this.index}"]`).first();
  }

  async size(): Promise<{ width: number; height: number }> {
    return this.page.evaluate((i) => {
      const s = globalThis.__virtioGpuWeb![0]!.device.scanouts[i];
      if (!s) throw new Error(`no scanout ${i}`);
      return { width: s.width, height: s.height };
    }, this.index);
  }

  /**
   * Moves the page's mouse to scanout pixel (`x`, `y`) and clicks there; a
   * guest given the tablet (`tablet: true`) gets the pointer at that pixel.
   */
  async click(x: number, y: number, options: { button?: 'left' | 'right' | 'middle' } = {}): Promise<void> {
    const { px, py } = await this.pagePoint(x, y);
    await this.page.mouse.move(px, py);
    await this.page.mouse.click(px, py, options);
  }

  /** Moves the page's mouse to scanout pixel (`x`, `y`). */
  async move(x: number, y: number): Promise<void> {
    const { px, py } = await this.pagePoint(x, y);
    await this.page.mouse.move(px, py);
  }

  private async pagePoint(x: number, y: number): Promise<{ px: number; py: number }> {
    const box = await this.canvas.boundingBox();
    if (!box) throw new Error(`scanout ${this.index}'s canvas is not on the page`);
    const { width, height } = await this.size();
    return { px: box.x + ((x + 0.5) * box.width) / width, py: box.y + ((y + 0.5) * box.height) / height };
  }

  /** RGBA pixels of `region` (default: the whole scanout) exactly as shown, cursor included. */
  pixels(region?: Region): Promise<Pixels> {
    return readPixels(this.page, this.index, region ?? null);
  }

  /** The scanout (or `region` of it) as a PNG file's bytes. */
  async capture(region?: Region): Promise<Buffer> {
    const p = await this.pixels(region);
    return encodePng(p.width, p.height, p.data);
  }

  /**
   * Waits until `region` shows what `expected` says. On timeout it saves the
   * actual frame (and the actual and expected region) as files attached to
   * the test, and throws an error naming the region and the difference.
   * Snapshots follow Playwright's `updateSnapshots` rules.
   */
  async waitForRegion(region: Region, expected: RegionExpectation, options: WaitForRegionOptions = {}): Promise<void> {
    const { timeout = 10_000, tolerance = 0, maxDiffPixels = 0 } = options;
    checkRegion(region, await this.size());
    const label = regionLabel(region);
    const deadline = Date.now() + timeout;
    const snapshot = 'snapshot' in expected ? this.info.snapshotPath(expected.snapshot) : null;
    const mode = this.info.config.updateSnapshots;
    if (snapshot && mode !== 'none' && (!existsSync(snapshot) || mode === 'all')) {
      const missing = !existsSync(snapshot);
      this.writeSnapshot(snapshot, await this.steady(region, deadline));
      // As Playwright's own snapshots: by default a test that had to create its snapshot fails, so CI never passes silently.
      if (missing && mode === 'default') throw new Error(`Region "${label}" of scanout ${this.index}: the snapshot ${snapshot} did not exist; it was written from the screen now. Check it and run again.`);
      return;
    }
    if (snapshot && !existsSync(snapshot)) {
      const saved = await this.saveFailure(label, await this.pixels(region), null);
      throw new Error(`Region "${label}" of scanout ${this.index}: the snapshot ${snapshot} does not exist (updateSnapshots is 'none'). Actual frame saved to ${saved}`);
    }
    const want = this.expectedPixels(region, expected, snapshot);
    let actual: Pixels;
    let why: string;
    for (;;) {
      actual = await this.pixels(region);
      if (want) {
        const d = difference(actual, want, tolerance);
        if (d.count <= maxDiffPixels) return;
        why = describeDifference(d, actual, want);
      } else {
        if ((expected as { check: (p: Pixels) => boolean }).check(actual)) return;
        why = `the check "${(expected as { description: string }).description}" failed`;
      }
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    if (snapshot && mode === 'changed') {
      this.writeSnapshot(snapshot, actual);
      return;
    }
    const saved = await this.saveFailure(label, actual, want);
    const where = `${region.x},${region.y} ${region.width}x${region.height}`;
    throw new Error(`Region ${region.name ? `"${region.name}" (${where})` : `(${where})`} of scanout ${this.index} did not match ${describeExpectation(expected)} within ${timeout} ms: ${why}. Actual frame saved to ${saved}`);
  }

  /** The region once two reads in a row agree (the guest stopped drawing there), or the last read at the deadline. */
  private async steady(region: Region, deadline: number): Promise<Pixels> {
    let last = await this.pixels(region);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS * 3));
      const next = await this.pixels(region);
      if (difference(next, last).count === 0 || Date.now() >= deadline) return next;
      last = next;
    }
  }

  private writeSnapshot(path: string, pixels: Pixels): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, encodePng(pixels.width, pixels.height, pixels.data));
  }

  private expectedPixels(region: Region, expected: RegionExpectation, snapshot: string | null): Pixels | null {
    if (snapshot) return decodePng(readFileSync(snapshot));
    if ('rgba' in expected) {
      const data = Uint8Array.from(expected.rgba);
      if (data.length !== region.width * region.height * 4) throw new RangeError(`expected rgba for region "${regionLabel(region)}" has ${data.length} bytes, not ${region.width}x${region.height}x4`);
      return { width: region.width, height: region.height, data };
    }
    return null;
  }

  private async saveFailure(label: string, region: Pixels, expected: Pixels | null): Promise<string> {
    const frame = await this.pixels();
    const stem = `${fileSafe(label)}-scanout-${this.index}`;
    const path = this.info.outputPath(`${stem}-actual-frame.png`);
    const files: [string, string, Pixels][] = [[`${stem}-actual-frame.png`, path, frame], [`${stem}-actual.png`, this.info.outputPath(`${stem}-actual.png`), region]];
    if (expected) files.push([`${stem}-expected.png`, this.info.outputPath(`${stem}-expected.png`), expected]);
    for (const [name, file, pixels] of files) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, encodePng(pixels.width, pixels.height, pixels.data));
      await this.info.attach(name, { path: file, contentType: 'image/png' });
    }
    return path;
  }
}

function describeExpectation(expected: RegionExpectation): string {
  if ('snapshot' in expected) return `snapshot "${expected.snapshot}"`;
  if ('rgba' in expected) return 'the expected pixels';
  return `"${expected.description}"`;
}

/**
 * Opens `url` (a page that boots a guest with `attachVirtioGpuToV86`) and waits
 * until the guest's serial output matches `ready`, or (null) its first frame;
 * the page's uncaught errors go to `errors`.
 */
export async function bootGuest(page: Page, url: string, ready: string | RegExp | null, timeout: number, errors: string[]): Promise<void> {
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  const pattern = ready === null ? null : patternParts(ready);
  try {
    await page.waitForFunction(
      (p) => {
        const handle = globalThis.__virtioGpuWeb?.[0];
        if (!handle) return false;
        return p === null ? handle.stats().frames > 0 : new RegExp(p.source, p.flags).test(handle.serial.text);
      },
      pattern,
      { timeout, polling: 100 },
    );
  } catch (error) {
    const state = await page
      .evaluate(() => {
        const handle = globalThis.__virtioGpuWeb?.[0];
        return handle ? `frames drawn: ${handle.stats().frames}; serial output ends with:\n${handle.serial.text.slice(-800)}` : 'no virtio-gpu-web device on the page (did it call attachVirtioGpuToV86?)';
      })
      .catch(() => 'the page could not be read');
    throw new Error(`the guest at ${url} was not ready within ${timeout} ms (waiting for ${ready === null ? 'its first frame' : `serial output ${String(ready)}`}). ${state}${errors.length ? `\npage errors: ${errors.join('; ')}` : ''}`, { cause: error });
  }
}

/** A guest's first serial port as a page keeps it: what the guest wrote, and commands typed at its shell. */
export class SerialConsole {
  private marker = 0;

  constructor(readonly page: Page) {}

  /** The serial output from character `start` (counted since boot) on, taken in the page. */
  from(start: number): Promise<string> {
    return this.page.evaluate((s) => globalThis.__virtioGpuWeb![0]!.serial.since(s), start);
  }

  /** Waits until the serial output (after `from` characters since boot, default all) matches. */
  async waitFor(pattern: string | RegExp, options: { timeout?: number; from?: number } = {}): Promise<string> {
    const { source, flags } = patternParts(pattern);
    const handle = await this.page.waitForFunction(
      ([s, f, from]) => {
        const text = globalThis.__virtioGpuWeb![0]!.serial.since(from);
        return new RegExp(s, f).exec(text)?.[0] ?? false;
      },
      [source, flags, options.from ?? 0] as const,
      { timeout: options.timeout ?? 30_000, polling: 100 },
    ).catch(async (error: Error) => {
      const tail = await this.page.evaluate(() => globalThis.__virtioGpuWeb![0]!.serial.text.slice(-800));
      throw new Error(`the guest's serial output did not match ${String(pattern)} in time (${error.message.split('\n')[0]}); its last lines:\n${tail}`);
    });
    return (await handle.jsonValue()) as string;
  }

  /** Sends text to the guest's serial console as is. */
  send(text: string): Promise<void> {
    return this.page.evaluate((t) => globalThis.__virtioGpuWeb![0]!.serial.send(t), text);
  }

  /** Runs a shell command on the guest's serial console and returns what it printed. */
  async run(command: string, options: { timeout?: number } = {}): Promise<string> {
    const n = ++this.marker;
    const from = await this.page.evaluate(() => globalThis.__virtioGpuWeb![0]!.serial.received);
    await this.send(withMarker(command, n));
    await this.waitFor(doneMarker(n), { from, ...(options.timeout !== undefined && { timeout: options.timeout }) });
    return commandOutput(await this.from(from), n);
  }
}

export class Guest {
  private readonly console: SerialConsole;

  constructor(
    readonly page: Page,
    private readonly info: TestInfo,
    /** Uncaught errors of the page since it booted the guest. */
    readonly pageErrors: readonly string[] = [],
  ) {
    this.console = new SerialConsole(page);
  }

  /** Scanout `index` (default 0). */
  screen(index = 0): GuestScreen {
    return new GuestScreen(this.page, this.info, index);
  }

  /** Everything the guest wrote to its first serial port so far (as far as the page keeps it). */
  serial(): Promise<string> {
    return this.console.from(0);
  }

  /** Waits until the serial output (after `from` characters since boot, default all) matches. */
  waitForSerial(pattern: string | RegExp, options: { timeout?: number; from?: number } = {}): Promise<string> {
    return this.console.waitFor(pattern, options);
  }

  /** Sends text to the guest's serial console as is. */
  sendSerial(text: string): Promise<void> {
    return this.console.send(text);
  }

  /** Runs a shell command on the guest's serial console and returns what it printed. */
  run(command: string, options: { timeout?: number } = {}): Promise<string> {
    return this.console.run(command, options);
  }

  /** Types on the guest's keyboard (through the page, focused on scanout 0's canvas), Shift held where a US keyboard needs it. */
  async type(text: string): Promise<void> {
    await this.screen(0).canvas.focus();
    await typeKeys(this.page, text);
  }
}
