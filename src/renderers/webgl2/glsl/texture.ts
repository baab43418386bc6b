/**
 * The texture opcodes as GLSL ES 3.00 texture calls, and the sampler uniforms they need.
 *
 * TGSI keeps sampler views (SVIEW) and sampler states (SAMP) apart; GLSL combines them, so each
 * (view, sampler, GLSL sampler type) used gets one uniform, listed for the executor to bind to a
 * texture unit. The GL-style opcodes read view n with sampler n.
 *
 * WebGL2 has 2D, 3D, cube and 2D-array textures only. 1D textures are 2D textures of height 1
 * sampled at y = 0.5 (1D arrays: 2D arrays), and TXQ on them reports the width (and layers) only.
 * RECT textures are plain 2D textures: their texel coordinates are divided by the level-0 size
 * (RECT has one level and clamp-only wrapping, so normalized sampling is the same). Buffer,
 * multisample and cube-array targets, TG4 (textureGather), LODQ (textureQueryLod) and TXQS are
 * refused: GLSL ES 3.00 has nothing to build them from, and the WebGL2 capsets never offer them.
 */

import type { Component, Instruction, SamplerViewDeclaration, ShaderStage, SrcOperand, TextureTarget } from '../../../virgl/tgsi/ir.ts';
import type { Opcode } from '../../../virgl/tgsi/opcodes.ts';
import type { ValueKind } from './key.ts';
import type { Registers } from './registers.ts';
import { fail, GlslEmitError, literal, paren, typeName, type Expr, type Width } from './types.ts';

/** What the executor binds for one sampler uniform. */
export interface SamplerBinding {
  /** The uniform's name: set it to the texture unit chosen. */
  readonly name: string;
  /** Sampler view slot of the stage (the texture and its levels). */
  readonly view: number;
  /** Sampler state slot of the stage (filters, wrap, compare mode). */
  readonly sampler: number;
  /** The GLSL type declared, e.g. `usampler2D`, `sampler2DArrayShadow`. */
  readonly glslType: string;
  /** What the texture must be bound as. */
  readonly bindTarget: 'TEXTURE_2D' | 'TEXTURE_3D' | 'TEXTURE_CUBE_MAP' | 'TEXTURE_2D_ARRAY';
  /** The sampler object must compare (TEXTURE_COMPARE_MODE = COMPARE_REF_TO_TEXTURE). */
  readonly shadow: boolean;
  /** The texture's format must be of this kind (GL fails draws where integer textures meet float samplers). */
  readonly returns: ValueKind;
  /** The target TGSI sampled it as. */
  readonly tgsiTarget: TextureTarget;
}

type SamplerBase = '2D' | '3D' | 'Cube' | '2DArray';

/** How a TGSI target's coordinate vector maps onto a WebGL2 texture. */
interface TargetShape {
  readonly base: SamplerBase;
  readonly shadow: boolean;
  /** TGSI coordinate channels that are spatial (1 to 3). */
  readonly spatial: 1 | 2 | 3;
  readonly layer: Component | null;
  readonly ref: Component | null;
  /** Texel coordinates, normalized by the level-0 size. */
  readonly rect: boolean;
}

const shape = (base: SamplerBase, spatial: 1 | 2 | 3, more: Partial<TargetShape> = {}): TargetShape => ({ base, shadow: false, spatial, layer: null, ref: null, rect: false, ...more });

const SHAPES: Readonly<Partial<Record<TextureTarget, TargetShape>>> = {
  '1D': shape('2D', 1),
  '2D': shape('2D', 2),
  '3D': shape('3D', 3),
  CUBE: shape('Cube', 3),
  RECT: shape('2D', 2, { rect: true }),
  SHADOW1D: shape('2D', 1, { shadow: true, ref: 2 }),
  SHADOW2D: shape('2D', 2, { shadow: true, ref: 2 }),
  SHADOWRECT: shape('2D', 2, { shadow: true, ref: 2, rect: true }),
  '1D_ARRAY': shape('2DArray', 1, { layer: 1 }),
  '2D_ARRAY': shape('2DArray', 2, { layer: 2 }),
  SHADOW1D_ARRAY: shape('2DArray', 1, { shadow: true, layer: 1, ref: 2 }),
  SHADOW2D_ARRAY: shape('2DArray', 2, { shadow: true, layer: 2, ref: 3 }),
  SHADOWCUBE: shape('Cube', 3, { shadow: true, ref: 3 }),
};

