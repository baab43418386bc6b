/**
 * A target as CommonJS for Jazzer.js, which instruments what `require` loads
 * (not TypeScript, not ES modules). One output file per source file, so that
 * `--includes` can pick the sources to instrument by path; inline source maps,
 * so that the coverage report names the TypeScript files and their lines.
 */
import { rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'rolldown';

/** Bundles `entry` (relative to `root`) into `outDir`, each source at its path under it; returns the entry's output file. */
export async function bundleTarget(root: string, entry: string, outDir: string): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  await build({
    cwd: root,
    input: { target: join(root, entry) },
    platform: 'node',
    external: [...builtinModules, /^node:/],
    logLevel: 'warn',
    output: { dir: outDir, format: 'cjs', preserveModules: true, preserveModulesRoot: root, entryFileNames: '[name].cjs', sourcemap: 'inline' },
  });
  return join(outDir, 'target.cjs');
}
