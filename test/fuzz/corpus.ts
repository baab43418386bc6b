/** The fuzzer's seed corpus: requests the real Linux guest sent, in order (see record-corpus.ts). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CORPUS_FILE = fileURLToPath(new URL('./corpus/linux-6.1-guest.json', import.meta.url));
export const CORPUS_SCANOUTS = [{ width: 320, height: 240 }, { width: 256, height: 192 }];
/** Guest memory the corpus was recorded with (its backing addresses lie below this). */
export const CORPUS_MEMORY_BYTES = 128 << 20;

export interface Corpus {
  recordedWith: string;
  scanouts: typeof CORPUS_SCANOUTS;
  requests: { queue: 'control' | 'cursor'; hex: string }[];
}

export function loadCorpus(): { queue: 'control' | 'cursor'; bytes: Uint8Array }[] {
  const corpus = JSON.parse(readFileSync(CORPUS_FILE, 'utf8')) as Corpus;
  return corpus.requests.map(({ queue, hex }) => ({ queue, bytes: Uint8Array.from(Buffer.from(hex, 'hex')) }));
}
