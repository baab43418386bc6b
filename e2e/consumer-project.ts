/**
 * A new Vite project outside the repository that uses the packed package the
 * way the README's "Embed it in a page" says: `npm pack` here, then in a
 * temporary folder `npm install` of the tarball, v86 and Vite, the guest
 * image written by the package's own command, and the example's three files.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from '../src/vite/index.ts';

const root = join(import.meta.dirname, '..');
/** The example's files, as the README shows them. */
export const CONSUMER_FILES = ['examples/v86-embed/index.html', 'examples/v86-embed/main.ts', 'examples/v86-embed/vite.config.ts'];
/** The README's page without a bundler, served from the project's own folder. */
export const PLAIN_PAGE = 'examples/no-bundler/index.html';
export const PLAIN_PAGE_NAME = 'no-bundler.html';

export function sh(command: string, args: string[], cwd: string): string {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, npm_config_yes: 'true' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  console.log(`[consumer] ${command} ${args.join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.stdout;
}

/** Packs the package and makes the project; returns its folder. */
export function makeConsumerProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-consumer-'));
  sh('npm', ['pack', '--pack-destination', dir], root);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'vgw-consumer', private: true, type: 'module' }, null, 2)}\n`);
  // The registry's packages come from npm's cache (this machine reaches only the registry, and CI installed them already).
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `./${tarball}`, `v86@${own.devDependencies.v86}`, `vite@${own.devDependencies.vite}`], dir);
  sh('npx', ['virtio-gpu-web', 'guest-image', '--out', 'public/guest-image'], dir);
  for (const file of CONSUMER_FILES) copyFileSync(join(root, file), join(dir, file.split('/').pop()!));
  copyFileSync(join(root, PLAIN_PAGE), join(dir, PLAIN_PAGE_NAME));
  return dir;
}

/** Runs `npx ARGS` (a server) in the project until `url` answers; end it with `stop`. */
export async function serve(dir: string, args: string[], url: string): Promise<ChildProcess> {
  const server = spawn('npx', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  server.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  server.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`npx ${args.join(' ')} exited with ${server.exitCode}:\n${output}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return server;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  stop(server);
  throw new Error(`npx ${args.join(' ')} did not answer at ${url} within 60 s:\n${output}`);
}

/** Ends a server and the processes it started (npx runs vite as a child). */
export function stop(server: ChildProcess): void {
  if (server.pid !== undefined && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/** A plain static file server for the project's folder, cross-origin isolated: what a page without a bundler gets from any web server. */
export async function serveFiles(dir: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const path = join(dir, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    if (!path.startsWith(dir) || !existsSync(path) || !statSync(path).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', ...CROSS_ORIGIN_ISOLATION_HEADERS });
    createReadStream(path).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}
