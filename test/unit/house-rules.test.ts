/**
 * The house rules, over the sources of lib/ and native/ (tests apart): no file over 600
 * lines, no function over 120, no import cycle among lib/'s modules, and the native core
 * names nothing of CUDA (the backends room picks the trainer). Each measure is first shown to
 * find what it looks for, so a rule cannot pass by measuring nothing.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

import { ROOT } from '../helpers';
import {
  cppFunctions, importCycles, importGraph, lineCount, MAX_FILE_LINES, MAX_FUNCTION_LINES, sourceFiles, typeScriptFunctions,
} from '../house-rules';

const LIB = join(ROOT, 'lib');
const NATIVE = join(ROOT, 'native');
const tsFiles = sourceFiles(LIB, /\.ts$/);
const cppFiles = sourceFiles(NATIVE, /\.(cc|h|cu|cuh|inl)$/);
const rel = (f: string): string => relative(ROOT, f);

describe('the measures', () => {
  it('find the sources', () => {
    expect(tsFiles.length).toBeGreaterThan(40);
    expect(cppFiles.length).toBeGreaterThan(40);
    expect(tsFiles.map(rel)).toContain('lib/training/train.ts');
    expect(cppFiles.map(rel)).toContain('native/core/trainer.cc');
  });

  it('measure TypeScript functions, methods and arrow functions', () => {
    const body = Array.from({ length: 130 }, (_, i) => `  x += ${i};`).join('\n');
    const text = `export function long(): number {\n  let x = 0;\n${body}\n  return x;\n}\nclass A {\n  m(): void {\n    const f = () => {\n      return 1;\n    };\n  }\n}\n`;
    const spans = typeScriptFunctions(text);
    expect(spans.find((s) => s.name === 'long')).toMatchObject({ line: 1, lines: 134 });
    expect(spans.find((s) => s.name === 'm')).toMatchObject({ line: 136, lines: 5 });
    expect(spans.some((s) => s.name === 'ArrowFunction' && s.lines === 3)).toBe(true);
  });

  it('measure C++ functions, not namespaces, classes or initialisers; braces in comments and strings do not count', () => {
    const text = [
      'namespace w2v {',
      'struct S { int a = 1; };',
      'const int table[] = {1, 2, 3};',
      'int f(int x) {',
      '  // a brace in a comment: {',
      '  const char* s = "}";',
      '  if (x) {',
      '    return 1;',
      '  }',
      '  return 2;',
      '}',
      'void S2::g() const {',
      '  auto l = [](int y) { return y; };',
      '}',
      '}  // namespace w2v',
    ].join('\n');
    expect(cppFunctions(text)).toEqual([
      { name: 'f', line: 4, lines: 8 },
      { name: 'S2::g', line: 12, lines: 3 },
    ]);
  });

  it('find an import cycle', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
    expect(importCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it("follow lib/'s imports (type-only ones too)", () => {
    const graph = importGraph(LIB);
    const targets = (graph.get(join(LIB, 'training', 'train.ts')) ?? []).map(rel);
    expect(targets).toContain('lib/training/options.ts');
    expect(targets).toContain('lib/training/run.ts');
  });
});

describe('the sources', () => {
  it(`have no file over ${MAX_FILE_LINES} lines`, () => {
    const long = [...tsFiles, ...cppFiles]
      .map((f) => ({ file: rel(f), lines: lineCount(readFileSync(f, 'utf8')) }))
      .filter((f) => f.lines > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`have no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long: string[] = [];
    for (const f of tsFiles) {
      for (const s of typeScriptFunctions(readFileSync(f, 'utf8'), f)) {
        if (s.lines > MAX_FUNCTION_LINES) long.push(`${rel(f)}:${s.line} ${s.name} (${s.lines} lines)`);
      }
    }
    for (const f of cppFiles) {
      for (const s of cppFunctions(readFileSync(f, 'utf8'))) {
        if (s.lines > MAX_FUNCTION_LINES) long.push(`${rel(f)}:${s.line} ${s.name} (${s.lines} lines)`);
      }
    }
    expect(long).toEqual([]);
  });

  it('have no import cycle in lib/', () => {
    const cycles = importCycles(importGraph(LIB)).map((c) => c.map((f) => relative(LIB, f)).join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('keep CUDA out of the native core: native/core names no CUDA file, type or call', () => {
    const offenders = sourceFiles(join(NATIVE, 'core'), /\.(cc|h|inl)$/).filter((f) => /cuda/i.test(readFileSync(f, 'utf8')));
    expect(offenders.map(rel)).toEqual([]);
  });
});
