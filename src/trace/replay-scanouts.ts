/** The scanouts of a trace replay: which resource each shows, where, and for a blob how its pixels lie in the backing. */
import { MAX_SCANOUTS } from '../protocol/constants.ts';
import type { Rect } from '../protocol/structs.ts';
import type { ReplayReport } from './replay-report.ts';

export interface BlobLayout {
  format: number;
  stride: number;
  offset: number;
}

export interface ReplayScanout {
  /** 0: disabled. */
  readonly resourceId: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Set by SET_SCANOUT_BLOB; null after SET_SCANOUT. */
  readonly blob: BlobLayout | null;
}

const DISABLED: ReplayScanout = { resourceId: 0, x: 0, y: 0, width: 0, height: 0, blob: null };

export class ReplayScanouts {
  private readonly scanouts: ReplayScanout[] = Array.from({ length: MAX_SCANOUTS }, () => DISABLED);

  constructor(private readonly report: ReplayReport) {}

  /** SET_SCANOUT(_BLOB): an empty rectangle disables the scanout. */
  show(scanoutId: number, resourceId: number, r: Rect, blob: BlobLayout | null): void {
    if (scanoutId >= MAX_SCANOUTS) {
      this.report.note('scanout-out-of-range', () => `scanout ${scanoutId}`);
      return;
    }
    const shown = r.width !== 0 && r.height !== 0;
    this.scanouts[scanoutId] = { resourceId: shown ? resourceId : 0, x: r.x, y: r.y, width: r.width, height: r.height, blob };
  }

  /** Resource `resourceId` is gone: the scanouts that showed it are disabled. */
  forget(resourceId: number): void {
    this.scanouts.forEach((s, i) => {
      if (s.resourceId === resourceId) this.scanouts[i] = DISABLED;
    });
  }

  /** The scanouts showing resource `resourceId` (never 0), by index, in order. */
  showing(resourceId: number): [number, ReplayScanout][] {
    return [...this.scanouts.entries()].filter(([, s]) => s.resourceId === resourceId);
  }
}
