/**
 * A Linux guest in v86, in Node, with the device attached and an in-memory
 * presenter: boot it, type commands at its serial shell, capture its screen.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { V86 } from 'v86';
import { sourceHash } from '../../scripts/source-hash.mjs';
import type { DeviceFeatures, VirtioGpuDevice } from '../device/device.ts';
import type { ScanoutConfig } from '../device/scanouts.ts';
import { createMemoryPresenter } from '../presenters/memory-surface.ts';
import { fileRangeReader, type FileRangeReader } from './file-range.ts';
import { GUEST_CMDLINE } from '../vm/guest-cmdline.ts';
import { asV86Image, RangeDisk } from '../vm/range-disk.ts';
import { SerialShell } from '../vm/serial-shell.ts';
import { attachVirtioGpu, restoreVirtioGpuState, saveVirtioGpuState, type V86Like, type V86VirtioGpuState } from '../vm/v86.ts';

const READY = 'vgw-init: ready';
const PROMPT = 'guest# ';
/** The first line of a kernel report. */
const REPORT_START = /cut here|\bBUG:|\bWARNING:|Oops/;

/**
 * Warnings the guest kernel prints whatever device it drives: Linux 6.1's
 * virtio_gpu asks the DRM core for damage clips on a plane that never enabled
 * them, and the core warns once. QEMU's virtio-gpu-pci gets the same line.
 */
const KNOWN_GUEST_WARNINGS = [/drm_plane_enable_fb_damage_clips\(\) not called/];

export interface GuestImage {
  kernel: string;
  initrd: string;
  bios: string;
  /** '3d' boots with `disk` as v86's first IDE disk and more memory (guest/build-image.mjs makes both kinds). */
  kind?: '2d' | '3d';
  disk?: string;
}

/** Guest memory by image kind: Mesa with LLVM in the 3d guest needs far more than the 2d initramfs. */
const DEFAULT_MEMORY_MIB = { '2d': 128, '3d': 512 } as const;

export interface GuestSessionOptions {
  image: GuestImage;
  scanouts: ScanoutConfig[];
  /** Seconds to reach the shell. */
  bootTimeout?: number;
  /** Default: 128 for the 2d image, 512 for the 3d image. */
  memoryMiB?: number;
  /**
   * A snapshot file: restored when it exists (and works), else written after
   * a cold boot. See `snapshotFile` for a name that changes with the code.
   */
  snapshot?: string;
  features?: DeviceFeatures;
  /** Called with the device once attached, before the guest runs (to observe or record it). */
  onDeviceAttached?: (device: VirtioGpuDevice) => void;
}

interface SnapshotFile {
  v86: ArrayBuffer;
  device: V86VirtioGpuState;
}

/**
 * A snapshot path in `dir` (the image's own folder, named by its recipe) for
 * this guest configuration. Its name hashes the device's sources, v86's
 * version, the scanouts and the features, so a change to any of them never
 * resumes an old snapshot.
 */
export function snapshotFile(dir: string, scanouts: readonly ScanoutConfig[], features: DeviceFeatures = {}): string {
  const id = createHash('sha256').update(sourceHash()).update(JSON.stringify({ scanouts, features })).digest('hex').slice(0, 16);
  return join(dir, `snapshot-${id}.bin`);
}

export class GuestSession {
  private readonly shell: SerialShell;
  /** What the device reported about rejected commands. */
  readonly deviceLog: string[] = [];
  private attached: VirtioGpuDevice | null = null;
  readonly emulator: V86;
  private readonly diskFile: FileRangeReader | null;

