/** Bounds on what a guest's TGSI text may ask for; the parser refuses anything beyond them. */

import type { RegisterFile } from './ir.ts';

export interface TgsiLimits {
  /** In UTF-16 code units, i.e. bytes for the ASCII that TGSI is. */
  readonly maxTextLength: number;
  readonly maxInstructions: number;
  /** DCL lines. */
  readonly maxDeclarations: number;
  readonly maxImmediates: number;
  /** Open IF / loop / SWITCH blocks at any one point. */
  readonly maxNestingDepth: number;
  /** Per file, one past the highest register index a declaration may reach. */
  readonly registers: Readonly<Record<Exclude<RegisterFile, 'immediate'>, number>>;
  /** One past the highest uniform buffer index of `CONST[k][n]` (buffer 0 is the default uniforms). */
  readonly constBuffers: number;
}

/**
 * Generous for anything Mesa sends for a GL 3.x / GLES 3.0 program (its largest shaders in the
 * corpus use a few hundred temporaries) yet small enough that the per-file lookup tables stay tiny.
 */
export const DEFAULT_TGSI_LIMITS: TgsiLimits = {
  maxTextLength: 1 << 20,
  maxInstructions: 16384,
  maxDeclarations: 1024,
  maxImmediates: 4096,
  maxNestingDepth: 64,
  registers: {
    input: 64,
    output: 64,
    temp: 4096,
    const: 4096,
    address: 4,
    sampler: 32,
    samplerView: 32,
    system: 32,
  },
  constBuffers: 32,
};
