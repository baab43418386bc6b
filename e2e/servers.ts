import { join } from 'node:path';
import { root } from '../scripts/setup.mjs';

/** Where the e2e servers listen: the dev server (demo and test pages), and `vite preview` of the built offline app. */
export const devPort = Number(process.env.E2E_PORT ?? 5183);
export const appPort = devPort + 1;
export const appURL = `http://127.0.0.1:${appPort}`;

/**
 * The project's Vite dev server on a free port, for tools that drive pages
 * outside Playwright's runner (the benchmark, the conformance run). No hot
 * reload: an edit to the project during a long run must not reload its page.
 */
export async function startDevServer(): Promise<{ base: string; close(): Promise<void> }> {
  // Loaded here, not above: the config and specs that only read the ports need no Vite.
  const { createServer } = await import('vite');
  const server = await createServer({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error', server: { port: 0, host: '127.0.0.1', hmr: false, watch: null } });
  await server.listen();
  const address = server.httpServer?.address();
  if (typeof address !== 'object' || !address) throw new Error('the dev server has no address');
  return { base: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
