/** Parses an instruction's operands (registers with their indices, masks, swizzles and modifiers) and checks each against the declarations. */

import type { LineCursor } from './cursor.ts';
import type { Declarations } from './declarations.ts';
import type { Component, Dimension, DstOperand, Indirect, Register, RegisterFile, SrcOperand, Swizzle, TextureOffset } from './ir.ts';
import type { OperandType, ResultType } from './opcodes.ts';
import { FILE_BY_NAME, UNSUPPORTED_FILES, tgsiName, type Space } from './registers.ts';

/** One bracket of a register: a plain index, or `ADDR[r].c(+/-n)` with an optional `(arrayId)` after it. */
interface Bracket {
  readonly index: number;
  readonly indirect: Indirect | null;
}

const IDENTITY: Swizzle = [0, 1, 2, 3];

/** Files that relative addressing may reach into. */
const INDIRECT_FILES: ReadonlySet<RegisterFile> = new Set<RegisterFile>(['input', 'output', 'temp', 'const', 'immediate', 'sampler']);
const SOURCE_FILES: ReadonlySet<RegisterFile> = new Set<RegisterFile>(['input', 'temp', 'const', 'immediate', 'system']);
const DESTINATION_FILES: ReadonlySet<RegisterFile> = new Set<RegisterFile>(['output', 'temp']);

const ARRAY_ID_LIMIT = 1 << 16;
/** Bounds the base of a relative access: large enough for any declared range, small enough to stay exact. */
const OFFSET_LIMIT = 1 << 20;

export function parseDst(c: LineCursor, decls: Declarations, result: ResultType): DstOperand {
  const register = parseRegister(c, decls);
  if (result === 'address' ? register.file !== 'address' : !DESTINATION_FILES.has(register.file)) {
    c.fail(result === 'address' ? 'this opcode writes an ADDR register' : `cannot write to ${tgsiName(register.file)} registers`);
  }
  const writeMask = c.accept('.') ? c.writeMask() : 0xf;
  return { ...register, writeMask };
}

export function parseSrc(c: LineCursor, decls: Declarations, type: OperandType): SrcOperand {
  const negate = c.accept('-');
  const absolute = c.accept('|');
  const register = parseRegister(c, decls);
  const swizzle = c.accept('.') ? c.swizzle() : IDENTITY;
  if (absolute) c.expect('|');
  if (type === 'sampler') {
    if (register.file !== 'sampler') c.fail(`expected a SAMP register, found ${tgsiName(register.file)}`);
    if (negate || absolute) c.fail('a sampler operand takes no modifiers');
  } else if (!SOURCE_FILES.has(register.file)) {
    c.fail(`cannot read ${tgsiName(register.file)} registers here`);
  }
  return { ...register, swizzle, absolute, negate };
}

/** A texel offset after a texture target: `IMM[n].xyz` or `TEMP[n].xyz`, direct only. */
export function parseTextureOffset(c: LineCursor, decls: Declarations): TextureOffset {
  const name = c.expectName('a texel offset register');
  const file = name === 'IMM' ? 'immediate' : name === 'TEMP' ? 'temp' : c.fail(`texel offsets come from IMM or TEMP, not ${name}`);
  c.expect('[');
  const index = c.uint('register index');
  c.expect(']');
  check(c, decls, { file, index, indirect: null, dimension: null });
  c.expect('.');
  return { file, index, swizzle: c.swizzle3() };
}

function parseRegister(c: LineCursor, decls: Declarations): Register {
  const name = c.expectName('a register');
  const file = FILE_BY_NAME.get(name) ?? c.fail(UNSUPPORTED_FILES.has(name) ? `register file ${name} is not supported` : `unknown register file '${name}'`);
  const outer = parseBracket(c, decls);
  const inner = c.peek('[') ? parseBracket(c, decls) : null;
  if (inner !== null && file !== 'const') c.fail(`${name} registers have one dimension`);
  const bracket = inner ?? outer;
  const dimension: Dimension | null = inner === null || (outer.indirect === null && outer.index === 0) ? null : outer;
  const register: Register = { file, index: bracket.index, indirect: bracket.indirect, dimension };
  check(c, decls, register);
  return register;
}

function parseBracket(c: LineCursor, decls: Declarations): Bracket {
  c.expect('[');
  if (!c.acceptName('ADDR')) {
    const index = c.uint('register index');
    c.expect(']');
    return { index, indirect: null };
  }
  c.expect('[');
  const register = c.uint('address register');
  c.expect(']');
  if (!decls.registers.isDeclared({ file: 'address', buffer: 0 }, register)) c.fail(`ADDR[${register}] is not declared`);
  const component: Component = c.accept('.') ? c.component() : 0;
  const index = c.peek('+') || c.peek('-') ? c.int('index offset') : 0;
  if (Math.abs(index) >= OFFSET_LIMIT) c.fail(`index offset ${index} is out of range`);
  c.expect(']');
  let arrayId = 0;
  if (c.accept('(')) {
    arrayId = c.index('array id', ARRAY_ID_LIMIT);
    c.expect(')');
  }
  return { index, indirect: { register, component, arrayId } };
}

/** Every register must lie in a declaration; a relative access must start inside the range (or array) it names. */
function check(c: LineCursor, decls: Declarations, r: Register): void {
  if (r.indirect !== null && !INDIRECT_FILES.has(r.file)) c.fail(`${describe(r)}: ${tgsiName(r.file)} registers cannot be addressed relatively`);
  if (r.file === 'immediate') {
    if (r.index < 0 || r.index >= decls.immediates.length) c.fail(`${describe(r)} is not declared`);
    return;
  }
  const buffer = r.dimension?.index ?? 0;
  if (r.file === 'const' && !decls.registers.hasBuffer(buffer)) c.fail(`${describe(r)}: uniform buffer ${buffer} is not declared`);
  const space: Space = { file: r.file, buffer };
  const arrayId = r.indirect?.arrayId ?? 0;
  if (arrayId !== 0) {
    const array = decls.registers.arrayRange(space, arrayId) ?? c.fail(`${describe(r)}: ARRAY(${arrayId}) is not declared`);
    if (r.index < array.first || r.index > array.last) c.fail(`${describe(r)} starts outside ARRAY(${arrayId})`);
  } else if (!decls.registers.isDeclared(space, r.index)) {
    c.fail(`${describe(r)} is not declared`);
  }
}

function describe(r: Register): string {
  const file = tgsiName(r.file);
  const dimension = r.dimension === null ? '' : `[${r.dimension.indirect === null ? r.dimension.index : 'ADDR'}]`;
  return `${file}${dimension}[${r.indirect === null ? '' : 'ADDR+'}${r.index}]`;
}
