/**
 * Fuzzing of the shader path that needs no GL: TGSI text through the parser
 * (src/virgl/tgsi) and the GLSL ES emitter (src/renderers/webgl2/glsl), on
 * the real shaders of test/fixtures/tgsi, mutations of them (tokens, lines,
 * nesting, long lines, bytes) and grammar-built shaders. Every case checks:
 *   - neither throws, and neither reaches its own safety net (an `internal
 *     error` result is an exception the code did not expect);
 *   - an error names a line of the text;
 *   - an accepted shader keeps within the limits it was parsed under (text
 *     length, instructions, immediates, nesting);
 *   - the GLSL is at most a constant factor longer than the TGSI;
 *   - each case ends within CASE_SECONDS.
 * The checks are tgsi-checks.ts's, which the guided fuzzer shares.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { defaultShaderKey, type AttributeKind, type ShaderKey, type ValueKind, type VaryingMode } from '../../src/renderers/webgl2/glsl/key.ts';
import { SEMANTIC_NAMES, TEXTURE_TARGETS, type Shader } from '../../src/virgl/tgsi/ir.ts';
import { DEFAULT_TGSI_LIMITS, type TgsiLimits } from '../../src/virgl/tgsi/limits.ts';
import { OPCODES, type SupportedOpcode } from '../../src/virgl/tgsi/opcodes.ts';
import { applyEdits, editsOf, mutate, mutationOf, type Mutation } from './mutations.ts';
import { fuzzProperty, type FuzzProperty } from './runner.ts';
import { checkTgsi } from './tgsi-checks.ts';

const TGSI_FIXTURES = fileURLToPath(new URL('../fixtures/tgsi', import.meta.url));
export const tgsiCorpus: readonly string[] = readdirSync(TGSI_FIXTURES)
  .filter((name) => name.endsWith('.tgsi'))
  .sort()
  .map((name) => readFileSync(`${TGSI_FIXTURES}/${name}`, 'latin1'));

// ---- the draw-time key

const KINDS: readonly ValueKind[] = ['float', 'int', 'uint'];
const MODES: readonly VaryingMode[] = ['smooth', 'centroid', 'flat', 'linear', 'linear-centroid'];

/** Draw state for either stage; keyFor picks the half that fits the parsed shader. */
const keyChoice = fc.record({
  attributes: fc.array(fc.constantFrom<AttributeKind>(...KINDS, 'bgra'), { maxLength: 18 }),
  flipY: fc.boolean(),
  clipPlanes: fc.nat({ max: 0xff }),
  alphaFunc: fc.nat({ max: 7 }),
  clampedRefs: fc.nat({ max: 0xffff }),
  varyingModes: fc.array(fc.constantFrom(...MODES), { minLength: 1, maxLength: 5 }),
  swizzles: fc.array(fc.oneof(fc.constant(''), fc.stringMatching(/^[rgba01]{4}$/)), { maxLength: 34 }),
  colorBuffers: fc.array(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 8 }),
  flatShade: fc.boolean(),
  twoSidedColor: fc.boolean(),
  spriteCoords: fc.nat({ max: 0xff }),
  spriteOrigin: fc.constantFrom('upper-left' as const, 'lower-left' as const),
  /** Transform feedback: varyings of up to four dwords, each an index into the shader's output components (wrapped). */
  captures: fc.array(fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 4 }), { maxLength: 4 }),
});
type KeyChoice = typeof keyChoice extends fc.Arbitrary<infer T> ? T : never;

function keyFor(shader: Shader, c: KeyChoice): ShaderKey {
  if (shader.stage === 'fragment') {
    return { stage: 'fragment', colorBuffers: c.colorBuffers, flatShade: c.flatShade, twoSidedColor: c.twoSidedColor, spriteCoords: c.spriteCoords, spriteOrigin: c.spriteOrigin, swizzles: c.swizzles, clampedRefs: c.clampedRefs, clipPlanes: c.clipPlanes, alphaFunc: c.alphaFunc };
  }
  const varyings: Record<string, VaryingMode> = {};
  shader.outputs.forEach((o, i) => {
    if (o.semantic) varyings[`vgw_${o.semantic.name}_${o.semantic.index}`] = c.varyingModes[i % c.varyingModes.length] ?? 'smooth';
  });
  const components = shader.outputs.flatMap((o) => Array.from({ length: (o.last - o.first + 1) * 4 }, (_, i) => o.first * 4 + i));
  const captures = components.length === 0 ? [] : c.captures.map((dwords) => dwords.map((d) => components[d % components.length]!));
  return { stage: 'vertex', attributes: c.attributes, varyings, swizzles: c.swizzles, clampedRefs: c.clampedRefs, flipY: c.flipY, clipPlanes: c.clipPlanes, captures };
}

