/**
 * A disk image read on demand, for v86's IDE disk (a "loadable": `hda: disk`).
 * It fetches whole chunks by range (the missing chunks of one read in one
 * request), checks what came, retries what failed, keeps fetched chunks in a
 * cache of bounded size, and keeps the guest's writes apart, as 256-byte
 * blocks in v86's own snapshot format.
 *
 * v86's own buffer for `{ url, async: true }` keeps every byte it ever fetched,
 * each 256-byte block as an array of its own (the desktop's start reads some
 * 170 MiB: 700,000 of them). Reading ahead was measured and left out: the
 * guest's reads while it boots and loads Mesa hop between files, so a
 * read-ahead of up to 2 MiB saved 3% of the requests for 20% more bytes.
 */

import type { V86Image } from 'v86';

/** Reads exactly `length` bytes of the image at `start` (never past its end). */
export type ReadRange = (start: number, length: number) => Promise<Uint8Array>;

export interface RangeDiskOptions {
  /** Bytes in a chunk, the unit fetched and cached: a multiple of 4096. */
  chunkBytes?: number;
  /** Bytes of fetched chunks kept; the least recently used go first. The guest's writes are always kept. */
  cacheBytes?: number;
  /** Told of a failed fetch; it is retried, with growing pauses (the guest waits for it). */
  onError?: (message: string) => void;
}

/** v86's disk block: its snapshots hold the written blocks at this size. */
const BLOCK = 256;
const DEFAULT_CHUNK = 256 << 10;
const DEFAULT_CACHE = 256 << 20;
/** The largest read v86's IDE makes (65536 sectors): the cache always holds one whole. */
const MAX_READ = 65536 * 512;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 8000;

/** v86's state of a disk: the blocks the guest wrote, by block index. */
type DiskState = [Array<[number, Uint8Array]>];

export class RangeDisk {
  readonly byteLength: number;
  /** Set by v86 before `load`. */
  onload: ((event: object) => void) | undefined;
  onprogress: ((event: object) => void) | undefined;
  /** Range requests made, and the bytes they fetched. */
  requests = 0;
  fetchedBytes = 0;

  private readonly chunkBytes: number;
  private readonly cacheChunks: number;
  private readonly onError: (message: string) => void;
  /** Fetched chunks, least recently used first (a Map keeps insertion order). */
  private readonly chunks = new Map<number, Uint8Array>();
  private readonly pending = new Map<number, Promise<void>>();
  private readonly written = new Map<number, Uint8Array>();
  /** How many written blocks each chunk holds: a read of a chunk with none skips the overlay. */
  private readonly writtenInChunk = new Map<number, number>();
  private scratch = new Uint8Array(0);

  constructor(private readonly read: ReadRange, size: number, options: RangeDiskOptions = {}) {
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
    if (!Number.isSafeInteger(size) || size <= 0 || size % 512 !== 0) throw new RangeError(`a disk of ${size} bytes: it must be a positive multiple of 512`);
    if (!Number.isInteger(chunkBytes) || chunkBytes <= 0 || chunkBytes % 4096 !== 0) throw new RangeError(`chunks of ${chunkBytes} bytes: they must be a positive multiple of 4096`);
    this.byteLength = size;
    this.chunkBytes = chunkBytes;
    this.cacheChunks = Math.max(Math.ceil(MAX_READ / chunkBytes) + 1, Math.floor((options.cacheBytes ?? DEFAULT_CACHE) / chunkBytes));
    this.onError = options.onError ?? (() => {});
  }

  load(): void {
    this.onload?.(Object.create(null) as object);
  }

