import { afterEach, describe, expect, it } from 'vitest';
import { connectVirtioGpuChannel, createMemoryPresenter, DEFAULT_CHANNEL_LIMITS, serveVirtioGpuChannel, type DeviceMessage, type VirtioGpuChannelHost } from '../../src/index.ts';
import { CommandType as C, ResponseType as R } from '../../src/protocol/constants.ts';
import { Format } from '../../src/protocol/formats.ts';
import * as W from '../../src/protocol/structs.ts';
import { encode, hdr, responseType } from './helpers.ts';

const WIDTH = 16, HEIGHT = 16, FB = 4096;
const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

function rig(limits = {}): { vmm: MessagePort; host: VirtioGpuChannelHost; logs: string[] } {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const logs: string[] = [];
  const host = serveVirtioGpuChannel(port1, { scanouts: [{ width: WIDTH, height: HEIGHT }], presenter: createMemoryPresenter(), log: (m) => logs.push(m), channelLimits: limits });
  return { vmm: port2, host, logs };
}

/** Sends raw messages as a hostile VMM would and collects what comes back. */
function raw(vmm: MessagePort): { send(message: unknown): void; next(): Promise<DeviceMessage> } {
  const queue: DeviceMessage[] = [];
  let wake: (() => void) | null = null;
  vmm.addEventListener('message', (event) => {
    queue.push((event as MessageEvent<DeviceMessage>).data);
    wake?.();
  });
  vmm.start();
  return {
    send: (message) => vmm.postMessage(message),
    async next() {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return queue.shift()!;
    },
  };
}

