import { describe, expect, it } from 'vitest';
import { RangeDisk, type ReadRange } from '../../src/vm/range-disk.ts';

const CHUNK = 64 << 10;

/** An image of `size` bytes whose every byte says where it is, read through a log of the ranges asked for. */
function image(size: number, fail = 0) {
  const words = new Uint32Array(size / 4);
  for (let i = 0; i < words.length; i++) words[i] = i * 2654435761;
  const bytes = new Uint8Array(words.buffer);
  const asked: [number, number][] = [];
  let failures = fail;
  const read: ReadRange = async (start, length) => {
    asked.push([start, length]);
    await Promise.resolve();
    if (failures-- > 0) throw new Error('connection reset');
    return bytes.slice(start, start + length);
  };
  return { bytes, asked, read };
}

/** Where two byte arrays first differ (-1: nowhere); vitest's deep equality is slow on large arrays. */
function differsAt(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** v86's read as a promise; `sync` says whether the bytes came before `get` returned. */
function get(disk: RangeDisk, offset: number, length: number): Promise<{ data: Uint8Array; sync: boolean }> {
  return new Promise((resolve) => {
    let returned = false;
    disk.get(offset, length, (data) => resolve({ data: data.slice(), sync: !returned }));
    returned = true;
  });
}

describe('RangeDisk, the on-demand disk for v86', () => {
  it('gives the bytes of any range, across chunks and at the short last chunk, from the cache once fetched', async () => {
    const size = 10 * CHUNK + 4096;
    const img = image(size);
    const disk = new RangeDisk(img.read, size, { chunkBytes: CHUNK });
    for (const [offset, length] of [[0, 512], [CHUNK - 512, 1024], [3 * CHUNK + 4096, 2 * CHUNK], [size - 4096, 4096], [size - 3 * CHUNK, 3 * CHUNK]] as const) {
      const { data } = await get(disk, offset, length);
      expect(differsAt(data, img.bytes.subarray(offset, offset + length))).toBe(-1);
    }
    const requests = disk.requests;
    const again = await get(disk, CHUNK - 512, 1024);
    expect(again.sync).toBe(true);
    expect(differsAt(again.data, img.bytes.subarray(CHUNK - 512, CHUNK + 512))).toBe(-1);
    expect(disk.requests).toBe(requests);
    expect(img.asked.every(([start, length]) => start % CHUNK === 0 && start + length <= size)).toBe(true);
    // v86 reads the partition table so before it starts, once get_and_cache has fetched it.
    expect(disk.get_from_cache(6 * CHUNK, 512)).toBeUndefined();
    expect(differsAt(disk.get_from_cache(0, 512)!.slice(), img.bytes.subarray(0, 512))).toBe(-1);
  });

  it('asks once for what one read misses, and never again for a chunk it holds or is already fetching', async () => {
    const size = 16 * CHUNK;
    const img = image(size);
    const disk = new RangeDisk(img.read, size, { chunkBytes: CHUNK });
    await get(disk, 5 * CHUNK, 512);
    // Chunks 3..8: 3-4 and 6-8 missing, in two requests; two reads at once of chunk 10 share one.
    const [wide, a, b] = await Promise.all([get(disk, 3 * CHUNK, 6 * CHUNK), get(disk, 10 * CHUNK, 4096), get(disk, 10 * CHUNK + 4096, 4096)]);
    expect(differsAt(wide.data, img.bytes.subarray(3 * CHUNK, 9 * CHUNK))).toBe(-1);
    expect(differsAt(a.data, img.bytes.subarray(10 * CHUNK, 10 * CHUNK + 4096))).toBe(-1);
    expect(differsAt(b.data, img.bytes.subarray(10 * CHUNK + 4096, 10 * CHUNK + 8192))).toBe(-1);
    expect(img.asked).toEqual([[5 * CHUNK, CHUNK], [3 * CHUNK, 2 * CHUNK], [6 * CHUNK, 3 * CHUNK], [10 * CHUNK, CHUNK]]);
    expect(disk.fetchedBytes).toBe(7 * CHUNK);
  });

  it("keeps the guest's writes over the image, and in v86's snapshot format: 256-byte blocks by index", async () => {
    const size = 8 * CHUNK;
    const img = image(size);
    const disk = new RangeDisk(img.read, size, { chunkBytes: CHUNK });
    const written = new Uint8Array(1024).fill(0xab);
    await new Promise<void>((done) => disk.set(CHUNK - 512, written, done));
    const expected = img.bytes.slice(0, 2 * CHUNK);
    expected.set(written, CHUNK - 512);
    expect(differsAt((await get(disk, 0, 2 * CHUNK)).data, expected)).toBe(-1);
    const [blocks] = disk.get_state();
    expect(blocks.map(([index, block]) => [index, block.length])).toEqual([0, 1, 2, 3].map((i) => [(CHUNK - 512) / 256 + i, 256]));
    const resumed = new RangeDisk(image(size).read, size, { chunkBytes: CHUNK });
    resumed.set_state([[...blocks, [size / 256, new Uint8Array(256)], [3, new Uint8Array(12)]]]);
    expect(differsAt((await get(resumed, CHUNK - 1024, 2048)).data, expected.subarray(CHUNK - 1024, CHUNK + 1024))).toBe(-1);
    expect(resumed.get_state()[0]).toHaveLength(4);
  });

  it('retries a read the guest waits for until it comes, telling each failure; a read v86 gave up is not delivered', async () => {
    const size = 4 * CHUNK;
    const img = image(size, 2);
    const errors: string[] = [];
    const disk = new RangeDisk(img.read, size, { chunkBytes: CHUNK, onError: (m) => errors.push(m) });
    expect(differsAt((await get(disk, 4096, 4096)).data, img.bytes.subarray(4096, 8192))).toBe(-1);
    expect(errors).toEqual([
      'disk: reading 65536 bytes at 0 failed (connection reset); retrying in 250 ms',
      'disk: reading 65536 bytes at 0 failed (connection reset); retrying in 500 ms',
    ]);
    const abort = new AbortController();
    let delivered = false;
    disk.get(2 * CHUNK, 512, () => (delivered = true), { signal: abort.signal });
    abort.abort();
    await get(disk, 2 * CHUNK, 512);
    expect(delivered).toBe(false);
  });

  it('keeps no more than its cache holds, and reads again what it let go', async () => {
    const size = 1024 * CHUNK;
    const img = image(size);
    const disk = new RangeDisk(img.read, size, { chunkBytes: CHUNK, cacheBytes: 0 });
    const held = Math.ceil((65536 * 512) / CHUNK) + 1;
    for (let chunk = 0; chunk < held + 10; chunk++) await get(disk, chunk * CHUNK, 512);
    expect((await get(disk, 0, 512)).sync).toBe(false);
    expect((await get(disk, (held + 9) * CHUNK, 512)).sync).toBe(true);
    expect(disk.requests).toBe(held + 11);
  });

  it('answers a read outside the disk with zeros and fetches nothing; refuses sizes it cannot serve', async () => {
    const img = image(4 * CHUNK);
    const disk = new RangeDisk(img.read, 4 * CHUNK, { chunkBytes: CHUNK });
    expect((await get(disk, 4 * CHUNK - 512, 1024)).data).toEqual(new Uint8Array(1024));
    expect(img.asked).toEqual([]);
    expect(() => new RangeDisk(img.read, 1000)).toThrow(/multiple of 512/);
    expect(() => new RangeDisk(img.read, 4096, { chunkBytes: 1000 })).toThrow(/multiple of 4096/);
  });
});
