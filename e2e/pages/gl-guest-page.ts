/**
 * The 3d guest (Debian's Mesa on a root disk) in the page, with the device
 * offering virgl: the guest's Mesa draws through the GPU worker's WebGL2.
 * The whole disk is fetched before boot (the page is for tests; reading it
 * on demand is the demo's job).
 */
import { V86 } from 'v86';
import v86Wasm from 'v86/build/v86.wasm?url';
import { attachVirtioGpuToV86 } from '../../src/index.ts';
import { GUEST_CMDLINE } from '../../src/vm/guest-cmdline.ts';
import { TraceTap } from './trace-tap.ts';

const fetchBytes = async (name: string): Promise<ArrayBuffer> => {
  const response = await fetch(`/guest-image/3d/${name}`);
  if (!response.ok) throw new Error(`3d guest image ${name}: HTTP ${response.status}`);
  return response.arrayBuffer();
};

const [bios, bzimage, initrd, disk] = await Promise.all(['bios.bin', 'vmlinuz', 'initramfs.cpio', 'disk.img'].map(fetchBytes));
const emulator = new V86({
  wasm_path: v86Wasm,
  memory_size: 512 << 20,
  vga_memory_size: 8 << 20,
  bios: { buffer: bios! },
  bzimage: { buffer: bzimage! },
  initrd: { buffer: initrd! },
  hda: { buffer: disk! },
  cmdline: GUEST_CMDLINE,
  autostart: false,
  disable_speaker: true,
});
// `?record`: the whole session is traced from the device's start, and tests can read back chosen frames (trace-tap.ts).
const record = new URLSearchParams(location.search).has('record');
const gpu = await attachVirtioGpuToV86(emulator, document.querySelector<HTMLElement>('#screen')!, { virgl: true, scanouts: [{ width: 640, height: 480 }], start: !record });
if (record) {
  const tap = new TraceTap(() => gpu.presenter.gpuWorker, 0);
  gpu.device.startRecording(tap);
  window.traceTap = tap;
  emulator.run();
}

declare global {
  interface Window {
    traceTap?: TraceTap;
  }
}
