import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { runProcess } from '../helpers';

// The built package, resolved by its own name from the repository root (package self-reference
// through "exports"), in child processes so that nothing here is shared with vitest's loader.
const root = resolve(__dirname, '../..');
const built = existsSync(join(root, 'dist/cjs/index.js')) && existsSync(join(root, 'dist/esm/index.mjs'));
if (!built) console.warn('package tests skipped: dist/ is missing (run npm run build:ts)');

async function node(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const r = await runProcess(process.execPath, args, { cwd: root, timeout: 30000 });
  return { status: r.status, stdout: Buffer.from(r.stdout, 'latin1').toString('utf8').trim(), stderr: r.stderr };
}

describe.skipIf(!built)('the built package', () => {
  it("require('word2vec-native') gives the API", async () => {
    const r = await node([
      '-e',
      "const w = require('word2vec-native'); console.log(typeof w.train, typeof w.loadModel, typeof w.Word2Vec, typeof w.Vocabulary, typeof w.simd())",
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('function function function function string');
  });

  it("import { train, loadModel, Word2Vec } from 'word2vec-native' gives the API", async () => {
    const r = await node([
      '--input-type=module',
      '-e',
      "import { train, loadModel, Word2Vec } from 'word2vec-native'; console.log(typeof train, typeof loadModel, typeof Word2Vec)",
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('function function function');
  });

  it('ESM and CommonJS share one implementation (same class object)', async () => {
    const r = await node([
      '--input-type=module',
      '-e',
      "import { createRequire } from 'node:module'; import { Word2Vec } from 'word2vec-native'; " +
        "const require = createRequire(process.cwd() + '/'); console.log(require('word2vec-native').Word2Vec === Word2Vec)",
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('true');
  });

  it('the built package trains and queries a small corpus', async () => {
    const script = `
      const { train } = require('word2vec-native');
      const lines = [];
      for (let i = 0; i < 300; i++) lines.push(i % 2 ? 'a b c d' : 'e f g h');
      train(lines, { dim: 8, epochs: 1, minCount: 1, threads: 1 }).then((m) => {
        console.log(m.size, m.mostSimilar('a', { topK: 2 }).length);
      }, (e) => { console.error(e); process.exit(1); });
    `;
    const r = await node(['-e', script]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('8 2');
  });

  it('package.json is exported', async () => {
    const r = await node(['-e', "console.log(require('word2vec-native/package.json').name)"]);
    expect(r.stdout).toBe('word2vec-native');
  });
});
