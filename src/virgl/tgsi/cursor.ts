/** A cursor over one line of TGSI text: the lexical steps that every statement parser shares. */

import type { Component, Swizzle } from './ir.ts';

/** Thrown inside the parser only; the entry point turns it into an error result. */
export class TgsiSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const NAME = /[A-Za-z0-9_]+/y;
const UINT = /[0-9]+/y;
const HEX_FLOAT = /0[xX]([0-9a-fA-F]{1,8})(?![0-9A-Za-z_])/y;
/** Unambiguous on purpose: a long run of digits must not make the match backtrack quadratically. */
const DECIMAL_FLOAT = /[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?![0-9A-Za-z_.])/y;
const INSTRUCTION_NUMBER = /[0-9]+[ \t]*:/y;
const COMPONENTS: Readonly<Record<string, Component>> = { x: 0, y: 1, z: 2, w: 3, X: 0, Y: 1, Z: 2, W: 3 };
const UINT32_MAX = 0xffffffff;

const floatScratch = new Float32Array(1);
const bitsScratch = new Uint32Array(floatScratch.buffer);

function float32Bits(value: number): number {
  floatScratch[0] = value;
  return bitsScratch[0] as number;
}

export class LineCursor {
  private pos = 0;

  constructor(
    private readonly text: string,
    readonly line: number,
  ) {}

  fail(message: string): never {
    throw new TgsiSyntaxError(this.line, message);
  }

  /** Describes what sits at the cursor, for error messages. */
  found(): string {
    this.skipSpace();
    if (this.pos >= this.text.length) return 'at the end of the line';
    const rest = this.text.slice(this.pos, this.pos + 24);
    return `at '${rest}${this.pos + 24 < this.text.length ? '...' : ''}'`;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  expectEnd(): void {
    if (!this.atEnd()) this.fail(`unexpected text ${this.found()}`);
  }

  peek(ch: string): boolean {
    this.skipSpace();
    return this.text[this.pos] === ch;
  }

  accept(ch: string): boolean {
    if (!this.peek(ch)) return false;
    this.pos++;
    return true;
  }

  expect(ch: string): void {
    if (!this.accept(ch)) this.fail(`expected '${ch}' ${this.found()}`);
  }

  /** Skips the `N:` that Mesa writes before each instruction; false when the line has none. */
  acceptInstructionNumber(): boolean {
    return this.match(INSTRUCTION_NUMBER) !== null;
  }

  /** A run of letters, digits and underscores, upper-cased: TGSI keywords ignore case. */
  name(): string | null {
    const text = this.match(NAME);
    return text === null ? null : text.toUpperCase();
  }

  expectName(what: string): string {
    return this.name() ?? this.fail(`expected ${what} ${this.found()}`);
  }

  /** Consumes `word` (upper case) when it is the next name; leaves the cursor alone otherwise. */
  acceptName(word: string): boolean {
    const start = this.pos;
    if (this.name() === word) return true;
    this.pos = start;
    return false;
  }

  /** Reads the next name and returns it when `list` holds it; leaves the cursor alone otherwise. */
  acceptOneOf<T extends string>(list: readonly T[]): T | null {
    const start = this.pos;
    const word = this.name();
    const hit = list.find((entry) => entry === word);
    if (hit === undefined) this.pos = start;
    return hit ?? null;
  }

  expectOneOf<T extends string>(list: readonly T[], what: string): T {
    return this.acceptOneOf(list) ?? this.fail(`expected ${what} ${this.found()}`);
  }

  uint(what: string): number {
    const digits = this.match(UINT) ?? this.fail(`expected ${what} ${this.found()}`);
    const value = digits.length > 10 ? Infinity : Number(digits);
    if (value > UINT32_MAX) this.fail(`${what} ${digits.slice(0, 12)} is out of range`);
    return value;
  }

  /** A uint that must stay below `bound`, e.g. a register index below its file's limit. */
  index(what: string, bound: number): number {
    const value = this.uint(what);
    if (value >= bound) this.fail(`${what} ${value} is out of range (limit ${bound})`);
    return value;
  }

  int(what: string): number {
    this.skipSpace();
    const negative = this.text[this.pos] === '-';
    if (negative || this.text[this.pos] === '+') this.pos++;
    const magnitude = this.uint(what);
    if (magnitude > (negative ? 0x80000000 : 0x7fffffff)) this.fail(`${what} is out of the 32-bit signed range`);
    return negative ? -magnitude : magnitude;
  }

  /** A 32-bit float as Mesa writes it, either its bits in hex (0x3f800000) or in decimal; returns the bits. */
  floatBits(what: string): number {
    const hex = this.match(HEX_FLOAT, 1);
    if (hex !== null) return Number.parseInt(hex, 16) >>> 0;
    const decimal = this.match(DECIMAL_FLOAT) ?? this.fail(`expected ${what} ${this.found()}`);
    return float32Bits(Number(decimal));
  }

  /** One component letter: x, y, z or w. */
  component(): Component {
    this.skipSpace();
    return this.letter();
  }

  /** Four component letters in any order and repetition. */
  swizzle(): Swizzle {
    this.skipSpace();
    return [this.letter(), this.letter(), this.letter(), this.letter()];
  }

  /** Three component letters, as texel offsets take. */
  swizzle3(): readonly [Component, Component, Component] {
    this.skipSpace();
    return [this.letter(), this.letter(), this.letter()];
  }

  /** After a '.', a mask whose letters come in the order x, y, z, w, each at most once. */
  writeMask(): number {
    this.skipSpace();
    let mask = 0;
    let next = 0;
    while (this.pos < this.text.length) {
      const c = COMPONENTS[this.text[this.pos] ?? ''];
      if (c === undefined) break;
      if (c < next) this.fail(`write mask letters must come in the order x, y, z, w ${this.found()}`);
      mask |= 1 << c;
      next = c + 1;
      this.pos++;
    }
    if (mask === 0) this.fail(`expected a write mask ${this.found()}`);
    return mask;
  }

  private letter(): Component {
    const c = COMPONENTS[this.text[this.pos] ?? ''] ?? this.fail(`expected a swizzle letter (x, y, z or w) ${this.found()}`);
    this.pos++;
    return c;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c !== ' ' && c !== '\t' && c !== '\r') return;
      this.pos++;
    }
  }

  private match(pattern: RegExp, group = 0): string | null {
    this.skipSpace();
    pattern.lastIndex = this.pos;
    const m = pattern.exec(this.text);
    if (m === null) return null;
    this.pos = pattern.lastIndex;
    return m[group] ?? null;
  }
}
