import { expect, test } from 'virtio-gpu-web/playwright';

test.use({ guestURL: '/examples/v86-embed/index.html', guestReady: /guest# / });

test('the guest shows its console and answers on its serial port', async ({ guest }) => {
  const screen = guest.screen(0);
  await screen.waitForRegion(
    { x: 0, y: 0, width: 1024, height: 200, name: 'console text' },
    { check: (pixels) => pixels.data.some((value) => value > 128), description: 'some text is lit' },
  );
  expect(await guest.run('echo $((6 * 7))')).toBe('42\n');
  await guest.type('echo Typed > /dev/ttyS0\n');
  await guest.waitForSerial('Typed');
  await test.info().attach('screen', { body: await screen.capture(), contentType: 'image/png' });
});
