/**
 * The guest images the dev server serves (see vite.config.ts), as v86
 * options: the console guest (`2d`), or the `3d` guest with Debian's Mesa on
 * a root disk that v86 reads on demand, in chunks fetched by HTTP range
 * requests, never whole before boot.
 */
import v86Wasm from 'v86/build/v86.wasm?url';
import { GUEST_CMDLINE } from '../vm/guest-cmdline.ts';
import { httpRangeReader } from '../vm/http-range.ts';
import { asV86Image, RangeDisk } from '../vm/range-disk.ts';

export type GuestImageKind = '2d' | '3d';
/** Who reads the 3d disk: the project's RangeDisk, or v86's own buffer, kept for the benchmark to compare. */
export type DiskReader = 'range-disk' | 'v86';

const BASE: Readonly<Record<GuestImageKind, string>> = { '2d': '/guest-image', '3d': '/guest-image/3d' };
const MEMORY: Readonly<Record<GuestImageKind, number>> = { '2d': 128 << 20, '3d': 512 << 20 };
/** What one range request of v86's own buffer fetches (and RangeDisk's chunk): the guest reads libraries in runs of sectors, and each request costs a round trip. */
const DISK_CHUNK = 256 << 10;
export const GUEST_3D_BASE = BASE['3d'];
/** The disk's URL; performance entries name its range requests by it. */
export const DISK_PATH = `${GUEST_3D_BASE}/disk.img`;

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`guest image ${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

async function diskSize(): Promise<number> {
  const response = await fetch(DISK_PATH, { method: 'HEAD' });
  const size = Number(response.headers.get('Content-Length'));
  if (!response.ok || !(size > 0)) throw new Error(`the 3d guest's disk (${DISK_PATH}) is missing: HTTP ${response.status}. The dev server (npm start) builds the 3d image on first use, in about a minute, from Debian's packages; its log says why that failed`);
  return size;
}

/** The 3d disk as v86's `hda` option, read by `reader`; `onError` hears of failed reads (they are retried). */
async function diskOption(reader: DiskReader, onError: (message: string) => void) {
  const size = await diskSize();
  if (reader === 'v86') return { size, hda: { url: DISK_PATH, async: true, size, fixed_chunk_size: DISK_CHUNK } };
  return { size, hda: asV86Image(new RangeDisk(httpRangeReader(DISK_PATH), size, { chunkBytes: DISK_CHUNK, onError })) };
}

/**
 * v86 options that boot the project's guest of `kind`; `extraCmdline` is appended to the kernel command line.
 * `diskBytes` is the size of the 3d guest's disk (0 for the 2d guest, which has none).
 */
export async function guestV86Options(kind: GuestImageKind = '2d', extraCmdline = '', reader: DiskReader = 'range-disk', onDiskError: (message: string) => void = console.warn) {
  const base = BASE[kind];
  const [bios, bzimage, initrd] = await Promise.all(['bios.bin', 'vmlinuz', 'initramfs.cpio'].map((name) => fetchBytes(`${base}/${name}`)));
  const { size: diskBytes, hda } = kind === '3d' ? await diskOption(reader, onDiskError) : { size: 0, hda: undefined };
  const options = {
    wasm_path: v86Wasm,
    memory_size: MEMORY[kind],
    vga_memory_size: 8 << 20,
    bios: { buffer: bios as ArrayBuffer },
    bzimage: { buffer: bzimage as ArrayBuffer },
    initrd: { buffer: initrd as ArrayBuffer },
    ...(hda && { hda }),
    cmdline: `${GUEST_CMDLINE}${extraCmdline ? ` ${extraCmdline}` : ''}`,
    autostart: false,
    disable_speaker: true,
  };
  return { options, diskBytes };
}
