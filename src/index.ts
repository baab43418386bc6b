/** virtio-gpu-web: a virtio-gpu device for virtual machines that run in a web page. */
import { VirtioGpuDevice, type DeviceOptions } from './device/device.ts';

export { VirtioGpuDevice, type DeviceOptions, type DeviceFeatures, type ControlResult } from './device/device.ts';
export { DEFAULT_LIMITS, type DeviceLimits } from './device/limits.ts';
export type { ScanoutConfig } from './device/scanouts.ts';
export { buildEdid, EDID_BLOCK_SIZE } from './device/edid.ts';
export { wrapGuestMemory, guestMemoryFromAccessors, GuestMemoryError, type GuestMemory, type GuestMemoryAccessors } from './memory/guest-memory.ts';
export { SplitVirtqueue, DescriptorChain, ChainError, VirtqueueError, DescFlag, AvailFlag, DEFAULT_QUEUE_LIMITS, type QueueLayout, type QueueLimits } from './virtio/virtqueue.ts';
export { serveControlQueue, serveCursorQueue, CONTROL_QUEUE, CURSOR_QUEUE, type QueueEvents } from './virtio/gpu-queues.ts';
export type { Presenter, ResourceImage, ScanoutSource, CursorImage, Capture, Rect } from './presenters/presenter.ts';
export { createMemoryPresenter } from './presenters/memory-surface.ts';
export { CompositingPresenter, type Surface, type SurfaceFactory, type CursorPlacement, type PresentHooks } from './presenters/compositing-presenter.ts';
export * from './protocol/constants.ts';
export { Format, formatInfo, type FormatInfo } from './protocol/formats.ts';
export * as wire from './protocol/structs.ts';

/**
 * Creates the device. Pass its commands in with `controlCommand` /
 * `cursorCommand`, or serve virtqueues with it. Bad options throw at once,
 * saying what to fix.
 */
export function createVirtioGpu(options: DeviceOptions): VirtioGpuDevice {
  return new VirtioGpuDevice(options);
}
export { createWorkerPresenter, type WorkerPresenter, type WorkerPresenterOptions } from './presenters/worker-presenter.ts';
export type { Backend, BackendChoice } from './presenters/backends.ts';
export { attachVirtioGpu, saveVirtioGpuState, restoreVirtioGpuState, type AttachOptions, type V86Like, type V86VirtioGpuState } from './vm/v86.ts';
export { attachVirtioTablet, type TabletOptions, type VirtioTablet } from './vm/v86.ts';
export { RangeDisk, asV86Image, type ReadRange, type RangeDiskOptions } from './vm/range-disk.ts';
export { httpRangeReader } from './vm/http-range.ts';
export { VirtioTabletFunction, ABS_MAX as TABLET_ABS_MAX, type TabletButton } from './virtio/tablet-function.ts';
export { VirtioPciTransport, barSize, type VirtioFunction, type TransportState, type InterruptLine } from './virtio/pci-transport.ts';
export { VirtioGpuFunction } from './virtio/gpu-function.ts';
export type { DeviceState } from './device/device.ts';
export { attachVirtioGpuToV86, type EmbeddedVirtioGpu, type V86EmbedOptions, type V86Emulator } from './embed/v86-embed.ts';
export type { GpuStats, ThreeDStats } from './embed/stats.ts';
export { virtioGpuTraffic } from './vm/v86.ts';
export type { Traffic } from './memory/metered-memory.ts';
export { serveVirtioGpuChannel, type ChannelHostOptions, type VirtioGpuChannelHost } from './channel/device-host.ts';
export { connectVirtioGpuChannel, type VirtioGpuChannelClient } from './channel/vmm-client.ts';
export { DEFAULT_CHANNEL_LIMITS, type ChannelLimits, type VmmMessage, type DeviceMessage } from './channel/messages.ts';
export type { ChannelEndpoint } from './channel/endpoint.ts';
export { KEPT_CACHE_PREFIX } from './vite/service-worker.ts';
