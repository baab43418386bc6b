/** The GLSL ES 3.00 emitter's entry: a parsed TGSI shader and its key become WebGL2 shader source and what the executor must bind, or an error; it never throws. */

import type { Instruction, Shader } from '../../../virgl/tgsi/ir.ts';
import { opcodeInfo, type OperandType, type SupportedOpcode } from '../../../virgl/tgsi/opcodes.ts';
import { HelperSet } from './helpers.ts';
import { ShaderInterface, type AttributeBinding, type SystemUniform, type VaryingBinding } from './interface.ts';
import type { ShaderKey, ValueKind } from './key.ts';
import { ALU_FORMS } from './opcodes-glsl.ts';
import { maskComponents, Registers, type UniformBlockBinding } from './registers.ts';
import { Samplers, textureValue, type SamplerBinding, type TextureContext } from './texture.ts';
import { bitcast, broadcast, constant, fail, GlslEmitError, select, swizzleText, widthOf, type Expr } from './types.ts';
import { CodeWriter } from './writer.ts';

export interface GlslShader {
  readonly ok: true;
  readonly source: string;
  /** One per sampler uniform: bind view `view` with sampler state `sampler` to a texture unit and set the uniform to it. */
  readonly samplers: readonly SamplerBinding[];
  /** One per uniform block: give each its own binding point and bind the guest's constant buffer there. */
  readonly uniformBlocks: readonly UniformBlockBinding[];
  /** Draw-state uniforms the shader declares (see SYSTEM_UNIFORMS). */
  readonly uniforms: readonly SystemUniform[];
  /** Vertex shaders: the attributes by location, with the kind the key gave them. */
  readonly attributes: readonly AttributeBinding[];
  /** Vertex shaders: outputs; fragment shaders: inputs. */
  readonly varyings: readonly VaryingBinding[];
  /** What was approximated or dropped, for a log line. */
  readonly notes: readonly string[];
}

export type GlslResult = GlslShader | { readonly ok: false; readonly error: string };

/**
 * Translates `shader` for the draw state in `key`. Every shader the parser accepts gives either
 * source that a conforming GLSL ES 3.00 compiler accepts or an error naming what WebGL2 lacks.
 */
