// Runs a TypeScript entry point in Node through Vite's module runner (Node 20
// cannot strip types itself): `node scripts/run-ts.mjs src/node/guest-cli.ts [args]`.
import { createServer, createServerModuleRunner } from 'vite';
import { resolve } from 'node:path';
import { root } from './setup.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs ENTRY.ts [args]');
  process.exit(2);
}
process.argv = [process.argv[0], resolve(root, entry), ...args];
// No dependency scan: the module runner needs none, and the scan would trip over the example pages' package imports.
const server = await createServer({ root, configFile: false, logLevel: 'error', appType: 'custom', optimizeDeps: { noDiscovery: true, entries: [] }, server: { middlewareMode: true, hmr: false, ws: false } });
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
let code = 0;
try {
  const module = await runner.import(resolve(root, entry));
  if (typeof module.main === 'function') code = (await module.main(args)) ?? 0;
} catch (error) {
  console.error(error instanceof Error ? error.stack : error);
  code = 1;
} finally {
  await runner.close();
  await server.close();
}
process.exit(code);
