/** Register files by their TGSI names, and the registers a shader has declared, for checking every reference. */

import type { Range, RegisterFile } from './ir.ts';
import type { TgsiLimits } from './limits.ts';

export type DeclaredFile = Exclude<RegisterFile, 'immediate'>;

/** TGSI's spelling of each file the IR knows. */
export const FILE_BY_NAME: ReadonlyMap<string, RegisterFile> = new Map<string, RegisterFile>([
  ['IN', 'input'],
  ['OUT', 'output'],
  ['TEMP', 'temp'],
  ['CONST', 'const'],
  ['IMM', 'immediate'],
  ['ADDR', 'address'],
  ['SAMP', 'sampler'],
  ['SVIEW', 'samplerView'],
  ['SV', 'system'],
]);

/** The TGSI spelling of a file, for messages. */
export function tgsiName(file: RegisterFile): string {
  for (const [name, f] of FILE_BY_NAME) if (f === file) return name;
  return file;
}

/** Files TGSI has that no GL 3.0 / GLES 3.0 vertex or fragment shader uses. */
export const UNSUPPORTED_FILES: ReadonlySet<string> = new Set(['NULL', 'IMAGE', 'BUFFER', 'MEMORY', 'CONSTBUF', 'HWATOMIC']);

/** A register space: one file, and for `const` one uniform buffer of it. */
export interface Space {
  readonly file: DeclaredFile;
  readonly buffer: number;
}

/**
 * Per space, a table over every possible index: 0 when undeclared, else 1 + the ARRAY id of the
 * declaration covering it. Index bounds come from the limits, so lookups are constant time.
 */
export class DeclaredRegisters {
  private readonly tables = new Map<string, Int32Array>();
  private readonly arrays = new Map<string, Range>();

  constructor(private readonly limits: TgsiLimits) {}

  /** Returns an error message, or null once the range is recorded. */
  declare(space: Space, range: Range, arrayId: number): string | null {
    const table = this.table(space, true);
    for (let i = range.first; i <= range.last; i++) {
      if (table[i] !== 0) return `register ${i} is declared twice`;
    }
    if (arrayId !== 0) {
      const key = arrayKey(space, arrayId);
      if (this.arrays.has(key)) return `ARRAY(${arrayId}) is declared twice`;
      this.arrays.set(key, range);
    }
    table.fill(arrayId + 1, range.first, range.last + 1);
    return null;
  }

  isDeclared(space: Space, index: number): boolean {
    const table = this.table(space, false);
    return table !== undefined && index >= 0 && index < table.length && table[index] !== 0;
  }

  hasBuffer(buffer: number): boolean {
    return this.tables.has(spaceKey({ file: 'const', buffer }));
  }

  arrayRange(space: Space, arrayId: number): Range | undefined {
    return this.arrays.get(arrayKey(space, arrayId));
  }

  private table(space: Space, create: true): Int32Array;
  private table(space: Space, create: false): Int32Array | undefined;
  private table(space: Space, create: boolean): Int32Array | undefined {
    const key = spaceKey(space);
    let table = this.tables.get(key);
    if (table === undefined && create) {
      table = new Int32Array(this.limits.registers[space.file]);
      this.tables.set(key, table);
    }
    return table;
  }
}

function spaceKey(space: Space): string {
  return space.file === 'const' ? `const:${space.buffer}` : space.file;
}

function arrayKey(space: Space, arrayId: number): string {
  return `${spaceKey(space)}#${arrayId}`;
}