export function emitGlsl(shader: Shader, key: ShaderKey): GlslResult {
  try {
    return new Emitter(shader, key).run();
  } catch (e) {
    if (e instanceof GlslEmitError) return { ok: false, error: e.message };
    return { ok: false, error: `internal error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * Iterations all loops of one invocation may run together: a hostile endless loop must end (a hung
 * GPU loses the page's context). llvmpipe, the reference renderer's rasterizer, stops each loop
 * after as many.
 */
const LOOP_BUDGET = 65535;

interface OpenSwitch {
  /** Lines written when the last CASE or DEFAULT label was; GLSL ES refuses a label that ends a switch. */
  linesAtLabel: number;
  readonly labels: Set<number>;
}

class Emitter {
  private readonly notes: string[] = [];
  private readonly helpers = new HelperSet();
  private readonly samplers: Samplers;
  private readonly io: ShaderInterface;
  private readonly registers: Registers;
  private readonly body = new CodeWriter(1);
  /** One entry per open flow block; switches carry their label state. */
  private readonly blocks: (OpenSwitch | null)[] = [];

  constructor(
    private readonly shader: Shader,
    private readonly key: ShaderKey,
  ) {
    if (key.stage !== shader.stage) throw new GlslEmitError(`a ${key.stage} shader key for a ${shader.stage} shader`);
    const prefix = shader.stage === 'vertex' ? 'vs' : 'fs';
    this.samplers = new Samplers(prefix);
    this.io = new ShaderInterface(shader, key, (m) => this.note(m));
    this.registers = new Registers(shader, prefix, this.io);
  }

  run(): GlslShader {
    for (const inst of this.shader.instructions) this.instruction(inst);
    const w = new CodeWriter();
    w.line('#version 300 es');
    w.line('precision highp float;');
    w.line('precision highp int;');
    this.io.declare(w);
    this.registers.declareGlobals(w);
    for (const line of this.samplers.declarations()) w.line(line);
    for (const helper of this.helpers.sources()) for (const line of helper.split('\n')) w.line(line);
    w.open('void main() {');
    this.io.begin(w);
    this.registers.declareLocals(w);
    if (this.shader.instructions.some((i) => i.opcode === 'BGNLOOP')) w.line(`int vgw_budget = ${LOOP_BUDGET};`);
    w.append(this.body);
    w.close('}');
    return {
      ok: true,
      source: w.toString(),
      samplers: this.samplers.bindings,
      uniformBlocks: this.registers.uniformBlocks,
      uniforms: [...this.io.uniforms],
      attributes: this.io.attributes,
      varyings: this.io.varyings,
      notes: this.notes,
    };
  }

  private note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }

  private instruction(inst: Instruction): void {
    const info = opcodeInfo(inst.opcode);
    switch (info.group) {
      case 'flow':
        return this.flow(inst, info);
      case 'discard':
        return this.discard(inst);
      case 'texture':
        return this.store(inst, this.saturated(inst, textureValue(inst, this.textureContext(), this.samplers)), 'select');
      case 'alu':
      case 'address':
      case 'derivative':
        return this.alu(inst, info);
    }
  }

  private textureContext(): TextureContext {
    return { stage: this.shader.stage, registers: this.registers, views: this.shader.samplerViews, swizzles: this.key.swizzles, clampedRefs: this.key.clampedRefs, note: (m) => this.note(m) };
  }

  /** The kind `bits` operands are read as: their stored bits, unless a modifier or saturation makes the operation a float one. */
  private bitsKind(inst: Instruction, info: SupportedOpcode): ValueKind {
    const float = inst.saturate || inst.src.some((s, i) => info.src[i] === 'bits' && (s.absolute || s.negate));
    return float ? 'float' : 'uint';
  }

  private alu(inst: Instruction, info: SupportedOpcode): void {
    const form = ALU_FORMS[inst.opcode] ?? fail(`no GLSL form for ${inst.opcode}`);
    const dst = inst.dst[0] ?? fail(`${inst.opcode} without a destination`);
    const written = maskComponents(dst.writeMask);
    const reads = form.reads === 'written' ? written : maskComponents((1 << form.reads) - 1);
    const bits = this.bitsKind(inst, info);
    const args = inst.src.map((src, i) => this.registers.read(src, operandKind(info.src[i], bits), reads).text);
    const width = widthOf(reads.length);
    const kind = resultKind(info, bits);
    const resultWidth = form.reads === 'written' ? width : info.channels === 'replicate' ? 1 : 4;
    const text = form.build(args, { width, bits });
    this.helpers.scan(text);
    const value = this.saturated(inst, { text, kind, width: resultWidth });
    this.store(inst, value, form.reads === 'written' ? 'as-is' : info.channels === 'replicate' ? 'broadcast' : 'select');
  }

  private saturated(inst: Instruction, value: Expr): Expr {
    if (!inst.saturate || value.kind !== 'float') return value;
    return { ...value, text: `clamp(${value.text}, 0.0, 1.0)` };
  }

  /** Writes `value` to the destination's channels: it has them already, is a scalar for all, or a vec4 to pick them from. */
  private store(inst: Instruction, value: Expr, shape: 'as-is' | 'broadcast' | 'select'): void {
    const dst = inst.dst[0] ?? fail(`${inst.opcode} without a destination`);
    const written = maskComponents(dst.writeMask);
    const fitted = shape === 'select' ? select(value, written) : shape === 'broadcast' ? broadcast(value, widthOf(written.length)) : value;
    const target = this.registers.target(dst);
    this.body.line(`${target.text}.${swizzleText(written)} = ${bitcast(fitted, target.kind).text};`);
  }

  private discard(inst: Instruction): void {
    const src = inst.src[0];
    if (src === undefined) {
      this.body.line('discard;');
      return;
    }
    const value = this.registers.read(src, 'float', [0, 1, 2, 3]);
    this.body.line(`if (any(lessThan(${value.text}, vec4(0.0)))) discard;`);
  }

  /** Structured flow control, by the role the opcode table gives each opcode. */
  private flow(inst: Instruction, info: SupportedOpcode): void {
    const role = info.flow;
    const condition = (): string => {
      const kind = operandKind(info.src[0], 'uint');
      const value = this.registers.read(inst.src[0] ?? fail(`${inst.opcode} without a condition`), kind, [0]);
      return `${value.text} != ${constant(kind, 1, 0).text}`;
    };
    switch (role.kind) {
      case 'open':
        if (role.block === 'if') this.body.open(`if (${condition()}) {`);
        else if (role.block === 'loop') this.body.open('for (; vgw_budget > 0; vgw_budget--) {');
        else {
          const selector = this.registers.read(inst.src[0] ?? fail('SWITCH without a selector'), 'int', [0]);
          this.body.open(`switch (${selector.text}) {`);
        }
        this.blocks.push(role.block === 'switch' ? { linesAtLabel: -1, labels: new Set() } : null);
        return;
      case 'else':
        this.body.close('} else {', true);
        return;
      case 'close': {
        const block = this.blocks.pop();
        if (block && block.linesAtLabel === this.body.lineCount) this.body.line('break;');
        this.body.close();
        return;
      }
      case 'case':
        return this.label(inst);
      case 'break':
        this.body.line('break;');
        return;
      case 'continue':
        this.body.line('continue;');
        return;
      case 'end':
        this.io.end(this.body, this.registers);
        return;
      case 'none':
        return;
    }
  }

  private label(inst: Instruction): void {
    const block = this.blocks[this.blocks.length - 1] ?? fail(`${inst.opcode} outside SWITCH`);
    const src = inst.src[0];
    let text = 'default:';
    if (src !== undefined) {
      const bits = this.registers.constantBits(src, src.swizzle[0]);
      if (bits === null || src.absolute || src.negate) throw new GlslEmitError('CASE labels must be immediates: GLSL ES 3.00 needs constant case labels');
      const value = bits | 0;
      if (block.labels.has(value)) throw new GlslEmitError(`CASE ${value} appears twice in one SWITCH`);
      block.labels.add(value);
      text = `case ${value}:`;
    }
    this.body.close(text, true);
    block.linesAtLabel = this.body.lineCount;
  }
}

function operandKind(type: OperandType | undefined, bits: ValueKind): ValueKind {
  if (type === undefined || type === 'sampler') throw new GlslEmitError(`internal error: operand type ${String(type)}`);
  return type === 'bits' ? bits : type;
}

function resultKind(info: SupportedOpcode, bits: ValueKind): ValueKind {
  switch (info.result) {
    case 'float':
    case 'int':
    case 'uint':
      return info.result;
    case 'address':
      return 'int';
    case 'bits':
      return bits;
    case 'texel':
    case null:
      throw new GlslEmitError(`internal error: result ${String(info.result)} of an arithmetic opcode`);
  }
}
