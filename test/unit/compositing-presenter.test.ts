import { describe, expect, it, vi } from 'vitest';
import { CompositingPresenter, nextMicrotask, type FrameScheduler, type SharedTexture } from '../../src/presenters/compositing-presenter.ts';
import { MemorySurface } from '../../src/presenters/memory-surface.ts';

describe('compositing presenter frames', () => {
  it('tells which frames are coming, so the GPU worker knows when it may sleep', async () => {
    const frames: (() => void)[] = [];
    const onFrame: FrameScheduler = (present) => void frames.push(present);
    const presenter = new CompositingPresenter(() => new MemorySurface(), false, onFrame);
    const pixels = new Uint8Array(4 * 4 * 4).fill(0x80);
    presenter.createResource(1, { format: 2, pixels, stride: 16, width: 4, height: 4 });
    expect(presenter.scheduled()).toBeNull();
    presenter.setScanout(0, { resourceId: 1, rect: { x: 0, y: 0, width: 4, height: 4 } });
    const coming = presenter.scheduled();
    expect(coming).not.toBeNull();
    let presented = false;
    void coming?.then(() => (presented = true));
    await new Promise((r) => setTimeout(r, 0));
    expect(presented).toBe(false);
    expect(frames).toHaveLength(1);
    frames.shift()?.();
    await coming;
    expect(presenter.scheduled()).toBeNull();
    expect((await presenter.capture(0)).data.slice(0, 4)).toEqual(new Uint8Array([0x80, 0x80, 0x80, 0xff]));
  });

  it('reads flushed pixels as soon as the last frame is shown, one frame ahead of the frame that shows them; pixels flushed meanwhile wait for the frame after', async () => {
    const frames: (() => void)[] = [];
    const shown: number[] = [];
    class RecordingSurface extends MemorySurface {
      override present(): void {
        shown.push(this.frame[0] ?? -1);
      }
    }
    let reads = 0;
    const presenter = new CompositingPresenter(() => new RecordingSurface(), false, (present) => void frames.push(present), { read: () => reads++ });
    const whole = { x: 0, y: 0, width: 4, height: 4 };
    const pixels = new Uint8Array(4 * 4 * 4).fill(1);
    presenter.createResource(1, { format: 2, pixels, stride: 16, width: 4, height: 4 });
    presenter.setScanout(0, { resourceId: 1, rect: whole });
    const tick = () => new Promise((r) => setTimeout(r, 0));
    await tick();
    expect(reads).toBe(1);
    pixels.fill(2);
    presenter.flush(0, whole);
    let settled = false;
    void presenter.whenPresented(0).then(() => (settled = true));
    await tick();
    expect(reads).toBe(1);
    frames.shift()?.();
    await tick();
    expect(shown).toEqual([1]);
    expect(reads).toBe(2);
    expect(settled).toBe(false);
    pixels.fill(3);
    frames.shift()?.();
    await tick();
    expect(shown).toEqual([1, 2]);
    expect(settled).toBe(true);
    expect(frames).toHaveLength(0);
  });

  it("shows a resource a renderer sharing the surface's context draws from its texture, and pixels where the surface cannot", async () => {
    const texture = { texture: {} as WebGLTexture, width: 8, height: 8 };
    const asked: number[] = [];
    const shown: { rect: object; x: number; y: number }[] = [];
    class SharingSurface extends MemorySurface {
      uploadPicture(picture: SharedTexture, rect: object, x: number, y: number): void {
        expect(picture).toBe(texture);
        shown.push({ rect: { ...rect }, x, y });
      }
    }
    const presenter = new CompositingPresenter((index) => (index === 0 ? new SharingSurface() : new MemorySurface()), false, nextMicrotask);
    presenter.pictures = { picture: (id) => (asked.push(id), id === 7 ? texture : null) };
    const pixels = new Uint8Array(8 * 8 * 4).fill(0x40);
    for (const id of [6, 7]) presenter.createResource(id, { format: 2, pixels, stride: 32, width: 8, height: 8 });
    presenter.setScanout(0, { resourceId: 7, rect: { x: 2, y: 2, width: 6, height: 6 } });
    presenter.setScanout(1, { resourceId: 7, rect: { x: 0, y: 0, width: 8, height: 8 } });
    await presenter.whenPresented(0);
    await presenter.whenPresented(1);
    presenter.flush(0, { x: 4, y: 3, width: 2, height: 2 });
    await presenter.whenPresented(0);
    expect(shown).toEqual([
      { rect: { x: 2, y: 2, width: 6, height: 6 }, x: 0, y: 0 },
      { rect: { x: 4, y: 3, width: 2, height: 2 }, x: 2, y: 1 },
    ]);
    // The surface that cannot take the texture is never asked to: it shows the pixels.
    expect(asked).toEqual([7, 7]);
    expect((await presenter.capture(1)).data.slice(0, 4)).toEqual(new Uint8Array([0x40, 0x40, 0x40, 0xff]));
    // A resource the renderer does not draw is shown from its pixels.
    presenter.setScanout(0, { resourceId: 6, rect: { x: 0, y: 0, width: 8, height: 8 } });
    expect((await presenter.capture(0)).data.slice(0, 4)).toEqual(new Uint8Array([0x40, 0x40, 0x40, 0xff]));
    expect(shown).toHaveLength(2);
  });

  it('fails only the waiters of a frame whose upload threw: the next flush is shown', async () => {
    let failures = 1;
    class FailingOnceSurface extends MemorySurface {
      override upload(...args: Parameters<MemorySurface['upload']>): void {
        if (failures-- > 0) throw new Error('upload failed');
        super.upload(...args);
      }
    }
    const presenter = new CompositingPresenter(() => new FailingOnceSurface(), false, nextMicrotask);
    const whole = { x: 0, y: 0, width: 4, height: 4 };
    const pixels = new Uint8Array(4 * 4 * 4).fill(0x40);
    presenter.createResource(1, { format: 2, pixels, stride: 16, width: 4, height: 4 });
    presenter.setScanout(0, { resourceId: 1, rect: whole });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await presenter.whenPresented(0).catch(() => undefined);
    expect(failures).toBe(0);
    await new Promise((r) => setTimeout(r, 0));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('upload failed'));
    warn.mockRestore();
    presenter.flush(0, whole);
    await presenter.whenPresented(0);
    expect((await presenter.capture(0)).data.slice(0, 4)).toEqual(new Uint8Array([0x40, 0x40, 0x40, 0xff]));
  });
});
