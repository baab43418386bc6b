import { expect, test, type Pixels } from 'virtio-gpu-web/playwright';

// The project's demo with the 3d guest's desktop: weston draws through virgl; the page's pointer is the guest's tablet.
test.use({ guestURL: '/?cold', guestImage: 'desktop', guestReady: /vgw-init: ready[\s\S]*guest# /, guestBootTimeout: 300_000 });

/** Pixels of a colour: weston.ini's background, or the magenta (SGR 45) of the terminal below. */
const count = (p: Pixels, match: (r: number, g: number, b: number) => boolean): number => {
  let n = 0;
  for (let i = 0; i < p.data.length; i += 4) if (match(p.data[i]!, p.data[i + 1]!, p.data[i + 2]!)) n++;
  return n;
};
const background = (r: number, g: number, b: number) => r === 0x20 && g === 0x4a && b === 0x66;
const magenta = (r: number, g: number, b: number) => r > 150 && g < 80 && b > 150;

test('a click on the panel opens weston-terminal, and what the keyboard types runs there', async ({ guest }) => {
  test.setTimeout(300_000);
  const screen = guest.screen(0);
  const desktop = { x: 0, y: 32, width: 1024, height: 736, name: 'below the panel' };
  await guest.waitForSerial('vgw-desktop: ready', { timeout: 180_000 });
  const gears = (p: Pixels) => count(p, background) > 500_000 && count(p, (r, g, b) => !background(r, g, b)) > 20_000;
  await screen.waitForRegion(desktop, { check: gears, description: "es2gears_wayland's window on weston's background" }, { timeout: 120_000 });
  // The panel's terminal launcher; a click that comes before the panel takes input is lost, so it is clicked again.
  for (let attempt = 1; ; attempt++) {
    await screen.click(22, 16);
    const opened = screen.waitForRegion(desktop, { check: (p) => count(p, background) < 450_000, description: 'a window opened' }, { timeout: 60_000 });
    if (await opened.then(() => true, (error: unknown) => (attempt < 3 ? false : Promise.reject(error)))) break;
  }
  await guest.page.waitForTimeout(3000); // the terminal's shell starts, its window takes the keyboard
  await guest.type("printf '\\033[45m%800s\\033[0m\\n' ''\n");
  await screen.waitForRegion(desktop, { check: (p) => count(p, magenta) > 5000, description: 'the magenta spaces it printed' }, { timeout: 60_000 });
  await test.info().attach('terminal', { body: await screen.capture(), contentType: 'image/png' });
  expect(guest.pageErrors).toEqual([]);
});