// ---- mutations of the real shaders

const SUPPORTED = Object.entries(OPCODES).filter((e): e is [string, SupportedOpcode] => e[1].supported);
const OPCODE_NAMES = Object.keys(OPCODES);
const FILES = ['IN', 'OUT', 'TEMP', 'CONST', 'IMM', 'ADDR', 'SAMP', 'SVIEW', 'SV', 'NULL', 'IMAGE', 'BUFFER'];
const HUGE_INDICES = ['-1', '-2147483648', '4096', '65535', '65536', '2147483647', '4294967295', '4294967296', '99999999999999999999', '1e9', '0x7fffffff', '1.5'];
const index = fc.oneof({ weight: 6, arbitrary: fc.nat({ max: 9 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom(...HUGE_INDICES) });
const SWIZZLES = ['', '.xxxx', '.xyzw', '.yzwx', '.wzyx', '.zzzz', '.xyxy'];
const junkSwizzle = fc.stringMatching(/^\.[xyzwrgbaq01XYZW]{0,7}$/);
const swizzle = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SWIZZLES) }, { weight: 1, arbitrary: junkSwizzle });

/** What a token of a real shader may become. */
const replacement = fc.oneof(
  fc.constantFrom(...OPCODE_NAMES),
  fc.constantFrom(...FILES),
  index,
  swizzle,
  fc.constantFrom(...SEMANTIC_NAMES, ...TEXTURE_TARGETS, 'DCL', 'IMM', 'PROPERTY', 'END', 'ARRAY(1)', 'FLT32', 'UINT32', '_SAT', '|', '-', ',', '[', ']', '{', '}', ':', '\u00e9', '\u{1f600}', '\u2028', '\0', ''),
);

const OPENERS = ['IF TEMP[0].xxxx :0', 'UIF TEMP[0].xxxx :0', 'BGNLOOP :0', 'SWITCH TEMP[0].xxxx\nCASE IMM[0].xxxx'];
const CLOSERS = ['ENDIF', 'ENDIF', 'ENDLOOP :0', 'ENDSWITCH'];

type LineChange =
  | { readonly kind: 'token'; readonly at: number; readonly token: string }
  | { readonly kind: 'nest'; readonly block: number; readonly depth: number; readonly balanced: boolean }
  | { readonly kind: 'long'; readonly times: number }
  | { readonly kind: 'bytes'; readonly mutation: Mutation };

const lineChange: fc.Arbitrary<LineChange> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('token' as const), at: fc.nat({ max: 40 }), token: replacement }) },
  fc.record({ kind: fc.constant('nest' as const), block: fc.nat({ max: OPENERS.length - 1 }), depth: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(63, 64, 65, 200)), balanced: fc.boolean() }),
  fc.record({ kind: fc.constant('long' as const), times: fc.oneof(fc.integer({ min: 2, max: 50 }), fc.constantFrom(1000, 5000)) }),
  fc.record({ kind: fc.constant('bytes' as const), mutation: mutationOf({ reach: 80 }) }),
);

const TOKEN = /(\s+|[,[\]().:|{}-])/;
/** Just past the parser's default limit: long lines and nesting may cross it, repeated edits may not grow a text without end. */
const MUTATED_TEXT_MAX = DEFAULT_TGSI_LIMITS.maxTextLength + 4096;

