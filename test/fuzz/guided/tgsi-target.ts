/**
 * Jazzer.js target for the TGSI parser (and the GLSL ES emitter behind it):
 * bytes → text (one character a byte, as the decoder hands shader text over)
 * → tgsi-checks.ts' invariants, under the default limits and under limits
 * small enough for the corpus' shaders to cross, so the refusals get reached
 * as well as the accepting paths.
 */
import { DEFAULT_TGSI_LIMITS, type TgsiLimits } from '../../../src/virgl/tgsi/limits.ts';
import { checkTgsi } from '../tgsi-checks.ts';

export const TIGHT_TGSI_LIMITS: TgsiLimits = { ...DEFAULT_TGSI_LIMITS, maxTextLength: 2048, maxInstructions: 24, maxDeclarations: 12, maxImmediates: 3, maxNestingDepth: 3 };

export function fuzz(data: Buffer): void {
  const text = data.toString('latin1');
  checkTgsi(text);
  checkTgsi(text, TIGHT_TGSI_LIMITS);
}
