/**
 * The device's side of the VMM channel: serves a VMM that runs in another
 * thread (a Worker) and sends virtqueue requests as messages, with guest RAM
 * in a SharedArrayBuffer. The device and its presenter live on this side.
 */
import { validateOptions, VirtioGpuDevice, type DeviceOptions } from '../device/device.ts';
import { DEFAULT_LOG_RATE, rateLimitedLog } from '../device/rate-limited-log.ts';
import { wrapGuestMemory } from '../memory/guest-memory.ts';
import { emptyTraffic, meterMemory, type Traffic } from '../memory/metered-memory.ts';
import type { ChannelEndpoint } from './endpoint.ts';
import { DEFAULT_CHANNEL_LIMITS, parseVmmMessage, RefusedMessage, type ChannelLimits, type DeviceMessage, type VmmMessage } from './messages.ts';

export interface ChannelHostOptions extends Omit<DeviceOptions, 'memory'> {
  channelLimits?: Partial<ChannelLimits>;
}

export interface VirtioGpuChannelHost {
  /** Resolves with the device once the VMM has sent its RAM. */
  readonly attached: Promise<VirtioGpuDevice>;
  /** The device, once attached. */
  readonly device: VirtioGpuDevice | null;
  /** Requests and guest-memory bytes served so far. */
  readonly traffic: Readonly<Traffic>;
  /** Stops listening; requests in flight still get their answers. */
  close(): void;
}

/** Serves the virtio-gpu device to the VMM at the other end of `endpoint` (see messages.ts for the protocol). */
export function serveVirtioGpuChannel(endpoint: ChannelEndpoint, options: ChannelHostOptions): VirtioGpuChannelHost {
  const { channelLimits, ...deviceOptions } = options;
  const limits = { ...DEFAULT_CHANNEL_LIMITS, ...channelLimits };
  // Bad options are the embedder's mistake: they throw here, not later at the VMM (the RAM is checked when it comes).
  validateOptions({ ...deviceOptions, memory: wrapGuestMemory(new ArrayBuffer(1)) });
  const log = rateLimitedLog(deviceOptions.log ?? ((m: string) => console.warn(m)), deviceOptions.logRate ?? DEFAULT_LOG_RATE);
  const traffic = emptyTraffic();
  let device: VirtioGpuDevice | null = null;
  let pending = 0;
  let announce!: (device: VirtioGpuDevice) => void;
  const attached = new Promise<VirtioGpuDevice>((resolve) => (announce = resolve));
  const send = (message: DeviceMessage): void => endpoint.postMessage(message, message.kind === 'response' ? [message.response.buffer] : []);

  const attach = (ram: SharedArrayBuffer): void => {
    if (device) throw new RefusedMessage(null, 'attach: the RAM was given already');
    device = new VirtioGpuDevice({ ...deviceOptions, memory: meterMemory(wrapGuestMemory(ram), traffic) });
    const d = device;
    d.onDisplayEvent = () => send({ kind: 'display-event', eventsRead: d.eventsRead });
    send({ kind: 'ready', features: d.features, numScanouts: d.scanouts.length, numCapsets: d.capsetCount, eventsRead: d.eventsRead });
    announce(d);
  };

  const serve = async (d: VirtioGpuDevice, message: Extract<VmmMessage, { kind: 'control' | 'cursor' }>): Promise<void> => {
    pending++;
    traffic.commands++;
    traffic.bytesFromGuest += message.request.byteLength;
    try {
      // controlCommand answers with a copy of its own, so its buffer can be transferred as is.
      const response = message.kind === 'control' ? await d.controlCommand(message.request) : (await d.cursorCommand(message.request), new Uint8Array(0));
      traffic.bytesToGuest += response.byteLength;
      send({ kind: 'response', id: message.id, response });
    } catch (error) {
      log(`virtio-gpu-web channel: request ${message.id} failed: ${String(error)}`);
      send({ kind: 'refused', id: message.id, reason: 'the device failed to answer' });
    } finally {
      pending--;
    }
  };

  const onMessage = (event: MessageEvent): void => {
    try {
      const message = parseVmmMessage(event.data, limits);
      if (message.kind === 'attach') return attach(message.ram);
      if (!device) throw new RefusedMessage(message.kind === 'clear-events' ? null : message.id, `${message.kind}: send attach with the guest RAM first`);
      if (message.kind === 'clear-events') {
        device.eventsRead &= ~message.mask;
        return;
      }
      if (pending >= limits.maxPending) throw new RefusedMessage(message.id, `${message.kind}: ${limits.maxPending} requests are waiting already`);
      void serve(device, message);
    } catch (error) {
      const refused = error instanceof RefusedMessage ? error : new RefusedMessage(null, String(error));
      log(`virtio-gpu-web channel: refused a message: ${refused.message}`);
      send({ kind: 'refused', id: refused.id, reason: refused.message });
    }
  };

  endpoint.addEventListener('message', onMessage);
  endpoint.start?.();
  return {
    attached,
    get device() {
      return device;
    },
    traffic,
    close: () => endpoint.removeEventListener('message', onMessage),
  };
}
