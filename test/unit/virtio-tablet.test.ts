import { describe, expect, it } from 'vitest';
import { wrapGuestMemory } from '../../src/index.ts';
import { Axis, Button, ConfigSelect, EventType, InputConfigLayout, REL_WHEEL, SYN_REPORT, VIRTIO_ID_INPUT } from '../../src/protocol/virtio-input.ts';
import { BarLayout, barSize, VirtioPciTransport, type TransportEvents } from '../../src/virtio/pci-transport.ts';
import { ABS_MAX, VirtioTabletFunction } from '../../src/virtio/tablet-function.ts';
import { DescFlag, SplitVirtqueue } from '../../src/virtio/virtqueue.ts';

const DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000, BUFFERS = 0x8000, SIZE = 16;

/** The driver's side of the config: select and subsel written, then the answer's size and bytes read, through the BAR. */
function ask(transport: VirtioPciTransport, select: number, subsel: number): number[] {
  transport.writeBar(BarLayout.DEVICE + InputConfigLayout.SELECT, 1, select);
  transport.writeBar(BarLayout.DEVICE + InputConfigLayout.SUBSEL, 1, subsel);
  const size = transport.readBar(BarLayout.DEVICE + InputConfigLayout.SIZE, 1);
  return Array.from({ length: size }, (_, i) => transport.readBar(BarLayout.DEVICE + InputConfigLayout.UNION + i, 1));
}

/** A tablet whose event queue holds `buffers` 8-byte buffers from the driver; `events()` reads what it wrote to the used ring. */
function started(buffers: number, beforeStart?: (fn: VirtioTabletFunction) => void) {
  const ram = new Uint8Array(1 << 16);
  const view = new DataView(ram.buffer);
  const memory = wrapGuestMemory(ram);
  const offer = (count: number, from: number): void => {
    for (let i = from; i < from + count; i++) {
      const d = i % SIZE;
      view.setBigUint64(DESC + 16 * d, BigInt(BUFFERS + 8 * d), true);
      view.setUint32(DESC + 16 * d + 8, 8, true);
      view.setUint16(DESC + 16 * d + 12, DescFlag.WRITE, true);
      view.setUint16(AVAIL + 4 + 2 * (i % SIZE), d, true);
    }
    view.setUint16(AVAIL + 2, from + count, true);
  };
  offer(buffers, 0);
  const logs: string[] = [];
  let interrupts = 0;
  const fn = new VirtioTabletFunction((m) => logs.push(m));
  beforeStart?.(fn);
  const events: TransportEvents = { interrupt: () => interrupts++, configChanged: () => {}, needsReset: (r) => logs.push(`reset: ${r}`) };
  const queue = (at: number) => new SplitVirtqueue(memory, { size: SIZE, descAddr: at, availAddr: at + 0x400, usedAddr: at + 0x800 });
  fn.activate([new SplitVirtqueue(memory, { size: SIZE, descAddr: DESC, availAddr: AVAIL, usedAddr: USED }), queue(0x4000)], events);
  const events8 = (): [number, number, number][] => {
    const used = view.getUint16(USED + 2, true);
    return Array.from({ length: used }, (_, i) => {
      const at = BUFFERS + 8 * view.getUint32(USED + 4 + 8 * (i % SIZE), true);
      return [view.getUint16(at, true), view.getUint16(at + 2, true), view.getInt32(at + 4, true)];
    });
  };
  return { fn, events: events8, interrupts: () => interrupts, logs, offer, view };
}