function changeLine(line: string, c: LineChange): string {
  switch (c.kind) {
    case 'token': {
      const parts = line.split(TOKEN);
      const words = parts.flatMap((p, i) => (p !== '' && !TOKEN.test(p) ? [i] : []));
      if (words.length > 0) parts[words[c.at % words.length] as number] = c.token;
      return parts.join('');
    }
    case 'nest': {
      const open = Array<string>(c.depth).fill(OPENERS[c.block] as string);
      const close = c.balanced ? Array<string>(c.depth).fill(CLOSERS[c.block] as string) : [];
      return [...open, line, ...close].join('\n');
    }
    case 'long': return Array<string>(Math.min(c.times, Math.ceil(MUTATED_TEXT_MAX / (line.length + 1)))).fill(line).join(' ');
    case 'bytes': return mutateText(line, c.mutation);
  }
}

/** Through UTF-8, so that the non-ASCII characters tokens brought survive, and bytes broken by the mutation become U+FFFD. */
function mutateText(text: string, m: Mutation): string {
  return m.kind === 'none' ? text : Buffer.from(mutate(Uint8Array.from(Buffer.from(text, 'utf8')), m)).toString('utf8');
}

const mutatedShader = fc
  .tuple(fc.constantFrom(...tgsiCorpus), editsOf(lineChange, 400, 8), mutationOf({ reach: 30_000, dwords: true }))
  .map(([text, edits, m]) => mutateText(applyEdits(text.split('\n'), edits, changeLine).join('\n').slice(0, MUTATED_TEXT_MAX), m));

// ---- grammar-built shaders

const ALU = SUPPORTED.filter(([, info]) => info.group !== 'flow' && info.group !== 'texture');
const TEXTURE = SUPPORTED.filter(([, info]) => info.group === 'texture');
const UNSUPPORTED = Object.entries(OPCODES).filter(([, info]) => !info.supported).map(([name]) => name);

/**
 * Grammar shaders are mostly well formed, so that most reach the emitter: a
 * wrong index or swizzle comes up about once a shader (the mutated real
 * shaders are where junk abounds).
 */
const declaredIndex = fc.oneof({ weight: 60, arbitrary: fc.nat({ max: 3 }).map(String) }, { weight: 1, arbitrary: index });
const register = fc.tuple(fc.constantFrom('IN', 'TEMP', 'TEMP', 'CONST', 'IMM'), declaredIndex, fc.nat({ max: 9 }), fc.nat({ max: 30 })).map(([file, i, shape, dim]) => {
  if (file === 'IMM') return 'IMM[0]';
  const at = shape === 0 ? `ADDR[0].x+${i}` : i;
  return file === 'CONST' && dim === 0 ? `CONST[1][${at}]` : `${file}[${at}]`;
});
const grammarSwizzle = fc.oneof({ weight: 60, arbitrary: fc.constantFrom(...SWIZZLES) }, { weight: 1, arbitrary: junkSwizzle });
const source = fc.tuple(register, grammarSwizzle, fc.boolean(), fc.nat({ max: 3 })).map(([r, s, negate, abs]) => `${negate ? '-' : ''}${abs === 0 ? `|${r}${s}|` : `${r}${s}`}`);
const destination = fc
  .tuple(fc.oneof({ weight: 4, arbitrary: declaredIndex.map((i) => `TEMP[${i}]`) }, { weight: 1, arbitrary: fc.constant('OUT[0]') }), fc.constantFrom('', '.x', '.xy', '.xyz', '.w', '.xz'))
  .map(([r, mask]) => `${r}${mask}`);

const operands = (info: SupportedOpcode) => fc.tuple(info.result === 'address' ? fc.constant('ADDR[0].x') : destination, fc.array(source, { minLength: info.src.length, maxLength: info.src.length }));
const aluLine = fc.constantFrom(...ALU).chain(([name, info]) => fc.tuple(operands(info), fc.boolean()).map(([[dst, srcs], saturate]) => `${name}${saturate && info.result === 'float' ? '_SAT' : ''} ${[...(info.result === null ? [] : [dst]), ...srcs].join(', ')}`));
const textureLine = fc
  .tuple(fc.constantFrom(...TEXTURE), fc.nat({ max: 3 }), fc.oneof({ weight: 4, arbitrary: fc.constant('2D') }, { weight: 1, arbitrary: fc.constantFrom(...TEXTURE_TARGETS) }))
  .chain(([[name, info], sampler, target]) => operands(info).map(([dst, srcs]) => `${name} ${[dst, ...srcs.slice(1)].join(', ')}, SAMP[${sampler}], ${target}`));