  /** v86's read: `fn` gets the bytes (a view it copies at once), synchronously when they are here already. */
  get(offset: number, length: number, fn: (data: Uint8Array) => void, options?: { signal?: AbortSignal }): void {
    if (!this.inside(offset, length)) {
      fn(new Uint8Array(Math.max(0, length)));
      return;
    }
    const first = Math.floor(offset / this.chunkBytes);
    const last = Math.floor((offset + length - 1) / this.chunkBytes);
    const wait = this.fetchMissing(first, last);
    if (wait === null) fn(this.assemble(offset, length, first, last));
    else void wait.then(() => this.deliver(offset, length, first, last, fn, options?.signal));
  }

  /** After a wait: the chunks are checked again (the cache may have let one go meanwhile), then the bytes go to v86 unless it gave up the read. */
  private deliver(offset: number, length: number, first: number, last: number, fn: (data: Uint8Array) => void, signal: AbortSignal | undefined): void {
    const wait = this.fetchMissing(first, last);
    if (wait !== null) void wait.then(() => this.deliver(offset, length, first, last, fn, signal));
    else if (!signal?.aborted) fn(this.assemble(offset, length, first, last));
  }

  /** v86 reads the boot sector this way before it starts (and caches it: so does every read here). */
  get_and_cache(offset: number, length: number, fn: (data: Uint8Array) => void, options?: { signal?: AbortSignal }): void {
    this.get(offset, length, fn, options);
  }

  /** v86's synchronous look (the partition table, for the disk's geometry): the bytes if every chunk is here. */
  get_from_cache(offset: number, length: number): Uint8Array | undefined {
    if (!this.inside(offset, length)) return undefined;
    const first = Math.floor(offset / this.chunkBytes);
    const last = Math.floor((offset + length - 1) / this.chunkBytes);
    for (let chunk = first; chunk <= last; chunk++) if (!this.chunks.has(chunk)) return undefined;
    return this.assemble(offset, length, first, last);
  }

  /** v86's write: kept as 256-byte blocks, over what the image holds. */
  set(start: number, data: Uint8Array, fn: () => void): void {
    if (!this.inside(start, data.length) || data.length % BLOCK !== 0) {
      fn();
      return;
    }
    for (let at = 0; at < data.length; at += BLOCK) {
      const index = (start + at) / BLOCK;
      const block = this.written.get(index);
      if (block) block.set(data.subarray(at, at + BLOCK));
      else {
        this.written.set(index, data.slice(at, at + BLOCK));
        const chunk = Math.floor((index * BLOCK) / this.chunkBytes);
        this.writtenInChunk.set(chunk, (this.writtenInChunk.get(chunk) ?? 0) + 1);
      }
    }
    fn();
  }

  get_buffer(fn: (buffer?: ArrayBuffer) => void): void {
    fn();
  }

  get_state(): DiskState {
    return [Array.from(this.written)];
  }

  set_state([blocks]: DiskState): void {
    this.written.clear();
    this.writtenInChunk.clear();
    for (const [index, block] of blocks) {
      if (!Number.isSafeInteger(index) || index < 0 || index * BLOCK >= this.byteLength || block.length !== BLOCK) continue;
      this.written.set(index, block);
      const chunk = Math.floor((index * BLOCK) / this.chunkBytes);
      this.writtenInChunk.set(chunk, (this.writtenInChunk.get(chunk) ?? 0) + 1);
    }
  }

  /** Whether v86 asked for a range it can: block-aligned, not empty, within the disk. */
  private inside(offset: number, length: number): boolean {
    return length > 0 && offset >= 0 && offset % BLOCK === 0 && offset + length <= this.byteLength;
  }

  /** Fetches the chunks of first..last not here nor on their way; null when all are here. */
  private fetchMissing(first: number, last: number): Promise<unknown> | null {
    let waits: Promise<void>[] | null = null;
    for (let chunk = first; chunk <= last; ) {
      const here = this.chunks.get(chunk);
      if (here) {
        this.touch(chunk, here);
        chunk++;
        continue;
      }
      const coming = this.pending.get(chunk);
      if (coming) {
        (waits ??= []).push(coming);
        chunk++;
        continue;
      }
      let end = chunk;
      while (end < last && !this.chunks.has(end + 1) && !this.pending.has(end + 1)) end++;
      (waits ??= []).push(this.fetchRun(chunk, end));
      chunk = end + 1;
    }
    if (waits === null) return null;
    return waits.length === 1 ? waits[0]! : Promise.all(waits);
  }

