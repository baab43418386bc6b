/**
 * The VMM's side of the channel, for the thread that runs the VM: hands the
 * device its RAM, then sends virtqueue requests and awaits their responses.
 */
import type { ChannelEndpoint } from './endpoint.ts';
import type { DeviceMessage } from './messages.ts';

export interface VirtioGpuChannelClient {
  /** Feature bits the device offers (VIRTIO_GPU_F_*), and what its config space holds. */
  readonly features: number;
  readonly numScanouts: number;
  readonly numCapsets: number;
  /** `events_read` of the config space, as last reported. */
  readonly eventsRead: number;
  /** Sends one control-queue request; resolves with its response bytes. */
  control(request: Uint8Array): Promise<Uint8Array>;
  /** Sends one cursor-queue request; resolves when the device has taken it. */
  cursor(request: Uint8Array): Promise<void>;
  /** The driver wrote `events_clear`. */
  clearEvents(mask: number): void;
  /** Told when a display changed (raise the config-change interrupt). */
  onDisplayEvent: ((eventsRead: number) => void) | null;
  close(): void;
}

/** Connects to a device served with serveVirtioGpuChannel at the other end of `endpoint`, giving it `ram`. */
export function connectVirtioGpuChannel(endpoint: ChannelEndpoint, ram: SharedArrayBuffer): Promise<VirtioGpuChannelClient> {
  const waiting = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  return new Promise((resolveClient, rejectClient) => {
    let client: (VirtioGpuChannelClient & { eventsRead: number }) | null = null;
    const request = (kind: 'control' | 'cursor', bytes: Uint8Array): Promise<Uint8Array> =>
      new Promise((resolve, reject) => {
        const id = nextId;
        nextId = (nextId + 1) % 0x1_0000_0000;
        waiting.set(id, { resolve, reject });
        endpoint.postMessage({ kind, id, request: bytes }, []);
      });
    const onMessage = (event: MessageEvent<DeviceMessage>): void => {
      const message = event.data;
      if (message.kind === 'ready') {
        client = {
          features: message.features,
          numScanouts: message.numScanouts,
          numCapsets: message.numCapsets,
          eventsRead: message.eventsRead,
          control: (bytes) => request('control', bytes),
          cursor: async (bytes) => void (await request('cursor', bytes)),
          clearEvents: (mask) => endpoint.postMessage({ kind: 'clear-events', mask }, []),
          onDisplayEvent: null,
          close: () => endpoint.removeEventListener('message', onMessage),
        };
        resolveClient(client);
      } else if (message.kind === 'response') {
        waiting.get(message.id)?.resolve(message.response);
        waiting.delete(message.id);
      } else if (message.kind === 'display-event') {
        if (client) {
          client.eventsRead = message.eventsRead;
          client.onDisplayEvent?.(message.eventsRead);
        }
      } else if (message.kind === 'refused') {
        const error = new Error(`virtio-gpu-web: the device refused a message: ${message.reason}`);
        const entry = message.id === null ? undefined : waiting.get(message.id);
        if (entry) {
          waiting.delete(message.id!);
          entry.reject(error);
        } else if (!client) rejectClient(error);
      }
    };
    endpoint.addEventListener('message', onMessage as (event: MessageEvent) => void);
    endpoint.start?.();
    endpoint.postMessage({ kind: 'attach', ram }, []);
  });
}
