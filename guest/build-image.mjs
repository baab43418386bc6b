// Builds the test guest from Debian i386 packages: a kernel, an initramfs
// (busybox + the virtio_gpu module chain + guest/init.sh) and SeaBIOS.
// Output goes to .cache/guest/<recipe hash>/ and is rebuilt only when the
// recipe changes. Plain Node: it runs before `npm ci` too.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianPackages } from '../scripts/setup.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const PACKAGES = ['linux-image-686:i386', 'busybox-static:i386', 'seabios'];
/** Modules the guest loads; their dependencies are added. */
const WANTED_MODULES = ['virtio_pci', 'virtio_gpu'];
/** With `vgw.display=vga` the guest drives v86's own Bochs VBE display instead (the benchmark's baseline). */
const VGA_MODULES = ['bochs'];

function say(message) {
  console.log(`[guest] ${message}`);
}

function sh(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

const PROGRAMS = join(here, 'programs');
/** Host packages that build the guest's own test programs (C, i386, static). */
const BUILD_PACKAGES = [{ pkg: 'gcc-multilib' }, { pkg: 'libc6-dev-i386' }];

export function recipeHash() {
  const h = createHash('sha256');
  for (const file of ['build-image.mjs', 'init.sh']) h.update(readFileSync(join(here, file)));
  for (const file of programSources()) h.update(basename(file)).update(readFileSync(file));
  h.update(PACKAGES.join(','));
  return h.digest('hex').slice(0, 16);
}

export function imageDir() {
  return join(root, '.cache', 'guest', recipeHash());
}

export function imagePaths(dir = imageDir()) {
  return { dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initramfs.cpio'), bios: join(dir, 'bios.bin'), manifest: join(dir, 'manifest.json') };
}

/** Returns the image paths, building the image first when the cache lacks it. */
export function ensureGuestImage() {
  const paths = imagePaths();
  if (existsSync(paths.manifest)) return paths;
  say(`building the guest image (recipe ${recipeHash()}) into ${relative(root, paths.dir)}`);
  const work = `${paths.dir}.work`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  ensureDebianPackages(BUILD_PACKAGES, 'to build the guest test programs for i386');
  const debs = download(work);
  const tree = join(work, 'tree');
  for (const deb of debs) sh('dpkg-deb', ['-x', deb, tree], { maxBuffer: 1 << 26 });
  const kernelVersion = readdirSync(join(tree, 'lib/modules'))[0];
  say(`kernel ${kernelVersion}`);
  const modules = moduleClosure(join(tree, 'lib/modules', kernelVersion), WANTED_MODULES);
  const vgaModules = moduleClosure(join(tree, 'lib/modules', kernelVersion), VGA_MODULES);
  say(`modules (load order): ${modules.map((m) => basename(m, '.ko')).join(' ')}; for vga: ${vgaModules.map((m) => basename(m, '.ko')).join(' ')}`);
  const programs = buildPrograms(work, tree);
  const cpio = buildInitramfs(tree, kernelVersion, modules, vgaModules, programs);
  mkdirSync(work + '/out', { recursive: true });
  copyFileSync(join(tree, 'boot', `vmlinuz-${kernelVersion}`), join(work, 'out/vmlinuz'));
  writeFileSync(join(work, 'out/initramfs.cpio'), cpio);
  copyFileSync(join(tree, 'usr/share/seabios/bios.bin'), join(work, 'out/bios.bin'));
  const manifest = { recipe: recipeHash(), kernelVersion, packages: debs.map((d) => basename(d)), modules, initrdBytes: cpio.length, builtAt: new Date().toISOString() };
  writeFileSync(join(work, 'out/manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  rmSync(paths.dir, { recursive: true, force: true });
  renameSync(join(work, 'out'), paths.dir);
  rmSync(work, { recursive: true, force: true });
  say(`done: vmlinuz ${mb(statSync(paths.kernel).size)}, initramfs ${mb(cpio.length)}, bios.bin ${mb(statSync(paths.bios).size)}`);
  return paths;
}

function mb(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Downloads the .debs (and the kernel the meta package names) with apt-get. */
function download(work) {
  const foreign = sh('dpkg', ['--print-foreign-architectures']);
  if (!foreign.split('\n').includes('i386')) {
    say('adding the i386 architecture to dpkg');
    sh('dpkg', ['--add-architecture', 'i386']);
  }
  const resolve = () => {
    try {
      return /Depends: (linux-image-[0-9.]+-[0-9]+-686:i386)/.exec(sh('apt-cache', ['depends', 'linux-image-686:i386']))?.[1];
    } catch {
      return undefined;
    }
  };
  let kernel = resolve();
  if (!kernel) {
    say('apt-get update (for the i386 package lists)');
    try {
      sh('apt-get', ['update', '-q']);
    } catch (error) {
      // The i386 security index is sometimes mid-sync; the main index is what matters.
      say(`apt-get update reported errors (continuing): ${String(error.stderr ?? error).split('\n').find((l) => l.startsWith('E:')) ?? ''}`);
    }
    kernel = resolve();
  }
  if (!kernel) throw new Error('cannot resolve linux-image-686:i386 to a kernel package (is Debian i386 reachable through apt?)');
  const dir = join(work, 'debs');
  mkdirSync(dir, { recursive: true });
  // The kernel's own uapi headers (virtgpu_drm.h with the blob ioctls) build the test programs.
  const headers = kernel.replace(/^linux-image-(.*)-686:i386$/, 'linux-headers-$1-common');
  const names = [kernel, headers, ...PACKAGES.filter((p) => !p.startsWith('linux-image'))];
  say(`downloading ${names.join(', ')}`);
  execFileSync('apt-get', ['download', '-q', ...names], { cwd: dir, stdio: ['ignore', 'inherit', 'pipe'] });
  return readdirSync(dir).filter((f) => f.endsWith('.deb')).map((f) => join(dir, f));
}

/** The wanted modules and everything they depend on, in load order, as paths under the modules folder. */
function moduleClosure(modulesDir, wanted) {
  const byName = new Map();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ko')) byName.set(entry.name.slice(0, -3).replace(/-/g, '_'), path);
    }
  };
  walk(join(modulesDir, 'kernel'));
  const order = [];
  const visit = (name) => {
    const path = byName.get(name);
    if (!path) throw new Error(`module ${name} not found in the kernel package`);
    if (order.includes(path)) return;
    for (const dep of dependsOf(path)) visit(dep);
    order.push(path);
  };
  wanted.forEach(visit);
  return order.map((p) => relative(modulesDir, p));
}

/** The `depends=` entry of a module's .modinfo section. */
function dependsOf(path) {
  const text = readFileSync(path).toString('latin1');
  const at = text.indexOf('\0depends=');
  if (at < 0) return [];
  const value = text.slice(at + 9, text.indexOf('\0', at + 9));
  return value ? value.split(',').map((d) => d.replace(/-/g, '_')) : [];
}

function programSources() {
  return existsSync(PROGRAMS) ? readdirSync(PROGRAMS).filter((f) => f.endsWith('.c')).sort().map((f) => join(PROGRAMS, f)) : [];
}

/** Compiles guest/programs/*.c for i386, statically, against the guest kernel's DRM uapi headers. */
function buildPrograms(work, tree) {
  const headers = readdirSync(join(tree, 'usr/src')).find((d) => d.endsWith('-common'));
  if (!headers) throw new Error('the kernel headers package was not unpacked');
  const include = join(work, 'include');
  mkdirSync(join(include, 'drm'), { recursive: true });
  const uapi = join(tree, 'usr/src', headers, 'include/uapi/drm');
  for (const h of readdirSync(uapi)) copyFileSync(join(uapi, h), join(include, 'drm', h));
  return programSources().map((source) => {
    const name = basename(source, '.c');
    const out = join(work, name);
    say(`compiling ${name} (gcc -m32 -static)`);
    // Headers straight from the kernel tree keep the __user annotation that headers_install removes.
    sh('gcc', ['-m32', '-static', '-O2', '-Wall', '-Wextra', '-Werror', '-D__user=', `-I${include}`, '-o', out, source]);
    return { name, data: readFileSync(out) };
  });
}

function buildInitramfs(tree, kernelVersion, modules, vgaModules, programs) {
  const cpio = new CpioWriter();
  for (const dir of ['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'root', 'lib', 'lib/modules']) cpio.dir(dir);
  cpio.charDevice('dev/console', 5, 1);
  cpio.file('bin/busybox', readFileSync(join(tree, 'bin/busybox')), 0o755);
  cpio.file('init', readFileSync(join(here, 'init.sh')), 0o755);
  for (const { name, data } of programs) cpio.file(`bin/${name}`, data, 0o755);
  const base = join(tree, 'lib/modules', kernelVersion);
  for (const m of new Set([...modules, ...vgaModules])) {
    let dir = 'lib/modules';
    for (const part of dirname(m).split('/')) cpio.dir((dir = `${dir}/${part}`));
    cpio.file(`lib/modules/${m}`, readFileSync(join(base, m)), 0o644);
  }
  cpio.file('etc/modules.load', Buffer.from(modules.join('\n') + '\n'), 0o644);
  cpio.file('etc/modules.vga', Buffer.from(vgaModules.join('\n') + '\n'), 0o644);
  return cpio.finish();
}

/** The "newc" cpio format the kernel unpacks as initramfs. */
class CpioWriter {
  chunks = [];
  inode = 1;
  seen = new Set();

  dir(name) {
    if (this.seen.has(name)) return;
    this.entry(name, 0o040755, Buffer.alloc(0));
  }

  file(name, data, mode) {
    this.entry(name, 0o100000 | mode, data);
  }

  charDevice(name, major, minor) {
    this.entry(name, 0o020600, Buffer.alloc(0), major, minor);
  }

  finish() {
    this.entry('TRAILER!!!', 0, Buffer.alloc(0));
    return Buffer.concat(this.chunks);
  }

  entry(name, mode, data, rdevMajor = 0, rdevMinor = 0) {
    this.seen.add(name);
    const fields = [this.inode++, mode, 0, 0, 1, 0, data.length, 0, 0, rdevMajor, rdevMinor, name.length + 1, 0];
    const header = '070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
    this.push(Buffer.from(header + name + '\0', 'latin1'));
    this.push(data);
  }

  push(buffer) {
    this.chunks.push(buffer);
    const pad = (4 - (buffer.length % 4)) % 4;
    if (pad) this.chunks.push(Buffer.alloc(pad));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const paths = ensureGuestImage();
    say(`image ready in ${relative(root, paths.dir)}`);
  } catch (error) {
    console.error(`[guest] failed: ${error.message}`);
    process.exit(1);
  }
}
