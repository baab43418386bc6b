import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DstOperand, Shader, SrcOperand, Swizzle } from '../../src/virgl/tgsi/ir.ts';
import { DEFAULT_TGSI_LIMITS, type TgsiLimits } from '../../src/virgl/tgsi/limits.ts';
import { OPCODES } from '../../src/virgl/tgsi/opcodes.ts';
import { parseTgsi } from '../../src/virgl/tgsi/parse.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tgsi');
const corpus = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.tgsi'))
  .sort()
  .map((name) => ({ name, text: readFileSync(join(FIXTURES, name), 'latin1') }));

function parsed(text: string, limits?: TgsiLimits): Shader {
  const result = parseTgsi(text, limits);
  if (!result.ok) throw new Error(`line ${result.error.line}: ${result.error.message}`);
  return result.shader;
}

const XYZW: Swizzle = [0, 1, 2, 3];
const splat = (c: 0 | 1 | 2 | 3): Swizzle => [c, c, c, c];

function src(file: SrcOperand['file'], index: number, more: Partial<SrcOperand> = {}): SrcOperand {
  return { file, index, indirect: null, dimension: null, swizzle: XYZW, absolute: false, negate: false, ...more };
}

function dst(file: DstOperand['file'], index: number, writeMask = 0xf, more: Partial<DstOperand> = {}): DstOperand {
  return { file, index, indirect: null, dimension: null, writeMask, ...more };
}

const NO_TEXTURE = { texture: null, offsets: [], label: null, saturate: false, precise: false } as const;

describe('TGSI corpus from Mesa 22.3 virgl', () => {
  it('holds at least 30 distinct shaders of both stages', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(new Set(corpus.map((f) => f.text)).size).toBe(corpus.length);
    expect(corpus.some((f) => f.text.startsWith('VERT'))).toBe(true);
    expect(corpus.some((f) => f.text.startsWith('FRAG'))).toBe(true);
  });

  it.each(corpus)('$name parses', ({ text }) => {
    const shader = parsed(text);
    expect(shader.stage).toBe(text.startsWith('VERT') ? 'vertex' : 'fragment');
    expect(shader.instructions.at(-1)?.opcode).toBe('END');
  });

  it('covers textures, uniform blocks, integer ops, loops and branches', () => {
    const opcodes = new Set(corpus.flatMap(({ text }) => parsed(text).instructions.map((i) => i.opcode)));
    for (const op of ['TEX', 'TXB', 'TXL', 'TXD', 'TXP', 'TXF', 'TXQ', 'UADD', 'IDIV', 'UDIV', 'ISHR', 'USHR', 'I2F', 'F2I', 'U2F', 'F2U', 'UCMP', 'BGNLOOP', 'BRK', 'UIF', 'ELSE', 'KILL_IF', 'DDX', 'DDY', 'UARL']) {
      expect(opcodes, op).toContain(op);
    }
    const shaders = corpus.map(({ text }) => parsed(text));
    expect(shaders.some((s) => s.constants.some((c) => c.buffer > 0))).toBe(true);
    expect(shaders.some((s) => s.temps.some((t) => t.arrayId > 0))).toBe(true);
  });
});

