import { V86 } from 'v86';
import v86Wasm from 'v86/build/v86.wasm?url';
import { attachVirtioGpuToV86 } from 'virtio-gpu-web';

const emulator = new V86({
  wasm_path: v86Wasm,
  memory_size: 128 << 20,
  bios: { url: '/guest-image/bios.bin' },
  bzimage: { url: '/guest-image/vmlinuz' },
  initrd: { url: '/guest-image/initramfs.cpio' },
  cmdline: 'console=tty0 console=ttyS0 quiet',
  autostart: false, // the device joins the PCI bus before the guest boots; the call below starts it
});

const gpu = await attachVirtioGpuToV86(emulator, document.querySelector<HTMLElement>('#screen')!);

document.querySelector('#shot')!.addEventListener('click', async () => {
  window.open(URL.createObjectURL(await gpu.screenshot()));
});
setInterval(() => {
  const { framesPerSecond, commandsPerSecond, bytesPerSecond } = gpu.stats();
  document.querySelector('#stats')!.textContent = `${framesPerSecond.toFixed(1)} fps, ${commandsPerSecond.toFixed(0)} commands/s, ${(bytesPerSecond / 1024).toFixed(0)} KiB/s`;
}, 1000);
