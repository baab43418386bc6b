/**
 * `npm run replay -- TRACE --out DIR [--stats]`: replays a recorded trace
 * (src/trace/FORMAT.md) through the project's own virgl renderer on WebGL2,
 * in headless Chromium, and writes every flushed scanout and readback as PNG
 * under the names `npm run oracle` gives the reference's, so that the two
 * folders can be compared file by file; then prints the oracle's summary
 * lines for this renderer (scripts/replay-summary.ts).
 *
 * Standard output carries the summary only; progress, the replayer's notes
 * and what the renderer logged go to standard error. Exit status: 0 done,
 * 1 failed (trace, output folder, browser, WebGL2), 2 usage.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../e2e/chromium.ts';
import { startDevServer } from '../e2e/servers.ts';
import { openReplayPage, pictureRgba, replayInPage, type PageReplay, type TakenPicture } from '../e2e/virgl-replay-client.ts';
import { encodePng } from '../src/node/png.ts';
import { readTrace } from '../src/trace/trace-reader.ts';
import { summaryLines } from './replay-summary.ts';

const USAGE = `usage: npm run replay -- TRACE --out DIR [--stats]

  TRACE      a trace recorded with --record or device.startRecording (src/trace/FORMAT.md)
  --out DIR  where the PNGs go (made when missing): frame-NNNNN-sS-rID.png, readback-NNNNN-rID.png
  --stats    also count the virgl commands in SUBMIT_3D streams (one 'virgl' line each)`;

/** A progress line at most this often: a 1920x1200 glmark2 frame takes about 1.5 s here, so a long replay says something every picture or two. */
const PROGRESS_MS = 2000;

/** A failure the user can act on, told in one line. */
class Failure extends Error {}

interface Arguments {
  trace: string;
  out: string;
  stats: boolean;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArguments(argv);
  if (typeof args === 'number') return args;
  try {
    await replay(args);
    return 0;
  } catch (error) {
    console.error(`replay: ${error instanceof Failure ? error.message : oneLine(error)}`);
    return 1;
  }
}

/** The arguments, or the exit status once usage was printed. */
function parseArguments(argv: string[]): Arguments | number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, stats: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  } catch (error) {
    console.error(`${oneLine(error)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [trace, ...extra] = positionals;
  if (trace === undefined || values.out === undefined || extra.length > 0) {
    console.error(extra.length ? `unexpected argument ${extra[0]}\n${USAGE}` : USAGE);
    return 2;
  }
  return { trace, out: values.out, stats: values.stats };
}

async function replay({ trace, out, stats }: Arguments): Promise<void> {
  const bytes = readTraceFile(trace);
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new Failure(`cannot create ${out}: ${oneLine(error)}`);
  }
  const started = Date.now();
  const server = await startDevServer();
  try {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await openReplayPage(page, server.base);
      const progress = new Progress(started);
      const onPicture = async (picture: TakenPicture): Promise<void> => {
        const rgba = await pictureRgba(page, picture.index);
        writeFileSync(join(out, picture.name), encodePng(picture.width, picture.height, rgba));
        progress.taken(picture);
      };
      let result: PageReplay;
      try {
        result = await replayInPage(page, bytes, { stats, onPicture });
      } catch (error) {
        throw new Failure(`the replay in Chromium failed: ${oneLine(error)}`);
      }
      for (const line of result.replayLog) console.error(`replay: ${line}`);
      for (const line of result.log) console.error(`renderer: ${line}`);
      progress.done(out);
      console.log(summaryLines(result).join('\n'));
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
  }
}

/** The trace's bytes, checked as the replayer checks them, before a browser is started for nothing. */
function readTraceFile(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Failure(code === 'ENOENT' ? `no trace at ${path}` : `cannot read ${path}: ${oneLine(error)}`);
  }
  const read = readTrace(bytes);
  if (!read.ok) throw new Failure(`${path}: ${read.error}`);
  console.error(`[replay] ${path}: ${read.trace.records.length} records, ${(bytes.length / 2 ** 20).toFixed(1)} MiB; replaying in headless Chromium on WebGL2`);
  return bytes;
}

async function launchChromium(): Promise<Browser> {
  let path: string;
  try {
    path = chromiumPath();
  } catch (error) {
    throw new Failure(oneLine(error));
  }
  try {
    // No guest runs here, so Chromium's own flags are enough (chromiumTestArgs is for the guest's WebAssembly).
    return await chromium.launch({ executablePath: path, args: chromiumArgs });
  } catch (error) {
    throw new Failure(`cannot start Chromium (${path}): ${oneLine(error)}`);
  }
}

/** Says how far a long replay has got, at most every PROGRESS_MS. */
class Progress {
  private frames = 0;
  private readbacks = 0;
  private told: number;

  constructor(private readonly started: number) {
    this.told = started;
  }

  taken(picture: TakenPicture): void {
    if (picture.kind === 'frame') this.frames++;
    else this.readbacks++;
    const now = Date.now();
    if (now - this.told < PROGRESS_MS) return;
    this.told = now;
    console.error(`[replay] ${this.counts()}, ${this.seconds()} s`);
  }

  done(out: string): void {
    console.error(`[replay] done: ${this.counts()} written to ${out} in ${this.seconds()} s`);
  }

  private counts(): string {
    const n = this.frames + this.readbacks;
    return `${n} picture${n === 1 ? '' : 's'} (${this.frames} frame${this.frames === 1 ? '' : 's'}, ${this.readbacks} readback${this.readbacks === 1 ? '' : 's'})`;
  }

  private seconds(): string {
    return ((Date.now() - this.started) / 1000).toFixed(1);
  }
}

/** Another module's error in one line: its first, without Playwright's call prefix ("page.evaluate: Error: …"). */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split('\n').find((line) => line.trim() !== '') ?? text;
  return first.replace(/^\w+\.\w+: /, '').replace(/^\w*Error: /, '').trim();
}
