/**
 * Plugs the device into a v86 emulator: the project's own virtio-pci
 * transport on v86's PCI bus, its BAR as I/O ports, INTx through v86's PCI
 * interrupt routing, guest memory through v86's blob accessors. Written
 * against v86 0.5.462 (the version package.json pins); the internals used
 * here keep their names in v86's builds.
 */
import { VirtioGpuDevice, type DeviceOptions, type DeviceState } from '../device/device.ts';
import { guestMemoryFromAccessors, type GuestMemory } from '../memory/guest-memory.ts';
import { emptyTraffic, meterMemory, type Traffic } from '../memory/metered-memory.ts';
import { VirtioGpuFunction } from '../virtio/gpu-function.ts';
import { barSize, VirtioPciTransport, type TransportState, type VirtioFunction } from '../virtio/pci-transport.ts';
import { VirtioTabletFunction, type TabletButton } from '../virtio/tablet-function.ts';

type PortRead = () => number;
type PortWrite = (value: number) => void;

/** The parts of v86's CPU this adapter uses. */
export interface V86Cpu {
  devices: { pci: { register_device(device: V86PciDevice): unknown; raise_irq(pciId: number): void; lower_irq(pciId: number): void } };
  io: {
    register_read(port: number, device: object, r8?: PortRead, r16?: PortRead, r32?: PortRead): void;
    register_write(port: number, device: object, w8?: PortWrite, w16?: PortWrite, w32?: PortWrite): void;
  };
  read_blob(addr: number, length: number): Uint8Array;
  write_blob(data: Uint8Array, addr: number): void;
  memory_size: ArrayLike<number>;
}

export interface V86PciDevice {
  name: string;
  pci_id: number;
  pci_space: number[];
  pci_bars: ({ size: number } | undefined)[];
}

/** A v86 emulator (V86 from the `v86` package), after 'emulator-loaded' and before the guest boots. */
export interface V86Like {
  v86?: { cpu?: V86Cpu };
}

export interface AttachOptions extends Omit<DeviceOptions, 'memory'> {
  /** PCI slot (device number) on bus 0. Default 0x0d, free in v86's default machine. */
  pciSlot?: number;
  /** Initial I/O port of the BAR (the BIOS may move it). Default 0xe800. */
  ioPort?: number;
}

interface Attached {
  transport: VirtioPciTransport;
  fn: VirtioGpuFunction;
  traffic: Traffic;
}

const attached = new WeakMap<VirtioGpuDevice, Attached>();

function attachment(device: VirtioGpuDevice, caller: string): Attached {
  const found = attached.get(device);
  if (!found) throw new Error(`virtio-gpu-web: ${caller} takes a device from attachVirtioGpu`);
  return found;
}

/** What a v86 snapshot lacks about the device: save it beside `emulator.save_state()`. */
export interface V86VirtioGpuState {
  transport: TransportState;
  device: DeviceState;
}

export function saveVirtioGpuState(device: VirtioGpuDevice): V86VirtioGpuState {
  const { transport } = attachment(device, 'saveVirtioGpuState');
  return { transport: transport.saveState(), device: device.saveState() };
}

/** Call after `emulator.restore_state(...)`, before the emulator runs again. */
export function restoreVirtioGpuState(device: VirtioGpuDevice, state: V86VirtioGpuState): void {
  const { transport } = attachment(device, 'restoreVirtioGpuState');
  transport.restoreState(state.transport);
  device.restoreState(state.device);
}

/** The v86 versions this adapter is tested with (package.json names the same range as its peer dependency). */
export const V86_VERSIONS = '^0.5.462';

/** Each internal of v86's CPU the adapter calls, by the path that reaches it. */
const V86_INTERNALS: readonly (readonly [string, (cpu: V86Cpu) => unknown])[] = [
  ['cpu.devices.pci.register_device', (cpu) => cpu.devices.pci.register_device],
  ['cpu.devices.pci.raise_irq', (cpu) => cpu.devices.pci.raise_irq],
  ['cpu.devices.pci.lower_irq', (cpu) => cpu.devices.pci.lower_irq],
  ['cpu.io.register_read', (cpu) => cpu.io.register_read],
  ['cpu.io.register_write', (cpu) => cpu.io.register_write],
  ['cpu.read_blob', (cpu) => cpu.read_blob],
  ['cpu.write_blob', (cpu) => cpu.write_blob],
];

/** Throws, naming what is missing, when `cpu` is not the v86 this adapter was written against. */
function checkV86(cpu: V86Cpu): void {
  const missing = V86_INTERNALS.filter(([, reach]) => {
    try {
      return typeof reach(cpu) !== 'function';
    } catch {
      return true;
    }
  }).map(([path]) => path);
  if (typeof cpu.memory_size?.[0] !== 'number') missing.push('cpu.memory_size');
  if (missing.length) {
    throw new Error(`virtio-gpu-web: this v86 has no ${missing.join(', ')}; virtio-gpu-web works with v86 ${V86_VERSIONS} (is another version installed? \`npm ls v86\` says which)`);
  }
}