describe('TGSI parser: exact IR', () => {
  it('turns a pass-through vertex shader into its IR', () => {
    const shader = parsed('VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL TEMP[0..3]\n  0: MOV OUT[0], IN[0]\n  1: END\n');
    expect(shader).toEqual({
      stage: 'vertex',
      properties: expect.objectContaining({ coordOrigin: 'UPPER_LEFT', pixelCenter: 'HALF_INTEGER', separable: false }),
      inputs: [{ first: 0, last: 0, usageMask: 0xf, semantic: null, interpolation: null, location: 'CENTER', invariant: false, arrayId: 0 }],
      outputs: [{ first: 0, last: 0, usageMask: 0xf, semantic: { name: 'POSITION', index: 0 }, interpolation: null, location: 'CENTER', invariant: false, arrayId: 0 }],
      systemValues: [],
      temps: [{ first: 0, last: 3, arrayId: 0, local: false }],
      addresses: [],
      samplers: [],
      samplerViews: [],
      constants: [],
      immediates: [],
      instructions: [
        { opcode: 'MOV', ...NO_TEXTURE, dst: [dst('output', 0)], src: [src('input', 0)], line: 5 },
        { opcode: 'END', ...NO_TEXTURE, dst: [], src: [], line: 6 },
      ],
    } satisfies Shader);
  });

  it('reads declarations, immediates and properties of a fragment shader', () => {
    const shader = parsed(
      [
        'FRAG',
        'PROPERTY FS_COORD_ORIGIN LOWER_LEFT',
        'PROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1',
        'DCL IN[0], POSITION, LINEAR',
        'DCL IN[1].x, FACE, CONSTANT',
        'DCL IN[2].xy, GENERIC[3], PERSPECTIVE, CENTROID',
        'DCL IN[3], COLOR, COLOR',
        'DCL OUT[0], COLOR',
        'DCL OUT[1].z, POSITION',
        'DCL SV[0], SAMPLEID',
        'DCL SAMP[0..1]',
        'DCL SVIEW[0], SHADOW2D_ARRAY, FLOAT',
        'DCL SVIEW[1], 2D, UINT',
        'DCL CONST[0..2]',
        'DCL CONST[2][0..11]',
        'DCL TEMP[0..5], ARRAY(1), LOCAL',
        'DCL TEMP[6]',
        'DCL ADDR[0]',
        'IMM[0] FLT32 {0x3f800000, -0.5, 1e2, 0x00000000}',
        'IMM[1] UINT32 {4294967295, 0, 1, 2}',
        'IMM[2] INT32 {-1, 2147483647, -2147483648, 0}',
        '  0: END',
      ].join('\n'),
    );
    expect(shader.properties).toMatchObject({ coordOrigin: 'LOWER_LEFT', color0WritesAllCbufs: true });
    expect(shader.inputs.map((d) => [d.semantic, d.interpolation, d.location, d.usageMask])).toEqual([
      [{ name: 'POSITION', index: 0 }, 'LINEAR', 'CENTER', 0xf],
      [{ name: 'FACE', index: 0 }, 'CONSTANT', 'CENTER', 0x1],
      [{ name: 'GENERIC', index: 3 }, 'PERSPECTIVE', 'CENTROID', 0x3],
      [{ name: 'COLOR', index: 0 }, 'COLOR', 'CENTER', 0xf],
    ]);
    expect(shader.outputs.map((d) => [d.semantic?.name, d.usageMask])).toEqual([['COLOR', 0xf], ['POSITION', 0x4]]);
    expect(shader.systemValues).toEqual([{ index: 0, usageMask: 0xf, semantic: { name: 'SAMPLEID', index: 0 } }]);
    expect(shader.samplers).toEqual([{ first: 0, last: 1 }]);
    expect(shader.samplerViews).toEqual([
      { first: 0, last: 0, target: 'SHADOW2D_ARRAY', returnType: 'FLOAT' },
      { first: 1, last: 1, target: '2D', returnType: 'UINT' },
    ]);
    expect(shader.constants).toEqual([{ first: 0, last: 2, buffer: 0 }, { first: 0, last: 11, buffer: 2 }]);
    expect(shader.temps).toEqual([{ first: 0, last: 5, arrayId: 1, local: true }, { first: 6, last: 6, arrayId: 0, local: false }]);
    expect(shader.addresses).toEqual([{ first: 0, last: 0 }]);
    expect(shader.immediates).toEqual([
      { type: 'FLT32', bits: [0x3f800000, 0xbf000000, 0x42c80000, 0] },
      { type: 'UINT32', bits: [0xffffffff, 0, 1, 2] },
      { type: 'INT32', bits: [0xffffffff, 0x7fffffff, 0x80000000, 0] },
    ]);
  });

  it('reads operands: modifiers, swizzles, masks, 2-D and relative indices, texture targets and offsets', () => {
    const shader = parsed(
      [
        'FRAG',
        'DCL IN[0], GENERIC[0], PERSPECTIVE',
        'DCL OUT[0], COLOR',
        'DCL SAMP[0]',
        'DCL SVIEW[0], 2D, FLOAT',
        'DCL CONST[0..3]',
        'DCL CONST[1][0..7]',
        'DCL TEMP[0..1]',
        'DCL TEMP[2..5], ARRAY(1)',
        'DCL ADDR[0]',
        'IMM[0] INT32 {1, -2, 0, 0}',
        '  0: ADD_SAT TEMP[0].xz, -|IN[0].yzwx|, CONST[1][3].wwww',
        '  1: UARL ADDR[0].x, IMM[0].xxxx',
        '  2: MOV TEMP[1], CONST[ADDR[0].x+2]',
        '  3: MOV TEMP[ADDR[0].y+3](1), CONST[1][ADDR[0].x]',
        '  4: TXL TEMP[0], TEMP[1], SAMP[0], 2D, IMM[0].xyz',
        '  5: MUL_PRECISE OUT[0], TEMP[0], CONST[0][1]',
        '  6: END',
      ].join('\n'),
    );
    const addrX = { register: 0, component: 0, arrayId: 0 } as const;
    expect(shader.instructions.slice(0, 6)).toEqual([
      {
        opcode: 'ADD', ...NO_TEXTURE, saturate: true, line: 12,
        dst: [dst('temp', 0, 0b0101)],
        src: [src('input', 0, { swizzle: [1, 2, 3, 0], negate: true, absolute: true }), src('const', 3, { swizzle: splat(3), dimension: { index: 1, indirect: null } })],
      },
      { opcode: 'UARL', ...NO_TEXTURE, line: 13, dst: [dst('address', 0, 0b0001)], src: [src('immediate', 0, { swizzle: splat(0) })] },
      { opcode: 'MOV', ...NO_TEXTURE, line: 14, dst: [dst('temp', 1)], src: [src('const', 2, { indirect: addrX })] },
      {
        opcode: 'MOV', ...NO_TEXTURE, line: 15,
        dst: [dst('temp', 3, 0xf, { indirect: { register: 0, component: 1, arrayId: 1 } })],
        src: [src('const', 0, { indirect: addrX, dimension: { index: 1, indirect: null } })],
      },
      {
        opcode: 'TXL', ...NO_TEXTURE, line: 16, texture: '2D', offsets: [{ file: 'immediate', index: 0, swizzle: [0, 1, 2] }],
        dst: [dst('temp', 0)], src: [src('temp', 1), src('sampler', 0)],
      },
      { opcode: 'MUL', ...NO_TEXTURE, precise: true, line: 17, dst: [dst('output', 0)], src: [src('temp', 0), src('const', 1)] },
    ]);
  });

  it('keeps flow control in order with its labels', () => {
    const shader = parsed(
      [
        'FRAG',
        'DCL IN[0], GENERIC[0], PERSPECTIVE',
        'DCL OUT[0], COLOR',
        'DCL TEMP[0]',
        'IMM[0] UINT32 {0, 1, 0, 0}',
        '  0: BGNLOOP :0',
        '  1:   UIF IMM[0].yyyy :3',
        '  2:     BRK',
        '  3:   ELSE :5',
        '  4:     KILL_IF -IN[0].xxxx',
        '  5:   ENDIF',
        '  6:   SWITCH IMM[0].xxxx',
        '  7:     CASE IMM[0].xxxx',
        '  8:       BRK',
        '  9:     DEFAULT',
        ' 10:       CONT',
        ' 11:   ENDSWITCH',
        ' 12: ENDLOOP :0',
        ' 13: KILL',
        ' 14: MOV OUT[0], IN[0]',
        ' 15: END',
      ].join('\n'),
    );
    expect(shader.instructions.map((i) => [i.opcode, i.label])).toEqual([
      ['BGNLOOP', 0], ['UIF', 3], ['BRK', null], ['ELSE', 5], ['KILL_IF', null], ['ENDIF', null], ['SWITCH', null], ['CASE', null],
      ['BRK', null], ['DEFAULT', null], ['CONT', null], ['ENDSWITCH', null], ['ENDLOOP', 0], ['KILL', null], ['MOV', null], ['END', null],
    ]);
  });

  it('stops at the first NUL, as the packets carry Mesa terminating NUL and padding', () => {
    expect(parsed('VERT\nDCL OUT[0], POSITION\nIMM[0] FLT32 {0.0, 0.0, 0.0, 1.0}\n  0: MOV OUT[0], IMM[0]\n  1: END\n\0\0garbage').instructions).toHaveLength(2);
  });
});

