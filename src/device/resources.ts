import { formatInfo, type Format } from '../protocol/formats.ts';
import type { Resource3dParams } from '../renderers/renderer-3d.ts';
import type { Backing } from './backing.ts';
import { check, CommandError, fail, ERR_INVALID_PARAMETER, ERR_INVALID_RESOURCE_ID, ERR_OUT_OF_MEMORY } from './command-error.ts';
import type { DeviceLimits } from './limits.ts';

interface ResourceBase {
  readonly id: number;
  backing: Backing | null;
  /** Bit i is set while scanout i shows this resource. */
  scanoutMask: number;
  /** Assigned by RESOURCE_ASSIGN_UUID, then stable. */
  uuid: Uint8Array | null;
}

/** A 2D resource: host pixels, filled from its backing by TRANSFER_TO_HOST_2D. */
export interface Resource2d extends ResourceBase {
  readonly kind: '2d';
  readonly format: Format;
  readonly width: number;
  readonly height: number;
  /** Bytes per row of `pixels` (width * 4: virtio-gpu's 2D formats are all 32-bit). */
  readonly stride: number;
  readonly pixels: Uint8Array;
  /** Set when virgl contexts may use it: RESOURCE_CREATE_3D made it (a 3D image a scanout can show, kept in host pixels too), or virgl adopted a 2D resource. */
  virgl: Resource3dParams | null;
  /** RESOURCE_CREATE_3D made it: the 3D renderer draws into it, so a scanout shows it as the renderer has it. */
  drawn: boolean;
}

/** A virgl resource a scanout cannot show: its storage is the 3D renderer's, charged here by size. */
export interface Resource3d extends ResourceBase {
  readonly kind: '3d';
  readonly virgl: Resource3dParams;
  readonly hostBytes: number;
}

/** A blob in guest memory (VIRTIO_GPU_BLOB_MEM_GUEST): its bytes stay in the guest's pages. */
export interface BlobResource extends ResourceBase {
  readonly kind: 'blob';
  readonly size: number;
  readonly blobFlags: number;
}

export type Resource = Resource2d | BlobResource | Resource3d;

/** What the 3D renderer knows the resource as, or null when it holds no such resource (blobs, 2D resources made without virgl). */
export function virglOf(resource: Resource): Resource3dParams | null {
  return resource.kind === 'blob' ? null : resource.virgl;
}

/** The device's resources and host pixel memory, bounded by the configured limits. */
export class ResourceTable {
  private readonly byId = new Map<number, Resource>();
  private hostBytes = 0;
  /** The part of hostBytes the 3D renderer holds (GPU memory). */
  private rendererBytes = 0;

  constructor(
    private readonly limits: DeviceLimits,
    private readonly sharedPixels: boolean,
  ) {}

  get count(): number {
    return this.byId.size;
  }

  get bytes(): number {
    return this.hostBytes;
  }

  get bytes3d(): number {
    return this.rendererBytes;
  }

  get(id: number): Resource | undefined {
    return this.byId.get(id);
  }

  /** The resource `id`, or an ERR_INVALID_RESOURCE_ID failure. */
  find(id: number): Resource {
    const resource = this.byId.get(id);
    if (resource === undefined) fail(ERR_INVALID_RESOURCE_ID, `no resource ${id}`);
    return resource;
  }

  all(): IterableIterator<Resource> {
    return this.byId.values();
  }

  create2d(id: number, format: number, width: number, height: number): Resource2d {
    this.checkNewId(id);
    const info = formatInfo(format);
    check(info !== undefined, ERR_INVALID_PARAMETER, () => `unsupported format ${format}`);
    check(width > 0 && height > 0, ERR_OUT_OF_MEMORY, () => `empty resource ${width}x${height}`);
    const { maxDimension } = this.limits;
    check(width <= maxDimension && height <= maxDimension, ERR_INVALID_PARAMETER, () => `${width}x${height} exceeds the largest dimension ${maxDimension}`);
    const stride = width * info.bytesPerPixel;
    const pixels = this.allocatePixels(stride * height);
    const resource: Resource2d = { kind: '2d', id, format: format as Format, width, height, stride, pixels, backing: null, scanoutMask: 0, uuid: null, virgl: null, drawn: false };
    this.byId.set(id, resource);
    return resource;
  }

  /** A guest blob: no host memory; `backing` must cover `size`. */
  createBlob(id: number, size: number, blobFlags: number, backing: Backing): BlobResource {
    this.checkNewId(id);
    check(size > 0 && backing.totalBytes >= size, ERR_INVALID_PARAMETER, () => `blob of ${size} bytes with ${backing.totalBytes} bytes of backing`);
    const resource: BlobResource = { kind: 'blob', id, size, blobFlags, backing, scanoutMask: 0, uuid: null };
    this.byId.set(id, resource);
    return resource;
  }

  /** A virgl resource held by the renderer: `hostBytes` are charged against the limit. */
  create3d(id: number, virgl: Resource3dParams, hostBytes: number): Resource3d {
    this.checkNewId(id);
    this.checkRoom(hostBytes);
    this.hostBytes += hostBytes;
    this.rendererBytes += hostBytes;
    const resource: Resource3d = { kind: '3d', id, virgl, hostBytes, backing: null, scanoutMask: 0, uuid: null };
    this.byId.set(id, resource);
    return resource;
  }

  remove(resource: Resource): void {
    if (!this.byId.delete(resource.id)) return;
    if (resource.kind === '2d') this.freePixels(resource.pixels);
    else if (resource.kind === '3d') {
      this.hostBytes -= resource.hostBytes;
      this.rendererBytes -= resource.hostBytes;
    }
  }

  clear(): void {
    this.byId.clear();
    this.hostBytes = 0;
    this.rendererBytes = 0;
  }

  /** Host pixel memory, counted against `maxHostBytes` (QEMU's strict limit: used + new < max). */
  allocatePixels(size: number): Uint8Array {
    this.checkRoom(size);
    let pixels: Uint8Array;
    try {
      pixels = new Uint8Array(this.sharedPixels ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
    } catch {
      throw new CommandError(ERR_OUT_OF_MEMORY, `the host could not allocate ${size} bytes`);
    }
    this.hostBytes += size;
    return pixels;
  }

  private checkRoom(size: number): void {
    const { maxHostBytes } = this.limits;
    check(this.hostBytes + size < maxHostBytes, ERR_OUT_OF_MEMORY, () => `${size} more bytes exceed the host memory limit ${maxHostBytes}`);
  }

  freePixels(pixels: Uint8Array): void {
    this.hostBytes -= pixels.length;
  }

  private checkNewId(id: number): void {
    check(id !== 0, ERR_INVALID_RESOURCE_ID, 'resource id 0 is reserved');
    check(!this.byId.has(id), ERR_INVALID_RESOURCE_ID, () => `resource ${id} already exists`);
    check(this.byId.size < this.limits.maxResources, ERR_OUT_OF_MEMORY, () => `resource limit ${this.limits.maxResources} reached`);
  }
}
