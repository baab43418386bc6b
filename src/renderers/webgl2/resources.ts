/**
 * The WebGL2 storage of every virgl resource and the transfers in and out of
 * it. Textures keep gallium's memory order (row 0 of a level is its top row,
 * as the guest's bytes and the scanout have it). Buffers keep their bytes on
 * the CPU as well, because WebGL2 lets a buffer serve as index data or as
 * anything else, never both, and cannot map one for reading: a GL buffer for
 * vertex and uniform data and another for index data are filled from that
 * copy when they are used after a change. Transform feedback writes the GL
 * copy instead; the CPU copy reads that range back (getBufferSubData) before
 * anything reads or writes its bytes, through `bytesOf`.
 */
import type { SharedTexture } from '../../presenters/compositing-presenter.ts';
import { VirglTarget } from '../../protocol/virgl-formats.ts';
import type { BackingAccess, Resource3dParams, Transfer3d } from '../renderer-3d.ts';
import { glFormat, GL, type GlFormat } from './formats.ts';
import { guestToGl, readToGuest } from './pixel-layout.ts';

const TEXTURE_2D = 0x0de1;
const TEXTURE_3D = 0x806f;
const TEXTURE_2D_ARRAY = 0x8c1a;
const TEXTURE_CUBE_MAP = 0x8513;
const TEXTURE_CUBE_MAP_POSITIVE_X = 0x8515;

/** Bytes [start, end) of a buffer; empty when start >= end. */
interface ByteRange {
  start: number;
  end: number;
}

/** A GL copy of a buffer's bytes, and the bytes it lacks. */
interface GlCopy {
  buffer: WebGLBuffer | null;
  readonly stale: ByteRange;
}

export interface BufferResource {
  readonly kind: 'buffer';
  readonly id: number;
  /** The CPU copy; read or write it only through GlResources.bytesOf, which brings it up to date first. */
  readonly bytes: Uint8Array;
  readonly data: GlCopy;
  readonly index: GlCopy;
  /** What transform feedback wrote into `data` that `bytes` lacks. */
  readonly gpuWritten: ByteRange;
}

export interface TextureResource {
  readonly kind: 'texture';
  readonly id: number;
  readonly params: Resource3dParams;
  readonly format: GlFormat;
  /** TEXTURE_2D (also 1D and RECT), TEXTURE_3D, TEXTURE_2D_ARRAY (also 1D arrays) or TEXTURE_CUBE_MAP. */
  readonly target: number;
  readonly texture: WebGLTexture;
  readonly levels: number;
  /** Level 0 as a surface sharing the context shows it (one object, so that a present allocates nothing). */
  readonly shown: SharedTexture;
}

export type GlResource = BufferResource | TextureResource;

/** What WebGL2 makes of a gallium target; null for those it has no form of. */
function glTarget(target: number): number | null {
  switch (target) {
    case VirglTarget.TEXTURE_1D:
    case VirglTarget.TEXTURE_2D:
    case VirglTarget.TEXTURE_RECT:
      return TEXTURE_2D;
    case VirglTarget.TEXTURE_3D:
      return TEXTURE_3D;
    case VirglTarget.TEXTURE_1D_ARRAY:
    case VirglTarget.TEXTURE_2D_ARRAY:
      return TEXTURE_2D_ARRAY;
    case VirglTarget.TEXTURE_CUBE:
      return TEXTURE_CUBE_MAP;
    default:
      return null;
  }
}

/** Grows on demand and is reused: transfers allocate only when a larger one than any before comes. */
class Scratch {
  private buffer = new ArrayBuffer(0);

  bytes(length: number): Uint8Array {
    if (this.buffer.byteLength < length) this.buffer = new ArrayBuffer(Math.max(length, this.buffer.byteLength * 2));
    return new Uint8Array(this.buffer, 0, length);
  }
}

