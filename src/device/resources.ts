import { formatInfo, type Format } from '../protocol/formats.ts';
import type { Backing } from './backing.ts';
import { check, ERR_INVALID_PARAMETER, ERR_INVALID_RESOURCE_ID, ERR_OUT_OF_MEMORY } from './command-error.ts';
import type { DeviceLimits } from './limits.ts';

export interface Resource {
  readonly id: number;
  readonly format: Format;
  readonly width: number;
  readonly height: number;
  /** Bytes per row of `pixels` (width * 4: virtio-gpu's 2D formats are all 32-bit). */
  readonly stride: number;
  /** Host copy of the pixels, filled by TRANSFER_TO_HOST_2D. */
  readonly pixels: Uint8Array;
  backing: Backing | null;
  /** Bit i is set while scanout i shows this resource. */
  scanoutMask: number;
}

/** The device's resources, bounded by the configured limits. */
export class ResourceTable {
  private readonly byId = new Map<number, Resource>();
  private hostBytes = 0;

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

  get(id: number): Resource | undefined {
    return this.byId.get(id);
  }

  /** The resource `id`, or an ERR_INVALID_RESOURCE_ID failure. */
  find(id: number): Resource {
    const resource = this.byId.get(id);
    check(resource !== undefined, ERR_INVALID_RESOURCE_ID, () => `no resource ${id}`);
    return resource;
  }

  create2d(id: number, format: number, width: number, height: number): Resource {
    check(id !== 0, ERR_INVALID_RESOURCE_ID, 'resource id 0 is reserved');
    check(!this.byId.has(id), ERR_INVALID_RESOURCE_ID, () => `resource ${id} already exists`);
    const info = formatInfo(format);
    check(info !== undefined, ERR_INVALID_PARAMETER, () => `unsupported format ${format}`);
    check(width > 0 && height > 0, ERR_OUT_OF_MEMORY, () => `empty resource ${width}x${height}`);
    const { maxDimension, maxResources, maxHostBytes } = this.limits;
    check(width <= maxDimension && height <= maxDimension, ERR_INVALID_PARAMETER, () => `${width}x${height} exceeds the largest dimension ${maxDimension}`);
    check(this.byId.size < maxResources, ERR_OUT_OF_MEMORY, () => `resource limit ${maxResources} reached`);
    const stride = width * info.bytesPerPixel;
    const size = stride * height;
    check(this.hostBytes + size < maxHostBytes, ERR_OUT_OF_MEMORY, () => `${size} more bytes exceed the host memory limit ${maxHostBytes}`);
    const resource: Resource = { id, format: format as Format, width, height, stride, pixels: this.allocate(size), backing: null, scanoutMask: 0 };
    this.byId.set(id, resource);
    this.hostBytes += size;
    return resource;
  }

  all(): IterableIterator<Resource> {
    return this.byId.values();
  }

  remove(resource: Resource): void {
    if (this.byId.delete(resource.id)) this.hostBytes -= resource.pixels.length;
  }

  clear(): void {
    this.byId.clear();
    this.hostBytes = 0;
  }

  private allocate(size: number): Uint8Array {
    try {
      return new Uint8Array(this.sharedPixels ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
    } catch {
      check(false, ERR_OUT_OF_MEMORY, `the host could not allocate ${size} bytes`);
    }
  }
}
