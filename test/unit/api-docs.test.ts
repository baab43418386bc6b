import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_DOC, entryPoints, renderApiDoc } from '../../scripts/api-docs.ts';

describe('API reference', () => {
  it('every entry point in package.json exports has its source module', () => {
    const entries = entryPoints();
    expect(entries.map((e) => e.specifier)).toContain('virtio-gpu-web');
    for (const entry of entries) expect(existsSync(entry.source), entry.source).toBe(true);
  });

  it('docs/API.md is what the types say now (run `npm run docs` after changing a public type)', () => {
    const doc = renderApiDoc();
    expect(doc).toContain('### attachVirtioGpuToV86');
    expect(readFileSync(API_DOC, 'utf8')).toBe(doc);
  }, 60_000);
});
