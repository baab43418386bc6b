/**
 * The virgl renderer on WebGL2: one GL context serves every guest context
 * (WebGL has no shared contexts); each guest context has its own stream
 * decoder and executor, and the resources are shared by all, as virtio-gpu
 * defines them. A bad stream ends that stream only, logged (rate-limited).
 */
import type { HostGlLimits } from '../../device/host-gl-limits.ts';
import { virglCapset } from '../../device/virgl-caps.ts';
import { CapsetId } from '../../protocol/constants.ts';
import { decoderConfigFromCaps } from '../../virgl/config.ts';
import { formatDecodeError, VirglDecoder } from '../../virgl/decoder.ts';
import type { BackingAccess, Renderer3d, Resource3dParams, Transfer3d } from '../renderer-3d.ts';
import type { SharedTexture } from '../../presenters/compositing-presenter.ts';
import { Drawer, type DrawCounts } from './draw.ts';
import { ContextExecutor } from './executor.ts';
import { GL } from './formats.ts';
import { readHostGlLimits } from './host-limits.ts';
import { ProgramCache } from './programs.ts';
import type { QueryAnswer } from './queries.ts';
import { GlResources } from './resources.ts';

interface GuestContext {
  readonly decoder: VirglDecoder;
  readonly executor: ContextExecutor;
  readonly name: string;
}

/** virtio-gpu's 2D formats whose fourth byte is padding: B8G8R8X8, X8R8G8B8, X8B8G8R8, R8G8B8X8. */
const PADDED_FORMATS: ReadonlySet<number> = new Set([2, 4, 68, 134]);

/** The capset a context made without CONTEXT_INIT speaks: the newest one offered. */
const DEFAULT_CAPSET = CapsetId.VIRGL2;

export class WebGL2VirglRenderer implements Renderer3d {
  /** Every guest context's draws, together. */
  readonly counts: DrawCounts = { draws: 0 };
  private readonly contexts = new Map<number, GuestContext>();
  readonly resources: GlResources;
  private readonly programs: ProgramCache;

  /** `limits`: what the guest's capsets promised (by default what `gl` serves); each context's decoder allows that much. */
  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly log: (message: string) => void,
    readonly limits: HostGlLimits = readHostGlLimits(gl),
  ) {
    this.resources = new GlResources(gl, log);
    this.programs = new ProgramCache(gl, log);
  }

  createContext(ctxId: number, capsetId: number, name: string): void {
    this.destroyContext(ctxId);
    const id = capsetId || DEFAULT_CAPSET;
    const caps = virglCapset(id, id === CapsetId.VIRGL ? 1 : 2, this.limits);
    if (!caps) return this.log(`virgl: context ${ctxId} asks for capset ${capsetId}, which is not offered`);
    const drawer = new Drawer(this.gl, this.resources, this.programs, this.log, this.counts);
    this.contexts.set(ctxId, { decoder: new VirglDecoder(decoderConfigFromCaps(caps)), executor: new ContextExecutor(this.gl, this.resources, drawer, this.log), name });
  }

  destroyContext(ctxId: number): void {
    const context = this.contexts.get(ctxId);
    if (!context) return;
    context.executor.destroy();
    context.decoder.reset();
    this.contexts.delete(ctxId);
  }

  attachResource(): void {}

  detachResource(): void {}

  createResource(resourceId: number, params: Resource3dParams): void {
    this.resources.create(resourceId, params);
  }

  destroyResource(resourceId: number): void {
    this.resources.destroy(resourceId);
  }

  transferToHost(transfer: Transfer3d, backing: BackingAccess): void {
    this.resources.transferToHost(transfer, backing);
  }

  transferFromHost(transfer: Transfer3d, backing: BackingAccess): void {
    this.resources.transferFromHost(transfer, backing);
  }

  submit(ctxId: number, commands: Uint8Array): void {
    const context = this.contexts.get(ctxId);
    if (!context) return this.log(`virgl: SUBMIT_3D to context ${ctxId}, which the renderer does not have`);
    const error = context.decoder.decode(commands, context.executor);
    if (error) this.log(`virgl: context ${ctxId} (${context.name}): the stream stopped at ${formatDecodeError(error)}`);
  }

  /**
   * Appends the answers of context `ctxId`'s asked queries whose results are
   * known now (WebGL2 gives none in the task that ended the query); true
   * when none of them is left waiting.
   */
  answerQueries(ctxId: number, into: QueryAnswer[]): boolean {
    return this.contexts.get(ctxId)?.executor.answerQueries(into) ?? true;
  }

  /**
   * A box of a resource's level-0 layer as RGBA8, rows from the top (what a
   * scanout shows), alpha 255 when `format` (the scanout's) has padding in
   * its place; null when the resource cannot be read as colour.
   */
  readPicture(resourceId: number, _ctxId: number, format: number, x: number, y: number, z: number, width: number, height: number): Uint8Array | null {
    const resource = this.resources.get(resourceId);
    if (resource?.kind !== 'texture' || resource.format.read !== 'unorm8') return null;
    const pixels = this.resources.readPixels(resource, 0, z, x, y, width, height) as Uint8Array | null;
    if (!pixels) return null;
    const picture = pixels.slice(0, width * height * 4);
    if (PADDED_FORMATS.has(format)) for (let i = 3; i < picture.length; i += 4) picture[i] = 255;
    return picture;
  }

  /**
   * A displayable resource's texture, for a surface on this context to show
   * as it is; null when it is not an 8-bit RGBA texture (an sRGB one would be
   * decoded when sampled).
   */
  picture(resourceId: number): SharedTexture | null {
    const resource = this.resources.get(resourceId);
    if (resource?.kind !== 'texture' || resource.format.internalFormat !== GL.RGBA8) return null;
    return resource.shown;
  }
}
