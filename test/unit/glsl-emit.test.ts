/**
 * The GLSL ES 3.00 emitter: every corpus shader translates and compiles with Khronos' reference
 * compiler (glslangValidator, Debian package glslang-tools), the programs of the guest's own
 * corpus link, small shaders give exactly the expected source, and what WebGL2 lacks is refused
 * by name; and, run on Mesa's OpenGL ES (llvmpipe, through EGL surfaceless), integer, bitfield and
 * bit-pattern sequences compute what TGSI defines.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emitGlsl, type GlslShader } from '../../src/renderers/webgl2/glsl/emit.ts';
import { defaultShaderKey, fragmentVaryingModes, shaderKeyString, type FragmentShaderKey, type ShaderKey, type VaryingMode, type VertexShaderKey } from '../../src/renderers/webgl2/glsl/key.ts';
import { ALU_FORMS } from '../../src/renderers/webgl2/glsl/opcodes-glsl.ts';
import type { Shader } from '../../src/virgl/tgsi/ir.ts';
import { isOpcode, opcodeInfo, OPCODES } from '../../src/virgl/tgsi/opcodes.ts';
import { parseTgsi } from '../../src/virgl/tgsi/parse.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tgsi');
const corpus = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.tgsi'))
  .sort()
  .map((name) => ({ name: name.slice(0, -'.tgsi'.length), shader: parsed(readFileSync(join(FIXTURES, name), 'latin1')) }));

/** Corpus shaders that use what GLSL ES 3.00 cannot express (a desktop GLSL 4.00 program; the WebGL2 capsets never allow it). */
const REFUSED: Readonly<Record<string, RegExp>> = { 'vtest-gl400-bits-fs1': /LODQ|TG4/ };

function parsed(text: string): Shader {
  const result = parseTgsi(text);
  if (!result.ok) throw new Error(`line ${result.error.line}: ${result.error.message}`);
  return result.shader;
}

function emitted(shader: Shader, key: ShaderKey = defaultShaderKey(shader)): GlslShader {
  const result = emitGlsl(shader, key);
  if (!result.ok) throw new Error(result.error);
  return result;
}

/** Planes 0, 1, 4 and 7: both clip varyings, partly filled. */
const BUSY_CLIP_PLANES = 0b10010011;

/** The tests that run glslangValidator or Mesa take a second or two alone, longer beside the rest of the suite on two cores. */
const TOOL_TIMEOUT = 60_000;

