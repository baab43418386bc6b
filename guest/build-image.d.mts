export interface GuestImagePaths {
  dir: string;
  kernel: string;
  initrd: string;
  bios: string;
  manifest: string;
}
export function recipeHash(): string;
export function imageDir(): string;
export function imagePaths(dir?: string): GuestImagePaths;
export function ensureGuestImage(): GuestImagePaths;
