/**
 * The invariants of the shader path that needs no GL, checked on one TGSI
 * text: by the property fuzzer (tgsi-fuzz.ts, virgl-stream-fuzz.ts on the
 * shaders streams deliver) and by the guided one (guided/tgsi-target.ts).
 */
import { emitGlsl } from '../../src/renderers/webgl2/glsl/emit.ts';
import { defaultShaderKey, fragmentVaryingModes, shaderKeyString, type ShaderKey } from '../../src/renderers/webgl2/glsl/key.ts';
import type { Shader } from '../../src/virgl/tgsi/ir.ts';
import { DEFAULT_TGSI_LIMITS, type TgsiLimits } from '../../src/virgl/tgsi/limits.ts';
import { opcodeInfo } from '../../src/virgl/tgsi/opcodes.ts';
import { parseTgsi } from '../../src/virgl/tgsi/parse.ts';
import { fail } from './fail.ts';

/**
 * GLSL characters per TGSI character, and the fixed part (helpers, interface
 * declarations): the corpus stays under a third of either, so a breach means
 * the emitter's output grew out of proportion to its input.
 */
const GLSL_PER_TGSI = 16;
const GLSL_BASE = 64 * 1024;
/** Far above any case's normal time (milliseconds): only a super-linear path gets near it. */
const CASE_SECONDS = 2;

function deepestNesting(shader: Shader): number {
  let depth = 0;
  let deepest = 0;
  for (const { opcode } of shader.instructions) {
    const { flow } = opcodeInfo(opcode);
    if (flow.kind === 'open') deepest = Math.max(deepest, ++depth);
    else if (flow.kind === 'close') depth--;
  }
  return deepest;
}

function checkLimits(shader: Shader, body: string, limits: TgsiLimits): void {
  if (body.length > limits.maxTextLength) fail(`accepted ${body.length} bytes of text, limit ${limits.maxTextLength}`);
  if (shader.instructions.length > limits.maxInstructions) fail(`accepted ${shader.instructions.length} instructions, limit ${limits.maxInstructions}`);
  if (shader.immediates.length > limits.maxImmediates) fail(`accepted ${shader.immediates.length} immediates, limit ${limits.maxImmediates}`);
  const nesting = deepestNesting(shader);
  if (nesting > limits.maxNestingDepth) fail(`accepted flow control nested ${nesting} deep, limit ${limits.maxNestingDepth}`);
}

/** Parses `text` under `limits` and emits it with the key `keyOf` makes for the parsed shader, checking every invariant. */
export function checkTgsi(text: string, limits: TgsiLimits = DEFAULT_TGSI_LIMITS, keyOf: (shader: Shader) => ShaderKey = defaultShaderKey): void {
  const started = performance.now();
  let parsed;
  try {
    parsed = parseTgsi(text, limits);
  } catch (error) {
    fail(`parseTgsi threw: ${String(error)}`);
  }
  const nul = text.indexOf('\0');
  const body = nul < 0 ? text : text.slice(0, nul);
  if (!parsed.ok) {
    const { line, message } = parsed.error;
    if (/internal error/.test(message)) fail(`parser: ${message} (line ${line})`);
    if (!Number.isInteger(line) || line < 0 || line > body.split('\n').length) fail(`parser error on line ${line} of ${body.split('\n').length}: ${message}`);
  } else {
    const shader = parsed.shader;
    checkLimits(shader, body, limits);
    const key = keyOf(shader);
    let emitted;
    try {
      if (key.stage === 'fragment') fragmentVaryingModes(shader, key);
      shaderKeyString(key);
      emitted = emitGlsl(shader, key);
    } catch (error) {
      fail(`the emitter threw: ${String(error)}`);
    }
    if (!emitted.ok && /internal error/.test(emitted.error)) fail(`emitter: ${emitted.error}`);
    if (emitted.ok && emitted.source.length > GLSL_PER_TGSI * body.length + GLSL_BASE) fail(`${body.length} bytes of TGSI became ${emitted.source.length} of GLSL`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (seconds > CASE_SECONDS) fail(`${body.length} bytes of TGSI took ${seconds.toFixed(1)} s`);
}
