/**
 * The page's pointer on a scanout canvas becomes the guest's absolute
 * pointer: where it is over the canvas, as fractions of the canvas's box,
 * its buttons and its wheel.
 */
import type { TabletButton } from '../virtio/tablet-function.ts';
import type { VirtioTablet } from '../vm/v86.ts';

const BUTTONS: readonly (TabletButton | undefined)[] = ['left', 'middle', 'right'];
/** A wheel notch in pixels, as browsers report a mouse's (deltaMode 0). */
const PIXELS_PER_CLICK = 100;

/**
 * Follows the pointer over scanout 0's canvas (`canvas()`: the current one, a
 * worker restart replaces it), listening on `container`; returns what stops it.
 */
export function followPointer(container: HTMLElement, canvas: () => HTMLCanvasElement | undefined, tablet: VirtioTablet): () => void {
  let wheelPixels = 0;
  let pressed = 0;
  const over = (e: Event): HTMLCanvasElement | undefined => {
    const current = canvas();
    return current && (e.target === current || pressed > 0) ? current : undefined;
  };
  const move = (e: PointerEvent): void => {
    const target = over(e);
    if (!target) return;
    // The guest's cursor is drawn on the canvas; the page's would be a second one.
    target.style.cursor = 'none';
    const box = target.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) tablet.moveTo((e.clientX - box.left) / box.width, (e.clientY - box.top) / box.height);
  };
  const press = (down: boolean) => (e: PointerEvent): void => {
    const which = BUTTONS[e.button];
    const target = over(e);
    if (!which || !target) return;
    move(e);
    if (down) {
      target.focus();
      container.setPointerCapture(e.pointerId);
    }
    pressed = Math.max(0, pressed + (down ? 1 : -1));
    tablet.button(which, down);
    e.preventDefault();
  };
  const down = press(true);
  const up = press(false);
  const wheel = (e: WheelEvent): void => {
    if (!over(e)) return;
    wheelPixels += e.deltaMode === WheelEvent.DOM_DELTA_PIXEL ? e.deltaY : e.deltaY * PIXELS_PER_CLICK;
    const clicks = Math.trunc(wheelPixels / PIXELS_PER_CLICK);
    wheelPixels -= clicks * PIXELS_PER_CLICK;
    tablet.wheel(-clicks);
    e.preventDefault();
  };
  const menu = (e: Event): void => {
    if (over(e)) e.preventDefault();
  };
  const listeners = [['pointermove', move], ['pointerdown', down], ['pointerup', up], ['wheel', wheel], ['contextmenu', menu]] as const;
  for (const [type, listener] of listeners) container.addEventListener(type, listener as EventListener, { passive: false });
  return () => {
    for (const [type, listener] of listeners) container.removeEventListener(type, listener as EventListener);
  };
}
