#!/usr/bin/env node
// `npx virtio-gpu-web guest-image --out DIR`: writes a Linux guest for a
// page to boot (vmlinuz, initramfs.cpio, bios.bin: the files the README's
// embedding example loads) into DIR, building it from Debian i386 packages
// on first use. Plain Node, so it runs from the installed package.
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureGuestImage } from './build-image.mjs';

const USAGE = `usage: virtio-gpu-web guest-image --out DIR [--cache DIR]

Writes vmlinuz, initramfs.cpio and bios.bin into --out: a Debian i386 kernel,
a busybox initramfs whose Linux drives virtio-gpu-web with its own virtio_gpu
driver, and SeaBIOS. The first run builds them from Debian's packages (apt-get
download; needs a Debian or Ubuntu machine, gcc-multilib is installed when
missing) into --cache (default node_modules/.cache/virtio-gpu-web).`;

class UsageError extends Error {}

/** `--name value` pairs; anything else is a usage error. */
function options(args) {
  const found = {};
  for (let i = 0; i < args.length; i += 2) {
    const [name, value] = [args[i], args[i + 1]];
    if (!['--out', '--cache'].includes(name) || value === undefined) throw new UsageError(`unexpected argument '${name}'`);
    found[name.slice(2)] = value;
  }
  if (!found.out) throw new UsageError('--out DIR is required');
  return found;
}

function main(argv) {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') return console.log(USAGE);
  if (command !== 'guest-image') throw new UsageError(command ? `unknown command '${command}'` : 'no command given');
  const { out, cache = join(process.cwd(), 'node_modules', '.cache', 'virtio-gpu-web') } = options(rest);
  const image = ensureGuestImage('2d', resolve(cache));
  mkdirSync(out, { recursive: true });
  for (const [file, from] of [['vmlinuz', image.kernel], ['initramfs.cpio', image.initrd], ['bios.bin', image.bios]]) {
    copyFileSync(from, join(out, file));
    console.log(`${join(out, file)} (${(statSync(from).size / 1048576).toFixed(1)} MiB)`);
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  const usage = error instanceof UsageError;
  console.error(`virtio-gpu-web: ${error.message}${usage ? `\n\n${USAGE}` : ''}`);
  process.exit(usage ? 2 : 1);
}
