/**
 * `npm run fuzz -- --iterations N [--seed S]`: long fuzzing runs. Prints the
 * cases run, failures (with fast-check's seed, path and minimized case, to
 * reproduce with --seed) and the peak memory.
 * `npm run fuzz -- --guided SECONDS`: coverage-guided fuzzing of the virgl
 * stream decoder and the TGSI parser with Jazzer.js instead (guided/).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runFuzz } from './fuzz-properties.ts';
import { runGuided } from './guided/run-guided.ts';

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { iterations: { type: 'string', default: '10000' }, seed: { type: 'string' }, guided: { type: 'string' } } });
  if (values.guided !== undefined) {
    const seconds = Number(values.guided);
    if (!Number.isSafeInteger(seconds) || seconds < 1) {
      console.error('usage: npm run fuzz -- --guided SECONDS');
      return 2;
    }
    return runGuided(seconds);
  }
  const iterations = Number(values.iterations);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isSafeInteger(iterations) || iterations < 1 || !Number.isSafeInteger(seed)) {
    console.error('usage: npm run fuzz -- --iterations N [--seed S] | --guided SECONDS');
    return 2;
  }
  console.log(`fuzzing with ${iterations} cases, seed ${seed}`);
  const started = Date.now();
  let peak = process.memoryUsage().rss;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const reports = await runFuzz({
    iterations,
    seed,
    onProgress: (done) => {
      peak = Math.max(peak, process.memoryUsage().rss);
      if (done % 50_000 === 0) console.log(`  ${done} cases, ${((Date.now() - started) / 1000).toFixed(0)} s, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
    },
  });
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().rss);
  let failures = 0;
  for (const r of reports) {
    console.log(`${r.failed ? 'FAIL' : 'ok  '} ${r.property}: ${r.runs} cases in ${r.seconds.toFixed(1)} s`);
    if (r.failed) {
      failures++;
      const file = `fuzz-failure-${r.property.replace(/\W+/g, '-')}.txt`;
      writeFileSync(file, `${r.message}\n${r.counterexample.join('\n')}\n`);
      console.log(`  ${r.message}`);
      console.log(`  minimized case (${r.counterexample.length} requests; all of it in ${file}):`);
      for (const line of r.counterexample.slice(-12)) console.log(`    ${line.slice(0, 160)}`);
      console.log(`  reproduce: npm run fuzz -- --iterations ${iterations} --seed ${seed}`);
    }
  }
  const total = reports.reduce((n, r) => n + r.runs, 0);
  console.log(`${total} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, ${failures} failed properties, peak rss ${(peak / 1048576).toFixed(0)} MiB (seed ${seed})`);
  return failures ? 1 : 0;
}
