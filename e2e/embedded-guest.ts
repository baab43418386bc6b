/** Checks on a page that embedded a guest with attachVirtioGpuToV86, shared by the Chromium (Playwright) and Firefox (Puppeteer) tests. */
import { PNG } from 'pngjs';
import { commandOutput, doneMarker, withMarker } from '../src/playwright/shell-output.ts';

export interface ShellAnswer {
  backend: string;
  notes: string[];
  /** The serial text from each command's sending to its end marker. */
  serial: string[];
}

export interface ShellCommands {
  /** Each command followed by its marker command (src/playwright/shell-output.ts). */
  sends: string[];
  markers: string[];
  timeoutMs: number;
}

export function shellCommands(commands: string[], timeoutMs: number): ShellCommands {
  return { sends: commands.map((c, n) => withMarker(c, n)), markers: commands.map((_, n) => doneMarker(n)), timeoutMs };
}

/** What each command printed. */
export const outputsOf = (answer: ShellAnswer): string[] => answer.serial.map((text, n) => commandOutput(text, n));

/**
 * Runs in the page (either driver's `evaluate`, so it uses nothing from
 * outside): waits for the embedded guest's shell prompt on its serial port,
 * sends the commands one after the other, each once the one before ended, and
 * returns the serial text of each with the drawing backend the device chose
 * and why it passed over better ones.
 */
export async function inTheShell({ sends, markers, timeoutMs }: ShellCommands): Promise<ShellAnswer> {
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
  const serial: string[] = [];
  for (const [n, text] of sends.entries()) {
    const from = handle.serial.received;
    handle.serial.send(text);
    serial.push(await until(`the end of ${JSON.stringify(text)}`, () => handle.serial.since(from).includes(markers[n]!) && handle.serial.since(from)));
  }
  return { backend: handle.backend, notes: [...handle.notes], serial };
}

/** The page's guest works out 6 * 7 on its shell: "42" when it works. */
export const SIX_TIMES_SEVEN = shellCommands(['echo $((6 * 7))'], 180_000);

/** How many pixels of a PNG screenshot are lit (any channel over 128): the console's text on a black screen. */
export function litPixels(png: Uint8Array): number {
  const { data } = PNG.sync.read(Buffer.from(png));
  let lit = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! > 128 || data[i + 1]! > 128 || data[i + 2]! > 128) lit++;
  return lit;
}
