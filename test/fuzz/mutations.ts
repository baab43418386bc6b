/**
 * The mutations every fuzz level shares: edits of a sequence (the guest's
 * requests, a stream's commands, a shader's lines) and changes to the bytes
 * of one item. Positions are taken modulo the item's length, so a mutation
 * generated without knowing its target still lands inside it.
 */
import fc from 'fast-check';

export type Mutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'truncate'; readonly to: number }
  | { readonly kind: 'append'; readonly bytes: Uint8Array }
  | { readonly kind: 'flip'; readonly at: number; readonly value: number }
  | { readonly kind: 'bit'; readonly at: number; readonly bit: number }
  | { readonly kind: 'word'; readonly at: number; readonly value: number };

/** Dword values at the edges of what length, count and index fields expect. */
export const U32_EDGES: readonly number[] = [0, 1, 2, 15, 16, 17, 63, 64, 65, 255, 256, 4095, 4096, 8191, 8192, 8193, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff];
export const u32 = fc.oneof(fc.constantFrom(...U32_EDGES), fc.nat({ max: 0xffff_ffff }));

export interface MutationSpace {
  /** Truncation points and byte positions reach this far. */
  readonly reach: number;
  /** Also flip single bits and overwrite aligned dwords with edge values. */
  readonly dwords?: boolean;
}

/** Mostly no change, else one change to the bytes within `reach`. */
export function mutationOf({ reach, dwords = false }: MutationSpace): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: reach });
  const byteChanges: fc.Arbitrary<Mutation>[] = [
    fc.record({ kind: fc.constant('truncate' as const), to: at }),
    fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
    fc.record({ kind: fc.constant('flip' as const), at, value: fc.nat({ max: 255 }) }),
  ];
  const dwordChanges: fc.Arbitrary<Mutation>[] = dwords ? [fc.record({ kind: fc.constant('bit' as const), at, bit: fc.nat({ max: 7 }) }), fc.record({ kind: fc.constant('word' as const), at, value: u32 })] : [];
  return fc.oneof({ weight: 3, arbitrary: fc.constant({ kind: 'none' } as const) }, ...byteChanges, ...dwordChanges);
}

export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'none': return bytes;
    case 'truncate': return bytes.slice(0, Math.min(bytes.length, m.to));
    case 'append': return Uint8Array.from([...bytes, ...m.bytes]);
    case 'flip':
    case 'bit': {
      const out = bytes.slice();
      if (out.length) out[m.at % out.length] = m.kind === 'flip' ? m.value : (out[m.at % out.length] as number) ^ (1 << m.bit);
      return out;
    }
    case 'word': {
      const out = bytes.slice();
      const words = out.length >>> 2;
      if (words) new DataView(out.buffer).setUint32((m.at % words) * 4, m.value, true);
      return out;
    }
  }
}

export type Edit<C> = { readonly at: number; readonly kind: 'drop' | 'repeat' | 'swap' } | { readonly at: number; readonly kind: 'change'; readonly change: C };

/** Up to `maxLength` edits at positions below `reach`; one in four changes an item with `change`. */
export function editsOf<C>(change: fc.Arbitrary<C>, reach: number, maxLength: number): fc.Arbitrary<Edit<C>[]> {
  const at = fc.nat({ max: reach });
  return fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ at, kind: fc.constantFrom('drop' as const, 'repeat' as const, 'swap' as const) }) },
      { weight: 1, arbitrary: fc.record({ at, kind: fc.constant('change' as const), change }) },
    ),
    { maxLength },
  );
}

/** `items` with items dropped, repeated in place, swapped with the next one, or changed by `apply`. */
export function applyEdits<T, C>(items: readonly T[], edits: readonly Edit<C>[], apply: (item: T, change: C) => T): T[] {
  const out = items.slice();
  for (const e of edits) {
    if (out.length === 0) break;
    const i = e.at % out.length;
    const item = out[i] as T;
    if (e.kind === 'change') out[i] = apply(item, e.change);
    else if (e.kind === 'drop') out.splice(i, 1);
    else if (e.kind === 'repeat') out.splice(i, 0, item);
    else out.splice(i, 2, ...out.slice(i, i + 2).reverse());
  }
  return out;
}
