/** virtio-gpu as a virtio function: its config space, its two queues, and reset. */
import type { VirtioGpuDevice } from '../device/device.ts';
import { DeviceConfigLayout } from '../protocol/structs.ts';
import { serveControlQueue, serveCursorQueue, CONTROL_QUEUE, type QueueEvents } from './gpu-queues.ts';
import { readConfigBytes, type TransportEvents, type VirtioFunction } from './pci-transport.ts';
import type { SplitVirtqueue } from './virtqueue.ts';

export const VIRTIO_ID_GPU = 16;
/** PCI class: display controller, other (FIELD-NOTES: what Linux's virtio_gpu expects). */
export const PCI_CLASS_DISPLAY_OTHER = 0x038000;

export class VirtioGpuFunction implements VirtioFunction {
  readonly deviceId = VIRTIO_ID_GPU;
  readonly pciClass = PCI_CLASS_DISPLAY_OTHER;
  readonly queueCount = 2;
  readonly configLength = DeviceConfigLayout.size;
  /** Requests served from both queues since the device was made. */
  commandsServed = 0;
  private queues: readonly (SplitVirtqueue | null)[] = [];
  private events: QueueEvents | null = null;
  private readonly config = new Uint8Array(DeviceConfigLayout.size);

  constructor(
    readonly device: VirtioGpuDevice,
    private readonly log: (message: string) => void,
  ) {}

  get features(): bigint {
    return BigInt(this.device.features);
  }

  readConfig(offset: number, size: number): number {
    DeviceConfigLayout.write(this.config, 0, { eventsRead: this.device.eventsRead, eventsClear: 0, numScanouts: this.device.scanouts.length, numCapsets: this.device.capsetCount });
    return readConfigBytes(this.config, offset, size);
  }

  writeConfig(offset: number, _size: number, value: number): void {
    if (offset === DeviceConfigLayout.offsets.eventsClear) this.device.eventsRead &= ~value;
  }

  activate(queues: readonly (SplitVirtqueue | null)[], events: TransportEvents): void {
    this.queues = queues;
    this.events = { interrupt: events.interrupt, broken: events.needsReset, log: this.log };
    this.device.onDisplayEvent = events.configChanged;
  }

  notify(index: number): void {
    const queue = this.queues[index];
    if (!queue || !this.events) return;
    this.commandsServed += index === CONTROL_QUEUE ? serveControlQueue(queue, this.device, this.events) : serveCursorQueue(queue, this.device, this.events);
  }

  reset(): void {
    this.queues = [];
    this.events = null;
    this.device.onDisplayEvent = null;
    this.device.reset();
  }
}