/** v86's CPU, checked to be the version this adapter knows. */
function loadedCpu(emulator: V86Like, caller: string): V86Cpu {
  const cpu = emulator.v86?.cpu;
  if (!cpu) {
    throw new Error(`virtio-gpu-web: ${caller} needs a loaded v86 emulator: construct V86 with autostart: false and call it in the 'emulator-loaded' event, before run()`);
  }
  checkV86(cpu);
  return cpu;
}

function cpuMemory(cpu: V86Cpu): GuestMemory {
  return guestMemoryFromAccessors({
    size: cpu.memory_size[0] as number,
    read: (addr, length) => cpu.read_blob(addr, length),
    write: (addr, bytes) => cpu.write_blob(bytes, addr),
  });
}

/** Puts a virtio function on v86's PCI bus at `pciSlot`, its BAR at I/O port `ioPort`; returns its transport. */
function plugFunction(cpu: V86Cpu, fn: VirtioFunction, memory: GuestMemory, name: string, pciSlot: number, ioPort: number, log: (message: string) => void): VirtioPciTransport {
  const size = barSize(fn);
  if (ioPort % size !== 0 || ioPort < 0x1000 || ioPort > 0x10000 - size) {
    throw new RangeError(`virtio-gpu-web: the ${name}'s ioPort must be a multiple of 0x${size.toString(16)} from 0x1000 to 0x${(0x10000 - size).toString(16)}`);
  }
  const pciId = pciSlot << 3;
  const pci = cpu.devices.pci;
  const transport = new VirtioPciTransport(fn, memory, { raise: () => pci.raise_irq(pciId), lower: () => pci.lower_irq(pciId) }, log);
  const pciDevice: V86PciDevice = { name, pci_id: pciId, pci_space: Array.from(transport.configSpace(ioPort)), pci_bars: [{ size }] };
  // v86 copies each port's handlers into the BAR when the device registers, and moves them with the BAR.
  for (let offset = 0; offset < size; offset++) {
    const read = (width: number) => () => transport.readBar(offset, width);
    const write = (width: number) => (value: number) => transport.writeBar(offset, width, value);
    cpu.io.register_read(ioPort + offset, pciDevice, read(1), read(2), read(4));
    cpu.io.register_write(ioPort + offset, pciDevice, write(1), write(2), write(4));
  }
  pci.register_device(pciDevice);
  return transport;
}

export function attachVirtioGpu(emulator: V86Like, options: AttachOptions): VirtioGpuDevice {
  const cpu = loadedCpu(emulator, 'attachVirtioGpu');
  const { pciSlot = 0x0d, ioPort = 0xe800, ...deviceOptions } = options;
  const traffic = emptyTraffic();
  const memory = meterMemory(cpuMemory(cpu), traffic);
  const log = deviceOptions.log ?? ((m: string) => console.warn(m));
  const device = new VirtioGpuDevice({ ...deviceOptions, memory });
  const fn = new VirtioGpuFunction(device, log);
  const transport = plugFunction(cpu, fn, memory, 'virtio-gpu-web', pciSlot, ioPort, log);
  attached.set(device, { transport, fn, traffic });
  return device;
}

export interface TabletOptions {
  /** PCI slot on bus 0. Default 0x0e. */
  pciSlot?: number;
  /** Initial I/O port of the BAR (256 bytes). Default 0xe900. */
  ioPort?: number;
  log?: (message: string) => void;
}

/** A virtio-input tablet on v86's PCI bus: the guest's absolute pointer (`moveTo` takes fractions of the display). */
export interface VirtioTablet {
  moveTo(fx: number, fy: number): void;
  button(which: TabletButton, down: boolean): void;
  wheel(clicks: number): void;
  /** Events delivered to the guest so far, and dropped because it took none. */
  readonly delivered: number;
  readonly dropped: number;
  saveState(): TransportState;
  /** Call after `emulator.restore_state(...)`, before the emulator runs again. */
  restoreState(state: TransportState): void;
}

export function attachVirtioTablet(emulator: V86Like, options: TabletOptions = {}): VirtioTablet {
  const cpu = loadedCpu(emulator, 'attachVirtioTablet');
  const { pciSlot = 0x0e, ioPort = 0xe900, log = (m: string) => console.warn(m) } = options;
  const fn = new VirtioTabletFunction(log);
  const transport = plugFunction(cpu, fn, cpuMemory(cpu), 'virtio-gpu-web tablet', pciSlot, ioPort, log);
  return {
    moveTo: (fx, fy) => fn.moveTo(fx, fy),
    button: (which, down) => fn.button(which, down),
    wheel: (clicks) => fn.wheel(clicks),
    get delivered() {
      return fn.delivered;
    },
    get dropped() {
      return fn.dropped;
    },
    saveState: () => transport.saveState(),
    restoreState: (state) => transport.restoreState(state),
  };
}

/** What the guest and a device from attachVirtioGpu have exchanged so far (counts only grow). */
export function virtioGpuTraffic(device: VirtioGpuDevice): Readonly<Traffic> {
  const { fn, traffic } = attachment(device, 'virtioGpuTraffic');
  // The memory meter counts bytes; the function counts the requests it served.
  return { ...traffic, commands: fn.commandsServed };
}
