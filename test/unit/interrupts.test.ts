import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryPresenter, createVirtioGpu, wrapGuestMemory } from '../../src/index.ts';
import { CommandType as C, HeaderFlag } from '../../src/protocol/constants.ts';
import { Format } from '../../src/protocol/formats.ts';
import * as W from '../../src/protocol/structs.ts';
import { serveControlQueue, type QueueEvents } from '../../src/virtio/gpu-queues.ts';
import { INTERRUPT_HOLD_MS, Status, VirtioPciTransport, type TransportEvents, type VirtioFunction } from '../../src/virtio/pci-transport.ts';
import { DescFlag, SplitVirtqueue } from '../../src/virtio/virtqueue.ts';
import { encode, hdr } from './helpers.ts';

const DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000, SIZE = 8;

/** Serves one batch of control requests and returns the urgency the queue reported. */
function urgencyOf(requests: Uint8Array[]): boolean[] {
  const ram = new Uint8Array(1 << 20);
  const view = new DataView(ram.buffer);
  const memory = wrapGuestMemory(ram);
  const device = createVirtioGpu({ memory, scanouts: [{ width: 64, height: 48 }], presenter: createMemoryPresenter(), log: () => {} });
  requests.forEach((request, i) => {
    const at = 0x8000 + i * 0x400;
    ram.set(request, at);
    for (const [d, addr, len, flags] of [[2 * i, at, request.length, DescFlag.NEXT], [2 * i + 1, at + 0x200, 0x200, DescFlag.WRITE]] as const) {
      view.setBigUint64(DESC + 16 * d, BigInt(addr), true);
      view.setUint32(DESC + 16 * d + 8, len, true);
      view.setUint16(DESC + 16 * d + 12, flags, true);
      view.setUint16(DESC + 16 * d + 14, d + 1, true);
    }
    view.setUint16(AVAIL + 4 + 2 * i, 2 * i, true);
  });
  view.setUint16(AVAIL + 2, requests.length, true);
  const seen: boolean[] = [];
  const events: QueueEvents = { interrupt: (urgent) => seen.push(urgent), broken: () => {}, log: () => {} };
  serveControlQueue(new SplitVirtqueue(memory, { size: SIZE, descAddr: DESC, availAddr: AVAIL, usedAddr: USED }), device, events);
  return seen;
}

const create = (id: number, flags = 0) => encode(W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D, { flags, fenceId: flags ? 7n : 0n }), resourceId: id, format: Format.B8G8R8X8_UNORM, width: 8, height: 8 });

describe('which used buffers the driver may be waiting for', () => {
  it('answers that only reclaim buffers are not urgent', () => {
    expect(urgencyOf([create(1), create(2)])).toEqual([false]);
  });

  it('a fence, an answer with data, or an error makes the batch urgent', () => {
    expect(urgencyOf([create(1), create(2, HeaderFlag.FENCE)])).toEqual([true]);
    expect(urgencyOf([create(1), encode(W.CtrlHeader, hdr(C.GET_DISPLAY_INFO))])).toEqual([true]);
    expect(urgencyOf([create(1), create(1)])).toEqual([true]);
  });
});

describe('interrupt moderation in the transport', () => {
  afterEach(() => vi.useRealTimers());

  function started() {
    vi.useFakeTimers();
    let events: TransportEvents | null = null;
    const fn: VirtioFunction = {
      deviceId: 16, pciClass: 0x038000, features: 0n, queueCount: 2, configLength: 16,
      readConfig: () => 0, writeConfig: () => {}, notify: () => {}, reset: () => {},
      activate: (_queues, e) => (events = e),
    };
    const line = { raised: 0, lowered: 0 };
    const transport = new VirtioPciTransport(fn, wrapGuestMemory(new Uint8Array(1 << 16)), { raise: () => line.raised++, lower: () => line.lowered++ }, () => {});
    transport.restoreState({ status: Status.ACKNOWLEDGE | Status.DRIVER | Status.FEATURES_OK | Status.DRIVER_OK, driverFeatures: 0n, configGeneration: 0, isr: 0, queues: [] });
    if (!events) throw new Error('the function was not activated');
    return { transport, line, events: events as TransportEvents };
  }

  it('holds notices nobody waits for, and merges them into one interrupt', () => {
    const { line, events } = started();
    events.interrupt(false);
    events.interrupt(false);
    expect(line.raised).toBe(0);
    vi.advanceTimersByTime(INTERRUPT_HOLD_MS);
    expect(line.raised).toBe(1);
  });

  it('raises at once when the driver may be waiting, taking held notices along', () => {
    const { line, events } = started();
    events.interrupt(false);
    events.interrupt(true);
    expect(line.raised).toBe(1);
    vi.advanceTimersByTime(INTERRUPT_HOLD_MS * 2);
    expect(line.raised).toBe(1);
  });

  it('a snapshot keeps a held notice, and a reset drops it', () => {
    const { transport, line, events } = started();
    events.interrupt(false);
    expect(transport.saveState().isr & 1).toBe(1);
    transport.writeBar(0x14, 1, 0);
    vi.advanceTimersByTime(INTERRUPT_HOLD_MS * 2);
    expect(line.raised).toBe(0);
  });
});
