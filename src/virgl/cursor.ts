/**
 * Typed views over one submitted stream, and where in it the command being
 * decoded sits: the only reader of stream bytes. A stream in shared memory
 * may change while it is decoded, so decoders read each field once and
 * check and deliver what they read.
 */

const EMPTY = new ArrayBuffer(0);

export class Cursor {
  u32: Uint32Array = new Uint32Array(EMPTY);
  i32: Int32Array = new Int32Array(EMPTY);
  f32: Float32Array = new Float32Array(EMPTY);
  /** The stream's whole dwords as bytes. */
  u8: Uint8Array = new Uint8Array(EMPTY);
  private data: DataView = new DataView(EMPTY);
  /** Dword index of the current command's header. */
  at = 0;
  /** Dwords after the current command's header. */
  length = 0;
  /** The current command's object type field (object commands only). */
  objectType = 0;
  private source: ArrayBufferLike = EMPTY;
  private sourceOffset = 0;
  private dwords = 0;
  /** Where a stream that does not start on a dword boundary is copied, grown as needed. */
  private aligned = new ArrayBuffer(0);

  /** Points the views at `bytes` (copying them first if they are not dword-aligned); returns how many whole dwords they hold. */
  attach(bytes: Uint8Array): number {
    const dwords = bytes.byteLength >>> 2;
    if (bytes.byteOffset % 4 !== 0) {
      if (this.aligned.byteLength < dwords * 4) this.aligned = new ArrayBuffer(Math.max(dwords * 4, 2 * this.aligned.byteLength));
      new Uint8Array(this.aligned, 0, dwords * 4).set(bytes.subarray(0, dwords * 4));
      this.view(this.aligned, 0, dwords);
    } else if (bytes.buffer !== this.source || bytes.byteOffset !== this.sourceOffset || dwords !== this.dwords) {
      this.view(bytes.buffer, bytes.byteOffset, dwords);
    }
    this.at = 0;
    this.length = 0;
    return dwords;
  }

  /** Forgets the last stream, so that the views hold no guest memory alive. */
  detach(): void {
    this.view(EMPTY, 0, 0);
  }

  private view(buffer: ArrayBufferLike, offset: number, dwords: number): void {
    this.u32 = new Uint32Array(buffer, offset, dwords);
    this.i32 = new Int32Array(buffer, offset, dwords);
    this.f32 = new Float32Array(buffer, offset, dwords);
    this.u8 = new Uint8Array(buffer, offset, dwords * 4);
    this.data = new DataView(buffer, offset, dwords * 4);
    this.source = buffer;
    this.sourceOffset = offset;
    this.dwords = dwords;
  }

  /** Field `index` of the current command (0 is its header), unsigned. */
  u(index: number): number {
    return this.u32[this.at + index]!;
  }

  i(index: number): number {
    return this.i32[this.at + index]!;
  }

  f(index: number): number {
    return this.f32[this.at + index]!;
  }

  /** A little-endian double in fields `index` and `index + 1`. */
  f64(index: number): number {
    return this.data.getFloat64((this.at + index) * 4, true);
  }

  /** The index in `u32` and `f32` of field `index`. */
  dword(index: number): number {
    return this.at + index;
  }
}
