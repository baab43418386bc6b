/**
 * The GLSL form of every arithmetic, integer, comparison, conversion, address and derivative opcode.
 * Operand types, result type and channel behaviour come from the IR's opcode table; this table only
 * says which GLSL expression computes the result from operands already read as those types.
 */

import type { Opcode } from '../../../virgl/tgsi/opcodes.ts';
import type { HelperName } from './helpers.ts';
import type { ValueKind } from './key.ts';
import { constant, paren, typeName, type Width } from './types.ts';

export interface FormContext {
  /** Channels of each operand (and of the result, for component-wise forms). */
  readonly width: Width;
  /** The kind `bits` operands were read as (uint, or float when a modifier or saturation applies). */
  readonly bits: ValueKind;
}

export interface AluForm {
  /**
   * `written`: operands are read over the written channels and the result has as many.
   * A number: operands are read over their first n channels; the result is a scalar for
   * `replicate` opcodes and a vec4 for `component` and `vector` ones (the helpers work on vec4).
   */
  readonly reads: 'written' | Width;
  /** The expression; it may call the functions of helpers.ts, which the shader then gets. */
  readonly build: (a: readonly string[], c: FormContext) => string;
}

type Comparison = '<' | '<=' | '>' | '>=' | '==' | '!=';

const RELATIONAL: Readonly<Record<Comparison, string>> = {
  '<': 'lessThan',
  '<=': 'lessThanEqual',
  '>': 'greaterThan',
  '>=': 'greaterThanEqual',
  '==': 'equal',
  '!=': 'notEqual',
};

/** A bool (one channel) or bvec comparison: GLSL's relational functions take vectors only. */
function compare(op: Comparison, a: string, b: string, width: Width): string {
  return width === 1 ? `${paren(a)} ${op} ${paren(b)}` : `${RELATIONAL[op]}(${a}, ${b})`;
}

const written = (build: AluForm['build']): AluForm => ({ reads: 'written', build });
const call = (name: string): AluForm => written((a) => `${name}(${a.join(', ')})`);
const binary = (op: string): AluForm => written(([a, b]) => `${paren(a!)} ${op} ${paren(b!)}`);
/** Shift counts are taken modulo 32, as in TGSI; GLSL leaves larger shifts undefined. */
const shift = (op: string): AluForm => written(([a, b]) => `${paren(a!)} ${op} (${b} & 31u)`);
const convert = (kind: ValueKind): AluForm => written(([a], c) => `${typeName(kind, c.width)}(${a})`);
/** S*: 1.0 or 0.0. */
const setFloat = (op: Comparison): AluForm => written(([a, b], c) => `${typeName('float', c.width)}(${compare(op, a!, b!, c.width)})`);
/** FS*, IS*, US*: all ones or zero. */
const setMask = (op: Comparison): AluForm => written(([a, b], c) => `${typeName('uint', c.width)}(${compare(op, a!, b!, c.width)}) * 0xffffffffu`);
/** Reads the first `reads` channels of each operand (see AluForm). */
const first = (reads: Width, build: (a: readonly string[]) => string): AluForm => ({ reads, build });
const multiplyAdd = written(([a, b, c]) => `${paren(a!)} * ${paren(b!)} + ${paren(c!)}`);
/** A four-channel helper function applied channel by channel. */
const helper = (name: HelperName): AluForm => ({ reads: 4, build: (a) => `vgw_${name}(${a.join(', ')})` });
const ch = (a: string | undefined, letter: 'x' | 'y' | 'z' | 'w'): string => `${paren(a!)}.${letter}`;

