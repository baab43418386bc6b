/** Parses the statements before the instructions: DCL, IMM and PROPERTY lines, into the shader's declaration lists. */

import type { LineCursor } from './cursor.ts';
import {
  DEPTH_LAYOUTS,
  IMMEDIATE_TYPES,
  INTERPOLATION_LOCATIONS,
  INTERPOLATIONS,
  RETURN_TYPES,
  SEMANTIC_NAMES,
  TEXTURE_TARGETS,
  WRITEMASK_XYZW,
  type ConstDeclaration,
  type Immediate,
  type InterpolationLocation,
  type Interpolation,
  type IoDeclaration,
  type Properties,
  type Range,
  type RegisterFile,
  type SamplerViewDeclaration,
  type Semantic,
  type ShaderStage,
  type SystemValueDeclaration,
  type TempDeclaration,
  type WriteMask,
} from './ir.ts';
import type { TgsiLimits } from './limits.ts';
import { DeclaredRegisters, FILE_BY_NAME, UNSUPPORTED_FILES, type DeclaredFile, type Space } from './registers.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export const DEFAULT_PROPERTIES: Properties = {
  coordOrigin: 'UPPER_LEFT',
  pixelCenter: 'HALF_INTEGER',
  color0WritesAllCbufs: false,
  depthLayout: 'NONE',
  earlyDepthStencil: false,
  postDepthCoverage: false,
  windowSpacePosition: false,
  prohibitUcps: false,
  clipDistances: 0,
  cullDistances: 0,
  separable: false,
  legacyMathRules: false,
  layerViewportRelative: false,
  blendEquationAdvanced: 0,
};

/** Everything declared so far; the instruction parser checks its operands against it. */
export class Declarations {
  readonly registers: DeclaredRegisters;
  readonly properties: Mutable<Properties> = { ...DEFAULT_PROPERTIES };
  readonly inputs: IoDeclaration[] = [];
  readonly outputs: IoDeclaration[] = [];
  readonly systemValues: SystemValueDeclaration[] = [];
  readonly temps: TempDeclaration[] = [];
  readonly addresses: Range[] = [];
  readonly samplers: Range[] = [];
  readonly samplerViews: SamplerViewDeclaration[] = [];
  readonly constants: ConstDeclaration[] = [];
  readonly immediates: Immediate[] = [];
  private count = 0;

  constructor(
    readonly stage: ShaderStage,
    readonly limits: TgsiLimits,
  ) {
    this.registers = new DeclaredRegisters(limits);
  }

  /** Called for a declaration counted against the limit. */
  countOne(c: LineCursor): void {
    if (++this.count > this.limits.maxDeclarations) c.fail(`more than ${this.limits.maxDeclarations} declarations`);
  }
}

/** The optional parts after a declaration's register, in the one order TGSI writes them. */
interface Attributes {
  arrayId: number;
  local: boolean;
  semantic: Semantic | null;
  interpolation: Interpolation | null;
  location: InterpolationLocation | null;
  invariant: boolean;
}

type AttributeName = keyof Attributes;

const ATTRIBUTE_ORDER: readonly AttributeName[] = ['arrayId', 'local', 'semantic', 'interpolation', 'location', 'invariant'];

/** Which files each attribute may appear on. */
const ATTRIBUTE_FILES: Readonly<Record<AttributeName, readonly RegisterFile[]>> = {
  arrayId: ['input', 'output', 'temp'],
  local: ['temp'],
  semantic: ['input', 'output', 'system'],
  interpolation: ['input'],
  location: ['input', 'output'],
  invariant: ['output'],
};

const ARRAY_ID_LIMIT = 1 << 16;
const SEMANTIC_INDEX_LIMIT = 1 << 10;
const MAX_CLIP_DISTANCES = 8;

/** `DCL FILE[range](.mask)(, attribute)*`, after the DCL keyword. */
export function parseDeclaration(c: LineCursor, decls: Declarations): void {
  decls.countOne(c);
  const fileName = c.expectName('a register file');
  const file = FILE_BY_NAME.get(fileName);
  if (file === undefined || file === 'immediate') {
    c.fail(UNSUPPORTED_FILES.has(fileName) ? `register file ${fileName} is not supported` : `cannot declare register file '${fileName}'`);
  }
  const limit = decls.limits.registers[file];
  let range = parseRange(c, limit);
  let buffer = 0;
  if (c.peek('[')) {
    if (file !== 'const') c.fail(`${fileName} declarations have one dimension`);
    if (range.first !== range.last) c.fail('a uniform buffer index cannot be a range');
    if (range.first >= decls.limits.constBuffers) c.fail(`uniform buffer ${range.first} is out of range (limit ${decls.limits.constBuffers})`);
    buffer = range.first;
    range = parseRange(c, limit);
  }
  let usageMask: WriteMask = WRITEMASK_XYZW;
  if (c.accept('.')) {
    if (file !== 'input' && file !== 'output' && file !== 'system') c.fail(`${fileName} declarations take no usage mask`);
    usageMask = c.writeMask();
  }

  if (file === 'samplerView') {
    const view = parseSamplerView(c);
    c.expectEnd();
    declare(c, decls, { file, buffer }, range, 0);
    decls.samplerViews.push({ ...range, ...view });
    return;
  }
  const attributes = parseAttributes(c, file, decls.stage);
  c.expectEnd();
  declare(c, decls, { file, buffer }, range, attributes.arrayId);
  store(c, decls, file, buffer, range, usageMask, attributes);
}

