/** Bounds on what a guest can make the host hold. Every one is checked before anything is allocated. */
export interface DeviceLimits {
  /** Live resources at once. */
  maxResources: number;
  /** Host bytes of resource pixels, all resources together. */
  maxHostBytes: number;
  /** Largest width or height of a resource. */
  maxDimension: number;
  /** Scatter-list entries in one ATTACH_BACKING or RESOURCE_CREATE_BLOB (QEMU allows 16384). */
  maxBackingEntries: number;
  /** Fenced commands waiting on the presenter at once. */
  maxPendingFences: number;
  /** Live 3D contexts at once. */
  maxContexts: number;
  /** Bytes of virgl commands in one SUBMIT_3D. */
  maxSubmitBytes: number;
}

export const DEFAULT_LIMITS: Readonly<DeviceLimits> = {
  maxResources: 4096,
  maxHostBytes: 256 * 1024 * 1024,
  maxDimension: 8192,
  maxBackingEntries: 16384,
  maxPendingFences: 1024,
  maxContexts: 64,
  maxSubmitBytes: 4 * 1024 * 1024,
};

/** Checks host-given limits: whole numbers of at least 1. */
export function validateLimits(limits: Partial<DeviceLimits> | undefined): void {
  if (limits === undefined) return;
  if (typeof limits !== 'object' || limits === null) throw new TypeError('virtio-gpu-web: options.limits must be an object such as { maxHostBytes: 64 << 20 }');
  for (const [name, value] of Object.entries(limits)) {
    if (!(name in DEFAULT_LIMITS)) throw new TypeError(`virtio-gpu-web: unknown limit '${name}'; known limits: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw new RangeError(`virtio-gpu-web: limits.${name} must be a whole number of at least 1, got ${String(value)}`);
  }
}
