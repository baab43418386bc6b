/**
 * virtio-pci "modern" transport (virtio 1.3, 4.1): PCI configuration space
 * with the vendor capabilities, and one BAR holding the common, notify, ISR
 * and device-config structures. Legacy INTx only: the ISR read clears the
 * interrupt. Nothing here knows which VM hosts it.
 */
import type { GuestMemory } from '../memory/guest-memory.ts';
import { SplitVirtqueue, type QueueLimits, type QueuePosition } from './virtqueue.ts';

export const VIRTIO_PCI_VENDOR = 0x1af4;
export const TransportFeature = {
  RING_INDIRECT_DESC: 28n,
  VERSION_1: 32n,
} as const;

export const Status = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  DEVICE_NEEDS_RESET: 64,
  FAILED: 128,
} as const;

const Isr = { QUEUE: 1, CONFIG: 2 } as const;
/**
 * How long a notice the driver is not waiting for may be held back, so that
 * the used buffers of many commands cost the guest one interrupt. Linux
 * reclaims such buffers and nothing else; a guest running a busy console
 * spent a quarter of its time on the interrupts otherwise (see the README's
 * benchmarks). A notice the driver may be waiting for is never held.
 */
export const INTERRUPT_HOLD_MS = 4;
const CapType = { COMMON: 1, NOTIFY: 2, ISR: 3, DEVICE: 4 } as const;

/** Where each structure sits in the BAR. */
export const BarLayout = {
  COMMON: 0x00,
  COMMON_LENGTH: 0x38,
  NOTIFY: 0x40,
  NOTIFY_LENGTH: 0x04,
  ISR: 0x50,
  ISR_LENGTH: 0x01,
  DEVICE: 0x60,
} as const;

/** The BAR's size for a function: a power of two that holds its device config after the fixed structures (at least 0x80). */
export function barSize(fn: Pick<VirtioFunction, 'configLength'>): number {
  let size = 0x80;
  while (size < BarLayout.DEVICE + fn.configLength) size *= 2;
  return size;
}

/** A little-endian read of `size` bytes of a function's config at `offset`; bytes past its end read as zero. */
export function readConfigBytes(config: Uint8Array, offset: number, size: number): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + (config[offset + i] ?? 0);
  return value;
}

/** What a virtio device offers its transport. */
export interface VirtioFunction {
  /** virtio device id (16 for GPU). */
  readonly deviceId: number;
  /** PCI class code, 24 bits (0x038000: display controller, other). */
  readonly pciClass: number;
  /** Device-specific feature bits (below bit 24). */
  readonly features: bigint;
  readonly queueCount: number;
  /** Bytes of its device-specific config structure. */
  readonly configLength: number;
  readConfig(offset: number, size: number): number;
  writeConfig(offset: number, size: number, value: number): void;
  /** The driver has set up its queues and started the device. */
  activate(queues: readonly (SplitVirtqueue | null)[], events: TransportEvents): void;
  /** The driver notified queue `index`. */
  notify(index: number): void;
  reset(): void;
}

export interface TransportEvents {
  /** Used buffers for the driver; `urgent` when it may be waiting for them (see QueueEvents). */
  interrupt(urgent: boolean): void;
  configChanged(): void;
  needsReset(reason: string): void;
}

export interface InterruptLine {
  raise(): void;
  lower(): void;
}

export interface QueueState {
  size: number;
  enabled: boolean;
  desc: number;
  avail: number;
  used: number;
}

const MAX_QUEUE_SIZE = 256;

/** Everything the driver set up through the transport, for snapshots. */
export interface TransportState {
  status: number;
  driverFeatures: bigint;
  configGeneration: number;
  isr: number;
  queues: (QueueState & { position: QueuePosition | null })[];
}

export class VirtioPciTransport {
  private deviceFeatureSelect = 0;
  private driverFeatureSelect = 0;
  private driverFeatures = 0n;
  private status = 0;
  private configGeneration = 0;
  private queueSelect = 0;
  private isr = 0;
  private moderated: ReturnType<typeof setTimeout> | null = null;
  private queues: QueueState[];
  private live: (SplitVirtqueue | null)[] = [];
  private readonly offered: bigint;

  constructor(
    private readonly fn: VirtioFunction,
    private readonly memory: GuestMemory,
    private readonly irq: InterruptLine,
    private readonly log: (message: string) => void,
    private readonly queueLimits?: QueueLimits,
  ) {
    this.offered = fn.features | (1n << TransportFeature.VERSION_1) | (1n << TransportFeature.RING_INDIRECT_DESC);
    this.queues = this.freshQueues();
  }

