/**
 * Writes docs/API.md, the API reference, from the types and doc comments of
 * the package's public entry points (package.json `exports`), with the
 * TypeScript compiler. `--check` only compares and fails when it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname ?? '.', '..');
export const API_DOC = join(root, 'docs', 'API.md');

/** Each public entry point with types: its import specifier and its source module (from package.json `exports`, the declaration's path mapped back to src). */
export function entryPoints(): { specifier: string; source: string }[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string | { types: string }> };
  return Object.entries(pkg.exports).flatMap(([key, target]) =>
    typeof target === 'string'
      ? []
      : [{ specifier: key === '.' ? pkg.name : `${pkg.name}/${key.replace(/^\.\//, '')}`, source: join(root, target.types.replace(/^\.\/dist\/types\//, '').replace(/\.d\.ts$/, '.ts')) }],
  );
}

const FLAGS = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType | ts.TypeFormatFlags.WriteArrowStyleSignature;
/** Signatures of functions, methods and constructors: `(a: A): R`, not `(a: A) => R`. */
const SIGNATURE_FLAGS = FLAGS & ~ts.TypeFormatFlags.WriteArrowStyleSignature;

function docOf(symbol: ts.Symbol, checker: ts.TypeChecker): string {
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
}

/** A declaration's source text up to its body: the signature as written, comments and bodies left out. */
function headOf(node: ts.Node): string {
  const text = node.getText();
  const body = ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) ? node.body : undefined;
  const head = body ? text.slice(0, body.getStart() - node.getStart()) : text;
  return head.replace(/^export\s+/, '').replace(/\s+$/, '').replace(/\s*\n\s*/g, ' ');
}

function isHidden(decl: ts.Declaration): boolean {
  const modifiers = ts.canHaveModifiers(decl) ? (ts.getModifiers(decl) ?? []) : [];
  if (modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)) return true;
  const name = ts.getNameOfDeclaration(decl);
  return !!name && ts.isPrivateIdentifier(name);
}

function signatures(name: string, symbol: ts.Symbol, decl: ts.Declaration, checker: ts.TypeChecker): string[] {
  return checker
    .getTypeOfSymbolAtLocation(symbol, decl)
    .getCallSignatures()
    .map((sig) => `${name}${checker.signatureToString(sig, undefined, SIGNATURE_FLAGS)}`);
}

/** One line per public member of a class or interface, each after its doc comment. */
function memberLines(symbol: ts.Symbol, checker: ts.TypeChecker): string[] {
  const lines: string[] = [];
  const constructors = symbol.members?.get('__constructor' as ts.__String)?.declarations?.filter((d): d is ts.ConstructorDeclaration => ts.isConstructorDeclaration(d) && !isHidden(d));
  for (const ctor of constructors ?? []) {
    const sig = checker.getSignatureFromDeclaration(ctor);
    if (sig) lines.push(`  constructor${checker.signatureToString(sig, undefined, SIGNATURE_FLAGS).replace(/: \w+$/, '')};`);
  }
  for (const member of symbol.members?.values() ?? []) {
    const decl = member.declarations?.[0];
    if (!decl || member.name.startsWith('__') || isHidden(decl) || ts.isIndexSignatureDeclaration(decl)) continue;
    const doc = docOf(member, checker);
    if (doc) lines.push(`  /** ${doc.replace(/\s*\n\s*/g, ' ')} */`);
    const readonly = (ts.canHaveModifiers(decl) ? ts.getModifiers(decl) : undefined)?.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword) ? 'readonly ' : '';
    const optional = member.flags & ts.SymbolFlags.Optional ? '?' : '';
    if (ts.isMethodDeclaration(decl) || ts.isMethodSignature(decl)) {
      for (const line of signatures(member.name + optional, member, decl, checker)) lines.push(`  ${line};`);
    } else if (ts.isGetAccessorDeclaration(decl)) {
      lines.push(`  get ${member.name}(): ${checker.typeToString(checker.getTypeOfSymbolAtLocation(member, decl), undefined, FLAGS)};`);
    } else {
      const type = checker.getTypeOfSymbolAtLocation(member, decl);
      const shown = optional ? checker.getNonNullableType(type) : type;
      lines.push(`  ${readonly}${member.name}${optional}: ${checker.typeToString(shown, undefined, FLAGS)};`);
    }
  }
  return lines;
}

function describe(name: string, symbol: ts.Symbol, checker: ts.TypeChecker): string {
  const decl = symbol.declarations?.[0];
  const doc = docOf(symbol, checker);
  let code: string;
  if (!decl) return '';
  if (ts.isFunctionDeclaration(decl)) {
    code = signatures(name, symbol, decl, checker).map((line) => `function ${line}`).join('\n');
  } else if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl)) {
    const head = ts.isClassDeclaration(decl) ? `class ${name}` : `interface ${name}${decl.typeParameters ? `<${decl.typeParameters.map((p) => p.getText()).join(', ')}>` : ''}`;
    const heritage = decl.heritageClauses?.map((h) => h.getText()).join(' ');
    code = [`${head}${heritage ? ` ${heritage}` : ''} {`, ...memberLines(symbol, checker), '}'].join('\n');
  } else if (ts.isTypeAliasDeclaration(decl) || ts.isEnumDeclaration(decl)) {
    code = headOf(decl);
  } else if (ts.isVariableDeclaration(decl)) {
    const type = checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, decl), undefined, FLAGS);
    code = `const ${name}: ${type}`;
  } else if (ts.isSourceFile(decl) || ts.isModuleDeclaration(decl)) {
    const names = checker.getExportsOfModule(symbol).map((s) => s.name).sort();
    code = `namespace ${name} { ${names.join(', ')} }`;
  } else {
    code = headOf(decl);
  }
  return [`### ${name}`, '', ...(doc ? [doc, ''] : []), '```ts', code, '```', ''].join('\n');
}

/** The reference as markdown. */
export function renderApiDoc(): string {
  const entries = entryPoints();
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error('tsconfig.build.json could not be read');
  const program = ts.createProgram(entries.map((e) => e.source), { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const out = [
    '# API reference',
    '',
    '<!-- Generated by `npm run docs` (scripts/api-docs.ts) from the types and doc comments of the public entry points. Do not edit: a test fails when it is stale. -->',
    '',
  ];
  for (const entry of entries) {
    const file = program.getSourceFile(entry.source);
    const moduleSymbol = file && checker.getSymbolAtLocation(file);
    if (!moduleSymbol) throw new Error(`${entry.source}: not found`);
    out.push(`## \`${entry.specifier}\``, '');
    const exports = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
    for (const exported of exports) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      out.push(describe(exported.name, symbol, checker));
    }
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

export function main(argv: string[]): number {
  const text = renderApiDoc();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(API_DOC, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    if (current === text) return 0;
    console.error('docs/API.md is stale: run `npm run docs`');
    return 1;
  }
  writeFileSync(API_DOC, text);
  console.log(`wrote ${API_DOC} (${text.length} characters)`);
  return 0;
}
