/**
 * Serves virtio-gpu's two queues: each available chain's request goes to the
 * device, its response back into the chain, and the chain to the used ring.
 */
import type { VirtioGpuDevice } from '../device/device.ts';
import { driverAwaits } from '../protocol/structs.ts';
import { takeChain, type DescriptorChain, type QueueFaults, type SplitVirtqueue } from './virtqueue.ts';

export const CONTROL_QUEUE = 0;
export const CURSOR_QUEUE = 1;

export interface QueueEvents extends QueueFaults {
  /**
   * The driver asked to be told about used buffers. `urgent` when it may be
   * waiting for one of them (a fence, an answer with data, an error); other
   * notices may be held back briefly and merged.
   */
  interrupt(urgent: boolean): void;
}

/** What a served chain left in it: the bytes written, and whether the driver may be waiting for them. */
interface Served {
  written: number;
  awaited: boolean;
}

type Handler = (queue: SplitVirtqueue, chain: DescriptorChain) => Served | Promise<Served>;

/** Serves every available chain; returns how many requests reached the device. */
function drain(queue: SplitVirtqueue, handle: Handler, events: QueueEvents): number {
  let interrupt = false;
  let urgent = false;
  let served = 0;
  for (let chain = takeChain(queue, events, 'virtio-gpu'); chain !== null; chain = takeChain(queue, events, 'virtio-gpu')) {
    if ('refused' in chain) {
      interrupt ||= chain.notify;
      urgent = true;
      continue;
    }
    served++;
    const result = handle(queue, chain);
    if (result instanceof Promise) {
      const head = chain.head;
      void result.then(({ written, awaited }) => {
        if (queue.pushUsed(head, written)) events.interrupt(awaited);
      });
    } else if (queue.pushUsed(chain.head, result.written)) {
      interrupt = true;
      urgent ||= result.awaited;
    }
  }
  if (interrupt) events.interrupt(urgent);
  return served;
}

const answered = { written: 0, awaited: false };

const control = (device: VirtioGpuDevice): Handler => (queue, chain) => {
  const result = device.executeControl(queue.gather(chain));
  if (!(result instanceof Uint8Array)) return result.then((bytes) => ({ written: queue.scatter(chain, bytes), awaited: driverAwaits(bytes) }));
  answered.written = queue.scatter(chain, result);
  answered.awaited = driverAwaits(result);
  return answered;
};

const cursorDone: Served = { written: 0, awaited: false };

const cursor = (device: VirtioGpuDevice): Handler => (queue, chain) => {
  device.executeCursor(queue.gather(chain));
  return cursorDone;
};

/** Serves every chain the driver has made available on the control queue; returns how many were served. */
export function serveControlQueue(queue: SplitVirtqueue, device: VirtioGpuDevice, events: QueueEvents): number {
  return drain(queue, control(device), events);
}

export function serveCursorQueue(queue: SplitVirtqueue, device: VirtioGpuDevice, events: QueueEvents): number {
  return drain(queue, cursor(device), events);
}