const BIND_TARGET: Readonly<Record<SamplerBase, SamplerBinding['bindTarget']>> = {
  '2D': 'TEXTURE_2D',
  '3D': 'TEXTURE_3D',
  Cube: 'TEXTURE_CUBE_MAP',
  '2DArray': 'TEXTURE_2D_ARRAY',
};

/** What GLSL ES 3.00's texture functions offer a sampler: no texel offsets for cube maps; no textureOffset, bias or textureLod for sampler2DArrayShadow; no textureLod for samplerCubeShadow. */
interface Abilities {
  readonly offset: boolean;
  readonly offsetImplicit: boolean;
  readonly bias: boolean;
  readonly lod: boolean;
}

function abilities(s: TargetShape): Abilities {
  const arrayShadow = s.base === '2DArray' && s.shadow;
  const cubeShadow = s.base === 'Cube' && s.shadow;
  return { offset: s.base !== 'Cube', offsetImplicit: s.base !== 'Cube' && !arrayShadow, bias: !arrayShadow, lod: !arrayShadow && !cubeShadow };
}

/** The smallest and largest texel offsets every WebGL2 implementation accepts (MIN/MAX_PROGRAM_TEXEL_OFFSET). */
const OFFSET_MIN = -8;
const OFFSET_MAX = 7;

/** Reads the given channels of a coordinate operand as one float vector expression. */
type Pick = (channels: readonly Component[]) => string;

/** How the level of detail is chosen. */
type Lod =
  | { readonly kind: 'implicit' }
  | { readonly kind: 'bias'; readonly value: string }
  | { readonly kind: 'level'; readonly value: string; readonly zero: boolean }
  | { readonly kind: 'gradient'; readonly dx: string; readonly dy: string };

export interface TextureContext {
  readonly stage: ShaderStage;
  readonly registers: Registers;
  readonly views: readonly SamplerViewDeclaration[];
  /** Per view, the key's swizzle (`rgba01` letters). */
  readonly swizzles: readonly string[];
  /** The key's clampedRefs. */
  readonly clampedRefs: number;
  readonly note: (message: string) => void;
}

/** Collects the sampler uniforms of one shader. */
export class Samplers {
  readonly bindings: SamplerBinding[] = [];

  constructor(private readonly prefix: string) {}

  uniform(view: number, sampler: number, target: TextureTarget, s: TargetShape, returns: ValueKind): string {
    const glslType = `${returns === 'float' ? '' : returns === 'int' ? 'i' : 'u'}sampler${s.base}${s.shadow ? 'Shadow' : ''}`;
    const found = this.bindings.find((b) => b.view === view && b.sampler === sampler && b.glslType === glslType);
    if (found) return found.name;
    const name = `vgw_${this.prefix}_sampler${this.bindings.length}`;
    this.bindings.push({ name, view, sampler, glslType, bindTarget: BIND_TARGET[s.base], shadow: s.shadow, returns, tgsiTarget: target });
    return name;
  }

  declarations(): string[] {
    return this.bindings.map((b) => `uniform highp ${b.glslType} ${b.name};`);
  }
}

/** The texel (or, for TXQ, the size) a texture instruction produces: a four-channel expression. */
export function textureValue(inst: Instruction, ctx: TextureContext, samplers: Samplers): Expr {
  const target = inst.texture ?? fail(`${inst.opcode} without a texture target`);
  const s = SHAPES[target] ?? fail(`texture target ${target} is not available in WebGL2`);
  const samplerOperand = inst.src[inst.src.length - 1] ?? fail(`${inst.opcode} without a sampler`);
  if (samplerOperand.indirect !== null) throw new GlslEmitError('sampler arrays indexed at run time are not supported by GLSL ES 3.00');
  const unit = samplerOperand.index;
  const returns = returnKind(ctx.views.find((v) => v.first <= unit && unit <= v.last));
  if (s.shadow && returns !== 'float') throw new GlslEmitError(`shadow sampling of an integer sampler view (SVIEW[${unit}])`);
  const sampler = samplers.uniform(unit, unit, target, s, returns);
  const form = TEXTURE_FORMS[inst.opcode] ?? fail(REFUSED[inst.opcode] ?? `${inst.opcode} is not a texture opcode`);
  return form(new TexelBuilder(inst, ctx, s, sampler, returns));
}

