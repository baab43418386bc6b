// Identity of the code a snapshot was taken with: the device's sources, the
// GPU worker and v86's version. A snapshot is resumed only under the same identity.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from './setup.mjs';

export function sourceHash() {
  const h = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts')) h.update(path.slice(root.length)).update(readFileSync(path));
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'worker'));
  h.update(readFileSync(createRequire(import.meta.url).resolve('v86/package.json')));
  return h.digest('hex').slice(0, 16);
}
