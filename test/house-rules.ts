/**
 * Measures the house rules over the sources: lines per file, lines per function (TypeScript
 * through the compiler's own parser, C++ and CUDA by brace matching) and import cycles among
 * lib/'s modules. Used by test/unit/house-rules.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

export const MAX_FILE_LINES = 600;
export const MAX_FUNCTION_LINES = 120;

/** Every file under `dir` whose name matches `pattern`. */
export function sourceFiles(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path, pattern));
    else if (pattern.test(name)) out.push(path);
  }
  return out.sort();
}

export function lineCount(text: string): number {
  return text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
}

/** A function and its length in lines, signature to closing brace. */
export interface FunctionSpan {
  name: string;
  line: number;
  lines: number;
}

/** Functions, methods, accessors, constructors and function-valued expressions of a TS source. */
export function typeScriptFunctions(text: string, fileName = 'source.ts'): FunctionSpan[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const out: FunctionSpan[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = (node as ts.FunctionLikeDeclaration).name;
      const name = named ? named.getText(source) : ts.SyntaxKind[node.kind];
      out.push({ name, line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

// Comments, strings and character literals blanked (newlines kept), so braces inside them do
// not count.
function stripCpp(text: string): string {
  return text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, (m) =>
    m.replace(/[^\n]/g, ' '),
  );
}

/**
 * Function bodies of a C++ or CUDA source: a `{` outside any function whose statement so far
 * holds a `)` and is not a namespace, class, struct, enum, union or initialiser. Lambdas and
 * blocks inside a body count towards it.
 */
export function cppFunctions(text: string): FunctionSpan[] {
  const code = stripCpp(text);
  const out: FunctionSpan[] = [];
  let depth = 0;
  let bodyDepth = -1;
  let bodyStart = 0;
  let bodyName = '';
  let statementStart = 0;
  let line = 1;
  let statementLine = 1;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '\n') {
      line++;
      continue;
    }
    if (bodyDepth >= 0) {
      if (c === '{') depth++;
      else if (c === '}' && --depth === bodyDepth) {
        out.push({ name: bodyName, line: bodyStart, lines: line - bodyStart + 1 });
        bodyDepth = -1;
        statementStart = i + 1;
      }
      continue;
    }
    if (c === ';' || c === '}') {
      if (c === '}') depth--;
      statementStart = i + 1;
      continue;
    }
    if (c === '{') {
      const statement = code.slice(statementStart, i);
      const isScope = /\b(namespace|class|struct|enum|union)\b|=\s*$|extern\s*$/.test(statement);
      if (!isScope && statement.includes(')')) {
        const firstLine = statement.search(/\S/);
        statementLine = line - (statement.slice(firstLine).match(/\n/g)?.length ?? 0);
        bodyStart = statementLine;
        bodyName = (statement.match(/([\w:~]+)\s*\(/)?.[1] ?? '?').trim();
        bodyDepth = depth;
      }
      depth++;
      statementStart = i + 1;
    }
  }
  return out;
}

/** lib/'s relative imports (type-only ones too): module -> the modules it imports. */
export function importGraph(libDir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(libDir, /\.ts$/)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const base = resolve(dirname(file), m[1]!);
      const candidates = [base + '.ts', join(base, 'index.ts'), base];
      const found = candidates.find((c) => {
        try {
          return statSync(c).isFile();
        } catch {
          return false;
        }
      });
      if (found) targets.push(found);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Every cycle of `graph`, each as the list of modules along it (first repeated last). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}
