/**
 * `npm run guest -- [options]`: boots the test guest in v86 with the device,
 * types commands at its shell, prints their output, and writes screenshots.
 * Exits non-zero when the guest does not reach its shell, a command times
 * out, or the kernel logs a virtio-gpu error or warning.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureGuestImage } from '../../guest/build-image.mjs';
import { encodePng } from './png.ts';
import { GuestSession, snapshotFile } from './guest-session.ts';
import { RecordingRenderer } from '../renderers/recording-renderer.ts';
import type { Renderer3d } from '../renderers/renderer-3d.ts';
import type { TraceSink } from '../trace/trace-writer.ts';

const USAGE = `usage: npm run guest -- [--image 2d|3d] [--run "<command>"]... [--screenshot FILE.png] [--scanouts N] [--width W] [--height H] [--timeout S] [--cold] [--virgl] [--record FILE]

  --image KIND      2d (default): the small initramfs guest; 3d: the same kernel
                    with a root disk holding Debian's Mesa, kmscube, glmark2-es2-drm
                    and the vgw-gl-* test programs (512 MiB of guest memory; its disk
                    is read as the guest asks, so its snapshot holds only the blocks
                    the guest wrote)

  --run CMD         type CMD at the guest's shell and print its output (repeatable).
                    The host acts instead, in order with the guest commands, on:
                      host:resize I WxH   resize scanout I (the guest gets a display event)
                      host:unplug I       disconnect scanout I
                      host:plug I         connect scanout I again
                      host:sleep S        wait S seconds
  --screenshot F    write what each scanout shows after the commands as PNG:
                    F for scanout 0, F with -1, -2, ... before .png for the others
  --scanouts N      number of displays, 1 to 16 (default 1)
  --width, --height size of every scanout (default 1024x768)
  --timeout S       seconds allowed for boot and for each command (default 60)
  --cold            boot from scratch; by default a snapshot of the booted guest
                    (in .cache/guest, keyed by the code and options) is resumed
                    when there is one, and written when there is not
  --virgl           offer 3D (VIRTIO_GPU_F_VIRGL and CONTEXT_INIT): the guest's Mesa
                    talks virgl; a recording renderer accepts the streams and
                    draws nothing yet (replay them with npm run oracle)
  --record FILE     write a trace of everything the guest asks of the device
                    (src/trace/FORMAT.md) from power-on; boots cold; with
                    --virgl, prints the virgl commands seen, by type`;

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        image: { type: 'string', default: '2d' },
        run: { type: 'string', multiple: true, default: [] },
        screenshot: { type: 'string' },
        scanouts: { type: 'string', default: '1' },
        width: { type: 'string', default: '1024' },
        height: { type: 'string', default: '768' },
        timeout: { type: 'string', default: '60' },
        cold: { type: 'boolean', default: false },
        virgl: { type: 'boolean', default: false },
        record: { type: 'string' },
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
  const [width, height, timeout, count] = [Number(args.width), Number(args.height), Number(args.timeout), Number(args.scanouts)];
  if (![width, height, timeout, count].every((n) => Number.isFinite(n) && n > 0) || !Number.isInteger(count) || count > 16) {
    console.error(`--width, --height, --timeout and --scanouts take positive numbers (at most 16 scanouts)\n\n${USAGE}`);
    return 2;
  }
  const kind = args.image;
  if (kind !== '2d' && kind !== '3d') {
    console.error(`--image takes 2d or 3d\n\n${USAGE}`);
    return 2;
  }
  const progress = (m: string) => console.error(`[guest] ${m}`);
  const image = ensureGuestImage(kind);
  progress(`booting the ${kind} guest in v86 with virtio-gpu-web (${count} x ${width}x${height})`);
  const started = Date.now();
  let session: GuestSession;
  const features = args.virgl ? { virgl: true, contextInit: true } : {};
  const trace = args.record === undefined ? null : openTrace(args.record);
  try {
    const scanouts = Array.from({ length: count }, () => ({ width, height }));
    const cold = args.cold || trace !== null;
    session = await GuestSession.boot({
      image,
      scanouts,
      features,
      bootTimeout: timeout,
      snapshot: cold ? undefined : snapshotFile(image.dir, scanouts, features),
      onDeviceAttached: trace ? (device) => device.startRecording(trace) : undefined,
    });
  } catch (error) {
    progress(`FAILED: ${(error as Error).message}`);
    return 1;
  }
  progress(`shell reached after ${((Date.now() - started) / 1000).toFixed(1)} s (${session.startedFrom})`);
  const failures: string[] = [];
  try {
    for (const command of args.run) {
      if (command.startsWith('host:')) {
        progress(`host: ${command.slice(5)}`);
        await hostAction(session, command.slice(5).trim().split(/\s+/));
        continue;
      }
      progress(`$ ${command}`);
      const { output, status } = await session.run(command, timeout);
      process.stdout.write(output);
      if (status !== 0) progress(`(exit status ${status})`);
    }
    if (args.screenshot) {
      for (let i = 0; i < count; i++) {
        const file = i === 0 ? args.screenshot : args.screenshot.replace(/(\.png)?$/i, `-${i}.png`);
        const { width: w, height: h, data } = await session.device.captureScanout(i);
        if (w === 0) {
          progress(`scanout ${i} is disabled: no screenshot`);
          continue;
        }
        writeFileSync(file, encodePng(w, h, data));
        progress(`scanout ${i} (${w}x${h}) written to ${file}`);
      }
    }
    const problems = await session.driverProblems();
    if (problems.length) failures.push(`the kernel logged virtio-gpu problems:\n  ${problems.join('\n  ')}`);
    if (session.deviceLog.length) progress(`device rejected commands:\n  ${session.deviceLog.join('\n  ')}`);
  } catch (error) {
    failures.push((error as Error).message);
  } finally {
    await session.stop();
    if (trace) {
      trace.close();
      progress(`trace of ${trace.bytes} bytes written to ${args.record}`);
    }
    if (args.virgl) reportVirgl(session.device.renderer3d);
  }
  for (const f of failures) progress(`FAILED: ${f}`);
  return failures.length ? 1 : 0;
}

/** A trace file written as the guest runs. */
function openTrace(file: string): TraceSink & { close(): void; bytes: number } {
  const fd = openSync(file, 'w');
  const sink = {
    bytes: 0,
    write(bytes: Uint8Array) {
      writeSync(fd, bytes);
      sink.bytes += bytes.length;
    },
    close: () => closeSync(fd),
  };
  return sink;
}