  /** 256 bytes of PCI configuration space; BAR0 holds `ioPort` (an I/O BAR). */
  configSpace(ioPort: number): Uint8Array {
    const s = new Uint8Array(256);
    const dv = new DataView(s.buffer);
    dv.setUint16(0x00, VIRTIO_PCI_VENDOR, true);
    dv.setUint16(0x02, 0x1040 + this.fn.deviceId, true);
    dv.setUint16(0x04, 0x0007, true); // I/O, memory, bus master
    dv.setUint16(0x06, 0x0010, true); // capability list
    s[0x08] = 1; // revision: modern only
    s[0x09] = this.fn.pciClass & 0xff;
    s[0x0a] = (this.fn.pciClass >> 8) & 0xff;
    s[0x0b] = (this.fn.pciClass >> 16) & 0xff;
    dv.setUint32(0x10, ioPort | 1, true);
    dv.setUint16(0x2c, VIRTIO_PCI_VENDOR, true);
    dv.setUint16(0x2e, 0x1100, true);
    s[0x34] = 0x40;
    s[0x3d] = 1; // INTA
    const caps: [type: number, offset: number, length: number, extra?: number][] = [
      [CapType.COMMON, BarLayout.COMMON, BarLayout.COMMON_LENGTH],
      [CapType.NOTIFY, BarLayout.NOTIFY, BarLayout.NOTIFY_LENGTH, 0],
      [CapType.ISR, BarLayout.ISR, BarLayout.ISR_LENGTH],
      [CapType.DEVICE, BarLayout.DEVICE, this.fn.configLength],
    ];
    let at = 0x40;
    caps.forEach(([type, offset, length, extra], i) => {
      const capLength = extra === undefined ? 16 : 20;
      const next = i + 1 < caps.length ? at + 20 : 0;
      s.set([0x09, next, capLength, type, 0 /* BAR0 */], at);
      dv.setUint32(at + 8, offset, true);
      dv.setUint32(at + 12, length, true);
      if (extra !== undefined) dv.setUint32(at + 16, extra, true); // notify_off_multiplier: every queue notifies at one address
      at += 20;
    });
    return s;
  }

  readBar(offset: number, size: number): number {
    if (offset >= BarLayout.DEVICE && offset < BarLayout.DEVICE + this.fn.configLength) return this.fn.readConfig(offset - BarLayout.DEVICE, size);
    if (offset >= BarLayout.ISR && offset < BarLayout.ISR + BarLayout.ISR_LENGTH) return this.readIsr();
    if (offset < BarLayout.COMMON_LENGTH) return this.readCommon(offset, size);
    return 0;
  }

  writeBar(offset: number, size: number, value: number): void {
    value = size === 4 ? value >>> 0 : value & (size === 1 ? 0xff : 0xffff);
    if (offset >= BarLayout.DEVICE && offset < BarLayout.DEVICE + this.fn.configLength) this.fn.writeConfig(offset - BarLayout.DEVICE, size, value);
    else if (offset >= BarLayout.NOTIFY && offset < BarLayout.NOTIFY + BarLayout.NOTIFY_LENGTH) this.notify(value & 0xffff);
    else if (offset < BarLayout.COMMON_LENGTH) this.writeCommon(offset, value);
  }

  saveState(): TransportState {
    return {
      status: this.status,
      driverFeatures: this.driverFeatures,
      configGeneration: this.configGeneration,
      isr: this.isr | (this.moderated === null ? 0 : Isr.QUEUE),
      queues: this.queues.map((q, i) => ({ ...q, position: this.live[i]?.position ?? null })),
    };
  }

  /** Puts the transport back as saved, after the VM's own state was restored. */
  restoreState(state: TransportState): void {
    this.reset();
    this.status = state.status;
    this.driverFeatures = state.driverFeatures;
    this.configGeneration = state.configGeneration;
    state.queues.slice(0, this.fn.queueCount).forEach(({ position, ...q }, i) => {
      this.queues[i] = { ...q };
      if (!q.enabled) return;
      this.queueSelect = i;
      (this.queues[i] as QueueState).enabled = false;
      this.enableQueue(this.queues[i] as QueueState);
      if (position) (this.live[i] as SplitVirtqueue).position = position;
    });
    this.queueSelect = 0;
    if (this.status & Status.DRIVER_OK) this.fn.activate(this.live, this.events);
    if (state.isr) this.raise(state.isr);
  }

