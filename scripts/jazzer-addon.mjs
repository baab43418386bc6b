// Jazzer.js' native addon (libFuzzer inside Node), built on this machine.
// The package's install script fetches a prebuilt addon or the sources of
// Code Intelligence's libFuzzer fork from GitHub, which is out of reach here
// (package.json's allowScripts skips it), and the newest release's prebuilt
// addon needs glibc 2.38 (Debian 12 has 2.36). So: the addon's C++ sources,
// which the npm package ships, compiled with g++ and linked with Debian's
// libFuzzer (libclang-rt-16-dev) through test/fuzz/guided/addon, into
// .cache/jazzer/addon/<hash>/ and copied where the package loads it from.
//
//   node scripts/jazzer-addon.mjs      builds it unless it is there
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureDebianPackages, fail, root, step } from './setup.mjs';

const LLVM = 16;
const LIBFUZZER = `/usr/lib/llvm-${LLVM}/lib/clang/${LLVM}/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a`;
export const JAZZER_ADDON_PACKAGES = [{ command: 'g++', pkg: 'g++' }, { pkg: `libclang-rt-${LLVM}-dev` }];

const COMPAT = join(root, 'test', 'fuzz', 'guided', 'addon');
const FUZZER_DRIVER = '_ZN6fuzzer12FuzzerDriverEPiPPPcPFiPKhmE';
const FLAGS = ['-shared', '-fPIC', '-O2', '-std=c++17', '-DNAPI_VERSION=4', '-DNAPI_CPP_EXCEPTIONS', '-w'];
const LINK = ['-Wl,--whole-archive', LIBFUZZER, '-Wl,--no-whole-archive', `-Wl,--wrap=${FUZZER_DRIVER}`, '-Wl,--wrap=exit', '-lpthread'];

const fuzzerPackage = () => dirname(createRequire(join(root, 'package.json')).resolve('@jazzer.js/fuzzer/package.json'));

function sources(pkg) {
  const cpp = (dir) => readdirSync(dir).filter((f) => f.endsWith('.cpp')).sort().map((f) => join(dir, f));
  return [...cpp(pkg), ...cpp(join(pkg, 'shared')), join(COMPAT, 'libfuzzer-compat.cpp')];
}

function buildHash(files) {
  const hash = createHash('sha256').update([...FLAGS, ...LINK, process.versions.napi].join(' '));
  for (const f of [...files, join(COMPAT, 'include', 'fuzzer', 'FuzzerDefs.h')]) hash.update(f).update(readFileSync(f));
  return hash.digest('hex').slice(0, 16);
}

/** Where `bindings` (the addon's loader) looks first. */
const installedAt = (pkg) => join(pkg, 'build', 'Release', 'jazzerjs.node');

/** Builds the addon when this build of it is not installed yet; throws when it cannot. */
export function ensureJazzerAddon() {
  const pkg = fuzzerPackage();
  const files = sources(pkg);
  const dir = join(root, '.cache', 'jazzer', 'addon', buildHash(files));
  const built = join(dir, 'jazzerjs.node');
  const installed = installedAt(pkg);
  if (existsSync(built) && existsSync(installed) && readFileSync(built).equals(readFileSync(installed))) return installed;
  if (!existsSync(built)) {
    ensureDebianPackages(JAZZER_ADDON_PACKAGES, "libFuzzer and a C++ compiler for Jazzer.js' native addon");
    step(`Building Jazzer.js' native addon into ${dir}`);
    const nodeHeaders = join(dirname(process.execPath), '..', 'include', 'node');
    if (!existsSync(join(nodeHeaders, 'node_api.h'))) throw new Error(`no Node-API headers in ${nodeHeaders}`);
    const addonApi = dirname(createRequire(join(pkg, 'package.json')).resolve('node-addon-api/package.json'));
    mkdirSync(dir, { recursive: true });
    const partial = `${built}.partial-${process.pid}`;
    const includes = [join(COMPAT, 'include'), nodeHeaders, addonApi, pkg].map((d) => `-I${d}`);
    const gxx = spawnSync('g++', [...FLAGS, ...includes, ...files, ...LINK, '-o', partial], { encoding: 'utf8' });
    if (gxx.status !== 0) throw new Error(`g++ could not build the addon:\n${gxx.stderr || gxx.error?.message}`);
    renameSync(partial, built);
  }
  mkdirSync(dirname(installed), { recursive: true });
  copyFileSync(built, installed);
  return installed;
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  try {
    console.log(ensureJazzerAddon());
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}
