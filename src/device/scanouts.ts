import { MAX_SCANOUTS } from '../protocol/constants.ts';
import type { CursorImage, Rect } from '../presenters/presenter.ts';
import { buildEdid, EDID_MAX_DIMENSION } from './edid.ts';

export interface ScanoutConfig {
  width: number;
  height: number;
  /** A connected display; false leaves the connector empty. Default true. */
  connected?: boolean;
}

export interface CursorState {
  image: CursorImage | null;
  resourceId: number;
  x: number;
  y: number;
  visible: boolean;
}

/** One display output: what the host offers and what the guest shows on it. */
export class Scanout {
  width: number;
  height: number;
  connected: boolean;
  edid: Uint8Array;
  /** Resource shown and the part of it, or null while disabled. */
  resourceId = 0;
  readonly rect: Rect = { x: 0, y: 0, width: 0, height: 0 };
  readonly cursor: CursorState = { image: null, resourceId: 0, x: 0, y: 0, visible: false };

  constructor(readonly index: number, config: ScanoutConfig) {
    this.width = config.width;
    this.height = config.height;
    this.connected = config.connected ?? true;
    this.edid = buildEdid({ width: config.width, height: config.height, serial: index + 1 });
  }

  get enabled(): boolean {
    return this.resourceId !== 0;
  }
}

/** Checks the host's scanout list, so a bad option fails at once with a message that says what to fix. */
export function validateScanoutConfigs(configs: readonly ScanoutConfig[]): void {
  if (!Array.isArray(configs) || configs.length < 1 || configs.length > MAX_SCANOUTS) {
    throw new RangeError(`virtio-gpu-web: 'scanouts' must list 1 to ${MAX_SCANOUTS} displays, got ${Array.isArray(configs) ? configs.length : typeof configs}`);
  }
  configs.forEach(({ width, height }, i) => {
    const ok = (v: number): boolean => Number.isInteger(v) && v >= 16 && v <= EDID_MAX_DIMENSION;
    if (!ok(width) || !ok(height)) {
      throw new RangeError(`virtio-gpu-web: scanouts[${i}] is ${width}x${height}; width and height must be whole numbers from 16 to ${EDID_MAX_DIMENSION}`);
    }
  });
}