function declare(c: LineCursor, decls: Declarations, space: Space, range: Range, arrayId: number): void {
  const error = decls.registers.declare(space, range, arrayId);
  if (error !== null) c.fail(error);
}

function parseRange(c: LineCursor, limit: number): Range {
  c.expect('[');
  const first = c.index('register index', limit);
  let last = first;
  if (c.accept('.')) {
    c.expect('.');
    last = c.index('register index', limit);
    if (last < first) c.fail(`register range ${first}..${last} runs backwards`);
  }
  c.expect(']');
  return { first, last };
}

function parseAttributes(c: LineCursor, file: DeclaredFile, stage: ShaderStage): Attributes {
  const out: Attributes = { arrayId: 0, local: false, semantic: null, interpolation: null, location: null, invariant: false };
  let next = 0;
  while (c.accept(',')) {
    let name: AttributeName | undefined;
    for (; next < ATTRIBUTE_ORDER.length && name === undefined; next++) {
      const candidate = ATTRIBUTE_ORDER[next] as AttributeName;
      if (parseAttribute(c, candidate, out)) name = candidate;
    }
    if (name === undefined) c.fail(`unexpected declaration attribute ${c.found()}`);
    if (!ATTRIBUTE_FILES[name].includes(file)) c.fail(`${attributeLabel(name)} is not allowed on this register file`);
    if (name === 'interpolation' && stage !== 'fragment') c.fail('interpolation is declared on fragment shader inputs only');
  }
  return out;
}

/** Tries to read attribute `name` at the cursor; false (cursor untouched) when the text is something else. */
function parseAttribute(c: LineCursor, name: AttributeName, out: Attributes): boolean {
  switch (name) {
    case 'arrayId':
      if (!c.acceptName('ARRAY')) return false;
      c.expect('(');
      out.arrayId = c.index('array id', ARRAY_ID_LIMIT);
      if (out.arrayId === 0) c.fail('array ids start at 1');
      c.expect(')');
      return true;
    case 'local':
      out.local = c.acceptName('LOCAL');
      return out.local;
    case 'semantic': {
      const semantic = c.acceptOneOf(SEMANTIC_NAMES);
      if (semantic === null) return false;
      let index = 0;
      if (c.accept('[')) {
        index = c.index('semantic index', SEMANTIC_INDEX_LIMIT);
        c.expect(']');
      }
      out.semantic = { name: semantic, index };
      return true;
    }
    case 'interpolation':
      out.interpolation = c.acceptOneOf(INTERPOLATIONS);
      return out.interpolation !== null;
    case 'location':
      out.location = c.acceptOneOf(INTERPOLATION_LOCATIONS);
      return out.location !== null;
    case 'invariant':
      out.invariant = c.acceptName('INVARIANT');
      return out.invariant;
  }
}

function attributeLabel(name: AttributeName): string {
  return name === 'arrayId' ? 'ARRAY' : name;
}

function parseSamplerView(c: LineCursor): Pick<SamplerViewDeclaration, 'target' | 'returnType'> {
  c.expect(',');
  const target = c.expectOneOf(TEXTURE_TARGETS, 'a texture target');
  c.expect(',');
  const returnType = c.expectOneOf(RETURN_TYPES, 'a return type');
  // Mesa writes four return types when they differ; GL's sampler views never mix them.
  while (c.accept(',')) {
    if (c.expectOneOf(RETURN_TYPES, 'a return type') !== returnType) c.fail('sampler views with mixed return types are not supported');
  }
  return { target, returnType };
}

function store(c: LineCursor, decls: Declarations, file: Exclude<DeclaredFile, 'samplerView'>, buffer: number, range: Range, usageMask: WriteMask, a: Attributes): void {
  switch (file) {
    case 'input':
    case 'output':
      (file === 'input' ? decls.inputs : decls.outputs).push({
        ...range,
        usageMask,
        semantic: a.semantic,
        interpolation: a.interpolation,
        location: a.location ?? 'CENTER',
        invariant: a.invariant,
        arrayId: a.arrayId,
      });
      return;
    case 'system':
      if (range.first !== range.last) c.fail('a system value declaration covers one register');
      decls.systemValues.push({ index: range.first, usageMask, semantic: a.semantic ?? c.fail('a system value needs a semantic') });
      return;
    case 'temp':
      decls.temps.push({ ...range, arrayId: a.arrayId, local: a.local });
      return;
    case 'const':
      decls.constants.push({ ...range, buffer });
      return;
    case 'address':
      decls.addresses.push(range);
      return;
    case 'sampler':
      decls.samplers.push(range);
      return;
  }
}

