// Builds the test guests from Debian i386 packages. Kind '2d': a kernel, an
// initramfs (busybox + the virtio_gpu module chain + guest/init.sh) and
// SeaBIOS, in .cache/guest/<recipe hash>/. Kind '3d': the same kernel and
// BIOS, an initramfs that also loads the IDE disk and ext4 drivers, and a
// disk image (ext2) holding Debian's Mesa, kmscube, glmark2, piglit's
// shader runners with their GLSL tests, and the project's 3D test programs,
// in .cache/guest/3d-<recipe hash>/.
// Each is rebuilt only when its recipe changes. Plain Node: it runs before
// `npm ci` too.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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
/** The 3d image's root disk: v86 emulates a PIIX IDE controller; ext4's driver mounts the ext2 disk and needs a crc32c implementation to mount anything. */
const DISK_MODULES = ['ata_piix', 'sd_mod', 'crc32c_generic', 'ext4'];
/** The 3d image's desktop takes input as evdev devices: the tablet (virtio-input), v86's PS/2 mouse; the PS/2 keyboard's driver is built in. */
const INPUT_MODULES = ['evdev', 'virtio_input', 'psmouse'];
/** Debian i386 packages on the 3d image's disk (with their dependencies): Mesa with its virgl driver, EGL, GLES, GBM, two demos, and a shell. */
const MESA_PACKAGES = ['libgl1-mesa-dri:i386', 'libegl1:i386', 'libegl-mesa0:i386', 'libgles2:i386', 'libgbm1:i386', 'kmscube:i386', 'glmark2-es2-drm:i386', 'busybox-static:i386'];
/**
 * The 3d image's desktop (guest/desktop/vgw-desktop): weston (DRM backend, GL
 * renderer) with its terminal and demo clients, es2gears_wayland, udev (which
 * describes the input devices to libinput), and a font for the terminal.
 */
const DESKTOP_PACKAGES = ['weston:i386', 'mesa-utils-bin:i386', 'udev:i386', 'fonts-dejavu-core'];
/**
 * Fonts that apt-cache's closure lists only as other choices for a font
 * fontconfig needs, which DejaVu already is: fontconfig would scan them all
 * (half a minute in the guest) before the terminal's first frame.
 */
const FONT_ALTERNATIVES = ['fonts-croscore', 'fonts-freefont-otf', 'fonts-freefont-ttf', 'fonts-liberation', 'fonts-liberation2', 'fonts-texgyre', 'fonts-urw-base35', 'ttf-bitstream-vera'];
const DESKTOP = join(here, 'desktop');
/** Headers the 3D test programs compile against; they link against the libraries on the disk itself. */
const GL_HEADER_PACKAGES = ['libegl-dev:i386', 'libgles-dev:i386', 'libgl-dev:i386', 'libgbm-dev:i386', 'libdrm-dev:i386'];
/** Libraries the 3D test programs link against, as their sonames on the disk. */
const GL_LIBRARIES = ['libEGL.so.1', 'libGLESv2.so.2', 'libgbm.so.1', 'libdrm.so.2'];
/** Debian's piglit unpacks to 2 GB: the disk takes only its two shader runners, the libraries they load, and the tests of these GLSL versions. */
const PIGLIT_PACKAGE = 'piglit:i386';
/** Where Debian puts piglit, kept on the disk: its programs' RUNPATH names its lib folder. */
const PIGLIT_DIR = 'usr/lib/i386-linux-gnu/piglit';
const PIGLIT_RUNNERS = ['shader_runner', 'shader_runner_gles3'];
const PIGLIT_GLSL_VERSIONS = ['glsl-1.10', 'glsl-1.20', 'glsl-1.30', 'glsl-es-3.00'];
/**
 * The packages of the libraries piglit's shader runners load besides its own
 * and Mesa's (waffle, glvnd's libGL, and what piglit links for its other
 * platforms); the build checks every NEEDED entry is found on the disk.
 */
