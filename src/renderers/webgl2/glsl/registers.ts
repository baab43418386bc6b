/**
 * TGSI registers as GLSL storage: names, declarations, and operand reads and writes with their bit-casts.
 *
 * TGSI registers are untyped 32-bit channels (NIR-to-TGSI keeps float and integer values in one
 * TEMP and writes float constants as integer bit patterns), so every register the shader can write
 * or that holds guest bits is a uvec4; each operand is bit-cast to the type its opcode reads, and
 * each result back. Relative indices are clamped into the declared range or ARRAY they start in:
 * an out-of-range array access is undefined behaviour in GLSL ES and the guest may be hostile.
 */

import type { Component, DstOperand, Immediate, Indirect, Range, Register, Shader, SrcOperand, WriteMask } from '../../../virgl/tgsi/ir.ts';
import type { ValueKind } from './key.ts';
import { bitcast, fail, GlslEmitError, paren, select, swizzleText, uintLiteral, type Expr } from './types.ts';
import type { CodeWriter } from './writer.ts';

/** The shader stage as it prefixes the names that share one program's namespace. */
export type StagePrefix = 'vs' | 'fs';

/** A uniform block the executor binds: guest constant buffer `buffer` (0 = the default uniforms). */
export interface UniformBlockBinding {
  /** The block name, for getUniformBlockIndex. */
  readonly name: string;
  readonly buffer: number;
  /** std140 size of the block: the bound range must be at least this long (pad short guest buffers). */
  readonly bytes: number;
}

/** A declared range of one register file and where it lives. */
interface Slot extends Range {
  readonly arrayId: number;
  /** Set when relative addressing reaches the range: it is then one GLSL array. */
  array: string | null;
}

export interface RegisterSources {
  /** IN registers: a four-channel expression each. */
  readonly inputs: ReadonlyMap<number, Expr>;
  /** SV registers: a four-channel expression each. */
  readonly systemValues: ReadonlyMap<number, Expr>;
}

const WRITE_ORDER: readonly Component[] = [0, 1, 2, 3];

export function maskComponents(mask: WriteMask): Component[] {
  return WRITE_ORDER.filter((c) => (mask & (1 << c)) !== 0);
}

export class Registers {
  readonly uniformBlocks: UniformBlockBinding[] = [];
  private readonly temps: Slot[];
  private readonly outputs: Slot[];
  private readonly inputs: Slot[];
  /** Uniform buffer index -> declared ranges of it. */
  private readonly constants = new Map<number, Range[]>();
  private readonly immediates: readonly Immediate[];

  constructor(
    private readonly shader: Shader,
    private readonly prefix: StagePrefix,
    private readonly sources: RegisterSources,
  ) {
    const slots = (ranges: readonly (Range & { arrayId: number })[]): Slot[] =>
      ranges.map((r) => ({ first: r.first, last: r.last, arrayId: r.arrayId, array: null })).sort((a, b) => a.first - b.first);
    this.temps = slots(shader.temps);
    this.outputs = slots(shader.outputs);
    this.inputs = slots(shader.inputs);
    this.immediates = shader.immediates;
    for (const c of shader.constants) {
      const list = this.constants.get(c.buffer) ?? [];
      list.push(c);
      this.constants.set(c.buffer, list);
    }
    for (const [buffer, ranges] of [...this.constants].sort(([a], [b]) => a - b)) {
      const size = Math.max(...ranges.map((r) => r.last + 1));
      this.uniformBlocks.push({ name: this.blockName(buffer), buffer, bytes: size * 16 });
    }
    this.planArrays();
  }

  /** Uniform blocks and immediates, at global scope. */
  declareGlobals(w: CodeWriter): void {
    for (const block of this.uniformBlocks) {
      w.line(`layout(std140) uniform ${block.name} { uvec4 v[${block.bytes / 16}]; } cb${block.buffer};`);
    }
    if (this.immediates.length > 0) {
      const values = this.immediates.map((imm) => `uvec4(${imm.bits.map(uintLiteral).join(', ')})`);
      w.line(`const uvec4 imm[${values.length}] = uvec4[${values.length}](`);
      values.forEach((v, i) => w.line(`  ${v}${i + 1 < values.length ? ',' : ''}`));
      w.line(');');
    }
  }

  /** Temporaries, outputs and address registers (all zeroed: a hostile shader must not read stale data), and copies of inputs reached relatively. */
  declareLocals(w: CodeWriter): void {
    const zero = 'uvec4(0u)';
    for (const [slots, letter] of [[this.temps, 't'], [this.outputs, 'o']] as const) {
      for (const slot of slots) {
        if (slot.array !== null) {
          const n = slot.last - slot.first + 1;
          w.line(`uvec4 ${slot.array}[${n}];`);
          w.line(`for (int i = 0; i < ${n}; i++) ${slot.array}[i] = ${zero};`);
        } else {
          for (let i = slot.first; i <= slot.last; i++) w.line(`uvec4 ${letter}${i} = ${zero};`);
        }
      }
    }
    for (const range of this.shader.addresses) {
      for (let i = range.first; i <= range.last; i++) w.line(`ivec4 a${i} = ivec4(0);`);
    }
    for (const slot of this.inputs) {
      if (slot.array === null) continue;
      const values: string[] = [];
      for (let i = slot.first; i <= slot.last; i++) values.push(bitcast(this.inputSource(i), 'uint').text);
      w.line(`uvec4 ${slot.array}[${values.length}] = uvec4[${values.length}](${values.join(', ')});`);
    }
  }

