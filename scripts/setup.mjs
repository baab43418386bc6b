// Installs what the demo and the tests need on a fresh Debian/Ubuntu machine, saying what it does.
// Plain Node (no dependencies): it runs before `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function step(message) {
  console.log(`\n==> ${message}`);
}

export function fail(message) {
  console.error(`\n✗ ${message}`);
  process.exit(1);
}

/** One set-up step: says what it does, runs `work`, and stops with `failure` and the reason when it throws. */
export function prepare(title, failure, work) {
  step(title);
  try {
    return work();
  } catch (error) {
    fail(`${failure}: ${error.message}`);
  }
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  return result.status === 0;
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** `npm ci` when node_modules is missing or older than the lock file. */
export function ensureNpmPackages() {
  const stamp = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs) return;
  // A linked node_modules (a git worktree sharing another checkout's) belongs to that checkout: npm ci would empty it for everyone.
  if (existsSync(join(root, 'node_modules')) && lstatSync(join(root, 'node_modules')).isSymbolicLink()) {
    step('node_modules is a link to another checkout: not reinstalling it here (run npm ci there if packages are missing)');
    return;
  }
  step('Installing npm packages (npm ci)');
  // Inside `npm pack --dry-run` (the prepack build) npm tells nested npm commands to be dry runs too: this install must be real.
  if (!run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, npm_config_dry_run: 'false' } })) fail('npm ci failed: see the npm output above');
}

/** Installs Debian packages that are missing, through apt-get (as root, or with sudo). */
export function ensureDebianPackages(packages, why) {
  const missing = packages.filter(({ command, pkg }) => (command ? !has(command) : !dpkgHas(pkg)));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.pkg);
  step(`Installing Debian packages ${names.join(', ')} (${why})`);
  const root = process.getuid?.() === 0;
  if (!root && !has('sudo')) fail(`${names.join(', ')} must be installed: run 'apt-get install -y ${names.join(' ')}' as root`);
  const apt = (args) => (root ? run('apt-get', args) : run('sudo', ['apt-get', ...args]));
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  apt(['update', '-q']);
  if (!(root ? run('apt-get', ['install', '-y', '-q', ...names], { env }) : run('sudo', ['-E', 'apt-get', 'install', '-y', '-q', ...names], { env }))) {
    fail(`apt-get install ${names.join(' ')} failed: see the apt output above`);
  }
}

function dpkgHas(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('install ok installed');
  } catch {
    return false;
  }
}

export const CHROMIUM = { command: 'chromium', pkg: 'chromium' };
/** The GLSL reference compiler (glslangValidator). */
export const GLSLANG = { command: 'glslangValidator', pkg: 'glslang-tools' };
/** Firefox ESR and the X server it draws WebGL2 on (headless Firefox has none on an OffscreenCanvas). */
export const FIREFOX = [{ command: 'firefox-esr', pkg: 'firefox-esr' }, { command: 'Xvfb', pkg: 'xvfb' }];
