/** Parses one instruction line, driven by the opcode table: mnemonic and suffixes, operands, texture target and offsets, label. */

import type { LineCursor } from './cursor.ts';
import type { Declarations } from './declarations.ts';
import { TEXTURE_TARGETS, type DstOperand, type Instruction, type SrcOperand, type TextureOffset } from './ir.ts';
import { isOpcode, lookupOpcode, opcodeInfo, type Opcode, type ResultType, type SupportedOpcode } from './opcodes.ts';
import { parseDst, parseSrc, parseTextureOffset } from './operands.ts';

const MAX_TEXTURE_OFFSETS = 4;
const SATURABLE: ReadonlySet<ResultType> = new Set<ResultType>(['float', 'bits', 'texel']);

export interface ParsedInstruction {
  readonly instruction: Instruction;
  readonly info: SupportedOpcode;
}

/** Parses from the mnemonic on; the caller has consumed any `N:` instruction number. */
export function parseInstruction(c: LineCursor, decls: Declarations): ParsedInstruction {
  const { opcode, info, saturate, precise } = parseMnemonic(c, decls);
  const operands = (info.result === null ? 0 : 1) + info.src.length;
  const dst: DstOperand[] = info.result === null ? [] : [parseDst(c, decls, info.result)];
  const src: SrcOperand[] = [];
  for (const type of info.src) {
    const parsed = dst.length + src.length;
    if (parsed > 0 && !c.accept(',')) c.fail(`${opcode} takes ${operands} operands, found ${parsed}`);
    src.push(parseSrc(c, decls, type));
  }

  let texture: Instruction['texture'] = null;
  const offsets: TextureOffset[] = [];
  if (info.texture) {
    if (!c.accept(',')) c.fail(`${opcode} takes ${operands} operands and a texture target`);
    texture = c.expectOneOf(TEXTURE_TARGETS, 'a texture target');
    while (c.accept(',')) {
      if (offsets.length === MAX_TEXTURE_OFFSETS) c.fail(`more than ${MAX_TEXTURE_OFFSETS} texel offsets`);
      offsets.push(parseTextureOffset(c, decls));
    }
  } else if (c.peek(',')) {
    c.fail(`${opcode} takes ${operands} operands, found more`);
  }

  let label: number | null = null;
  if (info.labelled && c.accept(':')) label = c.uint('a label');
  c.expectEnd();
  return { instruction: { opcode, saturate, precise, dst, src, texture, offsets, label, line: c.line }, info };
}

/** The opcode with Mesa's optional `_SAT` and then `_PRECISE` suffixes (e.g. `MUL_SAT_PRECISE`). */
function parseMnemonic(c: LineCursor, decls: Declarations): { opcode: Opcode; info: SupportedOpcode; saturate: boolean; precise: boolean } {
  const mnemonic = c.expectName('an opcode');
  let name = mnemonic;
  let saturate = false;
  let precise = false;
  if (lookupOpcode(name) === undefined) {
    if (name.endsWith('_PRECISE')) {
      precise = true;
      name = name.slice(0, -'_PRECISE'.length);
    }
    if (name.endsWith('_SAT')) {
      saturate = true;
      name = name.slice(0, -'_SAT'.length);
    }
  }
  const found = lookupOpcode(name) ?? c.fail(`unknown opcode '${mnemonic}'`);
  if (!isOpcode(name)) c.fail(`opcode ${name} is not supported (${found.group})`);
  const info = opcodeInfo(name);
  if (info.fragmentOnly && decls.stage !== 'fragment') c.fail(`opcode ${name} is allowed in fragment shaders only`);
  if (saturate && (info.result === null || !SATURABLE.has(info.result))) c.fail(`opcode ${name} cannot saturate`);
  return { opcode: name, info, saturate, precise };
}
