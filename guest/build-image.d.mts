/** '2d': the small initramfs guest. '3d': the same kernel with a root disk holding Debian's Mesa, kmscube, glmark2 and the 3D test programs. */
export type GuestImageKind = '2d' | '3d';
export interface GuestImagePaths {
  kind: GuestImageKind;
  dir: string;
  kernel: string;
  initrd: string;
  bios: string;
  manifest: string;
  /** The root disk image (3d only), given to v86 as its first IDE disk. */
  disk?: string;
  /** The piglit tests on the disk (3d only), one a line, by their paths under piglit's folder. */
  piglitTests?: string;
}
export function recipeHash(kind?: GuestImageKind): string;
/** `cache`: the folder that holds `guest/` (default: the package's own `.cache`). */
export function imageDir(kind?: GuestImageKind, cache?: string): string;
export function imagePaths(kind?: GuestImageKind, dir?: string): GuestImagePaths;
export function ensureGuestImage(kind?: GuestImageKind, cache?: string): GuestImagePaths;
