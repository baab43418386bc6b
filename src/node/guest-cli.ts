/**
 * `npm run guest -- [options]`: boots the test guest in v86 with the device,
 * types commands at its shell, prints their output, and writes screenshots.
 * Exits non-zero when the guest does not reach its shell, a command times
 * out, or the kernel logs a virtio-gpu error or warning.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureGuestImage } from '../../guest/build-image.mjs';
import { encodePng } from './png.ts';
import { GuestSession, snapshotFile } from './guest-session.ts';

const USAGE = `usage: npm run guest -- [--run "<command>"]... [--screenshot FILE.png] [--width W] [--height H] [--timeout S]

  --run CMD         type CMD at the guest's shell and print its output (repeatable)
  --screenshot F    write what scanout 0 shows after the commands as PNG
  --width, --height scanout size (default 1024x768)
  --timeout S       seconds allowed for boot and for each command (default 60)
  --cold            boot from scratch; by default a snapshot of the booted guest
                    (in .cache/guest, keyed by the code and options) is resumed
                    when there is one, and written when there is not`;

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        run: { type: 'string', multiple: true, default: [] },
        screenshot: { type: 'string' },
        width: { type: 'string', default: '1024' },
        height: { type: 'string', default: '768' },
        timeout: { type: 'string', default: '60' },
        cold: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const [width, height, timeout] = [Number(args.width), Number(args.height), Number(args.timeout)];
  if (![width, height, timeout].every((n) => Number.isFinite(n) && n > 0)) {
    console.error(`--width, --height and --timeout take positive numbers\n\n${USAGE}`);
    return 2;
  }
  const progress = (m: string) => console.error(`[guest] ${m}`);
  const image = ensureGuestImage();
  progress(`booting Linux in v86 with virtio-gpu-web (${width}x${height})`);
  const started = Date.now();
  let session: GuestSession;
  try {
    const scanouts = [{ width, height }];
    session = await GuestSession.boot({ image, scanouts, bootTimeout: timeout, snapshot: args.cold ? undefined : snapshotFile(image.dir, scanouts) });
  } catch (error) {
    progress(`FAILED: ${(error as Error).message}`);
    return 1;
  }
  progress(`shell reached after ${((Date.now() - started) / 1000).toFixed(1)} s (${session.startedFrom})`);
  const failures: string[] = [];
  try {
    for (const command of args.run) {
      progress(`$ ${command}`);
      const { output, status } = await session.run(command, timeout);
      process.stdout.write(output);
      if (status !== 0) progress(`(exit status ${status})`);
    }
    if (args.screenshot) {
      const { width: w, height: h, data } = await session.device.captureScanout(0);
      writeFileSync(args.screenshot, encodePng(w, h, data));
      progress(`scanout 0 (${w}x${h}) written to ${args.screenshot}`);
    }
    const problems = await session.driverProblems();
    if (problems.length) failures.push(`the kernel logged virtio-gpu problems:\n  ${problems.join('\n  ')}`);
    if (session.deviceLog.length) progress(`device rejected commands:\n  ${session.deviceLog.join('\n  ')}`);
  } catch (error) {
    failures.push((error as Error).message);
  } finally {
    await session.stop();
  }
  for (const f of failures) progress(`FAILED: ${f}`);
  return failures.length ? 1 : 0;
}
