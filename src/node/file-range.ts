/** A disk image's bytes from a local file, for the runner's guests. */
import { statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { ReadRange } from '../vm/range-disk.ts';

export interface FileRangeReader {
  /** The file's bytes, when the reader was made. */
  size: number;
  read: ReadRange;
  /** Closes the file, if a read opened it. */
  close(): Promise<void>;
}

/** Reads ranges of the file at `path`, opened on the first read and kept open until `close`. */
export function fileRangeReader(path: string): FileRangeReader {
  let file: Promise<FileHandle> | null = null;
  return {
    size: statSync(path).size,
    async read(start, length) {
      const handle = await (file ??= open(path, 'r'));
      const bytes = new Uint8Array(length);
      for (let got = 0; got < length; ) {
        const { bytesRead } = await handle.read(bytes, got, length - got, start + got);
        if (bytesRead === 0) throw new Error(`${path}: ended at ${start + got}, ${length - got} bytes short`);
        got += bytesRead;
      }
      return bytes;
    },
    async close() {
      const opened = file;
      file = null;
      if (opened) await (await opened).close();
    },
  };
}