function returnKind(view: SamplerViewDeclaration | undefined): ValueKind {
  return view?.returnType === 'SINT' ? 'int' : view?.returnType === 'UINT' ? 'uint' : 'float';
}

/** What each texture opcode samples, and how it picks the level: TGSI's coordinate layout is the target's (see SHAPES). */
const TEXTURE_FORMS: Readonly<Partial<Record<Opcode, (b: TexelBuilder) => Expr>>> = {
  TEX: (b) => b.sample(b.coords(), { kind: 'implicit' }),
  TXP: (b) => b.sample(b.projected(), { kind: 'implicit' }),
  TEX_LZ: (b) => b.sample(b.coords(), { kind: 'level', value: '0.0', zero: true }),
  TXB: (b) => b.sample(b.coords(), b.lodFrom(0, 3, true)),
  TXL: (b) => b.sample(b.coords(), b.lodFrom(0, 3, false)),
  TXB2: (b) => b.sample(b.coords(), b.lodFrom(1, 0, true)),
  TXL2: (b) => b.sample(b.coords(), b.lodFrom(1, 0, false)),
  TXD: (b) => b.sample(b.coords(), { kind: 'gradient', dx: b.gradient(1), dy: b.gradient(2) }),
  TXF: (b) => b.fetch(false),
  TXF_LZ: (b) => b.fetch(true),
  TXQ: (b) => b.size(),
};

const REFUSED: Readonly<Partial<Record<Opcode, string>>> = {
  TEX2: 'TEX2 serves cube map arrays, which WebGL2 does not have',
  TG4: 'TG4 (textureGather) is not available in GLSL ES 3.00',
  LODQ: 'LODQ (textureQueryLod) is not available in GLSL ES 3.00',
  TXQS: 'TXQS (textureSamples) is not available: WebGL2 has no multisample textures',
};

class TexelBuilder {
  private readonly can: Abilities;

  constructor(
    private readonly inst: Instruction,
    private readonly ctx: TextureContext,
    private readonly s: TargetShape,
    private readonly sampler: string,
    private readonly returns: ValueKind,
  ) {
    this.can = abilities(s);
  }

  private source(operand: number): SrcOperand {
    return this.inst.src[operand] ?? fail(`${this.inst.opcode} lacks operand ${operand}`);
  }

  private read(operand: number, kind: ValueKind, channels: readonly Component[]): string {
    return this.ctx.registers.read(this.source(operand), kind, channels).text;
  }

  private usesW(): boolean {
    return this.s.ref === 3 || this.s.layer === 3;
  }

  /** Channels of the coordinate operand, as a float vector. */
  coords(): Pick {
    return (channels) => this.read(0, 'float', channels);
  }

  /** TXP divides every coordinate (the reference value and layer too) by w. */
  projected(): Pick {
    if (this.usesW()) throw new GlslEmitError(`TXP on ${this.inst.texture}: w holds a coordinate`);
    return (channels) => `${paren(this.read(0, 'float', channels))} / ${paren(this.read(0, 'float', [3]))}`;
  }

  /** A bias or an explicit level from channel `channel` of source `operand`. */
  lodFrom(operand: number, channel: Component, bias: boolean): Lod {
    if (operand === 0 && this.usesW()) throw new GlslEmitError(`${this.inst.opcode} on ${this.inst.texture}: the coordinates fill all four channels (TGSI puts the bias or level in TXB2/TXL2)`);
    const value = this.read(operand, 'float', [channel]);
    // A vertex shader has no implicit level (it is 0), and GLSL ES 3.00 takes no bias there: the bias is the level.
    if (bias && this.ctx.stage === 'fragment') return { kind: 'bias', value };
    const src = this.source(operand);
    const bits = this.ctx.registers.constantBits(src, src.swizzle[channel]);
    return { kind: 'level', value, zero: bits !== null && (bits & 0x7fffffff) === 0 };
  }

  /** The size of level 0 as floats (RECT normalization). */
  private rectSize(): string {
    return `vec2(textureSize(${this.sampler}, 0))`;
  }

  private spatialChannels(): Component[] {
    return ([0, 1, 2] as const).slice(0, this.s.spatial);
  }

  private spatialWidth(): Width {
    return this.s.base === '3D' || this.s.base === 'Cube' ? 3 : 2;
  }

