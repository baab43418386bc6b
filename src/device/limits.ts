/** Bounds on what a guest can make the host hold. Every one is checked before anything is allocated. */
export interface DeviceLimits {
  /** Live resources at once. */
  maxResources: number;
  /** Host bytes of resource pixels, all resources together. */
  maxHostBytes: number;
  /** Largest width or height of a resource. */
  maxDimension: number;
  /** Scatter-list entries in one ATTACH_BACKING (QEMU allows 16384). */
  maxBackingEntries: number;
}

export const DEFAULT_LIMITS: Readonly<DeviceLimits> = {
  maxResources: 4096,
  maxHostBytes: 256 * 1024 * 1024,
  maxDimension: 8192,
  maxBackingEntries: 16384,
};