/** `IMM([n])? TYPE {a, b, c, d}`, after the IMM keyword. */
export function parseImmediate(c: LineCursor, decls: Declarations): void {
  const n = decls.immediates.length;
  if (n >= decls.limits.maxImmediates) c.fail(`more than ${decls.limits.maxImmediates} immediates`);
  if (c.accept('[')) {
    if (c.uint('immediate index') !== n) c.fail(`immediates must be numbered in order: this one is IMM[${n}]`);
    c.expect(']');
  }
  const typeName = c.expectName('an immediate type');
  const type = IMMEDIATE_TYPES.find((t) => t === typeName);
  if (type === undefined) c.fail(/64$/.test(typeName) ? `64-bit immediates (${typeName}) are not supported` : `unknown immediate type '${typeName}'`);
  c.expect('{');
  const value = (i: number): number => {
    if (i > 0) c.expect(',');
    return type === 'FLT32' ? c.floatBits('a float') : type === 'UINT32' ? c.uint('an unsigned integer') : c.int('an integer') >>> 0;
  };
  const bits = [value(0), value(1), value(2), value(3)] as const;
  c.expect('}');
  c.expectEnd();
  decls.immediates.push({ type, bits });
}

type BooleanProperty = { [K in keyof Properties]: Properties[K] extends boolean ? K : never }[keyof Properties];
type NumberProperty = { [K in keyof Properties]: Properties[K] extends number ? K : never }[keyof Properties];

interface PropertyRule {
  /** The stage the property belongs to; null for both. */
  readonly stage: ShaderStage | null;
  readonly parse: (c: LineCursor, p: Mutable<Properties>) => void;
}

const flag = (stage: ShaderStage | null, key: BooleanProperty): PropertyRule => ({
  stage,
  parse: (c, p) => {
    p[key] = c.index('a property value (0 or 1)', 2) === 1;
  },
});

const count = (stage: ShaderStage | null, key: NumberProperty, limit: number): PropertyRule => ({
  stage,
  parse: (c, p) => {
    p[key] = c.index('a property value', limit + 1);
  },
});

/** A property written as one of the names its field can hold. */
function choice<K extends 'coordOrigin' | 'pixelCenter'>(stage: ShaderStage, key: K, names: readonly Properties[K][]): PropertyRule {
  return {
    stage,
    parse: (c, p) => {
      p[key] = c.expectOneOf(names, 'one of ' + names.join(', '));
    },
  };
}

/** The properties Mesa gives vertex and fragment shaders; any other is refused. */
const PROPERTY_RULES: ReadonlyMap<string, PropertyRule> = new Map<string, PropertyRule>([
  ['FS_COORD_ORIGIN', choice('fragment', 'coordOrigin', ['UPPER_LEFT', 'LOWER_LEFT'])],
  ['FS_COORD_PIXEL_CENTER', choice('fragment', 'pixelCenter', ['HALF_INTEGER', 'INTEGER'])],
  ['FS_DEPTH_LAYOUT', { stage: 'fragment', parse: (c, p) => { p.depthLayout = DEPTH_LAYOUTS[c.index('a depth layout', DEPTH_LAYOUTS.length)] ?? 'NONE'; } }],
  ['FS_COLOR0_WRITES_ALL_CBUFS', flag('fragment', 'color0WritesAllCbufs')],
  ['FS_EARLY_DEPTH_STENCIL', flag('fragment', 'earlyDepthStencil')],
  ['FS_POST_DEPTH_COVERAGE', flag('fragment', 'postDepthCoverage')],
  ['FS_BLEND_EQUATION_ADVANCED', count('fragment', 'blendEquationAdvanced', 0xffff)],
  ['VS_WINDOW_SPACE_POSITION', flag('vertex', 'windowSpacePosition')],
  ['VS_PROHIBIT_UCPS', flag('vertex', 'prohibitUcps')],
  ['NUM_CLIPDIST_ENABLED', count(null, 'clipDistances', MAX_CLIP_DISTANCES)],
  ['NUM_CULLDIST_ENABLED', count(null, 'cullDistances', MAX_CLIP_DISTANCES)],
  ['SEPARABLE_PROGRAM', flag(null, 'separable')],
  ['LEGACY_MATH_RULES', flag(null, 'legacyMathRules')],
  ['LAYER_VIEWPORT_RELATIVE', flag(null, 'layerViewportRelative')],
]);

/** `PROPERTY NAME value`, after the PROPERTY keyword. */
export function parseProperty(c: LineCursor, decls: Declarations): void {
  const name = c.expectName('a property name');
  const rule = PROPERTY_RULES.get(name) ?? c.fail(`unknown or unsupported property '${name}'`);
  if (rule.stage !== null && rule.stage !== decls.stage) c.fail(`property ${name} belongs to ${rule.stage} shaders`);
  rule.parse(c, decls.properties);
  c.expectEnd();
}
