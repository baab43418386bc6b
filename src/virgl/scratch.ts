/** Reusable argument structures several decoders share, and the readers that fill them. */
import type { Box, ColorValue, TransferRegion } from './commands.ts';
import type { Cursor } from './cursor.ts';
import { TransferBox } from './protocol.ts';

/** A scratch structure as its decoder sees it: the sink's readonly view, writable. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function colorValue(): ColorValue {
  const buffer = new ArrayBuffer(16);
  return { u32: new Uint32Array(buffer), i32: new Int32Array(buffer), f32: new Float32Array(buffer) };
}

export function box(): Box {
  return { x: 0, y: 0, z: 0, width: 0, height: 0, depth: 0 };
}

export function transferRegion(): TransferRegion {
  return { resource: 0, level: 0, usage: 0, stride: 0, layerStride: 0, box: box() };
}

/** Copies `count` dwords from field `first` into `into`. */
export function copyDwords(c: Cursor, first: number, count: number, into: Uint32Array): void {
  const at = c.dword(first);
  for (let i = 0; i < count; i++) into[i] = c.u32[at + i]!;
}

export function readColor(c: Cursor, first: number, into: ColorValue): void {
  copyDwords(c, first, 4, into.u32);
}

/** x, y, z, width, height, depth from field `first`; signed where a negative size means a mirrored blit. */
export function readBox(c: Cursor, first: number, into: Box, signed: boolean): void {
  const words = signed ? c.i32 : c.u32;
  const at = c.dword(first);
  into.x = words[at]!;
  into.y = words[at + 1]!;
  into.z = words[at + 2]!;
  into.width = words[at + 3]!;
  into.height = words[at + 4]!;
  into.depth = words[at + 5]!;
}

/** The resource, level, usage, strides and box RESOURCE_INLINE_WRITE, TRANSFER3D and COPY_TRANSFER3D start with. */
export function readTransferRegion(c: Cursor, into: TransferRegion): void {
  into.resource = c.u(TransferBox.RESOURCE);
  into.level = c.u(TransferBox.LEVEL);
  into.usage = c.u(TransferBox.USAGE);
  into.stride = c.u(TransferBox.STRIDE);
  into.layerStride = c.u(TransferBox.LAYER_STRIDE);
  readBox(c, TransferBox.X, into.box, false);
}
