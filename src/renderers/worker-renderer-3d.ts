/**
 * The VM thread's side of the virgl renderer in the GPU worker: every call
 * goes to the worker in order, carrying what it needs (v86's memory is not
 * shared, so a transfer's bytes and a stream travel as buffers of their
 * own, moved, not copied again); answers that depend on the GPU (a submit's
 * fence, a transfer back, a displayable image read back for the scanout)
 * come back as promises, so the VM thread never waits.
 */
import * as Comlink from 'comlink';
import type { GpuWorkerApi } from '../../worker/gpu-worker.ts';
import type { HostGlLimits } from '../device/host-gl-limits.ts';
import { PresentQueue } from './present-queue.ts';
import type { BackingAccess, QueryAnswers, Renderer3d, Resource3dParams, Transfer3d } from './renderer-3d.ts';

type Remote = Comlink.Remote<GpuWorkerApi>;

/** The bytes of the backing a transfer touches, from its offset: its rows and layers with their pitches. */
function spanOf(t: Transfer3d, backing: BackingAccess): number {
  const { box } = t;
  return Math.max(0, Math.min((box.d - 1) * t.layerStride + box.h * t.stride, backing.size - t.offset));
}

/** A plain copy of the device's reused transfer, for a message. */
function copyOf(t: Transfer3d): Transfer3d {
  return { ...t, box: { ...t.box } };
}

export class WorkerRenderer3d implements Renderer3d {
  /** What the guest made, to make again in a worker that replaces a dead one. */
  private readonly contexts = new Map<number, { capsetId: number; name: string }>();
  private readonly resources = new Map<number, Resource3dParams>();
  /** Draws the workers before this one made, and this one's, as its last answer said. */
  private drawsBefore = 0;
  private drawsNow = 0;
  private readonly presents = new PresentQueue((resourceId, rect) => this.remote().virglPresent(resourceId, rect));

  /**
   * `remote`: the current GPU worker. A worker that replaced a dead one gets
   * the guest's contexts and resources again (`restarted`), empty: what the
   * guest created in them and drew before is gone. `limits`: what the first
   * worker's virglInit() said its renderer serves; every later worker keeps
   * to them.
   */
  constructor(
    private readonly remote: () => Remote,
    private readonly log: (message: string) => void,
    readonly limits: HostGlLimits,
  ) {}

  /** A call whose answer nobody waits for: a failure is logged, never left unhandled. */
  private send(call: (remote: Remote) => Promise<unknown>): void {
    call(this.remote()).catch((error: unknown) => this.log(`virtio-gpu-web: 3D work failed in the GPU worker: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Starts the renderer in a worker that replaced a dead one and makes the guest's contexts and resources there again. */
  async restarted(remote: Remote): Promise<void> {
    this.drawsBefore += this.drawsNow;
    this.drawsNow = 0;
    const made = await remote.virglInit(this.limits);
    if (!made.ok) return this.log(`virtio-gpu-web: the new GPU worker has no 3D (${made.reason}); the guest's 3D programs stop drawing`);
    for (const [id, params] of this.resources) await remote.virglCreateResource(id, params);
    for (const [ctxId, { capsetId, name }] of this.contexts) await remote.virglCreateContext(ctxId, capsetId, name);
    this.log(`virtio-gpu-web: the new GPU worker has the guest's ${this.contexts.size} 3D contexts and ${this.resources.size} resources again, empty`);
  }

  createContext(ctxId: number, capsetId: number, name: string): void {
    this.contexts.set(ctxId, { capsetId, name });
    this.send((r) => r.virglCreateContext(ctxId, capsetId, name));
  }

  destroyContext(ctxId: number): void {
    this.contexts.delete(ctxId);
    this.send((r) => r.virglDestroyContext(ctxId));
  }

  attachResource(): void {}

  detachResource(): void {}

  createResource(resourceId: number, params: Resource3dParams): void {
    const own = { ...params };
    this.resources.set(resourceId, own);
    this.send((r) => r.virglCreateResource(resourceId, own));
  }

  destroyResource(resourceId: number): void {
    this.resources.delete(resourceId);
    this.send((r) => r.virglDestroyResource(resourceId));
  }

  transferToHost(t: Transfer3d, backing: BackingAccess): void {
    const bytes = new Uint8Array(spanOf(t, backing));
    backing.read(t.offset, bytes);
    this.send((r) => r.virglTransferToHost(copyOf(t), Comlink.transfer(bytes, [bytes.buffer])));
  }

  async transferFromHost(t: Transfer3d, backing: BackingAccess): Promise<void> {
    const offset = t.offset;
    const bytes = await this.remote().virglTransferFromHost(copyOf(t), spanOf(t, backing));
    backing.write(offset, bytes);
  }

  submit(ctxId: number, commands: Uint8Array, answers: QueryAnswers): Promise<void> {
    const stream = commands.slice();
    return this.remote()
      .virglSubmit(ctxId, Comlink.transfer(stream, [stream.buffer]))
      .then((done) => {
        this.drawsNow = done.draws;
        for (const { resourceId, state } of done.answers) answers(resourceId)?.write(0, state);
      });
  }

  /** Draw calls the GPU workers made for the guest since the start, as of the last submit they finished. */
  get draws(): number {
    return this.drawsBefore + this.drawsNow;
  }

  present(resourceId: number, rect: Readonly<{ x: number; y: number; width: number; height: number }>): Promise<void> {
    return this.presents.request(resourceId, rect);
  }
}