  /** One range request for chunks first..last, retried until it comes. */
  private fetchRun(first: number, last: number): Promise<void> {
    const start = first * this.chunkBytes;
    const length = Math.min(this.byteLength, (last + 1) * this.chunkBytes) - start;
    const done = this.fetchRetrying(start, length).then((bytes) => {
      for (let chunk = first; chunk <= last; chunk++) {
        this.pending.delete(chunk);
        const from = (chunk - first) * this.chunkBytes;
        this.store(chunk, bytes.subarray(from, Math.min(bytes.length, from + this.chunkBytes)));
      }
    });
    for (let chunk = first; chunk <= last; chunk++) this.pending.set(chunk, done);
    return done;
  }

  private async fetchRetrying(start: number, length: number): Promise<Uint8Array> {
    for (let pause = RETRY_FIRST_MS; ; pause = Math.min(RETRY_MAX_MS, pause * 2)) {
      this.requests++;
      try {
        const bytes = await this.read(start, length);
        if (bytes.length !== length) throw new Error(`${bytes.length} bytes came for ${length}`);
        this.fetchedBytes += length;
        return bytes;
      } catch (error) {
        this.onError(`disk: reading ${length} bytes at ${start} failed (${error instanceof Error ? error.message : String(error)}); retrying in ${pause} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private store(chunk: number, bytes: Uint8Array): void {
    this.chunks.set(chunk, bytes);
    for (const oldest of this.chunks.keys()) {
      if (this.chunks.size <= this.cacheChunks) break;
      this.chunks.delete(oldest);
    }
  }

  /** Marks a chunk used now: it moves to the end of the eviction order. */
  private touch(chunk: number, bytes: Uint8Array): void {
    this.chunks.delete(chunk);
    this.chunks.set(chunk, bytes);
  }

  /**
   * The bytes of offset..offset+length from chunks first..last, with the guest's writes over them:
   * a view of one chunk when the range lies in it and nothing was written there, else the scratch
   * buffer (v86 copies what it gets before the next read). Every chunk is here: the caller checked.
   */
  private assemble(offset: number, length: number, first: number, last: number): Uint8Array {
    const base = first * this.chunkBytes;
    if (first === last && !this.writtenInChunk.has(first)) {
      const chunk = this.chunks.get(first)!;
      return chunk.subarray(offset - base, offset - base + length);
    }
    if (this.scratch.length < length) this.scratch = new Uint8Array(length);
    const out = this.scratch.subarray(0, length);
    for (let chunk = first; chunk <= last; chunk++) {
      const bytes = this.chunks.get(chunk)!;
      const chunkStart = chunk * this.chunkBytes;
      const from = Math.max(offset, chunkStart);
      const to = Math.min(offset + length, chunkStart + bytes.length);
      out.set(bytes.subarray(from - chunkStart, to - chunkStart), from - offset);
    }
    for (let chunk = first; chunk <= last; chunk++) {
      if (!this.writtenInChunk.has(chunk)) continue;
      const from = Math.max(offset, chunk * this.chunkBytes);
      const to = Math.min(offset + length, (chunk + 1) * this.chunkBytes);
      for (let at = from; at < to; at += BLOCK) {
        const block = this.written.get(at / BLOCK);
        if (block) out.set(block, at - offset);
      }
    }
    return out;
  }
}

/** The disk as v86's `hda` option: v86 takes any object with get, set and load as a disk, which its types leave out. */
export function asV86Image(disk: RangeDisk): V86Image {
  return disk as unknown as V86Image;
}