const PIGLIT_LIBRARY_PACKAGES = ['libwaffle-1-0:i386', 'libgl1:i386', 'libxkbcommon0:i386', 'libx11-6:i386', 'libwayland-client0:i386', 'libstdc++6:i386'];
/** Free space left on the disk for what the guest writes (/tmp, Mesa's shader cache). */
const DISK_SPARE_BYTES = 64 << 20;

function say(message) {
  console.log(`[guest] ${message}`);
}

function sh(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

const PROGRAMS = join(here, 'programs');
const PROGRAMS_3D = join(here, 'programs-3d');
/** Libraries for LD_PRELOAD in the 3d image (/usr/local/lib/NAME.so). */
const PRELOADS_3D = join(here, 'preload-3d');
/** Host packages that build the guest's own test programs (C, i386). */
const BUILD_PACKAGES = [{ pkg: 'gcc-multilib' }, { pkg: 'libc6-dev-i386' }];
/** Host packages that make the 3d image's disk without root privileges (`mke2fs -d`). */
const DISK_BUILD_PACKAGES = [{ pkg: 'e2fsprogs' }];

/** @param {'2d' | '3d'} kind */
export function recipeHash(kind = '2d') {
  const h = createHash('sha256');
  for (const file of ['build-image.mjs', 'init.sh']) h.update(readFileSync(join(here, file)));
  for (const file of programSources()) h.update(basename(file)).update(readFileSync(file));
  h.update(PACKAGES.join(','));
  if (kind === '3d') {
    for (const file of [...sources3d(), ...desktopFiles()]) h.update(basename(file)).update(readFileSync(file));
    h.update([...MESA_PACKAGES, ...DESKTOP_PACKAGES, ...FONT_ALTERNATIVES, ...GL_HEADER_PACKAGES, PIGLIT_PACKAGE, ...PIGLIT_RUNNERS, ...PIGLIT_GLSL_VERSIONS, ...PIGLIT_LIBRARY_PACKAGES].join(','));
  }
  return h.digest('hex').slice(0, 16);
}

/** The project's own cache; a package consumer's images go wherever its command says. */
const DEFAULT_CACHE = join(root, '.cache');

/** @param {'2d' | '3d'} kind */
export function imageDir(kind = '2d', cache = DEFAULT_CACHE) {
  return join(cache, 'guest', kind === '3d' ? `3d-${recipeHash(kind)}` : recipeHash(kind));
}

/** @param {'2d' | '3d'} kind */
export function imagePaths(kind = '2d', dir = imageDir(kind)) {
  const paths = { kind, dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initramfs.cpio'), bios: join(dir, 'bios.bin'), manifest: join(dir, 'manifest.json') };
  return kind === '3d' ? { ...paths, disk: join(dir, 'disk.img'), piglitTests: join(dir, 'piglit-tests.txt') } : paths;
}

/**
 * Returns the image paths, building the image first when the cache lacks it.
 * @param {'2d' | '3d'} kind
 */
export function ensureGuestImage(kind = '2d', cache = DEFAULT_CACHE) {
  const paths = imagePaths(kind, imageDir(kind, cache));
  if (existsSync(paths.manifest)) return paths;
  const started = Date.now();
  say(`building the ${kind} guest image (recipe ${recipeHash(kind)}) into ${paths.dir}`);
  const work = `${paths.dir}.work`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  ensureDebianPackages(BUILD_PACKAGES, 'to build the guest test programs for i386');
  if (kind === '3d') ensureDebianPackages(DISK_BUILD_PACKAGES, "to make the 3d guest's disk image");
  const debs = download(work);
  const tree = join(work, 'tree');
  for (const deb of debs) sh('dpkg-deb', ['-x', deb, tree], { maxBuffer: 1 << 26 });
  const kernelVersion = readdirSync(join(tree, 'lib/modules'))[0];
  say(`kernel ${kernelVersion}`);
  const modulesDir = join(tree, 'lib/modules', kernelVersion);
  const modules = moduleClosure(modulesDir, WANTED_MODULES);
  const vgaModules = moduleClosure(modulesDir, VGA_MODULES);
  const diskModules = kind === '3d' ? moduleClosure(modulesDir, [...DISK_MODULES, ...INPUT_MODULES]) : [];
  say(`modules (load order): ${modules.map((m) => basename(m, '.ko')).join(' ')}; for vga: ${vgaModules.map((m) => basename(m, '.ko')).join(' ')}`);
  if (diskModules.length) say(`modules for the root disk and input: ${diskModules.map((m) => basename(m, '.ko')).join(' ')}`);
  const programs = buildPrograms(work, tree);
  // The 3d guest runs its programs from the disk; its initramfs only mounts it.
  const cpio = buildInitramfs(tree, kernelVersion, { load: modules, vga: vgaModules, disk: diskModules }, kind === '3d' ? [] : programs);
  const out = join(work, 'out');
  mkdirSync(out, { recursive: true });
  const disk = kind === '3d' ? buildDisk(work, programs, out) : undefined;
  copyFileSync(join(tree, 'boot', `vmlinuz-${kernelVersion}`), join(out, 'vmlinuz'));
  writeFileSync(join(out, 'initramfs.cpio'), cpio);
  copyFileSync(join(tree, 'usr/share/seabios/bios.bin'), join(out, 'bios.bin'));
  const manifest = { kind, recipe: recipeHash(kind), kernelVersion, packages: debs.map((d) => basename(d)), modules, initrdBytes: cpio.length, ...disk, builtAt: new Date().toISOString() };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  rmSync(paths.dir, { recursive: true, force: true });
  renameSync(out, paths.dir);
  rmSync(work, { recursive: true, force: true });
  const diskNote = disk ? `, disk.img ${mb(disk.diskBytes)}` : '';
  say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: vmlinuz ${mb(statSync(paths.kernel).size)}, initramfs ${mb(cpio.length)}, bios.bin ${mb(statSync(paths.bios).size)}${diskNote}`);
  return paths;
}

function mb(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Downloads the .debs (and the kernel the meta package names) with apt-get. */
function download(work) {
  const kernel = resolveKernel();
  // The kernel's own uapi headers (virtgpu_drm.h with the blob ioctls) build the test programs.
  const headers = kernel.replace(/^linux-image-(.*)-686:i386$/, 'linux-headers-$1-common');
  return aptDownload(join(work, 'debs'), [kernel, headers, ...PACKAGES.filter((p) => !p.startsWith('linux-image'))]);
}

/** The versioned kernel package `linux-image-686:i386` names, adding the i386 architecture and its package lists first if needed. */
function resolveKernel() {
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
  return kernel;
}

/** `apt-get download`s the named packages into `dir`; returns the .deb paths. */
function aptDownload(dir, names) {
  mkdirSync(dir, { recursive: true });
  say(`downloading ${names.length > 8 ? `${names.length} packages` : names.join(', ')}`);
  execFileSync('apt-get', ['download', '-q', ...names], { cwd: dir, stdio: ['ignore', 'inherit', 'pipe'] });
  return readdirSync(dir).filter((f) => f.endsWith('.deb')).sort().map((f) => join(dir, f));
}

/**
 * The packages `roots` need, by apt-cache's dependency closure: i386 packages,
 * and architecture-independent ones (named without an architecture and not
 * also wanted as i386; an unqualified name that is also i386 is the host's
 * own copy of a Multi-Arch "same" library).
 */
function packageClosure(roots) {
  const skip = ['--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances'];
  const listed = sh('apt-cache', ['depends', '--recurse', ...skip, ...roots], { maxBuffer: 1 << 26 })
    .split('\n')
    .filter((line) => line && !line.startsWith(' ') && !line.startsWith('<'));
  const names = new Set(listed);
  const chosen = [...names].filter((n) => n.endsWith(':i386') || (!n.includes(':') && !names.has(`${n}:i386`) && isArchAll(n)));
  const hostOnly = [...names].filter((n) => !n.includes(':') && !names.has(`${n}:i386`) && !chosen.includes(n));
  if (hostOnly.length) say(`left out (a host-architecture package that nothing i386 provides): ${hostOnly.join(', ')}`);
  return chosen.sort();
}

function isArchAll(name) {
  return /^Architecture: all$/m.test(sh('apt-cache', ['show', '--no-all-versions', name]));
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

/**
 * The initramfs: busybox, guest/init.sh as /init, the programs, and the
 * modules with their load lists (etc/modules.load, .vga, and for the 3d
 * image .disk, which init.sh takes as the sign to switch to the disk).
 */
function buildInitramfs(tree, kernelVersion, modules, programs) {
  const cpio = new CpioWriter();
  for (const dir of ['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'root', 'lib', 'lib/modules']) cpio.dir(dir);
  cpio.charDevice('dev/console', 5, 1);
  cpio.file('bin/busybox', readFileSync(join(tree, 'bin/busybox')), 0o755);
  cpio.file('init', readFileSync(join(here, 'init.sh')), 0o755);
  for (const { name, data } of programs) cpio.file(`bin/${name}`, data, 0o755);
  const base = join(tree, 'lib/modules', kernelVersion);
  for (const m of new Set(Object.values(modules).flat())) {
    let dir = 'lib/modules';
    for (const part of dirname(m).split('/')) cpio.dir((dir = `${dir}/${part}`));
    cpio.file(`lib/modules/${m}`, readFileSync(join(base, m)), 0o644);
  }
  for (const [list, names] of Object.entries(modules)) {
    if (names.length) cpio.file(`etc/modules.${list}`, Buffer.from(names.join('\n') + '\n'), 0o644);
  }
  return cpio.finish();
}

function desktopFiles() {
  return readdirSync(DESKTOP).sort().map((f) => join(DESKTOP, f));
}

/** guest/desktop's script in /usr/local/bin, its weston.ini in /etc/vgw, and es2gears_wayland by its plain name (mesa-utils-bin names it by architecture). */
function addDesktop(rootfs) {
  for (const file of desktopFiles()) {
    const script = !file.endsWith('.ini');
    writeFileSync(join(rootfs, script ? 'usr/local/bin' : 'etc/vgw', basename(file)), readFileSync(file), { mode: script ? 0o755 : 0o644 });
  }
  symlinkSync('/usr/bin/es2gears_wayland.i386-linux-gnu', join(rootfs, 'usr/local/bin/es2gears_wayland'));
}

function sources3d() {
  return [PROGRAMS_3D, PRELOADS_3D].flatMap((dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).sort().map((f) => join(dir, f)) : []));
}

/** Compiles guest/preload-3d/NAME.c into NAME.so for i386, for the guest's LD_PRELOAD. */
function build3dPreloads(work) {
  return sources3d()
    .filter((f) => f.startsWith(PRELOADS_3D))
    .map((source) => {
      const name = `${basename(source, '.c')}.so`;
      const out = join(work, name);
      say(`compiling ${name} (gcc -m32 -shared)`);
      sh('gcc', ['-m32', '-O2', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-o', out, source, '-ldl']);
      return { name, data: readFileSync(out) };
    });
}

/**
 * Compiles the 3D test programs (guest/programs-3d/vgw-gl-*.c, each with the
 * folder's shared C files) for i386: headers from Debian's i386 -dev
 * packages, linked dynamically against the Mesa libraries on the disk.
 */
function build3dPrograms(work, rootfs) {
  const headers = join(work, 'gl-headers');
  for (const deb of aptDownload(join(work, 'debs-gl-headers'), GL_HEADER_PACKAGES)) sh('dpkg-deb', ['-x', deb, headers]);
  const libraryDirs = ['usr/lib/i386-linux-gnu', 'lib/i386-linux-gnu'].map((d) => join(rootfs, d));
  const linking = [...libraryDirs.flatMap((d) => [`-L${d}`, `-Wl,-rpath-link,${d}`]), ...GL_LIBRARIES.map((l) => `-l:${l}`)];
  const sources = sources3d().filter((f) => f.endsWith('.c') && f.startsWith(PROGRAMS_3D));
  const shared = sources.filter((f) => !basename(f).startsWith('vgw-gl-'));
  return sources.filter((f) => !shared.includes(f)).map((source) => {
    const name = basename(source, '.c');
    const out = join(work, name);
    say(`compiling ${name} (gcc -m32, EGL + GBM + GLES)`);
    // EGL_NO_X11: the programs draw on GBM; eglplatform.h would otherwise want Xlib's headers.
    sh('gcc', ['-m32', '-O2', '-Wall', '-Wextra', '-Werror', '-DEGL_NO_X11', ...['usr/include', 'usr/include/libdrm'].map((d) => `-I${join(headers, d)}`), `-I${PROGRAMS_3D}`, '-o', out, source, ...shared, ...linking]);
    return { name, data: readFileSync(out) };
  });
}

/**
 * The 3d image's root disk: Debian's Mesa packages and what they depend on,
 * busybox as the shell, guest/init.sh as /init, the test programs (2D and
 * 3D) in /usr/local/bin, and piglit's shader runners and tests, as an ext2
 * image made by `mke2fs -d` (no root privileges needed), disk.img in `out`;
 * piglit-tests.txt there lists the piglit tests on it. Returns what the
 * manifest records about the disk.
 */
function buildDisk(work, programs, out) {
  const file = join(out, 'disk.img');
  const packages = packageClosure([...MESA_PACKAGES, ...DESKTOP_PACKAGES, ...PIGLIT_LIBRARY_PACKAGES]).filter((p) => !FONT_ALTERNATIVES.includes(p));
  const debs = aptDownload(join(work, 'debs-3d'), packages);
  say(`downloaded ${debs.length} packages for the disk, ${mb(debs.reduce((n, d) => n + statSync(d).size, 0))}`);
  const rootfs = join(work, 'rootfs');
  debs.forEach((deb, i) => {
    sh('dpkg-deb', ['-x', deb, rootfs], { maxBuffer: 1 << 26 });
    if ((i + 1) % 10 === 0 || i === debs.length - 1) say(`unpacked ${i + 1}/${debs.length} packages`);
  });
  const gl = build3dPrograms(work, rootfs);
  for (const dir of ['proc', 'sys', 'dev', 'tmp', 'run', 'root', 'usr/local/bin', 'usr/local/lib', 'etc/vgw']) mkdirSync(join(rootfs, dir), { recursive: true });
  writeFileSync(join(rootfs, 'init'), readFileSync(join(here, 'init.sh')), { mode: 0o755 });
  for (const { name, data } of [...programs, ...gl]) writeFileSync(join(rootfs, 'usr/local/bin', name), data, { mode: 0o755 });
  for (const { name, data } of build3dPreloads(work)) writeFileSync(join(rootfs, 'usr/local/lib', name), data, { mode: 0o755 });
  addDesktop(rootfs);
  const piglitTests = addPiglit(work, rootfs);
  writeFileSync(join(out, 'piglit-tests.txt'), piglitTests.join('\n') + '\n');
  const { blocks, inodes } = treeUsage(rootfs);
  const inodeCount = Math.ceil(inodes * 1.2) + 1024;
  // Data blocks, ext2's indirect blocks and group metadata (about 3 %), inode tables, and room to write.
  const bytes = Math.ceil(blocks * 4096 * 1.03 + inodeCount * 256 + DISK_SPARE_BYTES);
  const kib = Math.ceil(bytes / 1048576) * 1024;
  say(`making the disk image: ${mb(blocks * 4096)} in ${inodes} files and folders, ${mb(kib * 1024)} image (mke2fs -d)`);
  // Users other than root often lack /usr/sbin in their PATH.
  const mke2fs = ['/usr/sbin/mke2fs', '/sbin/mke2fs'].find((p) => existsSync(p)) ?? 'mke2fs';
  sh(mke2fs, ['-q', '-F', '-t', 'ext2', '-b', '4096', '-N', String(inodeCount), '-L', 'vgw-3d', '-E', 'root_owner=0:0', '-d', rootfs, file, `${kib}k`]);
  return { diskPackages: debs.map((d) => basename(d)), programs3d: gl.map((p) => p.name), piglitTests: piglitTests.length, diskBytes: statSync(file).size, diskContentBytes: blocks * 4096 };
}

/**
 * Copies piglit's shader runners, the piglit libraries they load, and the
 * .shader_test files of PIGLIT_GLSL_VERSIONS (hand-written under tests/,
 * generated under generated_tests/) from Debian's package into PIGLIT_DIR on
 * the disk; returns the tests' paths under PIGLIT_DIR.
 */
function addPiglit(work, rootfs) {
  const [deb] = aptDownload(join(work, 'debs-piglit'), [PIGLIT_PACKAGE]);
  const unpacked = join(work, 'piglit');
  sh('dpkg-deb', ['-x', deb, unpacked], { maxBuffer: 1 << 26 });
  const from = join(unpacked, PIGLIT_DIR);
  const to = join(rootfs, PIGLIT_DIR);
  const runners = PIGLIT_RUNNERS.map((r) => `bin/${r}`);
  const systemDirs = ['lib/i386-linux-gnu', 'usr/lib/i386-linux-gnu'].map((d) => join(rootfs, d));
  const libraries = neededLibraries(runners.map((r) => join(from, r)), [join(from, 'lib'), ...systemDirs]);
  const own = libraries.filter((l) => l.startsWith(from)).map((l) => relative(from, l));
  for (const path of [...runners, ...own]) copyInto(from, to, path);
  const tests = PIGLIT_GLSL_VERSIONS.flatMap((v) => ['tests/spec', 'generated_tests/spec'].flatMap((d) => filesUnder(from, join(d, v)).filter((f) => f.endsWith('.shader_test')))).sort();
  for (const test of tests) copyInto(from, to, test);
  const testBytes = tests.reduce((n, t) => n + statSync(join(from, t)).size, 0);
  say(`piglit: ${runners.map((r) => basename(r)).join(', ')} with ${own.map((l) => basename(l)).join(', ')}; ${tests.length} shader tests (${mb(testBytes)}) of ${PIGLIT_GLSL_VERSIONS.join(', ')}`);
  return tests;
}

/**
 * The shared libraries `programs` load, by their NEEDED entries, found in
 * `dirs` (first match wins, as the loader's search would); throws naming any
 * the disk lacks, which a change of Debian's packages would otherwise turn
 * into a test that fails in the guest.
 */
function neededLibraries(programs, dirs) {
  const found = new Map();
  const missing = new Set();
  const visit = (file) => {
    for (const [, soname] of sh('readelf', ['-d', '-W', file]).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)) {
      if (found.has(soname) || missing.has(soname)) continue;
      const dir = dirs.find((d) => existsSync(join(d, soname)));
      if (!dir) {
        missing.add(soname);
        continue;
      }
      found.set(soname, join(dir, soname));
      visit(join(dir, soname));
    }
  };
  programs.forEach(visit);
  if (missing.size) throw new Error(`piglit's shader runners need ${[...missing].join(', ')}, which no package on the disk holds`);
  return [...found.values()];
}

/** Paths of the files under `base`/`dir`, relative to `base`. */
function filesUnder(base, dir) {
  if (!existsSync(join(base, dir))) return [];
  return readdirSync(join(base, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(base, path) : [path];
  });
}

/** Copies `from`/`path` to `to`/`path` (the file a link names, under the link's name), making its folders. */
function copyInto(from, to, path) {
  mkdirSync(dirname(join(to, path)), { recursive: true });
  copyFileSync(join(from, path), join(to, path));
}

/** 4 KiB blocks the files under `dir` take (hard links once: Mesa's drivers are one file under many names), and how many files, folders and links there are. */
function treeUsage(dir, seen = new Set()) {
  let blocks = 1;
  let inodes = 1;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = treeUsage(path, seen);
      blocks += inner.blocks;
      inodes += inner.inodes;
      continue;
    }
    inodes++;
    if (!entry.isFile()) continue;
    const { ino, size } = statSync(path);
    if (seen.has(ino)) inodes--;
    else blocks += Math.ceil(size / 4096);
    seen.add(ino);
  }
  return { blocks, inodes };
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
    const kind = process.argv[2] ?? '2d';
    if (kind !== '2d' && kind !== '3d') throw new Error(`unknown image kind '${kind}': use 2d or 3d`);
    const paths = ensureGuestImage(kind);
    say(`image ready in ${relative(root, paths.dir)}`);
  } catch (error) {
    console.error(`[guest] failed: ${error.message}`);
    process.exit(1);
  }
}
