/** Checks on a page that embedded a guest with attachVirtioGpuToV86, shared by the Chromium (Playwright) and Firefox (Puppeteer) tests. */
import { PNG } from 'pngjs';

export interface ShellAnswer {
  backend: string;
  notes: string[];
  answer: string;
}

/**
 * Runs in the page (either driver's `evaluate`, so it uses nothing from
 * outside): waits for the embedded guest's shell prompt on its serial port,
 * has it work out 6 * 7, and returns the answer with the drawing backend the
 * device chose and why it passed over better ones.
 */
export async function askTheShell(timeoutMs: number): Promise<ShellAnswer> {
  const deadline = Date.now() + timeoutMs;
  const until = async <T>(what: string, probe: () => T | undefined | false): Promise<T> => {
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const handle = await until('the embedded device', () => globalThis.__virtioGpuWeb?.[0]);
  await until('the shell prompt on the serial port', () => /guest# /.test(handle.serial.text));
  const from = handle.serial.received;
  handle.serial.send('echo $((6 * 7))\n');
  const answer = await until('the answer', () => /\n(\d+)\r?\n/.exec(handle.serial.since(from))?.[1]);
  return { backend: handle.backend, notes: [...handle.notes], answer };
}

/** How many pixels of a PNG screenshot are lit (any channel over 128): the console's text on a black screen. */
export function litPixels(png: Uint8Array): number {
  const { data } = PNG.sync.read(Buffer.from(png));
  let lit = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! > 128 || data[i + 1]! > 128 || data[i + 2]! > 128) lit++;
  return lit;
}