function reportVirgl(renderer: Renderer3d): void {
  if (!(renderer instanceof RecordingRenderer)) return;
  const { contexts, resources, submits, submitBytes, transfersToHost, transfersFromHost, commands } = renderer.stats;
  console.error(`[guest] virgl: ${contexts} contexts, ${resources} resources, ${transfersToHost} transfers to host, ${transfersFromHost} from host, ${submits} submits (${submitBytes} bytes)`);
  for (const [command, n] of [...commands].sort((a, b) => b[1] - a[1])) console.error(`[guest]   virgl command ${command}: ${n}`);
}

async function hostAction(session: GuestSession, [verb, index, size]: string[]): Promise<void> {
  const i = Number(index);
  switch (verb) {
    case 'resize': {
      const [w, h] = (size ?? '').split('x').map(Number);
      session.device.configureScanout(i, { width: w as number, height: h as number });
      return;
    }
    case 'unplug':
      session.device.configureScanout(i, { connected: false });
      return;
    case 'plug':
      session.device.configureScanout(i, { connected: true });
      return;
    case 'sleep':
      await new Promise((resolve) => setTimeout(resolve, Number(index) * 1000));
      return;
    default:
      throw new Error(`unknown host action '${verb}': use resize, unplug, plug or sleep`);
  }
}
