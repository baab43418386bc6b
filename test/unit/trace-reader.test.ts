/** The trace reader: every record kind back as written, and any damaged or foreign file an error, never an exception. */
import { describe, expect, it } from 'vitest';
import { readTrace, type TraceRead } from '../../src/trace/trace-reader.ts';
import { TraceQueue, TraceWriter } from '../../src/trace/trace-writer.ts';

function written(write: (w: TraceWriter) => void): Uint8Array {
  const chunks: Uint8Array[] = [];
  write(new TraceWriter({ write: (bytes) => chunks.push(bytes) }));
  return Uint8Array.from(chunks.flatMap((c) => Array.from(c)));
}

const sample = written((w) => {
  w.device(0x1_0000_0019n, [{ width: 640, height: 480 }, { width: 0, height: 0 }]);
  w.capset(2, 2, new Uint8Array([1, 2, 3]));
  w.memory(7, 2 ** 40, new Uint8Array([9, 9]));
  w.command(TraceQueue.CURSOR, 0, new Uint8Array([5, 6, 7]));
});

const errorOf = (read: TraceRead): string => (read.ok ? '' : read.error);

describe('trace reader', () => {
  it('gives back every record as the writer wrote it, payloads as views of the file, and skips kinds it does not know', () => {
    const unknown = new Uint8Array([42, 0, 0, 0, 2, 0, 0, 0, 1, 2]);
    const read = readTrace(Uint8Array.from([...sample, ...unknown]));
    if (!read.ok) throw new Error(read.error);
    expect(read.trace.unknownRecords).toBe(1);
    expect(read.trace.records).toEqual([
      { kind: 'device', features: 0x1_0000_0019n, displays: [{ width: 640, height: 480 }, { width: 0, height: 0 }] },
      { kind: 'capset', id: 2, version: 2, data: new Uint8Array([1, 2, 3]) },
      { kind: 'memory', resourceId: 7, offset: 2 ** 40, data: new Uint8Array([9, 9]) },
      { kind: 'command', queue: TraceQueue.CURSOR, response: 0, request: new Uint8Array([5, 6, 7]) },
    ]);
  });

  it('names what is wrong with a foreign, truncated or ill-framed file, with its record and byte', () => {
    expect(errorOf(readTrace(new Uint8Array(3)))).toBe('malformed trace: record 0 at byte 0: the file is 3 bytes, shorter than the 16-byte header');
    expect(errorOf(readTrace(new TextEncoder().encode('PNG\r\n\x1a\n and more bytes')))).toMatch(/no VGWTRACE magic/);
    const v2 = sample.slice();
    v2[8] = 2;
    expect(errorOf(readTrace(v2))).toBe('malformed trace: record 0 at byte 0: version 2, this reader reads version 1');
    expect(errorOf(readTrace(sample.subarray(0, 16 + 5)))).toBe('malformed trace: record 1 at byte 16: truncated record header: 5 bytes left, needs 8');
    expect(errorOf(readTrace(sample.subarray(0, sample.length - 1)))).toBe(`malformed trace: record 4 at byte ${sample.length - 19}: truncated record: kind 3 claims 11 payload bytes, 10 are left`);
    const shortMemory = Uint8Array.from([...sample.subarray(0, 16), 4, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4]);
    expect(errorOf(readTrace(shortMemory))).toBe('malformed trace: record 1 at byte 16: MEMORY record of 4 bytes, needs 16');
    const tooManyScanouts = Uint8Array.from([...sample.subarray(0, 16), 1, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(errorOf(readTrace(tooManyScanouts))).toBe('malformed trace: record 1 at byte 16: DEVICE record lists 1 scanouts in 12 bytes');
  });

  it('never throws, whatever the bytes: every prefix and many corruptions of a trace read or fail cleanly', () => {
    for (let n = 0; n <= sample.length; n++) expect(() => readTrace(sample.subarray(0, n))).not.toThrow();
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 1000; i++) {
      const bytes = sample.slice();
      for (let k = 0; k < 4; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const read = readTrace(bytes);
      expect(read.ok || read.error.startsWith('malformed trace: ')).toBe(true);
    }
  });
});