describe('TGSI parser: rejections', () => {
  const VS = 'VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL TEMP[0..1]\nDCL ADDR[0]\nIMM[0] UINT32 {0, 1, 2, 3}\n';
  const FS = 'FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\nDCL TEMP[0..1]\nIMM[0] FLT32 {0.0, 1.0, 0.5, 2.0}\n';

  it.each([
    ['an undeclared temporary', `${VS}MOV OUT[0], TEMP[2]\nEND`, 7, /TEMP\[2\] is not declared/],
    ['an index beyond the declared inputs', `${VS}MOV OUT[0], IN[1]\nEND`, 7, /IN\[1\] is not declared/],
    ['an undeclared immediate', `${VS}MOV OUT[0], IMM[1]\nEND`, 7, /IMM\[1\] is not declared/],
    ['an undeclared uniform buffer', `${VS}MOV OUT[0], CONST[1][0]\nEND`, 7, /uniform buffer 1 is not declared/],
    ['a relative access to an undeclared array', `${VS}MOV OUT[0], TEMP[ADDR[0].x](3)\nEND`, 7, /ARRAY\(3\) is not declared/],
    ['an undeclared address register', `${VS}MOV OUT[0], TEMP[ADDR[1].x]\nEND`, 7, /ADDR\[1\] is not declared/],
    ['a declaration beyond the limit', 'VERT\nDCL TEMP[0..5000]\nEND', 2, /register index 5000 is out of range/],
    ['overlapping declarations', 'VERT\nDCL TEMP[0..3]\nDCL TEMP[3..4]\nEND', 3, /declared twice/],
    ['an IF without ENDIF', `${FS}UIF IMM[0].xxxx :0\nMOV OUT[0], IN[0]\nEND`, 9, /END while UIF is still open/],
    ['an ENDIF without IF', `${FS}ENDIF\nEND`, 7, /ENDIF without a matching IF/],
    ['an ENDLOOP closing an IF', `${FS}IF IN[0].xxxx :0\nENDLOOP :0\nEND`, 8, /ENDLOOP without a matching BGNLOOP \(IF is open\)/],
    ['a second ELSE', `${FS}IF IN[0].xxxx :0\nELSE :0\nELSE :0\nENDIF\nEND`, 9, /ELSE without an open IF/],
    ['BRK outside a loop', `${FS}BRK\nEND`, 7, /BRK outside a loop or SWITCH/],
    ['CONT in a SWITCH outside loops', `${FS}SWITCH IMM[0].xxxx\nDEFAULT\nCONT\nENDSWITCH\nEND`, 9, /CONT outside a loop/],
    ['a statement before the first CASE', `${FS}SWITCH IMM[0].xxxx\nMOV OUT[0], IN[0]\nENDSWITCH\nEND`, 8, /before its first CASE/],
    ['a missing END', `${FS}MOV OUT[0], IN[0]\n`, 7, /does not end with END/],
    ['an instruction after END', `${FS}END\nMOV OUT[0], IN[0]`, 8, /MOV after END/],
    ['a declaration after an instruction', `${FS}MOV OUT[0], IN[0]\nDCL TEMP[5]\nEND`, 8, /declarations must come before/],
    ['an unknown opcode', `${FS}FROB TEMP[0], IN[0]\nEND`, 7, /unknown opcode 'FROB'/],
    ['a double-precision opcode', `${FS}DADD TEMP[0], IN[0], IN[0]\nEND`, 7, /opcode DADD is not supported \(double precision\)/],
    ['a geometry shader', 'GEOM\nPROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nEND', 1, /geometry shaders are not supported/],
    ['a tessellation shader', 'TESS_CTRL\nEND', 1, /tessellation control shaders are not supported/],
    ['a compute shader', 'COMP\nEND', 1, /compute shaders are not supported/],
    ['an unknown header', 'PIXEL\nEND', 1, /unknown shader header 'PIXEL'/],
    ['too few operands', `${FS}ADD TEMP[0], IN[0]\nEND`, 7, /ADD takes 3 operands, found 2/],
    ['too many operands', `${FS}MOV TEMP[0], IN[0], IN[0]\nEND`, 7, /MOV takes 2 operands, found more/],
    ['a texture opcode without its target', `${FS}TEX TEMP[0], IN[0], SAMP[0]\nEND`, 7, /and a texture target/],
    ['an unordered write mask', `${FS}MOV TEMP[0].yx, IN[0]\nEND`, 7, /order x, y, z, w/],
    ['a short swizzle', `${FS}MOV TEMP[0], IN[0].xy\nEND`, 7, /swizzle letter/],
    ['a bad swizzle letter', `${FS}MOV TEMP[0], IN[0].xyzq\nEND`, 7, /swizzle letter/],
    ['a sampler read as a value', `${FS}MOV TEMP[0], SAMP[0]\nEND`, 7, /cannot read SAMP registers here/],
    ['a value as the sampler', `${FS}TEX TEMP[0], IN[0], TEMP[1], 2D\nEND`, 7, /expected a SAMP register, found TEMP/],
    ['a write to an input', `${FS}MOV IN[0], TEMP[0]\nEND`, 7, /cannot write to IN registers/],
    ['KILL in a vertex shader', `${VS}KILL\nEND`, 7, /fragment shaders only/],
    ['_SAT on an integer opcode', `${VS}UADD_SAT TEMP[0], TEMP[0], TEMP[1]\nEND`, 7, /cannot saturate/],
    ['immediates out of order', 'VERT\nIMM[1] UINT32 {0, 0, 0, 0}\nEND', 2, /numbered in order/],
    ['a 64-bit immediate', 'VERT\nIMM[0] FLT64 {1.0, 2.0}\nEND', 2, /64-bit immediates/],
    ['an unsigned immediate beyond 32 bits', 'VERT\nIMM[0] UINT32 {4294967296, 0, 0, 0}\nEND', 2, /out of range/],
    ['an unsupported register file', 'FRAG\nDCL IMAGE[0], 2D, PIPE_FORMAT_R8_UNORM\nEND', 2, /register file IMAGE is not supported/],
    ['an unknown property', 'FRAG\nPROPERTY FRAG_MAGIC 1\nEND', 2, /unknown or unsupported property 'FRAG_MAGIC'/],
    ['a fragment property in a vertex shader', 'VERT\nPROPERTY FS_COORD_ORIGIN UPPER_LEFT\nEND', 2, /belongs to fragment shaders/],
    ['interpolation on a vertex input', 'VERT\nDCL IN[0], GENERIC[0], PERSPECTIVE\nEND', 2, /fragment shader inputs only/],
    ['a system value without semantic', 'VERT\nDCL SV[0]\nEND', 2, /needs a semantic/],
    ['a non-ASCII character', 'VERT\nDCL IN[0] \u00e9\nEND', 2, /unexpected character U\+00e9/],
    ['trailing garbage', `${FS}MOV TEMP[0], IN[0] junk\nEND`, 7, /unexpected text at 'junk'/],
    ['empty text', '  \n\n', 0, /empty/],
  ])('rejects %s', (_what, text, line, message) => {
    const result = parseTgsi(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toMatch(message);
    expect(result.error.line).toBe(line);
  });

  const small = (overrides: Partial<TgsiLimits>): TgsiLimits => ({ ...DEFAULT_TGSI_LIMITS, ...overrides });

  it('rejects text over the length limit before reading it', () => {
    const result = parseTgsi(`${FS}END\n`, small({ maxTextLength: 16 }));
    expect(result).toEqual({ ok: false, error: { line: 0, message: expect.stringMatching(/over the limit of 16/) } });
  });

  it('rejects nesting deeper than the limit', () => {
    const depth = 5;
    const text = `${FS}${'BGNLOOP :0\n'.repeat(depth)}${'ENDLOOP :0\n'.repeat(depth)}END\n`;
    expect(parseTgsi(text, small({ maxNestingDepth: depth })).ok).toBe(true);
    const result = parseTgsi(text, small({ maxNestingDepth: depth - 1 }));
    expect(result.ok || result.error).toEqual({ line: 7 + depth - 1, message: 'flow control nests deeper than 4 levels' });
  });

  it('rejects more instructions, declarations or immediates than the limits allow', () => {
    const movs = 'MOV OUT[0], IN[0]\n'.repeat(10);
    expect(parseTgsi(`${FS}${movs}END`, small({ maxInstructions: 11 })).ok).toBe(true);
    expect(parseTgsi(`${FS}${movs}END`, small({ maxInstructions: 10 }))).toMatchObject({ ok: false, error: { line: 17, message: 'more than 10 instructions' } });
    expect(parseTgsi(`${FS}END`, small({ maxDeclarations: 3 }))).toMatchObject({ ok: false, error: { line: 5, message: 'more than 3 declarations' } });
    expect(parseTgsi(`${FS}END`, small({ maxImmediates: 0 }))).toMatchObject({ ok: false, error: { line: 6, message: 'more than 0 immediates' } });
  });

  it('rejects a register index over its file limit', () => {
    expect(parseTgsi('FRAG\nDCL SAMP[16]\nEND', small({ registers: { ...DEFAULT_TGSI_LIMITS.registers, sampler: 16 } }))).toMatchObject({
      ok: false,
      error: { line: 2, message: 'register index 16 is out of range (limit 16)' },
    });
  });

  it('stays linear on long runs of digits and on a shader at the instruction limit', () => {
    const start = performance.now();
    const digits = '1'.repeat(200_000);
    expect(parseTgsi(`VERT\nIMM[0] FLT32 {${digits}.${digits}x, 0, 0, 0}\nEND`).ok).toBe(false);
    expect(parseTgsi(`VERT\n${digits}${digits}\nEND`).ok).toBe(false);
    const body = '  0: UADD TEMP[1].xy, -|TEMP[ADDR[0].x+1](1).yxzw|, CONST[2][ADDR[0].y+7].xxxx\n'.repeat(DEFAULT_TGSI_LIMITS.maxInstructions - 1);
    const big = `VERT\nDCL TEMP[0..3], ARRAY(1)\nDCL CONST[2][0..4095]\nDCL ADDR[0]\n${body}END\n`;
    expect(parsed(big, { ...DEFAULT_TGSI_LIMITS, maxTextLength: big.length }).instructions).toHaveLength(DEFAULT_TGSI_LIMITS.maxInstructions);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('never throws, whatever the bytes', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = 'ADDR[]().,:-|+ xyzw0123456789\nTEMPCONSTIMMOUTDCLENDIF{}';
    for (let round = 0; round < 3000; round++) {
      const { text } = corpus[random(corpus.length)] ?? { text: '' };
      let mutated = text;
      for (let edits = 1 + random(4); edits > 0; edits--) {
        const at = random(mutated.length + 1);
        const kind = random(3);
        if (kind === 0) mutated = mutated.slice(0, at) + mutated.slice(at + 1 + random(8));
        else if (kind === 1) mutated = mutated.slice(0, at) + (alphabet[random(alphabet.length)] ?? '') + mutated.slice(at);
        else mutated = mutated.slice(0, at);
      }
      const result = parseTgsi(mutated);
      expect(typeof result.ok).toBe('boolean');
      if (!result.ok) expect(result.error.message).not.toMatch(/internal error/);
    }
  });
});

describe('TGSI opcode table', () => {
  it('gives texture opcodes a sampler as their last source, and only them', () => {
    for (const [name, info] of Object.entries(OPCODES)) {
      if (!info.supported) continue;
      expect(info.texture, name).toBe(info.group === 'texture');
      expect(info.src.at(-1) === 'sampler', name).toBe(info.texture);
    }
  });
});