export class GlResources {
  private readonly resources = new Map<number, GlResource>();
  private readonly scratch = new Scratch();
  private readonly readScratch = new Scratch();
  private readonly readFramebuffer: WebGLFramebuffer;
  private readAttachment = 0;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly log: (message: string) => void,
  ) {
    this.readFramebuffer = gl.createFramebuffer();
  }

  get(id: number): GlResource | undefined {
    return this.resources.get(id);
  }

  create(id: number, params: Resource3dParams): void {
    this.destroy(id);
    if (params.target === VirglTarget.BUFFER) {
      const fresh = (): GlCopy => ({ buffer: null, stale: { start: 0, end: 0 } });
      this.resources.set(id, { kind: 'buffer', id, bytes: new Uint8Array(params.width), data: fresh(), index: fresh(), gpuWritten: { start: 0, end: 0 } });
      return;
    }
    const format = glFormat(params.format);
    const target = glTarget(params.target);
    if (!format || target === null) {
      this.log(`virgl: resource ${id} has ${format ? `target ${params.target}` : `format ${params.format}`}, which WebGL2 cannot store; its draws and transfers are skipped`);
      return;
    }
    const { gl } = this;
    const texture = gl.createTexture();
    const levels = params.lastLevel + 1;
    gl.bindTexture(target, texture);
    if (target === TEXTURE_3D || target === TEXTURE_2D_ARRAY) {
      gl.texStorage3D(target, levels, format.internalFormat, params.width, params.height, target === TEXTURE_3D ? params.depth : params.arraySize);
    } else {
      gl.texStorage2D(target, levels, format.internalFormat, params.width, params.height);
    }
    // Sampler objects set filtering per draw; a texture alone must still be complete for its levels.
    gl.texParameteri(target, gl.TEXTURE_MAX_LEVEL, params.lastLevel);
    gl.bindTexture(target, null);
    this.resources.set(id, { kind: 'texture', id, params, format, target, texture, levels, shown: { texture, width: params.width, height: params.height } });
  }

  destroy(id: number): void {
    const resource = this.resources.get(id);
    if (!resource) return;
    this.resources.delete(id);
    if (resource.kind === 'texture') this.gl.deleteTexture(resource.texture);
    else for (const copy of [resource.data, resource.index]) if (copy.buffer) this.gl.deleteBuffer(copy.buffer);
  }

  /** The guest's bytes of the box go into the resource (the device has checked the box and the backing). */
  transferToHost(t: Transfer3d, backing: BackingAccess): void {
    const resource = this.resources.get(t.resourceId);
    if (!resource) return;
    if (resource.kind === 'buffer') {
      const { x, w } = t.box;
      backing.read(t.offset, this.bytesOf(resource).subarray(x, x + w));
      this.changed(resource, x, x + w);
      return;
    }
    const { gl } = this;
    const { box, level } = t;
    const { format, target } = resource;
    const rowBytes = box.w * format.bytesPerTexel;
    const layer = this.scratch.bytes(rowBytes * box.h);
    gl.bindTexture(target, resource.texture);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    for (let z = 0; z < box.d; z++) {
      for (let row = 0; row < box.h; row++) backing.read(t.offset + z * t.layerStride + row * t.stride, layer.subarray(row * rowBytes, (row + 1) * rowBytes));
      guestToGl(format, layer, box.w * box.h);
      const pixels = texelView(format, layer);
      if (target === TEXTURE_3D || target === TEXTURE_2D_ARRAY) {
        gl.texSubImage3D(target, level, box.x, box.y, box.z + z, box.w, box.h, 1, format.format, format.type, pixels);
      } else {
        const face = target === TEXTURE_CUBE_MAP ? TEXTURE_CUBE_MAP_POSITIVE_X + box.z + z : target;
        gl.texSubImage2D(face, level, box.x, box.y, box.w, box.h, format.format, format.type, pixels);
      }
    }
    gl.bindTexture(target, null);
  }

  /** The resource's box goes into the guest's backing, packed in the resource's format. */
  transferFromHost(t: Transfer3d, backing: BackingAccess): void {
    const resource = this.resources.get(t.resourceId);
    if (!resource) return;
    if (resource.kind === 'buffer') {
      backing.write(t.offset, this.bytesOf(resource).subarray(t.box.x, t.box.x + t.box.w));
      return;
    }
    const { format } = resource;
    if (format.channels.length === 0) {
      this.log(`virgl: reading back format ${format.virgl} (resource ${resource.id}) is not supported; the guest keeps its old bytes`);
      return;
    }
    const { box } = t;
    const rowBytes = box.w * format.bytesPerTexel;
    const row = this.scratch.bytes(rowBytes);
    const out = new DataView(row.buffer, row.byteOffset, rowBytes);
    for (let z = 0; z < box.d; z++) {
      const read = this.readPixels(resource, t.level, box.z + z, box.x, box.y, box.w, box.h);
      if (!read) return;
      for (let y = 0; y < box.h; y++) {
        readToGuest(format, read.subarray(y * box.w * 4, (y + 1) * box.w * 4), box.w, out, 0);
        backing.write(t.offset + z * t.layerStride + y * t.stride, row);
      }
    }
  }

  /**
   * Why a transfer of `t` (from a source of `available` bytes) cannot be done,
   * or null; a stride or layer stride of 0 becomes the box's own (tight) one.
   * For transfers the device has not checked (the stream's inline writes).
   */
  checkTransfer(resource: GlResource, t: Transfer3d, available: number): string | null {
    const { box, level } = t;
    const fits = (start: number, size: number, limit: number): boolean => start >= 0 && size > 0 && start + size <= limit;
    if (resource.kind === 'buffer') {
      if (level !== 0 || !fits(box.x, box.w, resource.bytes.length) || box.h !== 1 || box.d !== 1) return `box ${box.w}+${box.x} outside a buffer of ${resource.bytes.length} bytes`;
      return box.w <= available ? null : `${box.w} bytes wanted, ${available} given`;
    }
    const p = resource.params;
    if (level < 0 || level >= resource.levels) return `level ${level} of ${resource.levels}`;
    const layers = resource.target === TEXTURE_3D ? Math.max(1, p.depth >> level) : resource.target === TEXTURE_CUBE_MAP ? 6 : p.arraySize;
    if (!fits(box.x, box.w, Math.max(1, p.width >> level)) || !fits(box.y, box.h, Math.max(1, p.height >> level)) || !fits(box.z, box.d, layers)) return `box outside level ${level}`;
    const rowBytes = box.w * resource.format.bytesPerTexel;
    t.stride ||= rowBytes;
    t.layerStride ||= t.stride * box.h;
    if (t.stride < rowBytes || t.layerStride < t.stride * box.h) return `stride ${t.stride} or layer stride ${t.layerStride} too small`;
    const end = t.offset + (box.d - 1) * t.layerStride + (box.h - 1) * t.stride + rowBytes;
    return end <= available ? null : `${end} bytes wanted, ${available} given`;
  }

  /** Binds the read framebuffer with a level and layer of `resource` attached (colour, or depth and stencil); undo with releaseReadFramebuffer. */
  readFramebufferFor(resource: TextureResource, level: number, layer: number): WebGLFramebuffer {
    const { gl } = this;
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, this.readFramebuffer);
    this.readAttachment = resource.format.depth ? (resource.format.stencil ? gl.DEPTH_STENCIL_ATTACHMENT : gl.DEPTH_ATTACHMENT) : gl.COLOR_ATTACHMENT0;
    this.attach(gl.READ_FRAMEBUFFER, this.readAttachment, resource, level, layer);
    if (!resource.format.depth) gl.readBuffer(gl.COLOR_ATTACHMENT0);
    return this.readFramebuffer;
  }

  releaseReadFramebuffer(): void {
    const { gl } = this;
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, this.readFramebuffer);
    this.attach(gl.READ_FRAMEBUFFER, this.readAttachment, null, 0, 0);
    gl.bindFramebuffer(gl.READ_FRAMEBUFFER, null);
  }

  /**
   * Reads a box of one layer back as RGBA in the read kind of its format
   * (bytes, floats or integers), rows from the top; null when it cannot be
   * read (depth, packed formats). The array is reused by the next read.
   */
  readPixels(resource: TextureResource, level: number, layer: number, x: number, y: number, w: number, h: number): ReadView | null {
    const { gl } = this;
    const { format } = resource;
    if (format.read === 'none') return null;
    this.readFramebufferFor(resource, level, layer);
    const count = w * h * 4;
    const bytes = this.readScratch.bytes(count * (format.read === 'unorm8' ? 1 : 4));
    const [View, readFormat, readType] = READS[format.read];
    const result = new View(bytes.buffer, 0, count);
    gl.pixelStorei(gl.PACK_ALIGNMENT, 1);
    gl.readPixels(x, y, w, h, readFormat, readType, result);
    this.releaseReadFramebuffer();
    return result;
  }

  /** Attaches a level (and layer or face) of a texture resource to the bound framebuffer `target`; null detaches. */
  attach(target: number, attachment: number, resource: TextureResource | null, level: number, layer: number): void {
    const { gl } = this;
    if (!resource) {
      gl.framebufferTexture2D(target, attachment, TEXTURE_2D, null, 0);
      return;
    }
    if (resource.target === TEXTURE_3D || resource.target === TEXTURE_2D_ARRAY) gl.framebufferTextureLayer(target, attachment, resource.texture, level, layer);
    else gl.framebufferTexture2D(target, attachment, resource.target === TEXTURE_CUBE_MAP ? TEXTURE_CUBE_MAP_POSITIVE_X + layer : TEXTURE_2D, resource.texture, level);
  }

  /** The buffer's GL copy for vertex and uniform data, brought up to date. */
  dataBuffer(resource: BufferResource): WebGLBuffer {
    return this.fill(resource, resource.data, this.gl.COPY_WRITE_BUFFER, true);
  }

  /** Binds the buffer's GL copy for index data, brought up to date, to ELEMENT_ARRAY_BUFFER (of the bound vertex array). */
  bindIndexBuffer(resource: BufferResource): void {
    this.bytesOf(resource);
    this.fill(resource, resource.index, this.gl.ELEMENT_ARRAY_BUFFER, false);
  }

  /** The buffer's CPU copy, with what transform feedback wrote read back into it first. */
  bytesOf(resource: BufferResource): Uint8Array {
    const written = resource.gpuWritten;
    if (written.start < written.end && resource.data.buffer) {
      const { gl } = this;
      gl.bindBuffer(gl.COPY_READ_BUFFER, resource.data.buffer);
      gl.getBufferSubData(gl.COPY_READ_BUFFER, written.start, resource.bytes, written.start, written.end - written.start);
      gl.bindBuffer(gl.COPY_READ_BUFFER, null);
      widen(resource.index.stale, written.start, written.end);
    }
    written.start = written.end = 0;
    return resource.bytes;
  }

  /** Bytes [start, end) of a buffer changed on the CPU side (a transfer or an inline write, into `bytesOf`). */
  changed(resource: BufferResource, start: number, end: number): void {
    widen(resource.data.stale, start, end);
    widen(resource.index.stale, start, end);
  }

  /** Transform feedback wrote bytes [start, end) of the buffer's GL copy for data. */
  gpuWrote(resource: BufferResource, start: number, end: number): void {
    widen(resource.gpuWritten, start, end);
  }

  /** Sends a copy the bytes it lacks (all of them when it is new) through `target`; index data stays bound there for the draw. */
  private fill(resource: BufferResource, copy: GlCopy, target: number, unbind: boolean): WebGLBuffer {
    const { gl } = this;
    if (!copy.buffer) {
      copy.buffer = gl.createBuffer();
      gl.bindBuffer(target, copy.buffer);
      gl.bufferData(target, resource.bytes, gl.DYNAMIC_DRAW);
    } else {
      gl.bindBuffer(target, copy.buffer);
      const { stale } = copy;
      if (stale.start < stale.end) gl.bufferSubData(target, stale.start, resource.bytes, stale.start, stale.end - stale.start);
    }
    copy.stale.start = copy.stale.end = 0;
    if (unbind) gl.bindBuffer(target, null);
    return copy.buffer;
  }
}

