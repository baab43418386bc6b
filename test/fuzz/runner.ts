/** What every fuzz level plugs into: a property with its share of the iterations, run by fast-check, and the report of each. */
import fc from 'fast-check';

export interface FuzzReport {
  property: string;
  runs: number;
  seconds: number;
  failed: boolean;
  /** fast-check's account: seed, path, error. */
  message: string;
  /** The minimized failing case, one line per request, command or shader line. */
  counterexample: string[];
}

export interface FuzzProperty {
  readonly name: string;
  /** Relative weight: a run gives each property `share / (sum of shares)` of its iterations. */
  readonly share: number;
  check(runs: number, seed: number | undefined, tick: () => void): Promise<FuzzReport>;
}

export interface FuzzOptions {
  iterations: number;
  seed?: number;
  /** Called every 1000 cases (the CLI samples memory then: synchronous levels give its timers no turn). */
  onProgress?: (done: number) => void;
}

export { fail } from './fail.ts';

/** A property over `arbitrary` whose cases `run` checks (throwing on a broken invariant); `describe` prints a case. */
export function fuzzProperty<T>(name: string, share: number, arbitrary: fc.Arbitrary<T>, run: (value: T) => void | Promise<void>, describe: (value: T) => string[]): FuzzProperty {
  return {
    name,
    share,
    async check(runs, seed, tick) {
      const started = performance.now();
      const property = fc.asyncProperty(arbitrary, async (value) => {
        tick();
        await run(value);
      });
      const details = await fc.check(property, { numRuns: runs, seed, endOnFailure: false });
      const seconds = (performance.now() - started) / 1000;
      const message = details.failed ? `seed ${details.seed}, path "${details.counterexamplePath}": ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}` : '';
      return { property: name, runs: details.numRuns, seconds, failed: details.failed, message, counterexample: details.counterexample ? describe(details.counterexample[0]) : [] };
    },
  };
}

/** Runs `properties` one after another, splitting `iterations` by their shares. */
export async function runProperties(properties: readonly FuzzProperty[], { iterations, seed, onProgress }: FuzzOptions): Promise<FuzzReport[]> {
  const total = properties.reduce((sum, p) => sum + p.share, 0);
  let done = 0;
  const tick = () => {
    done++;
    if (done % 1000 === 0) onProgress?.(done);
  };
  const reports: FuzzReport[] = [];
  // Rounded cumulatively, so that the runs add up to `iterations` exactly.
  let before = 0;
  let given = 0;
  for (const p of properties) {
    before += p.share;
    const upTo = Math.round((iterations * before) / total);
    reports.push(await p.check(Math.max(1, upTo - given), seed, tick));
    given = upTo;
  }
  return reports;
}
