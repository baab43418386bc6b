/**
 * Validation of virgl resources and transfers: which targets, formats and
 * sizes the device takes, how many host bytes a resource may cost, and how
 * far into its backing a transfer reaches. Failures are CommandErrors.
 */
import { VIRGL_FORMATS, VIRGL_SCANOUT_FORMATS, VirglTarget } from '../protocol/virgl-formats.ts';
import type { Box3d, Resource3dParams, Transfer3d } from '../renderers/renderer-3d.ts';
import { formatInfo, type FormatInfo } from '../protocol/formats.ts';
import { check, fail, ERR_INVALID_PARAMETER } from './command-error.ts';
import type { DeviceLimits } from './limits.ts';

/** The most layers of an array texture the device takes. */
export const MAX_ARRAY_LAYERS = 2048;
const CUBE_FACES = 6;

/** Checks `p` and returns the host bytes its storage takes (all levels and layers). */
export function validateResource3d(p: Resource3dParams, limits: DeviceLimits): number {
  const format = VIRGL_FORMATS.get(p.format);
  if (!format) fail(ERR_INVALID_PARAMETER, `virgl format ${p.format} is not offered`);
  check(p.target <= VirglTarget.TEXTURE_CUBE_ARRAY, ERR_INVALID_PARAMETER, () => `unknown target ${p.target}`);
  check(p.width > 0 && p.height > 0 && p.depth > 0 && p.arraySize > 0, ERR_INVALID_PARAMETER, () => `empty resource ${sizeText(p)}`);
  check(p.nrSamples <= 1, ERR_INVALID_PARAMETER, () => `${p.nrSamples} samples: the device offers single-sampled resources only`);
  if (p.target === VirglTarget.BUFFER) {
    check(p.height === 1 && p.depth === 1 && p.arraySize === 1 && p.lastLevel === 0, ERR_INVALID_PARAMETER, () => `buffer of ${sizeText(p)} with ${p.lastLevel + 1} levels`);
    check(p.width < limits.maxHostBytes, ERR_INVALID_PARAMETER, () => `buffer of ${p.width} bytes exceeds the host memory limit`);
    return p.width;
  }
  const { maxDimension } = limits;
  check(p.width <= maxDimension && p.height <= maxDimension && p.depth <= maxDimension, ERR_INVALID_PARAMETER, () => `${sizeText(p)} exceeds the largest dimension ${maxDimension}`);
  check(p.arraySize <= MAX_ARRAY_LAYERS, ERR_INVALID_PARAMETER, () => `${p.arraySize} layers exceed ${MAX_ARRAY_LAYERS}`);
  const oneD = p.target === VirglTarget.TEXTURE_1D || p.target === VirglTarget.TEXTURE_1D_ARRAY;
  const arrayed = p.target === VirglTarget.TEXTURE_1D_ARRAY || p.target === VirglTarget.TEXTURE_2D_ARRAY || p.target === VirglTarget.TEXTURE_CUBE_ARRAY;
  const cube = p.target === VirglTarget.TEXTURE_CUBE || p.target === VirglTarget.TEXTURE_CUBE_ARRAY;
  check(!oneD || p.height === 1, ERR_INVALID_PARAMETER, () => `1D resource of height ${p.height}`);
  check(p.target === VirglTarget.TEXTURE_3D || p.depth === 1, ERR_INVALID_PARAMETER, () => `depth ${p.depth} on a target that has none`);
  check(arrayed || p.arraySize === 1 || (p.target === VirglTarget.TEXTURE_CUBE && p.arraySize === CUBE_FACES), ERR_INVALID_PARAMETER, () => `${p.arraySize} layers on target ${p.target}`);
  check(!cube || p.width === p.height, ERR_INVALID_PARAMETER, () => `cube faces of ${p.width}x${p.height}`);
  check(p.target !== VirglTarget.TEXTURE_CUBE_ARRAY || p.arraySize % CUBE_FACES === 0, ERR_INVALID_PARAMETER, () => `cube array of ${p.arraySize} layers`);
  const levels = 1 + Math.floor(Math.log2(Math.max(p.width, p.height, p.depth)));
  check(p.lastLevel < levels, ERR_INVALID_PARAMETER, () => `last level ${p.lastLevel} of a ${sizeText(p)} resource (it has ${levels})`);
  const layers = cube && p.target === VirglTarget.TEXTURE_CUBE ? CUBE_FACES : p.arraySize;
  let texels = 0;
  for (let level = 0; level <= p.lastLevel; level++) texels += levelSize(p.width, level) * levelSize(p.height, level) * levelSize(p.depth, level);
  return texels * layers * format.bytesPerTexel;
}

