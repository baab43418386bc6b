export const root: string;
export function step(message: string): void;
export function fail(message: string): never;
export function run(command: string, args: string[], options?: object): boolean;
export function ensureNpmPackages(): void;
export function ensureDebianPackages(packages: { command?: string; pkg: string }[], why: string): void;
export const CHROMIUM: { command: string; pkg: string };
