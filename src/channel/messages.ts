/**
 * The messages between a VMM thread and the device, for VMMs other than v86
 * (QEMU compiled to wasm, say). The VMM owns guest RAM as a
 * SharedArrayBuffer and sends it once; then it sends each virtqueue request's
 * bytes and gets the response bytes back. Everything the VMM sends is checked
 * here first: it is as untrusted as the guest.
 */

/** VMM to device. */
export type VmmMessage =
  /** First, once: guest RAM, which the device reads for resource backing. */
  | { kind: 'attach'; ram: SharedArrayBuffer }
  /** One control-queue request (header and payload, as the driver wrote them). */
  | { kind: 'control'; id: number; request: Uint8Array }
  /** One cursor-queue request. */
  | { kind: 'cursor'; id: number; request: Uint8Array }
  /** The driver wrote `events_clear` in the config space. */
  | { kind: 'clear-events'; mask: number };

/** Device to VMM. */
export type DeviceMessage =
  /** Answer to 'attach': what the config space and feature bits hold. */
  | { kind: 'ready'; features: number; numScanouts: number; numCapsets: number; eventsRead: number }
  /** The response bytes for request `id` (empty for cursor requests): the VMM writes them into the chain's writable buffers. */
  | { kind: 'response'; id: number; response: Uint8Array }
  /** A display changed: `events_read` is now `eventsRead`; the VMM raises a config-change interrupt. */
  | { kind: 'display-event'; eventsRead: number }
  /** A message was refused (its `id`, if it had a valid one). */
  | { kind: 'refused'; id: number | null; reason: string };

export interface ChannelLimits {
  /** Largest request accepted, in bytes. Default 1 MiB (an ATTACH_BACKING of 16384 entries is 256 KiB). */
  maxRequestBytes: number;
  /** Requests waiting for their response at once. Default 256 (a virtqueue of 256 entries). */
  maxPending: number;
  /** Largest guest RAM accepted, in bytes. Default 4 GiB. */
  maxRamBytes: number;
}

export const DEFAULT_CHANNEL_LIMITS: Readonly<ChannelLimits> = { maxRequestBytes: 1 << 20, maxPending: 256, maxRamBytes: 4 * 1024 ** 3 };

export class RefusedMessage extends Error {
  constructor(
    readonly id: number | null,
    reason: string,
  ) {
    super(reason);
    this.name = 'RefusedMessage';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isU32 = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffff_ffff;

/** `data` as a VmmMessage within `limits`, or a RefusedMessage saying why not. */
export function parseVmmMessage(data: unknown, limits: ChannelLimits): VmmMessage {
  if (!isObject(data)) throw new RefusedMessage(null, 'a message must be an object with a kind');
  switch (data.kind) {
    case 'attach': {
      const { ram } = data;
      if (typeof SharedArrayBuffer === 'undefined' || !(ram instanceof SharedArrayBuffer)) throw new RefusedMessage(null, 'attach: ram must be a SharedArrayBuffer');
      if (ram.byteLength === 0 || ram.byteLength > limits.maxRamBytes) throw new RefusedMessage(null, `attach: ram must hold 1 to ${limits.maxRamBytes} bytes, not ${ram.byteLength}`);
      return { kind: 'attach', ram };
    }
    case 'control':
    case 'cursor': {
      const { id, request } = data;
      if (!isU32(id)) throw new RefusedMessage(null, `${data.kind}: id must be an integer from 0 to 2^32-1`);
      if (!(request instanceof Uint8Array)) throw new RefusedMessage(id, `${data.kind}: request must be a Uint8Array`);
      if (request.byteLength > limits.maxRequestBytes) throw new RefusedMessage(id, `${data.kind}: request of ${request.byteLength} bytes is over the limit of ${limits.maxRequestBytes}`);
      return { kind: data.kind, id, request };
    }
    case 'clear-events': {
      const { mask } = data;
      if (!isU32(mask)) throw new RefusedMessage(null, 'clear-events: mask must be a 32-bit unsigned integer');
      return { kind: 'clear-events', mask };
    }
    default:
      throw new RefusedMessage(null, `unknown message kind ${JSON.stringify(String(data.kind)).slice(0, 40)}`);
  }
}
