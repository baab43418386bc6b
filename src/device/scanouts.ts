import { MAX_SCANOUTS } from '../protocol/constants.ts';
import type { Format } from '../protocol/formats.ts';
import type { CursorImage, Rect } from '../presenters/presenter.ts';
import { Damage } from '../presenters/rect.ts';
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

/** How a scanout reads a guest blob (SET_SCANOUT_BLOB): the framebuffer's layout in the blob. */
export interface BlobLayout {
  format: Format;
  /** Byte offset of the scanout rect's first pixel in the blob. */
  offset: number;
  stride: number;
}

/** One display output: what the host offers and what the guest shows on it. */
export class Scanout {
  width = 0;
  height = 0;
  connected = true;
  edid: Uint8Array = new Uint8Array(0);
  /** Resource shown and the part of it, or 0 while disabled. */
  resourceId = 0;
  readonly rect: Rect = { x: 0, y: 0, width: 0, height: 0 };
  /** Set while a guest blob is shown: where its pixels are, and the host copy the presenter draws. */
  blob: BlobLayout | null = null;
  staging: Uint8Array | null = null;
  /** Set while a blob's copy waits for the presenter to read the last one; the damage of every flush since then. */
  held: Promise<void> | null = null;
  readonly heldDamage = new Damage();
  readonly cursor: CursorState = { image: null, resourceId: 0, x: 0, y: 0, visible: false };

  constructor(readonly index: number, config: ScanoutConfig) {
    this.configure(config);
  }

  get enabled(): boolean {
    return this.resourceId !== 0;
  }

  /** The presenter's id for this scanout's staging image (outside the guest's 32-bit resource ids). */
  get stagingId(): number {
    return 2 ** 32 + this.index;
  }

  configure(config: ScanoutConfig): void {
    this.width = config.width;
    this.height = config.height;
    this.connected = config.connected ?? true;
    this.edid = buildEdid({ width: config.width, height: config.height, serial: this.index + 1 });
  }
}

/** Checks a display size, so a bad option fails at once with a message that says what to fix. */
export function validateScanoutConfig({ width, height }: ScanoutConfig, where: string): void {
  const ok = (v: number): boolean => Number.isInteger(v) && v >= 16 && v <= EDID_MAX_DIMENSION;
  if (!ok(width) || !ok(height)) {
    throw new RangeError(`virtio-gpu-web: ${where} is ${width}x${height}; width and height must be whole numbers from 16 to ${EDID_MAX_DIMENSION}`);
  }
}

export function validateScanoutConfigs(configs: readonly ScanoutConfig[]): void {
  if (!Array.isArray(configs) || configs.length < 1 || configs.length > MAX_SCANOUTS) {
    throw new RangeError(`virtio-gpu-web: 'scanouts' must list 1 to ${MAX_SCANOUTS} displays, got ${Array.isArray(configs) ? configs.length : typeof configs}`);
  }
  configs.forEach((config, i) => validateScanoutConfig(config, `scanouts[${i}]`));
}