/** The smallest range holding `range` and bytes [start, end). */
function widen(range: ByteRange, start: number, end: number): void {
  if (range.start >= range.end) {
    range.start = start;
    range.end = end;
  } else {
    range.start = Math.min(range.start, start);
    range.end = Math.max(range.end, end);
  }
}

type ReadView = Uint8Array | Float32Array | Uint32Array | Int32Array;

/** What readPixels reads each kind of colour format as: WebGL2 allows exactly these. */
const READS: Readonly<Record<Exclude<GlFormat['read'], 'none'>, [new (buffer: ArrayBufferLike, offset: number, length: number) => ReadView, number, number]>> = {
  unorm8: [Uint8Array, GL.RGBA, GL.UNSIGNED_BYTE],
  float: [Float32Array, GL.RGBA, GL.FLOAT],
  uint: [Uint32Array, GL.RGBA_INTEGER, GL.UNSIGNED_INT],
  int: [Int32Array, GL.RGBA_INTEGER, GL.INT],
};

/** texSubImage wants the array type its `type` names: bytes for 8-bit types, 16-bit arrays for 16-bit types, 32-bit arrays for the rest. */
function texelView(format: GlFormat, bytes: Uint8Array): ArrayBufferView {
  switch (format.type) {
    case GL.UNSIGNED_BYTE:
      return bytes;
    case GL.BYTE:
      return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    case GL.UNSIGNED_SHORT:
    case GL.UNSIGNED_SHORT_5_6_5:
    case GL.HALF_FLOAT:
      return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
    case GL.SHORT:
      return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
    case GL.FLOAT:
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
    case GL.INT:
      return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
    default:
      return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
  }
}