/** Flow control as events: the renderer keeps them balanced (unless told not to) and numbers the instructions. */
type Statement = { readonly line: string } | { readonly open: number } | { readonly close: true };
const statement: fc.Arbitrary<Statement> = fc.oneof(
  { weight: 40, arbitrary: aluLine.map((line) => ({ line })) },
  { weight: 12, arbitrary: textureLine.map((line) => ({ line })) },
  { weight: 8, arbitrary: fc.nat({ max: OPENERS.length - 1 }).map((open) => ({ open })) },
  { weight: 8, arbitrary: fc.constant({ close: true } as const) },
  { weight: 1, arbitrary: fc.constantFrom('ELSE :0', 'BRK', 'CONT', 'KILL', 'KILL_IF TEMP[0].xxxx', 'DEFAULT', 'NOP').map((line) => ({ line })) },
  { weight: 1, arbitrary: fc.constantFrom(...UNSUPPORTED).map((line) => ({ line })) },
);

/** What each stage declares beyond its preamble: a random subset, each register once. */
const EXTRA_DECLARATIONS = {
  VERT: ['DCL OUT[1], GENERIC[0]', 'DCL OUT[2], COLOR', 'DCL OUT[3].x, PSIZE', 'DCL OUT[4], CLIPVERTEX', 'DCL OUT[5], TEXCOORD[1]', 'DCL OUT[6], BCOLOR', 'DCL OUT[7].x, FOG', 'DCL OUT[8], CLIPDIST', 'DCL SV[0], VERTEXID', 'DCL SV[1], INSTANCEID', 'DCL CONST[1][0..3]', 'DCL TEMP[20..23], ARRAY(1)', 'PROPERTY NUM_CLIPDIST_ENABLED 2', 'DCL SVIEW[8], CUBE, UINT', 'DCL SAMP[8]'],
  FRAG: ['DCL IN[4], COLOR, COLOR', 'DCL IN[5], TEXCOORD[1], LINEAR', 'DCL IN[6], POSITION, LINEAR', 'DCL IN[7].xy, GENERIC[12], PERSPECTIVE, CENTROID', 'DCL IN[8], GENERIC[13], CONSTANT', 'DCL OUT[1], COLOR[1]', 'DCL OUT[2], POSITION', 'DCL SVIEW[8], CUBE, UINT', 'DCL SAMP[8]', 'DCL CONST[1][0..3]', 'DCL TEMP[20..23], ARRAY(1)', 'PROPERTY FS_COORD_ORIGIN LOWER_LEFT', 'PROPERTY FS_COORD_PIXEL_CENTER INTEGER', 'PROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1'],
} as const;

/** A declaration that is likely wrong: ranges any way round, huge indices, immediates out of order. */
const wildDeclaration = fc.oneof(
  fc.tuple(fc.constantFrom('IN', 'OUT', 'TEMP', 'CONST', 'SAMP', 'SVIEW', 'ADDR', 'SV'), index, index, fc.constantFrom('', ', GENERIC[0]', ', COLOR', ', 2D, FLOAT', ', ARRAY(2)', ', POSITION, LINEAR')).map(([file, a, b, rest]) => `DCL ${file}[${a}..${b}]${rest}`),
  fc.tuple(fc.nat({ max: 3 }), fc.constantFrom('FLT32', 'UINT32', 'INT32', 'FLT64'), fc.array(fc.constantFrom('0', '1', '-1', '0.5', '4294967295', '0x3f800000', 'nan', '1e40'), { minLength: 1, maxLength: 5 })).map(([n, type, values]) => `IMM[${n}] ${type} {${values.join(', ')}}`),
);

