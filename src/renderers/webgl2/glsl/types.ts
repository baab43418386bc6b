/** GLSL ES 3.00 values as the emitter builds them: scalar kinds, vector widths, type names, bit-exact casts and literals. */

import type { Component } from '../../../virgl/tgsi/ir.ts';
import type { ValueKind } from './key.ts';

export type Width = 1 | 2 | 3 | 4;

/** A GLSL expression with its type. */
export interface Expr {
  readonly text: string;
  readonly kind: ValueKind;
  readonly width: Width;
}

/** Thrown inside the emitter for anything the shader asks that GLSL ES 3.00 or WebGL2 cannot give; `emitGlsl` turns it into its error result. */
export class GlslEmitError extends Error {}

export function fail(message: string): never {
  throw new GlslEmitError(message);
}

const VECTOR_PREFIX: Readonly<Record<ValueKind, string>> = { float: '', int: 'i', uint: 'u' };

export function typeName(kind: ValueKind, width: Width): string {
  return width === 1 ? kind : `${VECTOR_PREFIX[kind]}vec${width}`;
}

export function widthOf(n: number): Width {
  if (n < 1 || n > 4 || !Number.isInteger(n)) throw new GlslEmitError(`internal error: vector width ${n}`);
  return n as Width;
}

const LETTERS = 'xyzw';

export function swizzleText(components: readonly Component[]): string {
  return components.map((c) => LETTERS[c]).join('');
}

/** True when `text` can take a swizzle or an operator without parentheses: a name, a member, an element or one call. */
function isPrimary(text: string): boolean {
  if (/^[A-Za-z_]\w*(\.[A-Za-z_]\w*|\[[^[\]]*\])*$/.test(text)) return true;
  const open = text.indexOf('(');
  if (open <= 0 || !/^[A-Za-z_]\w*$/.test(text.slice(0, open)) || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i === text.length - 1;
  }
  return false;
}

export function paren(text: string): string {
  return isPrimary(text) ? text : `(${text})`;
}

/** Picks channels of a vector expression (a scalar may only be read as `.x`). */
export function select(e: Expr, components: readonly Component[]): Expr {
  const width = widthOf(components.length);
  if (e.width === 1) {
    if (components.some((c) => c !== 0)) throw new GlslEmitError('internal error: swizzle of a scalar');
    return width === 1 ? e : { text: `${typeName(e.kind, width)}(${e.text})`, kind: e.kind, width };
  }
  if (e.width === width && components.every((c, i) => c === i)) return e;
  return { text: `${paren(e.text)}.${swizzleText(components)}`, kind: e.kind, width };
}

/** Reinterprets the bits of `e` as `kind`: floats stay bit-exact through uint storage. */
export function bitcast(e: Expr, kind: ValueKind): Expr {
  if (e.kind === kind) return e;
  const text =
    e.kind === 'float'
      ? `${kind === 'uint' ? 'floatBitsToUint' : 'floatBitsToInt'}(${e.text})`
      : kind === 'float'
        ? `${e.kind === 'uint' ? 'uintBitsToFloat' : 'intBitsToFloat'}(${e.text})`
        : `${typeName(kind, e.width)}(${e.text})`;
  return { text, kind, width: e.width };
}

/** Repeats a scalar to `width` channels. */
export function broadcast(e: Expr, width: Width): Expr {
  if (e.width === width) return e;
  if (e.width !== 1) throw new GlslEmitError('internal error: broadcast of a vector');
  return { text: `${typeName(e.kind, width)}(${e.text})`, kind: e.kind, width };
}

export function uintLiteral(bits: number): string {
  const u = bits >>> 0;
  return u < 10 ? `${u}u` : `0x${u.toString(16)}u`;
}

function intLiteral(value: number): string {
  return String(value | 0);
}

/** A float literal that GLSL reads back to the same value (only for values chosen by the emitter, never guest bits). */
function floatLiteral(value: number): string {
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

export function literal(kind: ValueKind, value: number): string {
  return kind === 'float' ? floatLiteral(value) : kind === 'int' ? intLiteral(value) : uintLiteral(value);
}

/** A vector of `width` copies of a constant. */
export function constant(kind: ValueKind, width: Width, value: number): Expr {
  const text = literal(kind, value);
  return { text: width === 1 ? text : `${typeName(kind, width)}(${text})`, kind, width };
}
