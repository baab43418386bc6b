/**
 * Little-endian struct codecs for virtio-gpu wire structs.
 *
 * A struct is declared once as an ordered list of fields; its size, its
 * decoder and its encoder all follow from that declaration, so a layout can
 * never disagree with itself. Decoding into a caller-owned object keeps the
 * device's hot paths free of per-command allocation.
 */

export interface Codec<T> {
  readonly size: number;
  /** A fresh zero value, used as a reusable decode target. */
  zero(): T;
  /** Decodes at `offset`; the caller has checked `offset + size <= bytes.length`. */
  read(bytes: Uint8Array, offset: number, into: T): T;
  write(bytes: Uint8Array, offset: number, value: T): void;
}

export type ValueOf<C> = C extends Codec<infer T> ? T : never;

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

const TWO_32 = 0x1_0000_0000;

function scalar(size: number, read: (b: Uint8Array, o: number) => number, write: (b: Uint8Array, o: number, v: number) => void): Codec<number> {
  return { size, zero: () => 0, read: (b, o) => read(b, o), write };
}

export const u8: Codec<number> = scalar(1, (b, o) => b[o] as number, (b, o, v) => { b[o] = v & 0xff; });
export const u16: Codec<number> = scalar(
  2,
  (b, o) => (b[o] as number) | ((b[o + 1] as number) << 8),
  (b, o, v) => { b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; },
);
export const u32: Codec<number> = scalar(4, readU32, (b, o, v) => writeU32(b, o, v >>> 0));
/**
 * A u64 as a JS number: exact below 2^53. Larger values (never a valid
 * address, size or offset in guest memory) decode to a number >= 2^53, which
 * every range check rejects.
 */
export const u64: Codec<number> = scalar(
  8,
  (b, o) => readU32(b, o + 4) * TWO_32 + readU32(b, o),
  (b, o, v) => { writeU32(b, o, v % TWO_32); writeU32(b, o + 4, Math.floor(v / TWO_32)); },
);
/** A u64 that must round-trip exactly (fence ids, blob ids). */
export const u64big: Codec<bigint> = {
  size: 8,
  zero: () => 0n,
  read: (b, o) => {
    const hi = readU32(b, o + 4);
    const lo = readU32(b, o);
    if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  },
  write: (b, o, v) => {
    if (v === 0n) {
      b.fill(0, o, o + 8);
      return;
    }
    writeU32(b, o, Number(v & 0xffff_ffffn));
    writeU32(b, o + 4, Number((v >> 32n) & 0xffff_ffffn));
  },
};

/** Reserved bytes: written as zero, ignored when read. */
export function pad(size: number): Codec<undefined> {
  return {
    size,
    zero: () => undefined,
    read: () => undefined,
    write: (b, o) => { b.fill(0, o, o + size); },
  };
}

/** A fixed-length byte field; decoding returns a view, valid while the source bytes are. */
export function bytes(size: number): Codec<Uint8Array> {
  return {
    size,
    zero: () => new Uint8Array(size),
    read: (b, o) => b.subarray(o, o + size),
    write: (b, o, v) => {
      b.fill(0, o, o + size);
      b.set(v.subarray(0, size), o);
    },
  };
}

export function array<T>(element: Codec<T>, length: number): Codec<T[]> {
  return {
    size: element.size * length,
    zero: () => Array.from({ length }, () => element.zero()),
    read: (b, o, into) => {
      for (let i = 0; i < length; i++) into[i] = element.read(b, o + i * element.size, into[i] as T);
      return into;
    },
    write: (b, o, v) => {
      for (let i = 0; i < length; i++) element.write(b, o + i * element.size, v[i] ?? element.zero());
    },
  };
}

type Fields = readonly (readonly [string, Codec<unknown>])[];
type StructValue<F extends Fields> = {
  -readonly [E in F[number] as E[1] extends Codec<undefined> ? never : E[0]]: ValueOf<E[1]>;
};

export interface StructCodec<T> extends Codec<T> {
  /** Byte offset of each named field, for documentation and golden tests. */
  readonly offsets: Readonly<Record<string, number>>;
  decode(bytes: Uint8Array, offset?: number): T;
  encode(value: T): Uint8Array;
}

export function struct<const F extends Fields>(fields: F): StructCodec<StructValue<F>> {
  type T = StructValue<F>;
  const offsets: Record<string, number> = {};
  const layout: { name: string; codec: Codec<unknown>; offset: number; skip: boolean }[] = [];
  let size = 0;
  for (const [name, codec] of fields) {
    offsets[name] = size;
    layout.push({ name, codec, offset: size, skip: codec.zero() === undefined });
    size += codec.size;
  }
  const { read, write } = compile<T>(layout);
  const codec: StructCodec<T> = {
    size,
    offsets,
    zero() {
      const out: Record<string, unknown> = {};
      for (const f of layout) if (!f.skip) out[f.name] = f.codec.zero();
      return out as T;
    },
    read,
    write,
    decode(b, o = 0) {
      return codec.read(b, o, codec.zero());
    },
    encode(value) {
      const out = new Uint8Array(size);
      codec.write(out, 0, value);
      return out;
    },
  };
  return codec;
}

type Layout = { name: string; codec: Codec<unknown>; offset: number; skip: boolean }[];
type Reader<T> = (b: Uint8Array, o: number, into: T) => T;
type Writer<T> = (b: Uint8Array, o: number, value: T) => void;

/**
 * A struct's reader and writer. Generated once per struct with constant
 * property names, which keeps V8's property access monomorphic on the
 * per-command path; where a page's CSP forbids code generation, the same
 * work is done by a loop over the layout.
 */
function compile<T>(layout: Layout): { read: Reader<T>; write: Writer<T> } {
  const fields = layout.map((f) => f.codec);
  const key = (name: string) => JSON.stringify(name);
  const readBody = layout.filter((f) => !f.skip).map((f) => `into[${key(f.name)}] = c[${layout.indexOf(f)}].read(b, o + ${f.offset}, into[${key(f.name)}]);`);
  const writeBody = layout.map((f, i) => `c[${i}].write(b, o + ${f.offset}, ${f.skip ? 'undefined' : `v[${key(f.name)}]`});`);
  try {
    const read = new Function('c', `return function read(b, o, into) { ${readBody.join(' ')} return into; }`)(fields) as Reader<T>;
    const write = new Function('c', `return function write(b, o, v) { ${writeBody.join(' ')} }`)(fields) as Writer<T>;
    return { read, write };
  } catch {
    return {
      read: (b, o, into) => {
        const out = into as Record<string, unknown>;
        for (const f of layout) if (!f.skip) out[f.name] = f.codec.read(b, o + f.offset, out[f.name]);
        return into;
      },
      write: (b, o, value) => {
        const v = value as Record<string, unknown>;
        for (const f of layout) f.codec.write(b, o + f.offset, f.skip ? undefined : v[f.name]);
      },
    };
  }
}