/** True for resources a scanout can show: single-level 2D images in one of the scanout formats. */
export function isDisplayable(p: Resource3dParams): boolean {
  return (p.target === VirglTarget.TEXTURE_2D || p.target === VirglTarget.TEXTURE_RECT) && VIRGL_SCANOUT_FORMATS.includes(p.format) && p.lastLevel === 0 && p.arraySize === 1;
}

/**
 * Checks that the transfer's box lies inside its level of the resource and
 * that the guest rows it reads or writes (from `offset`, `stride` and
 * `layerStride` apart; 0 means the level's own pitch, as virglrenderer reads
 * it) lie inside a backing of `backingBytes`; then puts the effective pitches
 * into the transfer.
 */
export function checkTransfer3d(p: Resource3dParams, t: Transfer3d, backingBytes: number): void {
  const { box, level, offset } = t;
  // 2D resources (virtio-gpu's 32-bit formats) are images too when virgl is on.
  const bytesPerTexel = VIRGL_FORMATS.get(p.format)?.bytesPerTexel ?? (formatInfo(p.format) as FormatInfo).bytesPerPixel;
  check(level <= p.lastLevel, ERR_INVALID_PARAMETER, () => `level ${level} of a resource with ${p.lastLevel + 1}`);
  const isBuffer = p.target === VirglTarget.BUFFER;
  const width = isBuffer ? p.width : levelSize(p.width, level);
  const height = levelSize(p.height, level);
  const layers = p.target === VirglTarget.TEXTURE_3D ? levelSize(p.depth, level) : p.target === VirglTarget.TEXTURE_CUBE ? CUBE_FACES : p.arraySize;
  const inside = (start: number, size: number, limit: number) => size > 0 && start + size <= limit;
  check(inside(box.x, box.w, width) && inside(box.y, box.h, height) && inside(box.z, box.d, layers), ERR_INVALID_PARAMETER, () => `box ${boxText(box)} outside level ${level} (${width}x${height}x${layers})`);
  const rowBytes = isBuffer ? box.w : box.w * bytesPerTexel;
  const rows = t.stride === 0 ? (isBuffer ? width : width * bytesPerTexel) : t.stride;
  const layerBytes = t.layerStride === 0 ? rows * height : t.layerStride;
  check(rows >= rowBytes && layerBytes >= rows * (box.h - 1) + rowBytes, ERR_INVALID_PARAMETER, () => `stride ${t.stride} / layer stride ${t.layerStride} too small for box ${boxText(box)}`);
  const end = offset + (box.d - 1) * layerBytes + (box.h - 1) * rows + rowBytes;
  check(Number.isSafeInteger(end) && end <= backingBytes, ERR_INVALID_PARAMETER, () => `transfer of box ${boxText(box)} at offset ${offset} reaches byte ${end} of a ${backingBytes} byte backing`);
  t.stride = rows;
  t.layerStride = layerBytes;
}

function levelSize(size: number, level: number): number {
  return Math.max(1, Math.floor(size / 2 ** level));
}

function sizeText(p: Resource3dParams): string {
  return `${p.width}x${p.height}x${p.depth}[${p.arraySize}]`;
}

function boxText(b: Box3d): string {
  return `${b.w}x${b.h}x${b.d}+${b.x}+${b.y}+${b.z}`;
}
