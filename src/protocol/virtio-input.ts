/**
 * virtio-input's wire formats (virtio 1.3, 5.8): the config space's select
 * and subsel, the answers it holds, and the 8-byte events of the event queue.
 * Event types and codes are Linux's (include/uapi/linux/input-event-codes.h).
 */
export const VIRTIO_ID_INPUT = 18;
/** PCI class: input device controller, other. */
export const PCI_CLASS_INPUT_OTHER = 0x098000;

export const InputQueue = { EVENT: 0, STATUS: 1 } as const;

export const ConfigSelect = {
  UNSET: 0x00,
  ID_NAME: 0x01,
  ID_SERIAL: 0x02,
  ID_DEVIDS: 0x03,
  PROP_BITS: 0x10,
  EV_BITS: 0x11,
  ABS_INFO: 0x12,
} as const;

/** select (u8), subsel (u8), size (u8), 5 reserved bytes, then a 128-byte union. */
export const InputConfigLayout = { SELECT: 0, SUBSEL: 1, SIZE: 2, UNION: 8, UNION_LENGTH: 128, LENGTH: 136 } as const;

export const EventType = { SYN: 0x00, KEY: 0x01, REL: 0x02, ABS: 0x03 } as const;
export const SYN_REPORT = 0;
export const Button = { LEFT: 0x110, RIGHT: 0x111, MIDDLE: 0x112 } as const;
export const Axis = { X: 0x00, Y: 0x01 } as const;
export const REL_WHEEL = 0x08;
/** BUS_VIRTUAL, for ID_DEVIDS. */
export const BUS_VIRTUAL = 0x06;

/** type (le16), code (le16), value (le32). */
export const INPUT_EVENT_BYTES = 8;

export function writeInputEvent(view: DataView, at: number, type: number, code: number, value: number): void {
  view.setUint16(at, type, true);
  view.setUint16(at + 2, code, true);
  view.setInt32(at + 4, value, true);
}

/** An ABS_INFO answer: min, max, fuzz, flat, res (le32 each). */
export function writeAbsInfo(view: DataView, at: number, min: number, max: number): number {
  [min, max, 0, 0, 0].forEach((v, i) => view.setInt32(at + 4 * i, v, true));
  return 20;
}

/** An ID_DEVIDS answer: bustype, vendor, product, version (le16 each). */
export function writeDevIds(view: DataView, at: number, ids: readonly [number, number, number, number]): number {
  ids.forEach((v, i) => view.setUint16(at + 2 * i, v, true));
  return 8;
}

/** A bitmap answer with `bits` set; its size is up to the last byte with a bit. */
export function writeBitmap(bytes: Uint8Array, at: number, bits: readonly number[]): number {
  let size = 0;
  for (const bit of bits) {
    const byte = bit >> 3;
    bytes[at + byte] = (bytes[at + byte] ?? 0) | (1 << (bit & 7));
    size = Math.max(size, byte + 1);
  }
  return size;
}
