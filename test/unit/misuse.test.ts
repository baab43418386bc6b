import { describe, expect, it } from 'vitest';
import { createMemoryPresenter, createVirtioGpu, wrapGuestMemory, type DeviceOptions } from '../../src/index.ts';
import { CommandType as C, HeaderFlag, ResponseType as R } from '../../src/protocol/constants.ts';
import * as W from '../../src/protocol/structs.ts';
import { createBlob, encode, hdr, holdingPresenter, makeResource, responseType, rig, scanoutBlob } from './helpers.ts';

const good = (): DeviceOptions => ({ memory: wrapGuestMemory(new ArrayBuffer(1 << 20)), scanouts: [{ width: 64, height: 48 }], presenter: createMemoryPresenter() });

describe('host-side misuse fails at once with a message that says what to do', () => {
  it.each<[string, (o: DeviceOptions) => unknown, RegExp]>([
    ['no options', () => undefined, /needs an options object/],
    ['memory missing', (o) => ({ ...o, memory: undefined }), /wrapGuestMemory/],
    ['memory of no size', (o) => ({ ...o, memory: { ...o.memory, size: 0 } }), /options.memory/],
    ['presenter missing', (o) => ({ ...o, presenter: undefined }), /createMemoryPresenter\(\).*createWorkerPresenter/],
    ['presenter without capture', (o) => ({ ...o, presenter: { ...o.presenter, capture: undefined } }), /must be a Presenter/],
    ['no scanouts', (o) => ({ ...o, scanouts: [] }), /1 to 16 displays/],
    ['17 scanouts', (o) => ({ ...o, scanouts: new Array(17).fill({ width: 64, height: 48 }) }), /1 to 16 displays/],
    ['a scanout too small', (o) => ({ ...o, scanouts: [{ width: 8, height: 48 }] }), /scanouts\[0\] is 8x48.*16 to 4095/],
    ['a fractional size', (o) => ({ ...o, scanouts: [{ width: 64.5, height: 48 }] }), /whole numbers/],
    ['an unknown limit', (o) => ({ ...o, limits: { maxBytes: 5 } }), /unknown limit 'maxBytes'; known limits: maxResources/],
    ['a negative limit', (o) => ({ ...o, limits: { maxResources: -1 } }), /limits.maxResources must be a whole number/],
    ['an unknown feature', (o) => ({ ...o, features: { venus: true } }), /unknown feature 'venus'; known features: edid, resourceUuid, resourceBlob, virgl, contextInit/],
    ['a feature that is not a boolean', (o) => ({ ...o, features: { edid: 'no' } }), /features.edid must be true or false/],
  ])('%s', (_name, change, message) => {
    expect(() => createVirtioGpu(change(good()) as DeviceOptions)).toThrow(message);
  });

  it('refuses to capture a scanout that does not exist', async () => {
    await expect(createVirtioGpu(good()).captureScanout(3)).rejects.toThrow(/no scanout 3; there are 1/);
  });
});

describe('the pending-fence limit', () => {
  it('answers ERR_OUT_OF_MEMORY to a fenced command once the limit is reached, before doing its work', async () => {
    const { presenter, release } = holdingPresenter();
    const r = rig({ scanouts: [{ width: 16, height: 16 }], limits: { maxPendingFences: 2 }, presenter });
    await createBlob(r, 1, 16 * 16 * 4, [[0x1000, 16 * 16 * 4]]);
    await scanoutBlob(r, { resourceId: 1, rect: { x: 0, y: 0, width: 16, height: 16 }, width: 16, height: 16, stride: 64 });
    const fencedFlush = () => r.device.executeControl(encode(W.ResourceFlush, { hdr: hdr(C.RESOURCE_FLUSH, { flags: HeaderFlag.FENCE, fenceId: 9n }), r: { x: 0, y: 0, width: 16, height: 16 }, resourceId: 1 }));
    const first = fencedFlush(), second = fencedFlush(), third = fencedFlush();
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBeInstanceOf(Promise);
    expect(third).toBeInstanceOf(Uint8Array);
    expect(W.CtrlHeader.decode(third as Uint8Array)).toMatchObject({ type: R.ERR_OUT_OF_MEMORY, flags: HeaderFlag.FENCE, fenceId: 9n });
    release();
    expect(responseType(await first)).toBe(R.OK_NODATA);
    await second;
    expect(r.device.commandsInFlight).toBe(0);
    expect(responseType(fencedFlush() as Uint8Array)).toBe(R.OK_NODATA); // nothing left to wait for
  });
});

describe('the worker presenter refuses what cannot work, at once', () => {
  it('explains the headers a page needs when it is not cross-origin isolated', async () => {
    const { createWorkerPresenter } = await import('../../src/presenters/worker-presenter.ts');
    const global = globalThis as { crossOriginIsolated?: boolean };
    const before = global.crossOriginIsolated;
    global.crossOriginIsolated = false;
    try {
      await expect(createWorkerPresenter({ canvases: [] })).rejects.toThrow(/Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
    } finally {
      global.crossOriginIsolated = before;
    }
  });

  it('asks for one canvas per scanout', async () => {
    const { createWorkerPresenter } = await import('../../src/presenters/worker-presenter.ts');
    await expect(createWorkerPresenter({ canvases: [] })).rejects.toThrow(/needs \{ canvases: \[one canvas per scanout\] \}/);
  });
});