describe('the virtio-input tablet', () => {
  it('describes itself in its config space as Linux virtio_input asks: a name, two absolute axes, three buttons and a wheel', () => {
    const fn = new VirtioTabletFunction(() => {});
    const transport = new VirtioPciTransport(fn, wrapGuestMemory(new Uint8Array(4096)), { raise: () => {}, lower: () => {} }, () => {});
    expect(barSize(fn)).toBe(0x100);
    const pci = transport.configSpace(0xe900);
    expect(pci[2]! | (pci[3]! << 8)).toBe(0x1040 + VIRTIO_ID_INPUT);
    expect(String.fromCharCode(...ask(transport, ConfigSelect.ID_NAME, 0))).toBe('virtio-gpu-web tablet');
    expect(ask(transport, ConfigSelect.EV_BITS, EventType.ABS)).toEqual([0b11]);
    expect(ask(transport, ConfigSelect.EV_BITS, EventType.REL)).toEqual([0, 1 << (REL_WHEEL - 8)]);
    const keys = ask(transport, ConfigSelect.EV_BITS, EventType.KEY);
    expect(keys).toHaveLength((Button.MIDDLE >> 3) + 1);
    expect(keys[Button.LEFT >> 3]).toBe(0b111);
    const abs = ask(transport, ConfigSelect.ABS_INFO, Axis.Y);
    expect(new DataView(Uint8Array.from(abs).buffer).getInt32(4, true)).toBe(ABS_MAX);
    expect(ask(transport, ConfigSelect.EV_BITS, 0x11 /* EV_LED */)).toEqual([]);
    expect(ask(transport, ConfigSelect.PROP_BITS, 0)).toEqual([]);
    expect(ask(transport, 0x7f, 0)).toEqual([]);
  });

  it('sends a move as the axes that changed and a report, a click and a wheel turn as theirs, one event a buffer', () => {
    const t = started(16);
    t.fn.moveTo(0.5, 1);
    t.fn.moveTo(0.25, 1);
    t.fn.moveTo(0.25, 1);
    t.fn.button('right', true);
    t.fn.wheel(-2);
    const half = Math.round(ABS_MAX / 2);
    expect(t.events()).toEqual([
      [EventType.ABS, Axis.X, half], [EventType.ABS, Axis.Y, ABS_MAX], [EventType.SYN, SYN_REPORT, 0],
      [EventType.ABS, Axis.X, Math.round(ABS_MAX / 4)], [EventType.SYN, SYN_REPORT, 0],
      [EventType.KEY, Button.RIGHT, 1], [EventType.SYN, SYN_REPORT, 0],
      [EventType.REL, REL_WHEEL, -2], [EventType.SYN, SYN_REPORT, 0],
    ]);
    expect(t.interrupts()).toBe(4);
    expect(t.fn.delivered).toBe(9);
  });

  it('clamps positions outside the display to its edges', () => {
    const t = started(8);
    t.fn.moveTo(-3, 7);
    expect(t.events().slice(0, 2)).toEqual([[EventType.ABS, Axis.X, 0], [EventType.ABS, Axis.Y, ABS_MAX]]);
  });

  it('holds events until the driver gives buffers, and drops the newest past its limit, logged once', () => {
    const t = started(2);
    t.fn.button('left', true);
    t.fn.button('left', false);
    expect(t.events()).toEqual([[EventType.KEY, Button.LEFT, 1], [EventType.SYN, SYN_REPORT, 0]]);
    t.offer(2, 2);
    t.fn.notify(0);
    expect(t.events().slice(2)).toEqual([[EventType.KEY, Button.LEFT, 0], [EventType.SYN, SYN_REPORT, 0]]);
    for (let i = 0; i < 600; i++) t.fn.wheel(1);
    expect(t.fn.dropped).toBe(1200 - 512);
    expect(t.logs).toEqual(['virtio-input: the guest takes no events; newer ones are dropped']);
  });

  it('gives a malformed buffer back empty, logged, and sends the event in the next one', () => {
    const t = started(0);
    t.offer(2, 0);
    t.view.setBigUint64(DESC, 1n << 20n, true);
    t.fn.button('right', true);
    expect(t.view.getUint32(USED + 4, true)).toBe(0);
    expect(t.view.getUint32(USED + 8, true)).toBe(0);
    expect(t.events().slice(1)).toEqual([[EventType.KEY, Button.RIGHT, 1]]);
    expect(t.logs).toEqual([expect.stringMatching(/^virtio-input: descriptor chain 0 refused: .*outside guest memory/)]);
    expect(t.interrupts()).toBe(1);
  });

  it('sends nothing before the driver started it, and forgets what was held at reset', () => {
    const idle = new VirtioTabletFunction(() => {});
    idle.moveTo(0.5, 0.5);
    expect(idle.delivered).toBe(0);
    // A move before the start is not remembered as sent: the same position afterwards reaches the guest.
    const early = started(4, (fn) => fn.moveTo(0.5, 0.5));
    early.fn.moveTo(0.5, 0.5);
    expect(early.events()).toEqual([[EventType.ABS, Axis.X, 16384], [EventType.ABS, Axis.Y, 16384], [EventType.SYN, SYN_REPORT, 0]]);
    const t = started(0);
    t.fn.moveTo(0.1, 0.1);
    t.fn.reset();
    t.offer(4, 0);
    t.fn.notify(0);
    expect(t.events()).toEqual([]);
  });
});
