/**
 * Shader text that arrives in pieces: a CREATE_OBJECT(SHADER) whose text is
 * longer than its packet is followed by continuation packets for the same
 * handle, possibly in later streams. The pieces are gathered here, per
 * handle, under a limit on how many shaders may be waiting at once.
 */
import type { Reason } from './checks.ts';
import type { ShaderInfo, StreamOutput } from './commands.ts';

export class PendingShader {
  readonly info: ShaderInfo;
  /** The whole text, NUL included, filled up to `received`. */
  readonly text: Uint8Array;
  received = 0;

  constructor(info: ShaderInfo, total: number) {
    this.info = copyInfo(info);
    this.text = new Uint8Array(total);
  }
}

function copyInfo(info: ShaderInfo): ShaderInfo {
  return {
    stage: info.stage,
    numTokens: info.numTokens,
    outputCount: info.outputCount,
    strides: info.strides.slice(),
    outputs: info.outputs.slice(0, info.outputCount).map((o): StreamOutput => ({ ...o })),
  };
}

export class ShaderAssembler {
  private readonly pending = new Map<number, PendingShader>();

  constructor(private readonly maxPending: number) {}

  get(handle: number): PendingShader | undefined {
    return this.pending.get(handle);
  }

  /** Starts gathering the text of `handle`, or says why it cannot wait. */
  start(handle: number, info: ShaderInfo, total: number): PendingShader | Reason {
    if (this.pending.size >= this.maxPending) return `${this.maxPending} shaders already wait for continuation packets`;
    const shader = new PendingShader(info, total);
    this.pending.set(handle, shader);
    return shader;
  }

  drop(handle: number): void {
    this.pending.delete(handle);
  }

  clear(): void {
    this.pending.clear();
  }
}

/** TGSI text is ASCII: `total` bytes from `start` must be non-NUL 7-bit characters and then one NUL. */
export function textReason(bytes: Uint8Array, start: number, total: number): Reason | null {
  const end = start + total - 1;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0 || b > 0x7f) return `shader text byte ${i - start} is ${b}: not 7-bit text`;
  }
  return bytes[end] === 0 ? null : 'shader text does not end with a NUL at its declared length';
}
