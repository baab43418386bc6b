/**
 * What the device asks of a 3D renderer (virgl). The device has decoded and
 * validated every virtio-gpu command before it calls here: ids exist, boxes
 * lie inside their resources and backings, sizes are within limits. The
 * renderer owns the virgl command streams and the resources' GPU storage.
 */
import type { HostGlLimits } from '../device/host-gl-limits.ts';

export interface Resource3dParams {
  target: number;
  format: number;
  bind: number;
  width: number;
  height: number;
  depth: number;
  arraySize: number;
  lastLevel: number;
  nrSamples: number;
  flags: number;
}

export interface Box3d {
  x: number;
  y: number;
  z: number;
  w: number;
  h: number;
  d: number;
}

/** One TRANSFER_TO_HOST_3D / TRANSFER_FROM_HOST_3D, after validation. */
export interface Transfer3d {
  ctxId: number;
  resourceId: number;
  level: number;
  box: Box3d;
  /** Where the box starts in the resource's backing, and its row and layer pitch there. */
  offset: number;
  stride: number;
  layerStride: number;
}

/** The bytes of a resource's backing: a view valid only during the call that gives it. */
export interface BackingAccess {
  readonly size: number;
  /** Fills `into` from `offset` (zeros past the backing's end): the renderer brings its own buffer, so a transfer allocates nothing. */
  read(offset: number, into: Uint8Array): void;
  write(offset: number, bytes: Uint8Array): void;
}

/** The backing of a context's query buffer, for the query's answer (null when the buffer is gone or not the context's). */
export type QueryAnswers = (resourceId: number) => BackingAccess | null;

export interface Renderer3d {
  /** What the renderer serves: the device's capsets promise the guest no more. They never change: a guest is not promised less mid-run. */
  readonly limits: HostGlLimits;
  createContext(ctxId: number, capsetId: number, name: string): void;
  destroyContext(ctxId: number): void;
  attachResource(ctxId: number, resourceId: number): void;
  detachResource(ctxId: number, resourceId: number): void;
  createResource(resourceId: number, params: Resource3dParams): void;
  destroyResource(resourceId: number): void;
  transferToHost(transfer: Transfer3d, backing: BackingAccess): void;
  /** A promise when the bytes arrive later: `backing` stays valid until it settles, and the command's fence waits for it. */
  transferFromHost(transfer: Transfer3d, backing: BackingAccess): void | Promise<void>;
  /**
   * A displayable resource is about to be shown: the pixels of `rect` as the
   * renderer has drawn them go where the presenter reads the resource (its
   * ResourceImage). Absent for renderers that draw nothing.
   */
  present?(resourceId: number, rect: Readonly<{ x: number; y: number; width: number; height: number }>): void | Promise<void>;
  /**
   * Runs a virgl command stream; a promise when the work completes later (the
   * fence waits for it). The answers of the stream's queries go to the start
   * of the query buffer's backing, which `answers` looks up when they are known.
   */
  submit(ctxId: number, commands: Uint8Array, answers: QueryAnswers): void | Promise<void>;
}
