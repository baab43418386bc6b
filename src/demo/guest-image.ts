/** The guest image the dev server serves (see vite.config.ts), as v86 options. */
import v86Wasm from 'v86/build/v86.wasm?url';
import { GUEST_CMDLINE } from '../vm/guest-cmdline.ts';

async function fetchBytes(name: string): Promise<ArrayBuffer> {
  const response = await fetch(`/guest-image/${name}`);
  if (!response.ok) throw new Error(`guest image ${name}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** v86 options that boot the project's guest; `extraCmdline` is appended to the kernel command line. */
export async function guestV86Options(extraCmdline = '') {
  const [bios, bzimage, initrd] = await Promise.all(['bios.bin', 'vmlinuz', 'initramfs.cpio'].map(fetchBytes));
  return {
    wasm_path: v86Wasm,
    memory_size: 128 << 20,
    vga_memory_size: 8 << 20,
    bios: { buffer: bios as ArrayBuffer },
    bzimage: { buffer: bzimage as ArrayBuffer },
    initrd: { buffer: initrd as ArrayBuffer },
    cmdline: `${GUEST_CMDLINE}${extraCmdline ? ` ${extraCmdline}` : ''}`,
    autostart: false,
    disable_speaker: true,
  };
}
