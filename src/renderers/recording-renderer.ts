/**
 * A 3D renderer that accepts everything and draws nothing: it stands in
 * until the WebGL2 / WebGPU renderer exists, so that a virgl guest runs and
 * its streams can be recorded (src/trace) and replayed on the reference
 * renderer. It counts what it was given, per virgl command type.
 */
import { WEBGL2_MINIMUM_LIMITS, type HostGlLimits } from '../device/host-gl-limits.ts';
import { u32 } from '../protocol/codec.ts';
import type { BackingAccess, Renderer3d, Resource3dParams, Transfer3d } from './renderer-3d.ts';

export interface RecordingStats {
  contexts: number;
  resources: number;
  transfersToHost: number;
  transfersFromHost: number;
  submits: number;
  submitBytes: number;
  /** Virgl commands seen, by command number (the low byte of each command's header word). */
  commands: Map<number, number>;
}

export class RecordingRenderer implements Renderer3d {
  readonly stats: RecordingStats = { contexts: 0, resources: 0, transfersToHost: 0, transfersFromHost: 0, submits: 0, submitBytes: 0, commands: new Map() };

  /** `limits`: what the capsets offer; by default WebGL2's minimums, what any page's renderer would serve. */
  constructor(readonly limits: HostGlLimits = WEBGL2_MINIMUM_LIMITS) {}

  createContext(_ctxId: number, _capsetId: number, _name: string): void {
    this.stats.contexts++;
  }

  destroyContext(_ctxId: number): void {}

  attachResource(_ctxId: number, _resourceId: number): void {}

  detachResource(_ctxId: number, _resourceId: number): void {}

  createResource(_resourceId: number, _params: Resource3dParams): void {
    this.stats.resources++;
  }

  destroyResource(_resourceId: number): void {}

  transferToHost(_transfer: Transfer3d, _backing: BackingAccess): void {
    this.stats.transfersToHost++;
  }

  transferFromHost(_transfer: Transfer3d, _backing: BackingAccess): void {
    this.stats.transfersFromHost++;
  }

  submit(_ctxId: number, commands: Uint8Array): void {
    this.stats.submits++;
    this.stats.submitBytes += commands.length;
    const counts = this.stats.commands;
    // Each command: a header word (command, object type, length in words), then `length` words.
    for (let at = 0; at + 4 <= commands.length; ) {
      const header = u32.read(commands, at, 0);
      const command = header & 0xff;
      counts.set(command, (counts.get(command) ?? 0) + 1);
      at += 4 * (1 + (header >>> 16));
    }
  }
}