  /** GLSL's P: spatial coordinates (1D gets y = 0.5, RECT is normalized), then layer, then reference value. */
  private glslCoords(pick: Pick): string {
    const { s } = this;
    const clamped = s.ref !== null && ((this.ctx.clampedRefs >>> this.unit) & 1) === 1 ? s.ref : null;
    const rest = [s.layer, clamped === null ? s.ref : null].filter((c): c is Component => c !== null);
    if (!s.rect && s.spatial > 1 && clamped === null) return pick([...this.spatialChannels(), ...rest]);
    const parts = [s.rect ? `${paren(pick(this.spatialChannels()))} / ${this.rectSize()}` : pick(this.spatialChannels())];
    if (s.spatial === 1) parts.push('0.5');
    if (rest.length > 0) parts.push(pick(rest));
    if (clamped !== null) parts.push(`clamp(${pick([clamped])}, 0.0, 1.0)`);
    return `${typeName('float', (this.spatialWidth() + rest.length + (clamped === null ? 0 : 1)) as Width)}(${parts.join(', ')})`;
  }

  /** The sampler view the instruction samples. */
  private get unit(): number {
    return this.inst.src[this.inst.src.length - 1]?.index ?? 0;
  }

  /** A TXD gradient: the spatial channels of source `operand` (1D padded with 0, RECT normalized). */
  gradient(operand: number): string {
    const d = this.read(operand, 'float', this.spatialChannels());
    if (this.s.spatial === 1) return `vec2(${d}, 0.0)`;
    return this.s.rect ? `${paren(d)} / ${this.rectSize()}` : d;
  }

  /** The constant texel offset of the instruction, if any. */
  private offset(): string | null {
    const { inst } = this;
    if (inst.offsets.length === 0) return null;
    if (inst.offsets.length > 1) throw new GlslEmitError(`${inst.opcode} with ${inst.offsets.length} texel offsets (only TG4 takes four)`);
    if (!this.can.offset) throw new GlslEmitError(`texel offsets on ${inst.texture}: GLSL ES 3.00 has none for cube maps`);
    const o = inst.offsets[0]!;
    if (o.file !== 'immediate') throw new GlslEmitError('texel offsets computed at run time: GLSL ES 3.00 needs constant offsets');
    const width = this.spatialWidth();
    const values: number[] = [];
    for (let i = 0; i < width; i++) {
      const bits = i < this.s.spatial ? this.ctx.registers.constantBits({ file: 'immediate', index: o.index, indirect: null }, o.swizzle[i]!) : 0;
      const value = (bits ?? 0) | 0;
      const clamped = Math.min(OFFSET_MAX, Math.max(OFFSET_MIN, value));
      if (clamped !== value) this.ctx.note(`texel offset ${value} clamped to ${clamped}, the range every WebGL2 implementation accepts`);
      values.push(clamped);
    }
    return `${typeName('int', width)}(${values.join(', ')})`;
  }

  sample(pick: Pick, lod: Lod): Expr {
    const { s, can, sampler } = this;
    const P = this.glslCoords(pick);
    const offset = this.offset();
    const zero = `${typeName('float', this.spatialWidth())}(0.0)`;
    const withOffset = (name: string, args: readonly string[]): string =>
      offset === null ? `${name}(${[sampler, P, ...args].join(', ')})` : `${name}Offset(${[sampler, P, ...args, offset].join(', ')})`;
    /**
     * Where GLSL ES 3.00 lacks the function (sampler2DArrayShadow has no bias, textureLod or
     * textureOffset; samplerCubeShadow no textureLod), textureGrad picks the same level: the
     * coordinates' own derivatives scaled by 2^bias, or isotropic ones of 2^lod texels.
     */
    const implicitGradients = (scale: string): string[] => {
      if (this.ctx.stage !== 'fragment') return [zero, zero];
      return ['dFdx', 'dFdy'].map((d) => `${d}(${paren(P)}.xy)${scale}`);
    };
    let call: string;
    switch (lod.kind) {
      case 'implicit':
        if (offset === null) call = `texture(${sampler}, ${P})`;
        else call = can.offsetImplicit ? `textureOffset(${sampler}, ${P}, ${offset})` : withOffset('textureGrad', implicitGradients(''));
        break;
      case 'bias':
        if (can.bias) call = offset === null ? `texture(${sampler}, ${P}, ${lod.value})` : `textureOffset(${sampler}, ${P}, ${offset}, ${lod.value})`;
        else call = withOffset('textureGrad', implicitGradients(` * exp2(${lod.value})`));
        break;
      case 'level':
        if (can.lod) call = withOffset('textureLod', [lod.value]);
        else if (lod.zero) call = withOffset('textureGrad', [zero, zero]);
        else if (s.base === '2DArray') {
          const size = `vec2(textureSize(${sampler}, 0).xy)`;
          call = withOffset('textureGrad', [`vec2(exp2(${lod.value}), 0.0) / ${size}`, `vec2(0.0, exp2(${lod.value})) / ${size}`]);
        } else throw new GlslEmitError(`an explicit level of detail on ${this.inst.texture}: GLSL ES 3.00 has textureLod only for level 0 there`);
        break;
      case 'gradient':
        call = withOffset('textureGrad', [lod.dx, lod.dy]);
        break;
    }
    const texel: Expr = s.shadow ? { text: `vec4(${call})`, kind: 'float', width: 4 } : { text: call, kind: this.returns, width: 4 };
    return this.swizzled(texel);
  }