export const ALU_FORMS: Readonly<Partial<Record<Opcode, AluForm>>> = {
  MOV: written(([a]) => a!),
  ADD: binary('+'),
  MUL: binary('*'),
  DIV: binary('/'),
  MAD: multiplyAdd,
  // GLSL ES 3.00 has no fma(); Mesa does not send FMA to virgl, so a separate rounding is acceptable.
  FMA: multiplyAdd,
  LRP: written(([a, b, c]) => `mix(${c}, ${b}, ${a})`),
  MIN: call('vgw_fmin'),
  MAX: call('vgw_fmax'),
  CMP: written(([a, b, c], k) => `mix(${c}, ${b}, ${compare('<', a!, constant('float', k.width, 0).text, k.width)})`),
  SSG: call('sign'),
  FRC: call('fract'),
  FLR: call('floor'),
  CEIL: call('ceil'),
  TRUNC: call('trunc'),
  ROUND: call('roundEven'),
  LDEXP: written(([a, b], c) => `${paren(a!)} * exp2(${typeName('float', c.width)}(${b}))`),
  RCP: first(1, ([a]) => `1.0 / ${paren(a!)}`),
  RSQ: first(1, ([a]) => `inversesqrt(${a})`),
  SQRT: first(1, ([a]) => `sqrt(${a})`),
  EX2: first(1, ([a]) => `exp2(${a})`),
  LG2: first(1, ([a]) => `log2(${a})`),
  POW: first(1, ([a, b]) => `pow(${a}, ${b})`),
  SIN: first(1, ([a]) => `sin(${a})`),
  COS: first(1, ([a]) => `cos(${a})`),
  DP2: first(2, ([a, b]) => `dot(${a}, ${b})`),
  DP3: first(3, ([a, b]) => `dot(${a}, ${b})`),
  DP4: first(4, ([a, b]) => `dot(${a}, ${b})`),
  LIT: first(4, ([a]) => `vec4(1.0, max(${ch(a, 'x')}, 0.0), ${ch(a, 'x')} > 0.0 ? pow(max(${ch(a, 'y')}, 0.0), clamp(${ch(a, 'w')}, -128.0, 128.0)) : 0.0, 1.0)`),
  EXP: first(4, ([a]) => `vec4(exp2(floor(${ch(a, 'x')})), ${ch(a, 'x')} - floor(${ch(a, 'x')}), exp2(${ch(a, 'x')}), 1.0)`),
  LOG: first(4, ([a]) => `vec4(floor(log2(abs(${ch(a, 'x')}))), abs(${ch(a, 'x')}) / exp2(floor(log2(abs(${ch(a, 'x')})))), log2(abs(${ch(a, 'x')})), 1.0)`),
  DST: first(4, ([a, b]) => `vec4(1.0, ${ch(a, 'y')} * ${ch(b, 'y')}, ${ch(a, 'z')}, ${ch(b, 'w')})`),

  SLT: setFloat('<'),
  SGE: setFloat('>='),
  SEQ: setFloat('=='),
  SNE: setFloat('!='),
  SGT: setFloat('>'),
  SLE: setFloat('<='),
  FSLT: setMask('<'),
  FSGE: setMask('>='),
  FSEQ: setMask('=='),
  FSNE: setMask('!='),
  ISLT: setMask('<'),
  ISGE: setMask('>='),
  USLT: setMask('<'),
  USGE: setMask('>='),
  USEQ: setMask('=='),
  USNE: setMask('!='),
  // Bit-exact choice: a float mix could alter NaN patterns, so integer bits are selected by mask.
  UCMP: {
    reads: 'written',
    build: ([a, b, c], k) => {
      const chosen = compare('!=', a!, constant('uint', k.width, 0).text, k.width);
      if (k.bits === 'float') return `mix(${c}, ${b}, ${chosen})`;
      return k.width === 1 ? `${chosen} ? ${b} : ${c}` : `vgw_select(${chosen}, ${b}, ${c})`;
    },
  },

  UADD: binary('+'),
  UMUL: binary('*'),
  UMAD: multiplyAdd,
  UDIV: binary('/'),
  UMOD: binary('%'),
  UMAX: call('max'),
  UMIN: call('min'),
  UMUL_HI: helper('umulhi'),
  IDIV: binary('/'),
  MOD: binary('%'),
  IMAX: call('max'),
  IMIN: call('min'),
  INEG: written(([a]) => `-${paren(a!)}`),
  IABS: call('abs'),
  ISSG: call('sign'),
  IMUL_HI: helper('imulhi'),
  NOT: written(([a]) => `~${paren(a!)}`),
  AND: binary('&'),
  OR: binary('|'),
  XOR: binary('^'),
  SHL: shift('<<'),
  USHR: shift('>>'),
  ISHR: shift('>>'),
  IBFE: helper('ibfe'),
  UBFE: helper('ubfe'),
  BFI: helper('bfi'),
  BREV: helper('brev'),
  POPC: helper('popc'),
  LSB: helper('lsb'),
  IMSB: helper('imsb'),
  UMSB: helper('umsb'),

  I2F: convert('float'),
  U2F: convert('float'),
  F2I: convert('int'),
  F2U: convert('uint'),
  PK2H: first(2, ([a]) => `packHalf2x16(${a})`),
  PK2US: first(2, ([a]) => `packUnorm2x16(${a})`),
  PK4B: first(4, ([a]) => `vgw_pack4x8(uvec4(ivec4(round(clamp(${a}, -1.0, 1.0) * 127.0))))`),
  PK4UB: first(4, ([a]) => `vgw_pack4x8(uvec4(round(clamp(${a}, 0.0, 1.0) * 255.0)))`),
  UP2H: first(1, ([a]) => `unpackHalf2x16(${a}).xyxy`),
  UP2US: first(1, ([a]) => `unpackUnorm2x16(${a}).xyxy`),
  UP4B: first(1, ([a]) => `clamp(vec4(ivec4(vgw_unpack4x8(${a}) << 24u) >> 24) / 127.0, -1.0, 1.0)`),
  UP4UB: first(1, ([a]) => `vec4(vgw_unpack4x8(${a})) / 255.0`),

  ARL: written(([a], c) => `${typeName('int', c.width)}(floor(${a}))`),
  ARR: written(([a], c) => `${typeName('int', c.width)}(round(${a}))`),
  UARL: written(([a]) => a!),

  DDX: call('dFdx'),
  DDY: call('dFdy'),
  // GLSL ES has no dFdxFine; the coarse derivative is an allowed implementation of the fine one.
  DDX_FINE: call('dFdx'),
  DDY_FINE: call('dFdy'),
};
