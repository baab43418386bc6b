/** A broken invariant: every fuzz check throws this way, and the fuzzer (fast-check or Jazzer.js) reports the case. */
export function fail(message: string): never {
  throw new Error(message);
}
