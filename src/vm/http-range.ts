/** A disk image's bytes by HTTP range requests, checked against what was asked. */
import type { ReadRange } from './range-disk.ts';

/** Reads ranges of `url` with `fetch`: each answer must be a 206 with the range asked for and its length. */
export function httpRangeReader(url: string, fetchRange: typeof fetch = fetch): ReadRange {
  return async (start, length) => {
    const end = start + length - 1;
    const response = await fetchRange(url, { headers: { Range: `bytes=${start}-${end}` } });
    if (response.status !== 206) throw new Error(`${url}: HTTP ${response.status} for a range request`);
    const range = /^bytes (\d+)-(\d+)\//.exec(response.headers.get('Content-Range') ?? '');
    if (!range || Number(range[1]) !== start || Number(range[2]) !== end) throw new Error(`${url}: bytes ${start}-${end} asked, '${response.headers.get('Content-Range')}' answered`);
    return new Uint8Array(await response.arrayBuffer());
  };
}
