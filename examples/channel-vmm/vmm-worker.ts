// A tiny "VMM" in a worker: guest RAM is a SharedArrayBuffer it owns. It sends the
// device the requests a guest driver would: create a resource, attach its
// backing in RAM, show it on scanout 0, transfer and flush.
import { CommandType, connectVirtioGpuChannel, Format, ResponseType, wire } from 'virtio-gpu-web';

const WIDTH = 320, HEIGHT = 240, FRAMEBUFFER = 1 << 20;
const header = (type: number) => ({ type, flags: 0, fenceId: 0n, ctxId: 0, ringIdx: 0 });
const whole = { x: 0, y: 0, width: WIDTH, height: HEIGHT };

self.addEventListener('message', async (event: MessageEvent<{ port: MessagePort }>) => {
  const ram = new SharedArrayBuffer(16 << 20);
  const gpu = await connectVirtioGpuChannel(event.data.port, ram);
  const ok = async (...parts: Uint8Array[]) => {
    const request = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (request.set(p, at), at + p.length), 0);
    const { type } = wire.CtrlHeader.decode(await gpu.control(request));
    if (type !== ResponseType.OK_NODATA) throw new Error(`the device answered 0x${type.toString(16)}`);
  };

  // The "guest" draws a gradient into its framebuffer: bytes B, G, R, X per pixel.
  const pixels = new Uint8Array(ram, FRAMEBUFFER, WIDTH * HEIGHT * 4);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) pixels.set([128, (y * 255) / (HEIGHT - 1), (x * 255) / (WIDTH - 1), 0], (y * WIDTH + x) * 4);
  }

  await ok(wire.ResourceCreate2d.encode({ hdr: header(CommandType.RESOURCE_CREATE_2D), resourceId: 1, format: Format.B8G8R8X8_UNORM, width: WIDTH, height: HEIGHT }));
  await ok(
    wire.ResourceAttachBacking.encode({ hdr: header(CommandType.RESOURCE_ATTACH_BACKING), resourceId: 1, nrEntries: 1 }),
    wire.MemEntry.encode({ addr: FRAMEBUFFER, length: WIDTH * HEIGHT * 4 }),
  );
  await ok(wire.SetScanout.encode({ hdr: header(CommandType.SET_SCANOUT), r: whole, scanoutId: 0, resourceId: 1 }));
  await ok(wire.TransferToHost2d.encode({ hdr: header(CommandType.TRANSFER_TO_HOST_2D), r: whole, offset: 0, resourceId: 1 }));
  await ok(wire.ResourceFlush.encode({ hdr: header(CommandType.RESOURCE_FLUSH), r: whole, resourceId: 1 }));
  self.postMessage('drawn');
});
