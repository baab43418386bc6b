export const JAZZER_ADDON_PACKAGES: { command?: string; pkg: string }[];
/** Builds Jazzer.js' native addon when missing; returns where it is installed. Throws when it cannot. */
export function ensureJazzerAddon(): string;