  /** Reads `src` as `kind` over the given destination channels (each through the operand's swizzle), with its absolute-value and negation modifiers. */
  read(src: SrcOperand, kind: ValueKind, channels: readonly Component[]): Expr {
    let value = bitcast(select(this.registerValue(src), channels.map((c) => src.swizzle[c])), kind);
    if (src.absolute && kind !== 'uint') value = { ...value, text: `abs(${value.text})` };
    if (src.negate) value = { ...value, text: `-${paren(value.text)}` };
    return value;
  }

  /** The lvalue of a destination register (all four channels); temps and outputs are uvec4, address registers ivec4. */
  target(dst: DstOperand): { readonly text: string; readonly kind: ValueKind } {
    if (dst.file === 'address') return { text: `a${dst.index}`, kind: 'int' };
    if (dst.file === 'temp') return { text: this.element(this.temps, 't', dst), kind: 'uint' };
    if (dst.file === 'output') return { text: this.element(this.outputs, 'o', dst), kind: 'uint' };
    throw new GlslEmitError(`cannot write to ${dst.file} registers`);
  }

  /** The value of output register `index` (a uvec4), for the epilogue. */
  outputValue(index: number): Expr {
    return { text: this.element(this.outputs, 'o', { index, indirect: null }), kind: 'uint', width: 4 };
  }

  /** The 32 bits of an immediate channel, when `src` is a direct immediate (texel offsets and CASE labels must be constants). */
  constantBits(src: Pick<Register, 'file' | 'index' | 'indirect'>, component: Component): number | null {
    if (src.file !== 'immediate' || src.indirect !== null) return null;
    return this.immediates[src.index]?.bits[component] ?? null;
  }

  private blockName(buffer: number): string {
    return `vgw_${this.prefix}_cb${buffer}`;
  }

  private registerValue(r: Register): Expr {
    const uint = (text: string): Expr => ({ text, kind: 'uint', width: 4 });
    switch (r.file) {
      case 'temp':
        return uint(this.element(this.temps, 't', r));
      case 'output':
        return uint(this.element(this.outputs, 'o', r));
      case 'immediate':
        return uint(`imm[${r.indirect === null ? r.index : this.clampedIndex(r.indirect, r.index, { first: 0, last: this.immediates.length - 1 })}]`);
      case 'const':
        return uint(this.constant(r));
      case 'input': {
        const slot = findSlot(this.inputs, r);
        if (slot.array !== null) return uint(`${slot.array}[${this.arrayIndex(slot, r)}]`);
        return this.inputSource(r.index);
      }
      case 'system':
        return this.sources.systemValues.get(r.index) ?? fail(`SV[${r.index}] has no value`);
      case 'address':
      case 'sampler':
      case 'samplerView':
        throw new GlslEmitError(`${r.file} registers cannot be read as values`);
    }
  }

  private inputSource(index: number): Expr {
    return this.sources.inputs.get(index) ?? fail(`IN[${index}] has no value`);
  }

  private constant(r: Register): string {
    if (r.dimension?.indirect) throw new GlslEmitError('uniform block arrays indexed at run time are not supported by GLSL ES 3.00');
    const buffer = r.dimension?.index ?? 0;
    const ranges = this.constants.get(buffer) ?? fail(`uniform buffer ${buffer} is not declared`);
    let index = String(r.index);
    if (r.indirect !== null) {
      const range = ranges.find((c) => c.first <= r.index && r.index <= c.last) ?? fail(`CONST[${buffer}][${r.index}] is not declared`);
      index = this.clampedIndex(r.indirect, r.index, range);
    }
    return `cb${buffer}.v[${index}]`;
  }

  private element(slots: readonly Slot[], letter: string, r: Pick<Register, 'index' | 'indirect'>): string {
    const slot = findSlot(slots, r);
    if (slot.array === null) return `${letter}${r.index}`;
    return `${slot.array}[${this.arrayIndex(slot, r)}]`;
  }

  private arrayIndex(slot: Slot, r: Pick<Register, 'index' | 'indirect'>): string {
    if (r.indirect === null) return String(r.index - slot.first);
    return this.clampedIndex(r.indirect, r.index - slot.first, { first: 0, last: slot.last - slot.first });
  }

  /** `ADDR[r].c + base`, clamped into `range`. */
  private clampedIndex(indirect: Indirect, base: number, range: Range): string {
    const address = `a${indirect.register}.${swizzleText([indirect.component])}`;
    const sum = base === 0 ? address : `${address} ${base < 0 ? '-' : '+'} ${Math.abs(base)}`;
    return `clamp(${sum}, ${range.first}, ${range.last})`;
  }

  /** Every temp, output or input range that relative addressing reaches becomes an array. */
  private planArrays(): void {
    const files = { temp: [this.temps, 't'], output: [this.outputs, 'o'], input: [this.inputs, 'i'] } as const;
    for (const inst of this.shader.instructions) {
      for (const r of [...inst.dst, ...inst.src]) {
        if (r.indirect === null || !(r.file === 'temp' || r.file === 'output' || r.file === 'input')) continue;
        const [slots, letter] = files[r.file];
        const slot = findSlot(slots, r);
        slot.array ??= `${letter}${slot.first}_${slot.last}`;
      }
    }
  }
}

/** The declared range a register lies in: the ARRAY it names, or else the range holding its index. */
function findSlot(slots: readonly Slot[], r: Pick<Register, 'index' | 'indirect'>): Slot {
  const arrayId = r.indirect?.arrayId ?? 0;
  const slot = arrayId !== 0 ? slots.find((s) => s.arrayId === arrayId) : slots.find((s) => s.first <= r.index && r.index <= s.last);
  return slot ?? fail(`register ${r.index} is not declared`);
}
