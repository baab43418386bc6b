/**
 * The pictures a trace replay takes (flushed scanouts and readbacks), named
 * as the reference replayer names its PNGs, and the one thing it asks of a
 * renderer to take them: a resource's pixels as RGBA8.
 */
import { formatInfo } from '../protocol/formats.ts';
import { convertToRgba } from '../presenters/pixel-convert.ts';
import type { Renderer3d } from '../renderers/renderer-3d.ts';
import type { ReplayReport } from './replay-report.ts';
import { bytesBacking, type ReplayResource } from './replay-resources.ts';
import type { BlobLayout, ReplayScanout } from './replay-scanouts.ts';

export interface Picture {
  /** The reference's file name: `frame-%05d-s%u-r%u.png` or `readback-%05d-r%u.png`. */
  name: string;
  width: number;
  height: number;
  /** `width` × `height` RGBA8 pixels, rows top first. */
  rgba: Uint8Array;
  /** For a picture the renderer gave: the resource, and the box's corner in it. */
  source?: { resourceId: number; x: number; y: number };
}

export interface FrameSource {
  /**
   * A rectangle of level 0, layer `z`, of resource `resourceId` as RGBA8
   * (`width` × `height` × 4 bytes, the replay's to keep): rows in the order a
   * TRANSFER_FROM_HOST_3D of the same box lays them in a backing (row `y`
   * first), each pixel read as `format` (one of virtio-gpu's eight 2D
   * formats) lays out its bytes, alpha 255 for the X formats. Null when the
   * renderer cannot read it (counted as a renderer error).
   */
  readPicture(resourceId: number, ctxId: number, format: number, x: number, y: number, z: number, width: number, height: number): Promise<Uint8Array | null> | Uint8Array | null;
}

/** The reference writes at most this many pixels in one picture. */
const MAX_PICTURE_PIXELS = 2 ** 26;

export function frameName(frame: number, scanout: number, resourceId: number): string {
  return `frame-${String(frame).padStart(5, '0')}-s${scanout}-r${resourceId}.png`;
}

export function readbackName(readback: number, resourceId: number): string {
  return `readback-${String(readback).padStart(5, '0')}-r${resourceId}.png`;
}

/** Whether a picture of `format` at this size can be taken; the reasons it cannot are noted as the reference notes them (an empty one silently). */
export function picturable(report: ReplayReport, format: number, resourceId: number, width: number, height: number): boolean {
  if (!formatInfo(format)) {
    report.note('picture-format-unsupported', () => `format ${format} of resource ${resourceId} has no PNG mapping`);
    return false;
  }
  if (width === 0 || height === 0) return false;
  if (width * height > MAX_PICTURE_PIXELS) {
    report.note('picture-too-large', () => `${width}x${height} pixels: not written`);
    return false;
  }
  return true;
}

/** `width` × `height` pixels of `format` from `bytes`, rows `stride` apart from `offset`, as RGBA8. */
function rgbaOf(bytes: Uint8Array, offset: number, stride: number, format: number, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  convertToRgba({ format, pixels: bytes.subarray(offset), stride, x: 0, y: 0, width, height }, rgba, width * 4, 0, 0, false);
  return rgba;
}

/** A picture of a guest blob's backing, the way its scanout lays it out; null when it cannot be taken (noted). */
export function blobPicture(report: ReplayReport, name: string, r: ReplayResource, s: ReplayScanout, blob: BlobLayout): Picture | null {
  const { width, height } = s;
  if (!picturable(report, blob.format, r.id, width, height)) return null;
  const first = blob.offset + s.y * blob.stride + s.x * 4;
  const end = first + (height - 1) * blob.stride + width * 4;
  const size = r.backing?.length ?? 0;
  if (!r.backing || end > size) {
    report.note('scanout-outside-backing', () => `scanout of resource ${r.id} reaches byte ${end} of a ${size}-byte backing`);
    return null;
  }
  return { name, width, height, rgba: rgbaOf(r.backing, first, blob.stride, blob.format, width, height) };
}

/**
 * A FrameSource for any renderer: the pixels come from its own
 * TRANSFER_FROM_HOST_3D into a scratch buffer, as the reference reads them
 * from virglrenderer.
 */
export function picturesByTransfer(renderer: Renderer3d): FrameSource {
  return {
    async readPicture(resourceId, ctxId, format, x, y, z, width, height) {
      const stride = width * 4;
      const pixels = new Uint8Array(stride * height);
      const box = { x, y, z, w: width, h: height, d: 1 };
      await renderer.transferFromHost({ ctxId, resourceId, level: 0, box, offset: 0, stride, layerStride: stride * height }, bytesBacking(pixels));
      return rgbaOf(pixels, 0, stride, format, width, height);
    },
  };
}
