/**
 * A virtio-input tablet: an absolute pointer (two axes, three buttons, a
 * wheel), the device Linux's virtio_input driver presents to libinput as a
 * mouse with absolute axes, as QEMU's virtio-tablet. The page says where the
 * pointer is as fractions of the display; the guest gets evdev events.
 */
import {
  Axis,
  BUS_VIRTUAL,
  Button,
  ConfigSelect,
  EventType,
  INPUT_EVENT_BYTES,
  InputConfigLayout,
  InputQueue,
  PCI_CLASS_INPUT_OTHER,
  REL_WHEEL,
  SYN_REPORT,
  VIRTIO_ID_INPUT,
  writeAbsInfo,
  writeBitmap,
  writeDevIds,
  writeInputEvent,
} from '../protocol/virtio-input.ts';
import { VIRTIO_PCI_VENDOR, readConfigBytes, type TransportEvents, type VirtioFunction } from './pci-transport.ts';
import { takeChain, type QueueFaults, type SplitVirtqueue } from './virtqueue.ts';

/** The largest axis value: the guest maps 0..ABS_MAX onto the display. */
export const ABS_MAX = 0x7fff;
const NAME = new TextEncoder().encode('virtio-gpu-web tablet');
/** Events waiting for buffers from the driver; beyond this the newest are dropped (a guest that takes none is stuck anyway). */
const PENDING_LIMIT = 512;

export type TabletButton = 'left' | 'right' | 'middle';
const BUTTON_CODES: Readonly<Record<TabletButton, number>> = { left: Button.LEFT, right: Button.RIGHT, middle: Button.MIDDLE };

export class VirtioTabletFunction implements VirtioFunction {
  readonly deviceId = VIRTIO_ID_INPUT;
  readonly pciClass = PCI_CLASS_INPUT_OTHER;
  readonly features = 0n;
  readonly queueCount = 2;
  readonly configLength = InputConfigLayout.LENGTH;
  /** Events delivered to the guest, and dropped because it took none. */
  delivered = 0;
  dropped = 0;
  private readonly config = new Uint8Array(InputConfigLayout.LENGTH);
  private readonly configView = new DataView(this.config.buffer);
  private readonly pending = new Uint8Array(PENDING_LIMIT * INPUT_EVENT_BYTES);
  private readonly pendingView = new DataView(this.pending.buffer);
  private pendingHead = 0;
  private pendingCount = 0;
  private queues: readonly (SplitVirtqueue | null)[] = [];
  private events: TransportEvents | null = null;
  private readonly faults: QueueFaults = { log: (message) => this.log(message), broken: (reason) => this.events?.needsReset(reason) };
  private x = -1;
  private y = -1;

  constructor(private readonly log: (message: string) => void) {}

  readConfig(offset: number, size: number): number {
    return readConfigBytes(this.config, offset, size);
  }

