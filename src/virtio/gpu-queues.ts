/**
 * Serves virtio-gpu's two queues: each available chain's request goes to the
 * device, its response back into the chain, and the chain to the used ring.
 */
import type { VirtioGpuDevice } from '../device/device.ts';
import { ChainError, type DescriptorChain, type SplitVirtqueue, VirtqueueError } from './virtqueue.ts';

export const CONTROL_QUEUE = 0;
export const CURSOR_QUEUE = 1;

export interface QueueEvents {
  /** The driver asked to be told about used buffers. */
  interrupt(): void;
  /** The ring is malformed: the transport should flag DEVICE_NEEDS_RESET. */
  broken(reason: string): void;
  log(message: string): void;
}

type Handler = (queue: SplitVirtqueue, chain: DescriptorChain) => number | Promise<number>;

/** Serves every available chain; returns how many requests reached the device. */
function drain(queue: SplitVirtqueue, handle: Handler, events: QueueEvents): number {
  let interrupt = false;
  let served = 0;
  for (;;) {
    let chain: DescriptorChain | null;
    try {
      chain = queue.pop();
    } catch (error) {
      if (error instanceof ChainError) {
        events.log(`virtio-gpu: descriptor chain ${error.head} refused: ${error.message}`);
        interrupt = queue.pushUsed(error.head, 0) || interrupt;
        continue;
      }
      if (error instanceof VirtqueueError) events.broken(error.message);
      else events.log(`virtio-gpu: queue failure: ${String(error)}`);
      break;
    }
    if (!chain) break;
    served++;
    const written = handle(queue, chain);
    if (typeof written === 'number') {
      interrupt = queue.pushUsed(chain.head, written) || interrupt;
    } else {
      const head = chain.head;
      void written.then((n) => {
        if (queue.pushUsed(head, n)) events.interrupt();
      });
    }
  }
  if (interrupt) events.interrupt();
  return served;
}

const control = (device: VirtioGpuDevice): Handler => (queue, chain) => {
  const result = device.executeControl(queue.gather(chain));
  return result instanceof Uint8Array ? queue.scatter(chain, result) : result.then((bytes) => queue.scatter(chain, bytes));
};

const cursor = (device: VirtioGpuDevice): Handler => (queue, chain) => {
  device.executeCursor(queue.gather(chain));
  return 0;
};

/** Serves every chain the driver has made available on the control queue; returns how many were served. */
export function serveControlQueue(queue: SplitVirtqueue, device: VirtioGpuDevice, events: QueueEvents): number {
  return drain(queue, control(device), events);
}

export function serveCursorQueue(queue: SplitVirtqueue, device: VirtioGpuDevice, events: QueueEvents): number {
  return drain(queue, cursor(device), events);
}