  /** texelFetch: integer coordinates, the level in w (none for RECT, which has one). */
  fetch(levelZero: boolean): Expr {
    const { s } = this;
    if (s.shadow || s.base === 'Cube') throw new GlslEmitError(`${this.inst.opcode} on ${this.inst.texture}: GLSL ES 3.00 cannot fetch texels from it`);
    const spatial = this.read(0, 'int', this.spatialChannels());
    const P =
      s.spatial === 1
        ? `${typeName('int', s.layer === null ? 2 : 3)}(${[spatial, '0', ...(s.layer === null ? [] : [this.read(0, 'int', [s.layer])])].join(', ')})`
        : this.read(0, 'int', s.layer === null ? this.spatialChannels() : [...this.spatialChannels(), s.layer]);
    const level = levelZero || s.rect ? '0' : this.read(0, 'int', [3]);
    const offset = this.offset();
    const call = offset === null ? `texelFetch(${this.sampler}, ${P}, ${level})` : `texelFetchOffset(${this.sampler}, ${P}, ${level}, ${offset})`;
    return this.swizzled({ text: call, kind: this.returns, width: 4 });
  }

  /** TXQ: width, height, depth or layers of a level; the level count (w) does not exist in GLSL ES 3.00. */
  size(): Expr {
    const { s } = this;
    const level = this.read(0, 'int', [0]);
    let channels = s.base === '3D' ? 'xyz' : 'xy'.slice(0, Math.min(s.spatial, 2));
    if (s.layer !== null) channels += 'z';
    if ((this.inst.dst[0]?.writeMask ?? 0) & 0b1000) this.ctx.note('TXQ: the number of mipmap levels (w) is not available in GLSL ES 3.00 and reads 0');
    const zeros = new Array<string>(4 - channels.length).fill('0');
    return { text: `ivec4(${[`textureSize(${this.sampler}, ${level}).${channels}`, ...zeros].join(', ')})`, kind: 'int', width: 4 };
  }

  /** Applies the view's swizzle from the key; a shadow result counts as (c, c, c, c), so any colour letter picks it. */
  private swizzled(texel: Expr): Expr {
    const spec = this.ctx.swizzles[this.unit] ?? '';
    if (spec === '' || spec === 'rgba') return texel;
    if (!/^[rgba01]{4}$/.test(spec)) throw new GlslEmitError(`sampler view swizzle '${spec}' is not four of r, g, b, a, 0, 1`);
    const one = literal(texel.kind, 1);
    const zero = literal(texel.kind, 0);
    // Runs of colour letters become one GLSL swizzle each; the texture call is pure, so repeating it is only a cost.
    const parts: string[] = [];
    let run = '';
    for (const letter of spec) {
      if (letter === '0' || letter === '1') {
        if (run !== '') parts.push(`${paren(texel.text)}.${run}`);
        run = '';
        parts.push(letter === '0' ? zero : one);
      } else run += 'xyzw'['rgba'.indexOf(letter)];
    }
    if (run !== '') parts.push(`${paren(texel.text)}.${run}`);
    return { text: `${typeName(texel.kind, 4)}(${parts.join(', ')})`, kind: texel.kind, width: 4 };
  }
}
