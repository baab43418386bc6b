/**
 * Every TypeScript snippet in the README is a file that runs in a test: each
 * code block names its file, must be that file exactly, and the file must be
 * loaded by an e2e or unit test (an example that does not run is a defect).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface Snippet {
  file: string | null;
  lang: string;
  code: string;
}

function snippets(): Snippet[] {
  const out: Snippet[] = [];
  const block = /(?:<!-- snippet: (\S+) -->\n)?```(\w*)\n([\s\S]*?)\n```/g;
  for (let m = block.exec(readme); m; m = block.exec(readme)) out.push({ file: m[1] ?? null, lang: m[2]!, code: m[3]! });
  return out;
}

function testSources(): string {
  const files = [...readdirSync(join(root, 'e2e')).filter((f) => f.endsWith('.spec.ts')).map((f) => join(root, 'e2e', f)), ...readdirSync(join(root, 'test', 'unit')).map((f) => join(root, 'test', 'unit', f))];
  return files.map((f) => readFileSync(f, 'utf8')).join('\n');
}

describe('README snippets', () => {
  const code = snippets().filter((s) => s.lang === 'ts' || s.lang === 'typescript' || s.lang === 'js');

  it('has TypeScript snippets, each naming the file it is', () => {
    expect(code.length).toBeGreaterThanOrEqual(5);
    expect(code.filter((s) => !s.file).map((s) => s.code.slice(0, 80))).toEqual([]);
  });

  it.each(snippets().filter((s) => s.file).map((s) => [s.file!, s.code] as const))('%s is exactly the file', (file, snippet) => {
    expect(snippet).toBe(readFileSync(join(root, file), 'utf8').replace(/\n+$/, ''));
  });

  it.each(code.filter((s) => s.file).map((s) => [s.file!] as const))('%s runs in a test', (file) => {
    const sources = testSources();
    const spec = file.startsWith('e2e/') && file.endsWith('.spec.ts');
    const page = /^examples\/([^/]+)\//.exec(file)?.[1];
    const loaded = spec || (page !== undefined && sources.includes(`/examples/${page}/index.html`)) || sources.includes(`../../${file}`);
    expect(loaded, `${file} is not loaded by any test in e2e/ or test/unit/`).toBe(true);
  });
});