  writeConfig(offset: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) {
      const at = offset + i;
      if (at === InputConfigLayout.SELECT || at === InputConfigLayout.SUBSEL) this.config[at] = (value >>> (8 * i)) & 0xff;
    }
    this.answer();
  }

  activate(queues: readonly (SplitVirtqueue | null)[], events: TransportEvents): void {
    this.queues = queues;
    this.events = events;
    this.flush();
  }

  notify(index: number): void {
    if (index === InputQueue.EVENT) this.flush();
    else if (index === InputQueue.STATUS) this.drainStatus();
  }

  reset(): void {
    this.queues = [];
    this.events = null;
    this.pendingCount = 0;
    this.x = this.y = -1;
  }

  /** The pointer at (`fx`, `fy`), fractions of the display from its top left corner (clamped to it). */
  moveTo(fx: number, fy: number): void {
    if (!this.events) return;
    const x = Math.round(Math.min(1, Math.max(0, fx)) * ABS_MAX);
    const y = Math.round(Math.min(1, Math.max(0, fy)) * ABS_MAX);
    if (x === this.x && y === this.y) return;
    if (x !== this.x) this.queue(EventType.ABS, Axis.X, x);
    if (y !== this.y) this.queue(EventType.ABS, Axis.Y, y);
    this.x = x;
    this.y = y;
    this.report();
  }

  button(which: TabletButton, down: boolean): void {
    this.queue(EventType.KEY, BUTTON_CODES[which], down ? 1 : 0);
    this.report();
  }

  /** Wheel clicks: positive away from the user (scrolls up), as REL_WHEEL counts them. */
  wheel(clicks: number): void {
    if (clicks === 0) return;
    this.queue(EventType.REL, REL_WHEEL, clicks);
    this.report();
  }

  private report(): void {
    this.queue(EventType.SYN, SYN_REPORT, 0);
    this.flush();
  }

  private queue(type: number, code: number, value: number): void {
    if (!this.events) return;
    if (this.pendingCount === PENDING_LIMIT) {
      if (this.dropped++ === 0) this.log('virtio-input: the guest takes no events; newer ones are dropped');
      return;
    }
    const slot = (this.pendingHead + this.pendingCount) % PENDING_LIMIT;
    writeInputEvent(this.pendingView, slot * INPUT_EVENT_BYTES, type, code, value);
    this.pendingCount++;
  }

  /** Moves pending events into the buffers the driver made available, one event a buffer. */
  private flush(): void {
    const queue = this.queues[InputQueue.EVENT];
    if (!queue || !this.events || this.pendingCount === 0) return;
    let interrupt = false;
    while (this.pendingCount > 0) {
      const chain = takeChain(queue, this.faults, 'virtio-input');
      if (chain === null) break;
      if ('refused' in chain) {
        interrupt ||= chain.notify;
        continue;
      }
      const at = this.pendingHead * INPUT_EVENT_BYTES;
      const written = queue.scatter(chain, this.pending.subarray(at, at + INPUT_EVENT_BYTES));
      interrupt = queue.pushUsed(chain.head, written) || interrupt;
      this.pendingHead = (this.pendingHead + 1) % PENDING_LIMIT;
      this.pendingCount--;
      this.delivered++;
    }
    if (interrupt) this.events.interrupt(true);
  }

  /** LED and other status events from the driver: the tablet has none to act on; each buffer goes back. */
  private drainStatus(): void {
    const queue = this.queues[InputQueue.STATUS];
    if (!queue || !this.events) return;
    let interrupt = false;
    for (let chain = takeChain(queue, this.faults, 'virtio-input'); chain !== null; chain = takeChain(queue, this.faults, 'virtio-input')) {
      interrupt = ('refused' in chain ? chain.notify : queue.pushUsed(chain.head, 0)) || interrupt;
    }
    if (interrupt) this.events.interrupt(false);
  }

  /** Fills the config union with the answer to the select and subsel the driver wrote. */
  private answer(): void {
    const { config, configView } = this;
    const select = config[InputConfigLayout.SELECT] as number;
    const subsel = config[InputConfigLayout.SUBSEL] as number;
    config.fill(0, InputConfigLayout.SIZE);
    const at = InputConfigLayout.UNION;
    let size = 0;
    switch (select) {
      case ConfigSelect.ID_NAME:
        if (subsel === 0) {
          config.set(NAME, at);
          size = NAME.length;
        }
        break;
      case ConfigSelect.ID_DEVIDS:
        if (subsel === 0) size = writeDevIds(configView, at, [BUS_VIRTUAL, VIRTIO_PCI_VENDOR, 0x1040 + VIRTIO_ID_INPUT, 1]);
        break;
      case ConfigSelect.EV_BITS:
        if (subsel === EventType.KEY) size = writeBitmap(config, at, [Button.LEFT, Button.RIGHT, Button.MIDDLE]);
        else if (subsel === EventType.REL) size = writeBitmap(config, at, [REL_WHEEL]);
        else if (subsel === EventType.ABS) size = writeBitmap(config, at, [Axis.X, Axis.Y]);
        break;
      case ConfigSelect.ABS_INFO:
        if (subsel === Axis.X || subsel === Axis.Y) size = writeAbsInfo(configView, at, 0, ABS_MAX);
        break;
    }
    config[InputConfigLayout.SIZE] = size;
  }
}
