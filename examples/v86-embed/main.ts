import { V86 } from 'v86';
import v86Wasm from 'v86/build/v86.wasm?url';
import { asV86Image, attachVirtioGpuToV86, httpRangeReader, RangeDisk } from 'virtio-gpu-web';

// `?image=3d`: the guest with Mesa (virgl draws its GL on this page's GPU) and weston; its root disk is read on demand,
// in range requests, and the tablet is its pointer.
const image3d = new URLSearchParams(location.search).get('image') === '3d';
const base = image3d ? '/guest-image/3d' : '/guest-image';
const disk = image3d ? await fetch(`${base}/disk.img`, { method: 'HEAD' }) : null;

const emulator = new V86({
  wasm_path: v86Wasm,
  memory_size: (image3d ? 512 : 128) << 20,
  bios: { url: `${base}/bios.bin` },
  bzimage: { url: `${base}/vmlinuz` },
  initrd: { url: `${base}/initramfs.cpio` },
  ...(disk && { hda: asV86Image(new RangeDisk(httpRangeReader(`${base}/disk.img`), Number(disk.headers.get('Content-Length')))) }),
  disable_mouse: image3d,
  cmdline: 'console=tty0 console=ttyS0 quiet',
  autostart: false, // the device joins the PCI bus before the guest boots; the call below starts it
});

const gpu = await attachVirtioGpuToV86(emulator, document.querySelector<HTMLElement>('#screen')!, { tablet: image3d });

document.querySelector('#shot')!.addEventListener('click', async () => {
  window.open(URL.createObjectURL(await gpu.screenshot()));
});
setInterval(() => {
  const { framesPerSecond, commandsPerSecond, bytesPerSecond, threeD } = gpu.stats();
  const draws = threeD ? `, ${threeD.drawsPerSecond.toFixed(0)} draws/s` : '';
  document.querySelector('#stats')!.textContent = `${framesPerSecond.toFixed(1)} fps, ${commandsPerSecond.toFixed(0)} commands/s, ${(bytesPerSecond / 1024).toFixed(0)} KiB/s${draws}`;
}, 1000);