  private constructor(options: GuestSessionOptions) {
    const require = createRequire(import.meta.url);
    const image = (path: string) => {
      const b = readFileSync(path);
      return { buffer: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) };
    };
    const kind = options.image.kind ?? '2d';
    if (kind === '3d' && !options.image.disk) throw new Error('the 3d guest image has no disk');
    this.diskFile = options.image.disk ? fileRangeReader(options.image.disk) : null;
    this.emulator = new V86({
      wasm_path: require.resolve('v86/build/v86.wasm'),
      memory_size: (options.memoryMiB ?? DEFAULT_MEMORY_MIB[kind]) * 1024 * 1024,
      vga_memory_size: 2 * 1024 * 1024,
      bios: image(options.image.bios),
      bzimage: image(options.image.kernel),
      initrd: image(options.image.initrd),
      // Read as the guest asks, as in the page: the snapshot keeps only the blocks the guest wrote.
      ...(this.diskFile ? { hda: asV86Image(new RangeDisk(this.diskFile.read, this.diskFile.size)) } : {}),
      cmdline: GUEST_CMDLINE,
      autostart: false,
      disable_keyboard: true,
      disable_mouse: true,
      disable_speaker: true,
    });
    this.shell = new SerialShell(this.emulator);
  }

  /** How this session started: a cold boot, or a snapshot restored. */
  startedFrom: 'cold boot' | 'snapshot' = 'cold boot';

  /** Boots the guest (or resumes its snapshot) and waits for its serial shell. */
  static async boot(options: GuestSessionOptions): Promise<GuestSession> {
    const { snapshot } = options;
    if (snapshot && existsSync(snapshot)) {
      const resumed = await GuestSession.resume(options, snapshot).catch(() => null);
      if (resumed) return resumed;
      rmSync(snapshot, { force: true });
    }
    const session = await GuestSession.start(options, null);
    if (snapshot) await session.save(snapshot);
    return session;
  }

  private static async resume(options: GuestSessionOptions, file: string): Promise<GuestSession> {
    const saved = deserialize(readFileSync(file)) as SnapshotFile;
    const session = await GuestSession.start(options, saved);
    session.startedFrom = 'snapshot';
    return session;
  }

  private static async start(options: GuestSessionOptions, saved: SnapshotFile | null): Promise<GuestSession> {
    const session = new GuestSession(options);
    const { emulator } = session;
    try {
      await new Promise<void>((resolve, reject) => {
        emulator.add_listener('emulator-loaded', () => {
          (async () => {
            const device = attachVirtioGpu(emulator as unknown as V86Like, { scanouts: options.scanouts, features: options.features, presenter: createMemoryPresenter(), log: (m) => session.deviceLog.push(m) });
            session.attached = device;
            options.onDeviceAttached?.(device);
            if (saved) {
              await emulator.restore_state(saved.v86);
              restoreVirtioGpuState(device, saved.device);
            }
            emulator.run();
          })().then(resolve, reject);
        });
      });
      if (saved) {
        await session.run('true', 5);
      } else {
        await session.shell.waitFor((text) => text.includes(READY) && text.endsWith(PROMPT), (options.bootTimeout ?? 60) * 1000, 'the guest shell');
        // Commands are typed by a program: no echo, no prompt in their output.
        await session.run("stty -echo; PS1=''", 10);
      }
    } catch (error) {
      await session.stop();
      throw error;
    }
    return session;
  }

  /** Writes a snapshot of the running guest and its device. */
  async save(file: string): Promise<void> {
    // v86 captures its state when save_state is called; the device's is taken in the same tick.
    const v86 = this.emulator.save_state();
    const device = saveVirtioGpuState(this.device);
    const snapshot: SnapshotFile = { v86: await v86, device };
    writeFileSync(file, serialize(snapshot));
  }

  get device(): VirtioGpuDevice {
    if (!this.attached) throw new Error('the device is attached when the emulator has loaded');
    return this.attached;
  }

  /** Everything the guest printed on its serial port so far. */
  get transcript(): string {
    return this.shell.transcript;
  }

  /** Types `command` at the serial shell; resolves with its output and exit status. */
  run(command: string, timeoutSeconds = 30): Promise<{ output: string; status: number }> {
    return this.shell.run(command, timeoutSeconds);
  }

  /** Kernel log lines at warning level or worse from virtio-gpu or its DRM driver. */
  async driverProblems(): Promise<string[]> {
    const { output } = await this.run('dmesg -r');
    const lines = output.split('\n');
    return lines.flatMap((line, i) => {
      if (!/^<[0-4]>/.test(line) || !/virtio[-_]gpu|\[drm\]|drm:/i.test(line) || KNOWN_GUEST_WARNINGS.some((w) => w.test(line))) return [];
      // A kernel report names the driver only in its module list: the lines before it (from "cut here", or the BUG or
      // WARNING line that opens it) say what happened.
      if (!/Modules linked in/.test(line)) return [line];
      let from = i;
      while (from > 0 && i - from < 12 && !REPORT_START.test(lines[from]!)) from--;
      return [lines.slice(REPORT_START.test(lines[from]!) ? from : Math.max(0, i - 4), i + 1).join('\n')];
    });
  }

  async stop(): Promise<void> {
    await this.emulator.stop();
    this.emulator.destroy();
    await this.diskFile?.close();
  }
}
