/**
 * `npm run bench [-- --quick]`: every figure against a baseline measured in
 * the same run (these machines are shared and noisy). Prints one table and
 * writes bench/results.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { createServer } from 'vite';
import { chromiumArgs, chromiumPath } from '../e2e/chromium.ts';
import { root } from '../scripts/setup.mjs';
import { benchDeviceCore } from './device-core.ts';
import type { BenchResult } from './results.ts';

type Part = (ctx: { quick: boolean; browser: Browser; base: string; progress: (m: string) => void }) => Promise<BenchResult[]>;

/** Each backend and size on a fresh page: GPU contexts left behind would slow the next runs. */
const presenters: Part = async ({ quick, browser, base, progress }) => {
  const results: BenchResult[] = [];
  for (const backend of ['webgpu', 'webgl2', 'canvas2d'] as const) {
    for (const scenario of [0, 1, 2]) {
      progress(`presenter ${backend}, size ${scenario + 1} of 3, against a bare loop`);
      const page = await browser.newPage();
      await page.goto(`${base}/bench/pages/presenters.html`);
      await page.waitForFunction(() => 'benchPresenter' in window);
      results.push(...(await page.evaluate(([b, s, t]) => window.benchPresenter(b as 'webgpu', s as number, t as number), [backend, scenario, quick ? 0.5 : 2] as const)));
      await page.close();
    }
  }
  return results;
};

export async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const progress = (m: string) => console.error(`[bench] ${m}`);
  const results: BenchResult[] = [];
  progress('device core in Node');
  results.push(...benchDeviceCore(quick ? 0.3 : 2));
  const server = await createServer({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
  await server.listen();
  const address = server.httpServer?.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
  try {
    for (const part of [presenters]) results.push(...(await part({ quick, browser, base, progress })));
  } finally {
    await browser.close();
    await server.close();
  }
  report(results, quick);
  return 0;
}

function report(results: BenchResult[], quick: boolean): void {
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
  const rows = results.map((r) => [r.name, `${fmt(r.value)} ${r.unit}`, `${fmt(r.baselineValue)} ${r.unit}`, `${r.ratio.toFixed(2)}x (${r.better} is better)`, r.baseline]);
  const head = ['measure', 'value', 'baseline', 'ratio', 'baseline is'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, chromium: chromiumPath(), v86: JSON.parse(readFileSync(join(root, 'node_modules/v86/package.json'), 'utf8')).version };
  mkdirSync(join(root, 'bench'), { recursive: true });
  writeFileSync(join(root, 'bench/results.json'), JSON.stringify({ version: pkg.version, quick, date: new Date().toISOString(), machine, results }, null, 2) + '\n');
  console.error('[bench] written to bench/results.json');
}