  private readCommon(offset: number, size: number): number {
    const q = this.queues[this.queueSelect];
    const u32 = (v: bigint) => Number(v & 0xffff_ffffn);
    let value: number;
    switch (offset & ~3) {
      case 0x00: value = this.deviceFeatureSelect; break;
      case 0x04: value = this.deviceFeatureSelect < 2 ? u32(this.offered >> BigInt(32 * this.deviceFeatureSelect)) : 0; break;
      case 0x08: value = this.driverFeatureSelect; break;
      case 0x0c: value = this.driverFeatureSelect < 2 ? u32(this.driverFeatures >> BigInt(32 * this.driverFeatureSelect)) : 0; break;
      case 0x10: value = 0xffff | (this.fn.queueCount << 16); break; // config_msix_vector: NO_VECTOR; num_queues
      case 0x14: value = this.status | (this.configGeneration << 8) | (this.queueSelect << 16); break;
      case 0x18: value = (q?.size ?? 0) | (0xffff << 16); break; // queue_size; queue_msix_vector: NO_VECTOR
      case 0x1c: value = (q?.enabled ? 1 : 0) | (0 << 16); break; // queue_enable; queue_notify_off 0
      case 0x20: value = q?.desc ?? 0; break;
      case 0x28: value = q?.avail ?? 0; break;
      case 0x30: value = q?.used ?? 0; break;
      default: value = 0; // high halves of queue addresses: guest RAM lies below 4 GiB
    }
    const shift = (offset & 3) * 8;
    return size === 4 ? value >>> 0 : (value >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  private writeCommon(offset: number, value: number): void {
    const q = this.queues[this.queueSelect];
    switch (offset) {
      case 0x00: this.deviceFeatureSelect = value >>> 0; return;
      case 0x08: this.driverFeatureSelect = value >>> 0; return;
      case 0x0c: {
        if (this.driverFeatureSelect > 1) return;
        const shift = BigInt(32 * this.driverFeatureSelect);
        this.driverFeatures = (this.driverFeatures & ~(0xffff_ffffn << shift)) | (BigInt(value >>> 0) << shift);
        return;
      }
      case 0x14: this.writeStatus(value & 0xff); return;
      case 0x16: this.queueSelect = value & 0xffff; return;
      case 0x18: if (q && !q.enabled) q.size = value & 0xffff; return;
      case 0x1c: if (q && value & 1) this.enableQueue(q); return;
      case 0x20: if (q && !q.enabled) q.desc = value >>> 0; return;
      case 0x28: if (q && !q.enabled) q.avail = value >>> 0; return;
      case 0x30: if (q && !q.enabled) q.used = value >>> 0; return;
      case 0x24: case 0x2c: case 0x34:
        // Guest RAM lies below 4 GiB: a queue placed above it can never be valid.
        if (q && value !== 0) q.size = 0;
    }
  }

  private writeStatus(value: number): void {
    if (value === 0) {
      this.reset();
      return;
    }
    if (value & Status.FEATURES_OK && !(this.status & Status.FEATURES_OK)) {
      const unknown = this.driverFeatures & ~this.offered;
      const modern = (this.driverFeatures >> TransportFeature.VERSION_1) & 1n;
      if (unknown !== 0n || modern === 0n) {
        this.log(`virtio-gpu: driver features 0x${this.driverFeatures.toString(16)} refused (offered 0x${this.offered.toString(16)})`);
        value &= ~Status.FEATURES_OK;
      }
    }
    const starting = value & Status.DRIVER_OK && !(this.status & Status.DRIVER_OK);
    this.status = value;
    if (starting) this.fn.activate(this.live, this.events);
  }

  private enableQueue(q: QueueState): void {
    const index = this.queueSelect;
    if (index >= this.fn.queueCount || q.enabled) return;
    q.enabled = true;
    this.live[index] = new SplitVirtqueue(this.memory, { size: q.size, descAddr: q.desc, availAddr: q.avail, usedAddr: q.used }, this.queueLimits);
  }

  private notify(index: number): void {
    if (!(this.status & Status.DRIVER_OK) || this.status & Status.DEVICE_NEEDS_RESET) return;
    if (index < this.fn.queueCount && this.live[index]) this.fn.notify(index);
  }

  private readIsr(): number {
    const value = this.isr;
    this.isr = 0;
    if (value) this.irq.lower();
    return value;
  }

  private readonly events: TransportEvents = {
    interrupt: (urgent) => {
      if (urgent) this.raise(Isr.QUEUE);
      else this.moderated ??= setTimeout(() => this.raise(Isr.QUEUE), INTERRUPT_HOLD_MS);
    },
    configChanged: () => {
      this.configGeneration = (this.configGeneration + 1) & 0xff;
      this.raise(Isr.CONFIG);
    },
    needsReset: (reason) => {
      this.log(`virtio-gpu: device needs reset: ${reason}`);
      this.status |= Status.DEVICE_NEEDS_RESET;
      this.raise(Isr.CONFIG);
    },
  };

  private raise(bit: number): void {
    if (bit & Isr.QUEUE) this.cancelModerated();
    this.isr |= bit;
    this.irq.raise();
  }

  private cancelModerated(): void {
    if (this.moderated === null) return;
    clearTimeout(this.moderated);
    this.moderated = null;
  }

  private reset(): void {
    this.cancelModerated();
    this.status = 0;
    this.driverFeatures = 0n;
    this.deviceFeatureSelect = 0;
    this.driverFeatureSelect = 0;
    this.queueSelect = 0;
    this.queues = this.freshQueues();
    for (const queue of this.live) queue?.retire();
    this.live = [];
    if (this.isr) this.irq.lower();
    this.isr = 0;
    this.fn.reset();
  }

  private freshQueues(): QueueState[] {
    return Array.from({ length: this.fn.queueCount }, () => ({ size: MAX_QUEUE_SIZE, enabled: false, desc: 0, avail: 0, used: 0 }));
  }
}