const PREAMBLE = {
  VERT: ['DCL IN[0..3]', 'DCL OUT[0], POSITION', 'DCL TEMP[0..9]', 'DCL CONST[0..9]', 'DCL ADDR[0]', 'DCL SAMP[0..3]', 'DCL SVIEW[0..3], 2D, FLOAT', 'IMM[0] FLT32 {0.0000, 1.0000, 2.0000, 0.5000}'],
  FRAG: ['DCL IN[0..3], GENERIC[0], PERSPECTIVE', 'DCL OUT[0], COLOR', 'DCL TEMP[0..9]', 'DCL CONST[0..9]', 'DCL ADDR[0]', 'DCL SAMP[0..3]', 'DCL SVIEW[0..3], 2D, FLOAT', 'IMM[0] FLT32 {0.0000, 1.0000, 2.0000, 0.5000}'],
} as const;

function renderShader(header: string, declarations: readonly string[], statements: readonly Statement[], balanced: boolean): string {
  const lines = [header, ...declarations];
  const open: number[] = [];
  let n = 0;
  const instruction = (text: string) => lines.push(`${String(n++).padStart(3)}: ${'  '.repeat(open.length)}${text}`);
  for (const s of statements) {
    if ('line' in s) instruction(s.line);
    else if ('open' in s) {
      for (const part of (OPENERS[s.open] as string).split('\n')) instruction(part);
      open.push(s.open);
    } else if (open.length > 0 || !balanced) instruction(CLOSERS[open.pop() ?? 0] as string);
  }
  if (balanced) while (open.length > 0) instruction(CLOSERS[open.pop() as number] as string);
  instruction('END');
  return `${lines.join('\n')}\n`;
}

const grammarShader = fc
  .constantFrom('VERT' as const, 'FRAG' as const)
  .chain((stage) =>
    fc.tuple(
      fc.oneof({ weight: 12, arbitrary: fc.constant(stage) }, { weight: 1, arbitrary: fc.constantFrom('GEOM', 'COMP', 'TESS_CTRL', 'vert', '') }),
      fc.subarray([...EXTRA_DECLARATIONS[stage]]),
      fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: wildDeclaration }),
      fc.array(statement, { maxLength: 40 }),
      fc.oneof({ weight: 7, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    ).map(([header, extra, wild, statements, balanced]) => renderShader(header, [...PREAMBLE[stage], ...extra, ...(wild === null ? [] : [wild])], statements, balanced)),
  );

// ---- the property

/** Limits small enough for the generated shaders to reach them. */
const smallLimits: fc.Arbitrary<TgsiLimits> = fc
  .record({ maxTextLength: fc.integer({ min: 1, max: 30_000 }), maxInstructions: fc.integer({ min: 1, max: 60 }), maxDeclarations: fc.integer({ min: 1, max: 20 }), maxImmediates: fc.nat({ max: 4 }), maxNestingDepth: fc.integer({ min: 1, max: 8 }) })
  .map((small) => ({ ...DEFAULT_TGSI_LIMITS, ...small }));

export const tgsiCase = fc.record({
  text: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...tgsiCorpus) }, { weight: 3, arbitrary: mutatedShader }, { weight: 3, arbitrary: grammarShader }),
  limits: fc.oneof({ weight: 3, arbitrary: fc.constant(DEFAULT_TGSI_LIMITS) }, { weight: 1, arbitrary: smallLimits }),
  key: fc.option(keyChoice, { freq: 2 }),
});
type TgsiCase = typeof tgsiCase extends fc.Arbitrary<infer T> ? T : never;

function describeTgsiCase(c: TgsiCase): string[] {
  const limits = c.limits === DEFAULT_TGSI_LIMITS ? 'default limits' : `limits ${JSON.stringify({ ...c.limits, registers: undefined })}`;
  return [`${limits}, key ${JSON.stringify(c.key)}`, ...c.text.split('\n').map((line) => JSON.stringify(line))];
}

function runTgsiCase(c: TgsiCase): void {
  const choice = c.key;
  checkTgsi(c.text, c.limits, choice === null ? defaultShaderKey : (shader) => keyFor(shader, choice));
}

export const TGSI_PROPERTIES: readonly FuzzProperty[] = [fuzzProperty('TGSI shaders', 0.15, tgsiCase, runTgsiCase, describeTgsiCase)];