const work = mkdtempSync(join(tmpdir(), 'vgw-glsl-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Compiles (or with `link`, links) GLSL files in one glslangValidator process; returns the errors by file, or the whole output when linking. */
function glslang(files: readonly string[], link = false): { ok: boolean; output: string; failed: Map<string, string[]> } {
  const run = spawnSync('glslangValidator', [...(link ? ['-l'] : []), ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.error) throw new Error(`glslangValidator did not run (${run.error.message}): install Debian's glslang-tools (apt-get install -y glslang-tools)`);
  const failed = new Map<string, string[]>();
  let current = '';
  for (const line of run.stdout.split('\n')) {
    if (files.includes(line.trim())) current = line.trim();
    else if (line.startsWith('ERROR')) failed.set(current, [...(failed.get(current) ?? []), line]);
  }
  return { ok: run.status === 0, output: run.stdout + run.stderr, failed };
}

function write(name: string, shader: Shader, source: string): string {
  const path = join(work, `${name}.${shader.stage === 'vertex' ? 'vert' : 'frag'}`);
  writeFileSync(path, source);
  return path;
}

const MODES: readonly VaryingMode[] = ['flat', 'centroid', 'linear', 'linear-centroid', 'smooth'];

/** Transform feedback of the first output declared: an interleaved vec4 of mixed components, then one dword. */
function busyCaptures(shader: Shader): number[][] {
  const first = shader.outputs[0]?.first;
  return first === undefined ? [] : [[first * 4 + 3, first * 4, first * 4 + 1, first * 4 + 2], [first * 4 + 1]];
}

/** A key with every option away from its default, to reach the emitter's other paths. */
function busyKey(shader: Shader): ShaderKey {
  const swizzles = shader.samplerViews.map((_, i) => ['bgr1', '000r', 'rrr1', 'r0g1'][i % 4] ?? '');
  if (shader.stage === 'vertex') {
    const varyings: Record<string, VaryingMode> = {};
    shader.outputs.forEach((o, i) => {
      if (o.semantic) varyings[`vgw_${o.semantic.name}_${o.semantic.index}`] = MODES[i % MODES.length]!;
    });
    return { stage: 'vertex', attributes: ['int', 'uint', 'bgra', 'float'], varyings, swizzles, flipY: true, clampedRefs: 0xffff, clipPlanes: BUSY_CLIP_PLANES, captures: busyCaptures(shader) };
  }
  return { stage: 'fragment', colorBuffers: ['float', 'int', 'uint', 'float'], flatShade: true, twoSidedColor: true, spriteCoords: 0b11, spriteOrigin: 'lower-left', swizzles, clampedRefs: 0xffff, clipPlanes: BUSY_CLIP_PLANES, alphaFunc: 4 };
}

describe('GLSL emitter: the corpus', () => {
  it('translates every corpus shader, except those that need GLSL past ES 3.00, which it refuses by name', () => {
    for (const { name, shader } of corpus) {
      const result = emitGlsl(shader, defaultShaderKey(shader));
      const refused = REFUSED[name];
      if (refused) expect(result.ok ? 'translated' : result.error, name).toMatch(refused);
      else expect(result.ok ? 'ok' : result.error, name).toBe('ok');
    }
  });

  it('gives source that glslangValidator accepts as GLSL ES 3.00, with the default and with a busy key', () => {
    const files: string[] = [];
    for (const { name, shader } of corpus) {
      if (REFUSED[name]) continue;
      files.push(write(`${name}.default`, shader, emitted(shader).source));
      files.push(write(`${name}.busy`, shader, emitted(shader, busyKey(shader)).source));
    }
    // The refused shader's other instructions (bitfield, packing, integer ops) compile once TG4 and LODQ become MOVs.
    const bits = readFileSync(join(FIXTURES, 'vtest-gl400-bits-fs1.tgsi'), 'latin1').replace(/^( *\d+:) (TG4|LODQ) ([^,]+),.*$/gm, '$1 MOV $3, IMM[0]');
    const bitsShader = parsed(bits);
    files.push(write('vtest-gl400-bits-fs1.no-gather', bitsShader, emitted(bitsShader).source));
    const { ok, failed, output } = glslang(files);
    expect([...failed].map(([file, errors]) => `${file}: ${errors.join(' ')}`)).toEqual([]);
    expect(ok, output).toBe(true);
    expect(files.length).toBe(2 * (corpus.length - Object.keys(REFUSED).length) + 1);
  }, TOOL_TIMEOUT);

  it('links the vertex and fragment shaders of the guest programs (vgw-gl-*, kmscube, glmark2), with matching varyings', () => {
    const programs = new Map<string, { vs: { n: number; name: string; shader: Shader }[]; fs: { n: number; name: string; shader: Shader }[] }>();
    for (const { name, shader } of corpus) {
      const m = /^(vgw-gl-.*|kmscube|glmark2-es2-drm)-(vs|fs)(\d+)$/.exec(name);
      if (!m) continue;
      const program = programs.get(m[1]!) ?? { vs: [], fs: [] };
      program[m[2] as 'vs' | 'fs'].push({ n: Number(m[3]), name, shader });
      programs.set(m[1]!, program);
    }
    let linked = 0;
    for (const [program, { vs, fs }] of programs) {
      const outputs = new Map(vs.map((v) => [v.name, emitted(v.shader).varyings.map((o) => o.name)]));
      for (const f of fs) {
        const fsKey = defaultShaderKey(f.shader) as FragmentShaderKey;
        const fsOut = emitted(f.shader, fsKey);
        const inputs = fsOut.varyings.map((v) => v.name);
        // The corpus keeps each distinct shader once, so a fragment shader is paired with the nearest vertex shader whose outputs it reads.
        const partner = vs
          .filter((v) => inputs.every((name) => outputs.get(v.name)?.includes(name)))
          .sort((a, b) => Number(a.n > f.n) - Number(b.n > f.n) || Math.abs(a.n - f.n) - Math.abs(b.n - f.n))[0];
        expect(partner, `${program}: a vertex shader for ${f.name}`).toBeDefined();
        if (!partner) continue;
        const vsOut = emitted(partner.shader, { ...(defaultShaderKey(partner.shader) as VertexShaderKey), varyings: fragmentVaryingModes(f.shader, fsKey) });
        for (const input of fsOut.varyings) expect(vsOut.varyings, `${f.name} <- ${partner.name}`).toContainEqual(input);
        const result = glslang([write(`${partner.name}.link-${f.name}`, partner.shader, vsOut.source), write(`${f.name}.link`, f.shader, fsOut.source)], true);
        expect(result.ok, `${partner.name} + ${f.name}: ${result.output}`).toBe(true);
        linked++;
      }
    }
    expect(linked).toBeGreaterThanOrEqual(30);
  }, TOOL_TIMEOUT);
});

describe('GLSL emitter: exact output', () => {
  const exact = (text: string, key?: ShaderKey): string => {
    const shader = parsed(text);
    return emitted(shader, key ?? defaultShaderKey(shader)).source;
  };

  it('moves, adds, multiplies and dots with bit-exact immediates, modifiers, saturation and a std140 constant block', () => {
    const source = exact(
      [
        'VERT',
        'DCL IN[0]',
        'DCL IN[1]',
        'DCL OUT[0], POSITION',
        'DCL OUT[1], GENERIC[0]',
        'DCL CONST[0..3]',
        'DCL TEMP[0..1]',
        'IMM[0] FLT32 {0x3f800000, 0.5, 0x00000000, 0xbf800000}',
        '  0: MOV TEMP[0], IN[0]',
        '  1: ADD TEMP[1].xy, TEMP[0].xyyy, -IN[1].yxxx',
        '  2: MAD TEMP[1].zw, |TEMP[0]|, IMM[0].xxyy, CONST[2]',
        '  3: DP4 OUT[0].x, TEMP[0], CONST[0]',
        '  4: MOV_SAT OUT[0].yzw, TEMP[1]',
        '  5: MOV OUT[1], IMM[0].xyzw',
        '  6: END',
      ].join('\n'),
    );
    expect(source).toBe(`#version 300 es
precision highp float;
precision highp int;
layout(location = 0) in vec4 vgw_attr0;
layout(location = 1) in vec4 vgw_attr1;
out vec4 vgw_GENERIC_0;
uniform float vgw_point_size;
layout(std140) uniform vgw_vs_cb0 { uvec4 v[4]; } cb0;
const uvec4 imm[1] = uvec4[1](
  uvec4(0x3f800000u, 0x3f000000u, 0u, 0xbf800000u)
);
void main() {
  uvec4 t0 = uvec4(0u);
  uvec4 t1 = uvec4(0u);
  uvec4 o0 = uvec4(0u);
  uvec4 o1 = uvec4(0u);
  t0.xyzw = floatBitsToUint(vgw_attr0);
  t1.xy = floatBitsToUint(uintBitsToFloat(t0.xy) + (-vgw_attr1.yx));
  t1.zw = floatBitsToUint(abs(uintBitsToFloat(t0.zw)) * uintBitsToFloat(imm[0].yy) + uintBitsToFloat(cb0.v[2].zw));
  o0.x = floatBitsToUint(dot(uintBitsToFloat(t0), uintBitsToFloat(cb0.v[0])));
  o0.yzw = floatBitsToUint(clamp(uintBitsToFloat(t1.yzw), 0.0, 1.0));
  o1.xyzw = imm[0];
  gl_Position = uintBitsToFloat(o0);
  vgw_GENERIC_0 = uintBitsToFloat(o1);
  gl_PointSize = vgw_point_size;
}
`);
  });

  it('samples a texture and reads a uniform block, with a stage-unique block name and the sampler listed', () => {
    const shader = parsed(
      [
        'FRAG',
        'DCL IN[0].xy, GENERIC[0], PERSPECTIVE',
        'DCL OUT[0], COLOR',
        'DCL SAMP[0]',
        'DCL SVIEW[0], 2D, FLOAT',
        'DCL CONST[1][0..1]',
        'DCL TEMP[0]',
        '  0: TEX TEMP[0], IN[0].xyyy, SAMP[0], 2D',
        '  1: MUL OUT[0], TEMP[0], CONST[1][1]',
        '  2: END',
      ].join('\n'),
    );
    const out = emitted(shader);
    expect(out.source).toBe(`#version 300 es
precision highp float;
precision highp int;
in vec4 vgw_GENERIC_0;
layout(location = 0) out vec4 vgw_color0;
layout(std140) uniform vgw_fs_cb1 { uvec4 v[2]; } cb1;
uniform highp sampler2D vgw_fs_sampler0;
void main() {
  uvec4 t0 = uvec4(0u);
  uvec4 o0 = uvec4(0u);
  t0.xyzw = floatBitsToUint(texture(vgw_fs_sampler0, vgw_GENERIC_0.xy));
  o0.xyzw = floatBitsToUint(uintBitsToFloat(t0) * uintBitsToFloat(cb1.v[1]));
  vgw_color0 = uintBitsToFloat(o0);
}
`);
    expect(out.uniformBlocks).toEqual([{ name: 'vgw_fs_cb1', buffer: 1, bytes: 32 }]);
    expect(out.samplers).toEqual([
      { name: 'vgw_fs_sampler0', view: 0, sampler: 0, glslType: 'sampler2D', bindTarget: 'TEXTURE_2D', shadow: false, returns: 'float', tgsiTarget: '2D' },
    ]);
    expect(out.varyings).toEqual([{ name: 'vgw_GENERIC_0', type: 'vec4', mode: 'smooth' }]);
  });

  it('follows IF/ELSE and loops with BRK, compares integers into masks and ANDs them with the bits of 1.0', () => {
    const source = exact(
      [
        'FRAG',
        'DCL IN[0], GENERIC[0], CONSTANT',
        'DCL OUT[0], COLOR',
        'DCL TEMP[0..1]',
        'IMM[0] UINT32 {0, 1, 1065353216, 10}',
        '  0: USEQ TEMP[0].x, IN[0].xxxx, IMM[0].yyyy',
        '  1: AND TEMP[0].y, TEMP[0].xxxx, IMM[0].zzzz',
        '  2: UIF TEMP[0].xxxx :4',
        '  3:   MOV TEMP[1], IN[0]',
        '  4: ELSE :6',
        '  5:   MOV TEMP[1], IMM[0]',
        '  6: ENDIF',
        '  7: BGNLOOP :0',
        '  8:   USGE TEMP[0].z, TEMP[1].xxxx, IMM[0].wwww',
        '  9:   UIF TEMP[0].zzzz :11',
        ' 10:     BRK',
        ' 11:   ENDIF',
        ' 12:   UADD TEMP[1].x, TEMP[1].xxxx, IMM[0].yyyy',
        ' 13: ENDLOOP :0',
        ' 14: MOV OUT[0], TEMP[0]',
        ' 15: END',
      ].join('\n'),
    );
    expect(source).toBe(`#version 300 es
precision highp float;
precision highp int;
flat in uvec4 vgw_GENERIC_0;
layout(location = 0) out vec4 vgw_color0;
const uvec4 imm[1] = uvec4[1](
  uvec4(0u, 1u, 0x3f800000u, 0xau)
);
void main() {
  uvec4 t0 = uvec4(0u);
  uvec4 t1 = uvec4(0u);
  uvec4 o0 = uvec4(0u);
  int vgw_budget = 65535;
  t0.x = uint(vgw_GENERIC_0.x == imm[0].y) * 0xffffffffu;
  t0.y = t0.x & imm[0].z;
  if (t0.x != 0u) {
    t1.xyzw = vgw_GENERIC_0;
  } else {
    t1.xyzw = imm[0];
  }
  for (; vgw_budget > 0; vgw_budget--) {
    t0.z = uint(t1.x >= imm[0].w) * 0xffffffffu;
    if (t0.z != 0u) {
      break;
    }
    t1.x = t1.x + imm[0].y;
  }
  o0.xyzw = t0;
  vgw_color0 = uintBitsToFloat(o0);
}
`);
  });

  it('clamps relative indices into the constant range and the temporary ARRAY they start in', () => {
    const source = exact(
      [
        'VERT',
        'DCL IN[0]',
        'DCL OUT[0], POSITION',
        'DCL CONST[0..7]',
        'DCL TEMP[0..2], ARRAY(1)',
        'DCL TEMP[3]',
        'DCL ADDR[0]',
        'IMM[0] INT32 {2, -1, 0, 0}',
        '  0: UARL ADDR[0].x, IMM[0].xxxx',
        '  1: MOV TEMP[ADDR[0].x+1](1), CONST[ADDR[0].x+3]',
        '  2: ARL ADDR[0].x, IN[0].wwww',
        '  3: MOV TEMP[3], TEMP[ADDR[0].x](1)',
        '  4: MOV OUT[0], TEMP[3]',
        '  5: END',
      ].join('\n'),
      { stage: 'vertex', attributes: [], varyings: {}, swizzles: [], flipY: true, clampedRefs: 0, clipPlanes: 0, captures: [] },
    );
    expect(source).toBe(`#version 300 es
precision highp float;
precision highp int;
layout(location = 0) in vec4 vgw_attr0;
uniform float vgw_point_size;
layout(std140) uniform vgw_vs_cb0 { uvec4 v[8]; } cb0;
const uvec4 imm[1] = uvec4[1](
  uvec4(2u, 0xffffffffu, 0u, 0u)
);
void main() {
  uvec4 t0_2[3];
  for (int i = 0; i < 3; i++) t0_2[i] = uvec4(0u);
  uvec4 t3 = uvec4(0u);
  uvec4 o0 = uvec4(0u);
  ivec4 a0 = ivec4(0);
  a0.x = int(imm[0].x);
  t0_2[clamp(a0.x + 1, 0, 2)].xyzw = cb0.v[clamp(a0.x + 3, 0, 7)];
  a0.x = int(floor(vgw_attr0.w));
  t3.xyzw = t0_2[clamp(a0.x, 0, 2)];
  o0.xyzw = t3;
  gl_Position = uintBitsToFloat(o0);
  gl_Position.y = -gl_Position.y;
  gl_PointSize = vgw_point_size;
}
`);
  });
});

describe('GLSL emitter: every opcode of the table', () => {
  const supported = Object.keys(OPCODES)
    .filter(isOpcode)
    .map((name) => [name, opcodeInfo(name)] as const);
  const register = (type: string, n: number): string => (type === 'sampler' ? 'SAMP[0]' : `TEMP[${n}]`);

  it('has a GLSL form for every arithmetic, address and derivative opcode', () => {
    const missing = supported.filter(([name, info]) => ['alu', 'address', 'derivative'].includes(info.group) && ALU_FORMS[name] === undefined);
    expect(missing.map(([name]) => name)).toEqual([]);
    expect(Object.keys(ALU_FORMS).length).toBe(supported.filter(([, info]) => ['alu', 'address', 'derivative'].includes(info.group)).length);
  });

  it('compiles each of them over one, two and four channels, saturated where the result is a float', () => {
    const files: string[] = [];
    for (const [name, info] of supported) {
      if (!['alu', 'address', 'derivative'].includes(info.group)) continue;
      for (const mask of ['.x', '.xz', '']) {
        const dst = info.result === 'address' ? `ADDR[0]${mask === '' ? '' : '.x'}` : `TEMP[0]${mask}`;
        const sat = info.result === 'float' ? '_SAT' : '';
        const operands = [dst, ...info.src.map((type, i) => `${i % 2 ? '-' : ''}${register(type, i + 1)}.yzwx`)].join(', ');
        const text = ['FRAG', 'DCL IN[0], GENERIC[0], PERSPECTIVE', 'DCL OUT[0], COLOR', 'DCL TEMP[0..5]', 'DCL ADDR[0]', '  0: MOV TEMP[1], IN[0]', `  1: ${name}${sat} ${operands}`, '  2: MOV OUT[0], TEMP[0]', '  3: END'].join('\n');
        const shader = parsed(text);
        files.push(write(`op-${name}${mask.replace('.', '-')}`, shader, emitted(shader).source));
      }
    }
    const { failed } = glslang(files);
    expect([...failed].map(([file, errors]) => `${file}: ${errors.join(' ')}`)).toEqual([]);
  }, TOOL_TIMEOUT);

  it('compiles every texture opcode on every target WebGL2 has, in both stages and all sampler kinds, or refuses it by name', () => {
    const files: string[] = [];
    const refusals = new Set<string>();
    const textures = supported.filter(([, info]) => info.group === 'texture');
    for (const stage of ['VERT', 'FRAG'] as const) {
      for (const [name, info] of textures) {
        if (info.fragmentOnly && stage === 'VERT') continue;
        for (const target of ['1D', '2D', '3D', 'CUBE', 'RECT', 'SHADOW1D', 'SHADOW2D', 'SHADOWRECT', '1D_ARRAY', '2D_ARRAY', 'SHADOW1D_ARRAY', 'SHADOW2D_ARRAY', 'SHADOWCUBE', 'CUBEARRAY', 'BUFFER', '2D_MSAA']) {
          for (const returns of ['FLOAT', 'SINT', 'UINT']) {
            for (const offset of ['', ', IMM[0].xyz']) {
              const operands = ['TEMP[0]', ...info.src.map((type, i) => register(type, i + 1))].join(', ');
              const text = [
                stage,
                stage === 'VERT' ? 'DCL IN[0]' : 'DCL IN[0], GENERIC[0], PERSPECTIVE',
                stage === 'VERT' ? 'DCL OUT[0], POSITION' : 'DCL OUT[0], COLOR',
                'DCL SAMP[0]',
                `DCL SVIEW[0], ${target}, ${returns}`,
                'DCL TEMP[0..5]',
                'IMM[0] INT32 {1, -2, 3, 0}',
                '  0: MOV TEMP[1], IN[0]',
                `  1: ${name} ${operands}, ${target}${offset}`,
                '  2: MOV OUT[0], TEMP[0]',
                '  3: END',
              ].join('\n');
              const shader = parsed(text);
              const result = emitGlsl(shader, defaultShaderKey(shader));
              if (result.ok) files.push(write(`tex-${stage}-${name}-${target}-${returns}${offset ? '-offset' : ''}`, shader, result.source));
              else {
                expect(result.error, `${stage} ${name} ${target} ${returns} ${offset}`).not.toMatch(/internal error/);
                refusals.add(result.error);
              }
            }
          }
        }
      }
    }
    const { failed } = glslang(files);
    expect([...failed].map(([file, errors]) => `${file}: ${errors.join(' ')}`)).toEqual([]);
    expect(files.length).toBeGreaterThan(300);
    expect([...refusals].map((r) => r.replace(/ on [A-Z0-9_]+:/, ' on T:')).filter((r, i, all) => all.indexOf(r) === i).sort()).toEqual([
      'LODQ (textureQueryLod) is not available in GLSL ES 3.00',
      'TEX2 serves cube map arrays, which WebGL2 does not have',
      'TG4 (textureGather) is not available in GLSL ES 3.00',
      'TXB on T: the coordinates fill all four channels (TGSI puts the bias or level in TXB2/TXL2)',
      'TXF on T: GLSL ES 3.00 cannot fetch texels from it',
      'TXF_LZ on T: GLSL ES 3.00 cannot fetch texels from it',
      'TXL on T: the coordinates fill all four channels (TGSI puts the bias or level in TXB2/TXL2)',
      'TXP on T: w holds a coordinate',
      'TXQS (textureSamples) is not available: WebGL2 has no multisample textures',
      'an explicit level of detail on T: GLSL ES 3.00 has textureLod only for level 0 there',
      'shadow sampling of an integer sampler view (SVIEW[0])',
      'texel offsets on T: GLSL ES 3.00 has none for cube maps',
      'texture target 2D_MSAA is not available in WebGL2',
      'texture target BUFFER is not available in WebGL2',
      'texture target CUBEARRAY is not available in WebGL2',
    ]);
    // Only a cube shadow map refuses an explicit level; only cube maps refuse offsets and texel fetches.
    expect([...refusals].filter((r) => r.startsWith('an explicit level'))).toEqual(['an explicit level of detail on SHADOWCUBE: GLSL ES 3.00 has textureLod only for level 0 there']);
  }, TOOL_TIMEOUT);
});

describe('GLSL emitter: keys, interfaces and refusals', () => {
  const fs = parsed(
    ['FRAG', 'DCL IN[0], COLOR, COLOR', 'DCL IN[1], GENERIC[2], CONSTANT', 'DCL IN[2], GENERIC[3], LINEAR, CENTROID', 'DCL IN[3], TEXCOORD[1], PERSPECTIVE', 'DCL OUT[0], COLOR', '  0: ADD OUT[0], IN[0], IN[2]', '  1: END'].join('\n'),
  );
  const fsKey: FragmentShaderKey = { stage: 'fragment', colorBuffers: ['float'], flatShade: true, twoSidedColor: true, spriteCoords: 0, spriteOrigin: 'upper-left', swizzles: [], clampedRefs: 0, clipPlanes: 0, alphaFunc: 7 };

  it('reads the vertex key varyings off the fragment shader, so both declare the same interpolation', () => {
    expect(fragmentVaryingModes(fs, fsKey)).toEqual({
      vgw_COLOR_0: 'flat',
      vgw_BCOLOR_0: 'flat',
      vgw_GENERIC_2: 'flat',
      vgw_GENERIC_3: 'linear-centroid',
      vgw_TEXCOORD_1: 'smooth',
    });
    const out = emitted(fs, fsKey);
    expect(out.varyings.map((v) => `${v.mode} ${v.type} ${v.name}`)).toEqual([
      'flat uvec4 vgw_COLOR_0',
      'flat uvec4 vgw_BCOLOR_0',
      'flat uvec4 vgw_GENERIC_2',
      'linear-centroid vec4 vgw_GENERIC_3',
      'smooth vec4 vgw_TEXCOORD_1',
    ]);
    expect(out.source).toContain('(gl_FrontFacing ? vgw_COLOR_0 : vgw_BCOLOR_0)');
    expect(out.source).toContain('vgw_GENERIC_3 * gl_FragCoord.w');
    const vs = parsed(['VERT', 'DCL IN[0]', 'DCL OUT[0], POSITION', 'DCL OUT[1], GENERIC[3]', '  0: MOV OUT[0], IN[0]', '  1: MOV OUT[1], IN[0]', '  2: END'].join('\n'));
    const vsOut = emitted(vs, { stage: 'vertex', attributes: [], varyings: fragmentVaryingModes(fs, fsKey), swizzles: [], flipY: false, clampedRefs: 0, clipPlanes: 0, captures: [] });
    expect(vsOut.source).toContain('centroid out vec4 vgw_GENERIC_3;');
    expect(vsOut.source).toContain('vgw_GENERIC_3 = uintBitsToFloat(o1) * gl_Position.w;');
  });

  it('captures stream output as flat uint varyings of the guest bits, before the y flip', () => {
    const vs = parsed(['VERT', 'DCL IN[0]', 'DCL OUT[0], POSITION', 'DCL OUT[1], GENERIC[3]', '  0: MOV OUT[0], IN[0]', '  1: MOV OUT[1], IN[0]', '  2: END'].join('\n'));
    const key: VertexShaderKey = { stage: 'vertex', attributes: [], varyings: {}, swizzles: [], flipY: true, clampedRefs: 0, clipPlanes: 0, captures: [[0, 1, 2, 3], [6], [7, 5], [4, 5, 1]] };
    const out = emitted(vs, key);
    expect(out.source).toContain('flat out uvec4 vgw_xfb0;');
    expect(out.source).toContain('flat out uint vgw_xfb1;');
    expect(out.source).toContain('flat out uvec2 vgw_xfb2;');
    expect(out.source).toContain('vgw_xfb1 = o1.z;');
    expect(out.source).toContain('vgw_xfb2 = o1.wy;');
    expect(out.source).toContain('vgw_xfb3 = uvec3(o1.xy, o0.y);');
    const source = out.source.split('\n');
    expect(source.findIndex((l) => l.includes('vgw_xfb0 = o0;'))).toBeGreaterThan(source.findIndex((l) => l.includes('gl_Position.y = -gl_Position.y;')));
    const refused = emitGlsl(vs, { ...key, captures: [[9]] });
    expect(refused.ok ? 'translated' : refused.error).toBe('stream output of OUT[2], which the shader does not declare');
  });

  it('gives keys a string form that is stable and tells them apart', () => {
    const vsKey: VertexShaderKey = { stage: 'vertex', attributes: ['float', 'int', 'bgra'], varyings: { b: 'flat', a: 'linear', c: 'smooth' }, swizzles: ['rgba', 'bgr1'], flipY: true, clampedRefs: 0, clipPlanes: 0, captures: [] };
    expect(shaderKeyString(vsKey)).toBe('vs|a=fib|v=a:linear,b:flat|s=,bgr1|r=0|y=1|c=0|x=');
    expect(shaderKeyString({ ...vsKey, captures: [[4, 5], [1]] })).toBe('vs|a=fib|v=a:linear,b:flat|s=,bgr1|r=0|y=1|c=0|x=4.5,1');
    expect(shaderKeyString({ ...vsKey, varyings: { c: 'smooth', a: 'linear', b: 'flat' } })).toBe(shaderKeyString(vsKey));
    expect(shaderKeyString({ ...vsKey, flipY: false })).not.toBe(shaderKeyString(vsKey));
    expect(shaderKeyString(fsKey)).toBe('fs|o=f|f=11|p=0u|s=|r=0|c=0|a=7');
    expect(shaderKeyString({ ...fsKey, clipPlanes: 5 })).toBe('fs|o=f|f=11|p=0u|s=|r=0|c=5|a=7');
    expect(shaderKeyString({ ...fsKey, alphaFunc: 3 })).toBe('fs|o=f|f=11|p=0u|s=|r=0|c=0|a=3');
    expect(shaderKeyString({ ...vsKey, clampedRefs: 2 })).toBe('vs|a=fib|v=a:linear,b:flat|s=,bgr1|r=2|y=1|c=0|x=');
    expect(shaderKeyString(defaultShaderKey(corpus.find((c) => c.name === 'vtest-glsl-indexing-fs1')!.shader))).toBe('fs|o=ffff|f=00|p=0u|s=|r=0|c=0|a=7');
  });

  it('flips y for window-system framebuffers and converts LOWER_LEFT and integer-centre fragment coordinates', () => {
    const frag = parsed(['FRAG', 'PROPERTY FS_COORD_ORIGIN LOWER_LEFT', 'PROPERTY FS_COORD_PIXEL_CENTER INTEGER', 'DCL IN[0], POSITION, LINEAR', 'DCL IN[1].xy, PCOORD, PERSPECTIVE', 'DCL IN[2].x, FACE, CONSTANT', 'DCL OUT[0], COLOR', 'DCL TEMP[0]', '  0: ADD TEMP[0], IN[0], IN[1]', '  1: ADD OUT[0], TEMP[0], IN[2].xxxx', '  2: END'].join('\n'));
    const out = emitted(frag, { ...fsKey, spriteOrigin: 'lower-left' });
    expect(out.uniforms).toEqual(['vgw_fb_height']);
    expect(out.source).toContain('vec4 vgw_frag_coord = vec4(vec2(gl_FragCoord.x, vgw_fb_height - gl_FragCoord.y) - 0.5, gl_FragCoord.zw);');
    expect(out.source).toContain('vec4(gl_PointCoord.x, gl_PointCoord.y, 0.0, 1.0)');
    expect(out.source).toContain('vec4(gl_FrontFacing ? 1.0 : -1.0, 0.0, 0.0, 1.0).xxxx');
    expect(emitted(frag, fsKey).source).toContain('vec4(gl_PointCoord.x, 1.0 - gl_PointCoord.y, 0.0, 1.0)');
  });

  it('clips by user planes: the vertex shader hands the enabled distances over and the fragment shader discards behind them', () => {
    const vs = parsed(['VERT', 'DCL IN[0]', 'DCL OUT[0], POSITION', 'DCL OUT[1], CLIPVERTEX', '  0: MOV OUT[0], IN[0]', '  1: MOV OUT[1], IN[0].yxzw', '  2: END'].join('\n'));
    const key: VertexShaderKey = { stage: 'vertex', attributes: [], varyings: {}, swizzles: [], clampedRefs: 0, flipY: true, clipPlanes: 0b10001, captures: [] };
    const planes = emitted(vs, key);
    expect(planes.uniforms).toContain('vgw_clip_planes');
    expect(planes.source).toContain('uniform vec4[8] vgw_clip_planes;');
    expect(planes.source).toContain('vgw_clip_dist0 = vec4(dot(vgw_clip_planes[0], uintBitsToFloat(o1)), 0.0, 0.0, 0.0);');
    expect(planes.source).toContain('vgw_clip_dist1 = vec4(dot(vgw_clip_planes[4], uintBitsToFloat(o1)), 0.0, 0.0, 0.0);');
    expect(planes.notes).toEqual([]);
    // Without CLIPVERTEX, the planes apply to the position the shader wrote, not the flipped one.
    const position = parsed(['VERT', 'DCL IN[0]', 'DCL OUT[0], POSITION', '  0: MOV OUT[0], IN[0]', '  1: END'].join('\n'));
    expect(emitted(position, { ...key, clipPlanes: 0b10 }).source).toContain('vgw_clip_dist0 = vec4(0.0, dot(vgw_clip_planes[1], uintBitsToFloat(o0)), 0.0, 0.0);');
    // The shader's own distances win; planes it does not write clip nothing.
    const distances = parsed(['VERT', 'DCL IN[0]', 'DCL OUT[0], POSITION', 'DCL OUT[1].xy, CLIPDIST', '  0: MOV OUT[0], IN[0]', '  1: MOV OUT[1].xy, IN[0]', '  2: END'].join('\n'));
    const own = emitted(distances, { ...key, clipPlanes: 0b111 });
    expect(own.source).toContain('vgw_clip_dist0 = vec4(uintBitsToFloat(o1.x), uintBitsToFloat(o1.y), 0.0, 0.0);');
    expect(own.uniforms).not.toContain('vgw_clip_planes');
    expect(emitted(distances, { ...key, clipPlanes: 0 }).source).not.toContain('vgw_clip');
    const fs = parsed(['FRAG', 'DCL OUT[0], COLOR', 'IMM[0] FLT32 { 1.0, 0.0, 0.0, 1.0 }', '  0: MOV OUT[0], IMM[0]', '  1: END'].join('\n'));
    const fsKey = defaultShaderKey(fs) as FragmentShaderKey;
    const discarding = emitted(fs, { ...fsKey, clipPlanes: 0b10001 });
    expect(discarding.source).toContain('if (vgw_clip_dist0.x < 0.0 || vgw_clip_dist1.x < 0.0) discard;');
    expect(discarding.varyings.map((v) => v.name)).toEqual(['vgw_clip_dist0', 'vgw_clip_dist1']);
    const files = [write('clip.vert', vs, planes.source), write('clip.frag', fs, discarding.source)];
    const { ok, output } = glslang(files, true);
    expect(ok, output).toBe(true);
  }, TOOL_TIMEOUT);

  it("draws the alpha test on colour 0's alpha against vgw_alpha_ref, before the outputs are written", () => {
    const fs = parsed(['FRAG', 'DCL IN[0], GENERIC[0], PERSPECTIVE', 'DCL OUT[0], COLOR', '  0: MOV OUT[0], IN[0]', '  1: END'].join('\n'));
    const key = defaultShaderKey(fs) as FragmentShaderKey;
    expect(emitted(fs, key).uniforms).not.toContain('vgw_alpha_ref');
    const greater = emitted(fs, { ...key, alphaFunc: 4 });
    expect(greater.uniforms).toEqual(['vgw_alpha_ref']);
    const test = greater.source.indexOf('if (!(uintBitsToFloat(o0.w) > vgw_alpha_ref)) discard;');
    expect(test).toBeGreaterThan(0);
    expect(test).toBeLessThan(greater.source.indexOf('vgw_color0 = '));
    expect(emitted(fs, { ...key, alphaFunc: 2 }).source).toContain('uintBitsToFloat(o0.w) == vgw_alpha_ref');
    expect(emitted(fs, { ...key, alphaFunc: 0 }).source).toContain('discard;');
    expect(glslang([write('alpha.frag', fs, greater.source)]).failed.size).toBe(0);
  }, TOOL_TIMEOUT);

  it("gives MIN and MAX TGSI's NaN rule (the other operand), at every width", () => {
    const fs = parsed(['FRAG', 'DCL IN[0], GENERIC[0], PERSPECTIVE', 'DCL OUT[0], COLOR', 'DCL TEMP[0]', '  0: MIN TEMP[0].x, IN[0].xxxx, IN[0].yyyy', '  1: MAX TEMP[0].yzw, IN[0], -IN[0]', '  2: MOV OUT[0], TEMP[0]', '  3: END'].join('\n'));
    const out = emitted(fs);
    expect(out.source).toContain('vgw_fmin(');
    expect(out.source).toContain('vgw_fmax(');
    expect(out.source).toContain('vec3 vgw_fmax(vec3 a, vec3 b) {\n  return mix(mix(max(a, b), a, isnan(b)), b, isnan(a));');
    expect(out.source).not.toContain('vgw_select(');
    expect(glslang([write('nan.frag', fs, out.source)]).failed.size).toBe(0);
  }, TOOL_TIMEOUT);

  it('clamps the reference of a shadow comparison to [0, 1] on views the key marks as fixed-point depth', () => {
    const fs = parsed(['FRAG', 'DCL IN[0], TEXCOORD[0], PERSPECTIVE', 'DCL OUT[0], COLOR', 'DCL SAMP[0]', 'DCL SAMP[1]', 'DCL SVIEW[0], SHADOW2D, FLOAT', 'DCL SVIEW[1], SHADOW2D, FLOAT', 'DCL TEMP[0..1]', '  0: TEX TEMP[0], IN[0], SAMP[0], SHADOW2D', '  1: TXP TEMP[1], IN[0], SAMP[1], SHADOW2D', '  2: ADD OUT[0], TEMP[0], TEMP[1]', '  3: END'].join('\n'));
    const key = defaultShaderKey(fs) as FragmentShaderKey;
    expect(emitted(fs, key).source).not.toContain('clamp(');
    const out = emitted(fs, { ...key, clampedRefs: 0b11 });
    expect(out.source).toContain('texture(vgw_fs_sampler0, vec3(vgw_TEXCOORD_0.xy, clamp(vgw_TEXCOORD_0.z, 0.0, 1.0)))');
    // TXP projects the reference before it is clamped.
    expect(out.source).toContain('texture(vgw_fs_sampler1, vec3(vgw_TEXCOORD_0.xy / vgw_TEXCOORD_0.w, clamp(vgw_TEXCOORD_0.z / vgw_TEXCOORD_0.w, 0.0, 1.0)))');
    expect(glslang([write('shadow.frag', fs, out.source)]).failed.size).toBe(0);
  }, TOOL_TIMEOUT);

  it('types attributes and colour outputs from the key, swaps BGRA attributes and broadcasts COLOR0 to every buffer', () => {
    const vs = parsed(['VERT', 'DCL IN[0]', 'DCL IN[1]', 'DCL IN[2]', 'DCL SV[0], VERTEXID', 'DCL OUT[0], POSITION', 'DCL TEMP[0]', '  0: ADD TEMP[0], IN[0], IN[1]', '  1: UADD TEMP[0].x, IN[2].xxxx, SV[0].xxxx', '  2: MOV OUT[0], TEMP[0]', '  3: END'].join('\n'));
    const vsOut = emitted(vs, { stage: 'vertex', attributes: ['bgra', 'float', 'uint'], varyings: {}, swizzles: [], flipY: false, clampedRefs: 0, clipPlanes: 0, captures: [] });
    expect(vsOut.source).toContain('layout(location = 2) in uvec4 vgw_attr2;');
    expect(vsOut.source).toContain('vgw_attr0.zyxw + vgw_attr1');
    expect(vsOut.source).toContain('vgw_attr2.x + uint(ivec4(gl_VertexID + vgw_base_vertex, 0, 0, 0).x)');
    expect(vsOut.uniforms).toEqual(['vgw_base_vertex', 'vgw_point_size']);
    expect(vsOut.attributes).toEqual([{ location: 0, kind: 'bgra' }, { location: 1, kind: 'float' }, { location: 2, kind: 'uint' }]);
    const frag = parsed(['FRAG', 'PROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1', 'DCL OUT[0], COLOR', 'IMM[0] UINT32 {1, 2, 3, 4}', '  0: MOV OUT[0], IMM[0]', '  1: END'].join('\n'));
    const fragOut = emitted(frag, { ...fsKey, colorBuffers: ['float', 'int', 'uint'] });
    expect(fragOut.source).toContain('vgw_color0 = uintBitsToFloat(o0);\n  vgw_color1 = ivec4(o0);\n  vgw_color2 = o0;\n');
  });

  it('refuses by name what WebGL2 lacks, and a key for the other stage', () => {
    const refusal = (text: string, key?: ShaderKey): string => {
      const shader = parsed(text);
      const result = emitGlsl(shader, key ?? defaultShaderKey(shader));
      return result.ok ? 'translated' : result.error;
    };
    const frag = (...lines: string[]): string => ['FRAG', 'DCL IN[0], GENERIC[0], PERSPECTIVE', 'DCL OUT[0], COLOR', 'DCL SAMP[0..1]', 'DCL TEMP[0..1]', 'DCL ADDR[0]', ...lines, '  9: END'].join('\n');
    expect(refusal(frag('DCL SVIEW[0], CUBEARRAY, FLOAT', '  0: TEX TEMP[0], IN[0], SAMP[0], CUBEARRAY'))).toBe('texture target CUBEARRAY is not available in WebGL2');
    expect(refusal(frag('DCL SVIEW[0], 2D, FLOAT', '  0: UARL ADDR[0].x, TEMP[1].xxxx', '  1: TEX TEMP[0], IN[0], SAMP[ADDR[0].x], 2D'))).toMatch(/sampler arrays indexed at run time/);
    expect(refusal(frag('DCL SVIEW[0], 2D, FLOAT', '  0: TEX TEMP[0], IN[0], SAMP[0], 2D, TEMP[1].xyz'))).toMatch(/texel offsets computed at run time/);
    expect(refusal(frag('DCL SVIEW[0], SHADOWCUBE, FLOAT', '  0: TXL2 TEMP[0], IN[0], TEMP[1], SAMP[0], SHADOWCUBE'))).toMatch(/explicit level of detail on SHADOWCUBE/);
    expect(refusal(frag('DCL SV[0], SAMPLEID', '  0: MOV TEMP[0], SV[0]'))).toBe('system value SAMPLEID of a fragment shader is not available in WebGL2');
    expect(refusal(['FRAG', 'DCL IN[0], PRIM_ID, CONSTANT', 'DCL OUT[0], COLOR', '  0: MOV OUT[0], IN[0]', '  1: END'].join('\n'))).toBe('fragment shader input PRIM_ID is not available in WebGL2');
    expect(refusal(['FRAG', 'DCL OUT[0], STENCIL', '  0: END'].join('\n'))).toBe('fragment shader output STENCIL is not available in WebGL2');
    expect(refusal(['VERT', 'DCL OUT[0], LAYER', '  0: END'].join('\n'))).toBe('vertex shader output LAYER is not available in WebGL2');
    expect(refusal(frag('  0: MOV TEMP[0], IN[0]'), { stage: 'vertex', attributes: [], varyings: {}, swizzles: [], flipY: false, clampedRefs: 0, clipPlanes: 0, captures: [] })).toBe('a vertex shader key for a fragment shader');
    expect(refusal(['FRAG', 'DCL IN[0], GENERIC[0], PERSPECTIVE', 'DCL OUT[0], COLOR', 'IMM[0] INT32 {1, 1, 0, 0}', '  0: SWITCH IN[0].xxxx', '  1: CASE IMM[0].xxxx', '  2: BRK', '  3: CASE IMM[0].yyyy', '  4: ENDSWITCH', '  5: END'].join('\n'))).toBe('CASE 1 appears twice in one SWITCH');
  });

  it('ends a SWITCH whose last label has no statement with a break, as GLSL ES requires', () => {
    const shader = parsed(['FRAG', 'DCL IN[0], GENERIC[0], CONSTANT', 'DCL OUT[0], COLOR', 'IMM[0] INT32 {1, 2, 0, 0}', '  0: SWITCH IN[0].xxxx', '  1: CASE IMM[0].xxxx', '  2: MOV OUT[0], IN[0]', '  3: BRK', '  4: DEFAULT', '  5: ENDSWITCH', '  6: END'].join('\n'));
    const out = emitted(shader);
    expect(out.source).toContain('switch (int(vgw_GENERIC_0.x)) {\n  case 1:\n    o0.xyzw = vgw_GENERIC_0;\n    break;\n  default:\n    break;\n  }\n');
    expect(glslang([write('switch', shader, out.source)]).failed.size).toBe(0);
  });

  it('never throws, whatever the guest sends: mutated corpus shaders translate or give an error', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const texts = readdirSync(FIXTURES).filter((n) => n.endsWith('.tgsi')).map((n) => readFileSync(join(FIXTURES, n), 'latin1'));
    let translated = 0;
    for (let i = 0; i < 3000; i++) {
      const lines = (texts[random(texts.length)] ?? '').split('\n');
      const victim = random(lines.length);
      const other = (texts[random(texts.length)] ?? '').split('\n');
      lines[victim] = other[random(other.length)] ?? '';
      const result = parseTgsi(lines.join('\n'));
      if (!result.ok) continue;
      const key = random(2) === 0 ? defaultShaderKey(result.shader) : busyKey(result.shader);
      const out = emitGlsl(result.shader, key);
      if (out.ok) translated++;
      else expect(out.error).not.toMatch(/internal error/);
    }
    expect(translated).toBeGreaterThan(100);
  }, TOOL_TIMEOUT);
});

describe('GLSL emitter: what the GLSL computes, run on Mesa llvmpipe', () => {
  /** Builds test/fixtures/glsl/run-fragment.c with the C compiler the reference renderer's setup installs. */
  function runner(): string {
    const binary = join(work, 'run-fragment');
    const cc = spawnSync('gcc', ['-std=c11', '-O1', '-Wall', '-Werror', '-o', binary, join(import.meta.dirname, '..', 'fixtures', 'glsl', 'run-fragment.c')], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0) throw new Error(`gcc could not build run-fragment.c (install gcc, and Mesa's EGL: libegl1 libegl-mesa0 libgl1-mesa-dri): ${cc.error?.message ?? cc.stderr}`);
    return binary;
  }

  const u = (n: number): number => n >>> 0;
  const lanes = (f: (lane: number) => number): number[] => [0, 1, 2, 3].map((lane) => u(f(lane)));
  const bits = (f: number): number => new Uint32Array(new Float32Array([f]).buffer)[0]!;
  /** TGSI's UBFE / IBFE (Direct3D rules: offset and width modulo 32, width 0 gives 0, a field past bit 31 is cut). */
  const bfe = (value: number, offset: number, width: number, signed: boolean): number => {
    const [o, w] = [offset & 31, width & 31];
    if (w === 0) return 0;
    const shifted = o + w < 32 ? value << (32 - w - o) : value;
    const right = o + w < 32 ? 32 - w : o;
    return u(signed ? shifted >> right : u(shifted) >>> right);
  };
  const popc = (v: number): number => [...u(v).toString(2)].filter((c) => c === '1').length;
  const umsb = (v: number): number => (u(v) === 0 ? -1 : 31 - Math.clz32(v));
  const mulHigh = (a: number, b: number, signed: boolean): number => {
    const big = (n: number): bigint => (signed ? BigInt(n | 0) : BigInt(u(n)));
    return Number(BigInt.asUintN(32, (big(a) * big(b)) >> 32n));
  };

  interface Case {
    readonly name: string;
    /** CONST[0..n-1], four raw words each. */
    readonly constants: readonly (readonly number[])[];
    readonly code: readonly string[];
    readonly expected: readonly number[];
  }

  const V = 0xf00ff0f0;
  const offsets = [4, 28, 0, 36];
  const widths = [8, 8, 0, 36];
  const cases: Case[] = [
    { name: 'MOV keeps every bit pattern', constants: [[0x7fc00001, 0x80000000, 1, 0xffffffff]], code: ['MOV TEMP[0], CONST[0]', 'MOV OUT[0], TEMP[0]'], expected: [0x7fc00001, 0x80000000, 1, 0xffffffff] },
    {
      name: 'USEQ masks ANDed with the bits of 1.0',
      constants: [[5, 6, 5, 0], [5, 5, 5, 5], [bits(1), 0, 0, 0]],
      code: ['USEQ TEMP[0], CONST[0], CONST[1]', 'AND OUT[0], TEMP[0], CONST[2].xxxx'],
      expected: [bits(1), 0, bits(1), 0],
    },
    {
      name: 'UCMP chooses bit patterns exactly, vector and scalar',
      constants: [[1, 0, 0xffffffff, 0], [0x7fc00001, 0x7fc00001, 0x7fc00001, 0x7fc00001], [0xffffffff, 0xffffffff, 0xffffffff, 0xffbfffff]],
      code: ['UCMP TEMP[0].xyz, CONST[0], CONST[1], CONST[2]', 'UCMP TEMP[0].w, CONST[0].wwww, CONST[1], CONST[2]', 'MOV OUT[0], TEMP[0]'],
      expected: [0x7fc00001, 0xffffffff, 0x7fc00001, 0xffbfffff],
    },
    { name: 'UBFE', constants: [[V, V, V, V], offsets, widths], code: ['UBFE OUT[0], CONST[0], CONST[1], CONST[2]'], expected: lanes((i) => bfe(V, offsets[i]!, widths[i]!, false)) },
    { name: 'IBFE', constants: [[V, V, V, V], offsets, widths], code: ['IBFE OUT[0], CONST[0], CONST[1], CONST[2]'], expected: lanes((i) => bfe(V, offsets[i]!, widths[i]!, true)) },
    {
      name: 'BFI',
      constants: [[0xffffffff, 0xffffffff, 0x12345678, 0x0000ffff], [0, 0x89abcdef, 0xff, 0x5a], [8, 0, 16, 24], [8, 32, 0, 8]],
      code: ['BFI OUT[0], CONST[0], CONST[1], CONST[2], CONST[3]'],
      expected: [0xffff00ff, 0x89abcdef, 0x12345678, 0x5a00ffff],
    },
    { name: 'BREV', constants: [[0, 1, 0x80000000, 0xf0f00f0e]], code: ['BREV OUT[0], CONST[0]'], expected: [0, 0x80000000, 1, 0x70f00f0f] },
    { name: 'POPC', constants: [[0, 1, 0xffffffff, 0xf0f00f0e]], code: ['POPC OUT[0], CONST[0]'], expected: lanes((i) => popc([0, 1, 0xffffffff, 0xf0f00f0e][i]!)) },
    { name: 'LSB', constants: [[0, 1, 0x80000000, 0xf0f00f00]], code: ['LSB OUT[0], CONST[0]'], expected: lanes((i) => [-1, 0, 31, 8][i]!) },
    { name: 'UMSB', constants: [[0, 1, 0x80000000, 0x00f00f00]], code: ['UMSB OUT[0], CONST[0]'], expected: lanes((i) => umsb([0, 1, 0x80000000, 0x00f00f00][i]!)) },
    { name: 'IMSB', constants: [[0, 0xffffffff, 0x80000000, 0x00f00f00]], code: ['IMSB OUT[0], CONST[0]'], expected: lanes((i) => [-1, -1, 30, 23][i]!) },
    {
      name: 'UMUL_HI',
      constants: [[0xffffffff, 0x12345678, 3, 0x80000000], [0xffffffff, 0x9abcdef0, 5, 2]],
      code: ['UMUL_HI OUT[0], CONST[0], CONST[1]'],
      expected: lanes((i) => mulHigh([0xffffffff, 0x12345678, 3, 0x80000000][i]!, [0xffffffff, 0x9abcdef0, 5, 2][i]!, false)),
    },
    {
      name: 'IMUL_HI',
      constants: [[0xffffffff, 0x12345678, 0x80000000, 0x80000000], [0xffffffff, 0x9abcdef0, 0x7fffffff, 0x80000000]],
      code: ['IMUL_HI OUT[0], CONST[0], CONST[1]'],
      expected: lanes((i) => mulHigh([0xffffffff, 0x12345678, 0x80000000, 0x80000000][i]!, [0xffffffff, 0x9abcdef0, 0x7fffffff, 0x80000000][i]!, true)),
    },
    {
      name: 'shift counts taken modulo 32',
      constants: [[0x80000001, 0x80000001, 0x80000001, 0], [33, 33, 33, 0]],
      code: ['SHL TEMP[0].x, CONST[0], CONST[1]', 'USHR TEMP[0].y, CONST[0], CONST[1]', 'ISHR TEMP[0].z, CONST[0], CONST[1]', 'MOV TEMP[0].w, CONST[0]', 'MOV OUT[0], TEMP[0]'],
      expected: [2, 0x40000000, 0xc0000000, 0],
    },
    {
      name: 'conversions and round-to-even',
      constants: [[bits(2.5), bits(-3.7), 0xffffffff, 0xfffffffd]],
      code: ['ROUND TEMP[0].x, CONST[0]', 'F2I TEMP[0].y, CONST[0]', 'U2F TEMP[0].z, CONST[0]', 'I2F TEMP[0].w, CONST[0]', 'MOV OUT[0], TEMP[0]'],
      expected: [bits(2), u(-3), bits(4294967296), bits(-3)],
    },
    {
      name: 'PK2H and UP2H',
      constants: [[bits(1), bits(-2), 0, 0]],
      code: ['PK2H TEMP[0].x, CONST[0]', 'UP2H TEMP[1], TEMP[0].xxxx', 'MOV TEMP[0].yz, TEMP[1].xxyx', 'MOV TEMP[0].w, TEMP[1].yyyy', 'MOV OUT[0], TEMP[0]'],
      expected: [0xc0003c00, bits(1), bits(-2), bits(-2)],
    },
    {
      name: 'relative constant reads clamped into the declared range',
      constants: [[1000, u(-5), 0, 0], [11, 12, 13, 14], [21, 22, 23, 24], [31, 32, 33, 34]],
      code: ['UARL ADDR[0].x, CONST[0].xxxx', 'MOV TEMP[0].xy, CONST[ADDR[0].x+1]', 'UARL ADDR[0].x, CONST[0].yyyy', 'MOV TEMP[0].zw, CONST[ADDR[0].x+1]', 'MOV OUT[0], TEMP[0]'],
      expected: [31, 32, 0, 0],
    },
    {
      // llvmpipe ends each loop after 65535 iterations itself; the emitter's budget is shared, so the second loop never runs.
      name: 'endless loops end once they ran 65535 iterations together',
      constants: [[1, 0, 0, 0]],
      code: ['MOV TEMP[0], CONST[0].yyyy', 'BGNLOOP', 'UADD TEMP[0].x, TEMP[0].xxxx, CONST[0].xxxx', 'ENDLOOP', 'BGNLOOP', 'UADD TEMP[0].y, TEMP[0].yyyy, CONST[0].xxxx', 'ENDLOOP', 'MOV OUT[0], TEMP[0]'],
      expected: [65535, 0, 0, 0],
    },
  ];

  it('gives the results TGSI defines for bit patterns, integer and bitfield operations, clamped indices and loops', () => {
    const binary = runner();
    const files = cases.map((c, n) => {
      const text = ['FRAG', 'DCL OUT[0], COLOR', `DCL CONST[0..${c.constants.length - 1}]`, 'DCL TEMP[0..7]', 'DCL ADDR[0]', ...c.code.map((line, i) => `${i}: ${line}`), `${c.code.length}: END`].join('\n');
      const shader = parsed(text);
      const path = join(work, `run-${n}.frag`);
      writeFileSync(path, emitted(shader, { ...(defaultShaderKey(shader) as FragmentShaderKey), colorBuffers: ['uint'] }).source);
      writeFileSync(`${path}.ubo`, new Uint8Array(Uint32Array.from(c.constants.flat()).buffer));
      return path;
    });
    const run = spawnSync(binary, files, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`run-fragment failed (Mesa's EGL with llvmpipe is needed: libegl1 libegl-mesa0 libgl1-mesa-dri): ${run.stderr}`);
    const results = new Map(run.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]));
    const hex = (words: readonly number[]): string => words.map((w) => u(w).toString(16).padStart(8, '0')).join(' ');
    expect(cases.map((c, n) => `${c.name}: ${results.get(files[n]!)}`)).toEqual(cases.map((c) => `${c.name}: ${hex(c.expected)}`));
  }, TOOL_TIMEOUT);
});