describe('VMM channel', () => {
  it('serves a VMM whose RAM is a SharedArrayBuffer: the scanout shows what the VMM wrote', async () => {
    const { vmm, host } = rig();
    const ram = new SharedArrayBuffer(1 << 16);
    const bytes = new Uint8Array(ram);
    for (let i = 0; i < WIDTH * HEIGHT; i++) bytes.set([i, 2 * i, 3 * i, 0], FB + i * 4);
    const gpu = await connectVirtioGpuChannel(vmm, ram);
    expect(gpu.numScanouts).toBe(1);
    expect(await host.attached).toBe(host.device);
    const r = { x: 0, y: 0, width: WIDTH, height: HEIGHT };
    const answers = [
      await gpu.control(encode(W.ResourceCreate2d, { hdr: hdr(C.RESOURCE_CREATE_2D), resourceId: 1, format: Format.B8G8R8X8_UNORM, width: WIDTH, height: HEIGHT })),
      await gpu.control(encode(W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 1, nrEntries: 1 }, [W.MemEntry.encode({ addr: FB, length: WIDTH * HEIGHT * 4 })])),
      await gpu.control(encode(W.SetScanout, { hdr: hdr(C.SET_SCANOUT), r, scanoutId: 0, resourceId: 1 })),
      await gpu.control(encode(W.TransferToHost2d, { hdr: hdr(C.TRANSFER_TO_HOST_2D), r, offset: 0, resourceId: 1 })),
      await gpu.control(encode(W.ResourceFlush, { hdr: hdr(C.RESOURCE_FLUSH), r, resourceId: 1 })),
    ];
    expect(answers.map(responseType)).toEqual(Array(5).fill(R.OK_NODATA));
    const capture = await host.device!.captureScanout(0);
    expect(Array.from(capture.data.subarray(5 * 4, 6 * 4))).toEqual([15, 10, 5, 255]);
    expect(host.traffic.commands).toBe(5);
    expect(host.traffic.bytesFromGuest).toBeGreaterThanOrEqual(WIDTH * HEIGHT * 4);
    // The device answers a bad request itself, with the spec's error, and keeps serving.
    const outside = await gpu.control(encode(W.ResourceAttachBacking, { hdr: hdr(C.RESOURCE_ATTACH_BACKING), resourceId: 1, nrEntries: 1 }, [W.MemEntry.encode({ addr: (1 << 16) - 8, length: 64 })]));
    expect(responseType(outside)).not.toBe(R.OK_NODATA);
    expect(responseType(await gpu.control(new Uint8Array(3)))).toBe(R.ERR_UNSPEC);
  });

  it('tells the VMM when a display changes, and takes events_clear', async () => {
    const { vmm, host } = rig();
    const gpu = await connectVirtioGpuChannel(vmm, new SharedArrayBuffer(4096));
    const event = new Promise<number>((resolve) => (gpu.onDisplayEvent = resolve));
    host.device!.configureScanout(0, { width: 640, height: 480 });
    expect(await event).toBe(1);
    gpu.clearEvents(1);
    await gpu.control(encode(W.HeaderOnly, { hdr: hdr(C.GET_DISPLAY_INFO) }));
    expect(host.device!.eventsRead).toBe(0);
  });

  it('refuses what a hostile VMM sends, saying why, and keeps serving', async () => {
    const { vmm, host, logs } = rig({ maxRequestBytes: 64 });
    const channel = raw(vmm);
    const refusal = async (message: unknown) => {
      channel.send(message);
      const answer = await channel.next();
      expect(answer.kind).toBe('refused');
      return answer as Extract<DeviceMessage, { kind: 'refused' }>;
    };
    expect((await refusal({ kind: 'control', id: 1, request: new Uint8Array(24) })).reason).toMatch(/attach .*first/);
    expect((await refusal({ kind: 'attach', ram: new ArrayBuffer(64) })).reason).toMatch(/SharedArrayBuffer/);
    expect((await refusal({ kind: 'attach', ram: new SharedArrayBuffer(0) })).reason).toMatch(/1 to/);
    expect((await refusal('hello')).reason).toMatch(/object with a kind/);
    expect((await refusal({ kind: 'reboot' })).reason).toMatch(/unknown message kind/);
    channel.send({ kind: 'attach', ram: new SharedArrayBuffer(4096) });
    expect((await channel.next()).kind).toBe('ready');
    expect((await refusal({ kind: 'attach', ram: new SharedArrayBuffer(4096) })).reason).toMatch(/given already/);
    expect(await refusal({ kind: 'control', id: -1, request: new Uint8Array(24) })).toMatchObject({ id: null });
    expect(await refusal({ kind: 'control', id: 2 ** 40, request: new Uint8Array(24) })).toMatchObject({ id: null });
    expect(await refusal({ kind: 'control', id: 7, request: [1, 2, 3] })).toMatchObject({ id: 7, reason: expect.stringMatching(/Uint8Array/) });
    expect(await refusal({ kind: 'cursor', id: 8, request: new Uint8Array(65) })).toMatchObject({ id: 8, reason: expect.stringMatching(/over the limit of 64/) });
    expect((await refusal({ kind: 'clear-events', mask: 2 ** 33 })).reason).toMatch(/32-bit/);
    channel.send({ kind: 'control', id: 9, request: encode(W.HeaderOnly, { hdr: hdr(C.GET_DISPLAY_INFO) }) });
    const answer = await channel.next();
    expect(answer).toMatchObject({ kind: 'response', id: 9 });
    expect(responseType((answer as Extract<DeviceMessage, { kind: 'response' }>).response)).toBe(R.OK_DISPLAY_INFO);
    expect(host.traffic.commands).toBe(1);
    expect(logs.length).toBeGreaterThan(0);
  });

  it('throws at once on bad device options', () => {
    const { port1 } = new MessageChannel();
    ports.push(port1);
    expect(() => serveVirtioGpuChannel(port1, { scanouts: [{ width: 8, height: 4 }], presenter: createMemoryPresenter() })).toThrow(/scanouts\[0\] is 8x4/);
  });

  it('refuses requests past the pending limit', async () => {
    const { vmm } = rig({ maxPending: 0 });
    const gpu = await connectVirtioGpuChannel(vmm, new SharedArrayBuffer(4096));
    await expect(gpu.control(encode(W.HeaderOnly, { hdr: hdr(C.GET_DISPLAY_INFO) }))).rejects.toThrow(/0 requests are waiting already/);
    expect(DEFAULT_CHANNEL_LIMITS.maxPending).toBe(256);
  });
});
