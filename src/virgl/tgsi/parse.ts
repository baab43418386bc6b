/** The entry point: TGSI text as Mesa's virgl driver sends it becomes the IR, or the first error found; it never throws. */

import { LineCursor, TgsiSyntaxError } from './cursor.ts';
import { Declarations, parseDeclaration, parseImmediate, parseProperty } from './declarations.ts';
import { FlowChecker } from './flow.ts';
import { parseInstruction } from './instructions.ts';
import type { Instruction, ParseResult, Shader, ShaderStage } from './ir.ts';
import { DEFAULT_TGSI_LIMITS, type TgsiLimits } from './limits.ts';

/** Headers of the stages TGSI has but WebGL2 does not, for a refusal by name. */
const UNSUPPORTED_STAGES: ReadonlyMap<string, string> = new Map([
  ['GEOM', 'geometry'],
  ['TESS_CTRL', 'tessellation control'],
  ['TESS_EVAL', 'tessellation evaluation'],
  ['COMP', 'compute'],
]);

/** Anything but printable ASCII, tab and carriage return: TGSI text is plain ASCII. */
const FOREIGN_CHARACTER = /[^\t\r\x20-\x7e]/;

/**
 * Parses `text` up to its first NUL (the packets carry Mesa's terminating NUL and padding), checking
 * it against `limits` and for internal consistency: every register reference declared, operand
 * counts and types as the opcode table says, balanced flow control, END last.
 */
export function parseTgsi(text: string, limits: TgsiLimits = DEFAULT_TGSI_LIMITS): ParseResult {
  try {
    return { ok: true, shader: parse(text, limits) };
  } catch (e) {
    if (e instanceof TgsiSyntaxError) return { ok: false, error: { line: e.line, message: e.message } };
    return { ok: false, error: { line: 0, message: `internal error: ${e instanceof Error ? e.message : String(e)}` } };
  }
}

function parse(text: string, limits: TgsiLimits): Shader {
  const nul = text.indexOf('\0');
  const body = nul < 0 ? text : text.slice(0, nul);
  if (body.length > limits.maxTextLength) throw new TgsiSyntaxError(0, `the shader text is ${body.length} bytes long, over the limit of ${limits.maxTextLength}`);

  const lines = body.split('\n');
  let decls: Declarations | null = null;
  const instructions: Instruction[] = [];
  const flow = new FlowChecker(limits.maxNestingDepth);
  let lastLine = 0;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const c = new LineCursor(line, i + 1);
    const foreign = FOREIGN_CHARACTER.exec(line);
    if (foreign !== null) c.fail(`unexpected character U+${(foreign[0].codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
    if (c.atEnd()) continue;
    lastLine = i + 1;
    if (decls === null) {
      decls = new Declarations(parseHeader(c), limits);
      continue;
    }
    if (!c.acceptInstructionNumber() && parseDeclarationLine(c, decls)) {
      if (instructions.length > 0) c.fail('declarations must come before the first instruction');
      continue;
    }
    if (instructions.length >= limits.maxInstructions) c.fail(`more than ${limits.maxInstructions} instructions`);
    const { instruction, info } = parseInstruction(c, decls);
    const error = flow.step(instruction.opcode, info.flow);
    if (error !== null) c.fail(error);
    instructions.push(instruction);
  }

  if (decls === null) throw new TgsiSyntaxError(0, 'the shader text is empty');
  const error = flow.finish();
  if (error !== null) throw new TgsiSyntaxError(lastLine, error);
  return {
    stage: decls.stage,
    properties: decls.properties,
    inputs: decls.inputs,
    outputs: decls.outputs,
    systemValues: decls.systemValues,
    temps: decls.temps,
    addresses: decls.addresses,
    samplers: decls.samplers,
    samplerViews: decls.samplerViews,
    constants: decls.constants,
    immediates: decls.immediates,
    instructions,
  };
}

function parseHeader(c: LineCursor): ShaderStage {
  const word = c.expectName('a shader header (VERT or FRAG)');
  const stage: ShaderStage | null = word === 'VERT' ? 'vertex' : word === 'FRAG' ? 'fragment' : null;
  if (stage === null) {
    const unsupported = UNSUPPORTED_STAGES.get(word);
    c.fail(unsupported === undefined ? `unknown shader header '${word}'` : `${unsupported} shaders are not supported`);
  }
  c.expectEnd();
  return stage;
}

/** Parses a DCL, IMM or PROPERTY line; false (nothing consumed) when the line is an instruction. */
function parseDeclarationLine(c: LineCursor, decls: Declarations): boolean {
  if (c.acceptName('DCL')) parseDeclaration(c, decls);
  else if (c.acceptName('IMM')) parseImmediate(c, decls);
  else if (c.acceptName('PROPERTY')) parseProperty(c, decls);
  else return false;
  return true;
}
