/** Checks that a shader's flow control nests (IF/ELSE/ENDIF, loops, SWITCH) and ends with END. */

import type { Block, FlowRole } from './opcodes.ts';

interface OpenBlock {
  readonly block: Block;
  readonly opcode: string;
  /** IF: an ELSE was seen. SWITCH: a DEFAULT was seen. */
  second: boolean;
  /** SWITCH: a CASE or DEFAULT was seen, so statements may follow. */
  labelled: boolean;
}

/** Fed every instruction in order; each step returns an error message, or null when all is well. */
export class FlowChecker {
  private readonly open: OpenBlock[] = [];
  private ended = false;

  constructor(private readonly maxDepth: number) {}

  step(opcode: string, role: FlowRole): string | null {
    if (this.ended) return `${opcode} after END`;
    const top = this.open[this.open.length - 1];
    if (top?.block === 'switch' && !top.labelled && role.kind !== 'case' && role.kind !== 'close') {
      return `${opcode} inside SWITCH before its first CASE or DEFAULT`;
    }
    switch (role.kind) {
      case 'open':
        if (this.open.length >= this.maxDepth) return `flow control nests deeper than ${this.maxDepth} levels`;
        this.open.push({ block: role.block, opcode, second: false, labelled: false });
        return null;
      case 'else':
        if (top?.block !== 'if' || top.second) return 'ELSE without an open IF';
        top.second = true;
        return null;
      case 'close':
        if (top?.block !== role.block) return `${opcode} without a matching ${openerOf(role.block)}${top ? ` (${top.opcode} is open)` : ''}`;
        this.open.pop();
        return null;
      case 'case':
        if (top?.block !== 'switch') return `${opcode} outside SWITCH`;
        if (opcode === 'DEFAULT') {
          if (top.second) return 'second DEFAULT in one SWITCH';
          top.second = true;
        }
        top.labelled = true;
        return null;
      case 'break':
        return this.open.some((b) => b.block !== 'if') ? null : `${opcode} outside a loop or SWITCH`;
      case 'continue':
        return this.open.some((b) => b.block === 'loop') ? null : `${opcode} outside a loop`;
      case 'end':
        if (top) return `END while ${top.opcode} is still open`;
        this.ended = true;
        return null;
      case 'none':
        return null;
    }
  }

  finish(): string | null {
    return this.ended ? null : 'the shader does not end with END';
  }
}

function openerOf(block: Block): string {
  return block === 'if' ? 'IF' : block === 'loop' ? 'BGNLOOP' : 'SWITCH';
}
