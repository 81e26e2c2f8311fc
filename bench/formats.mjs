#!/usr/bin/env node
// Opening a large model: the native format (memory-mapped) against word2vec binary.
// Writes a random 1M x 300 model (by default) to bench/scratch/ in both formats, then in fresh
// processes times loadModel of each, the first mostSimilar query (which builds the unit-length
// copy of the vectors) and a second one, and shows that two processes mapping the same native
// file share its pages. Prints a markdown table. Needs `npm run build:ts` and the addon.
//   node bench/formats.mjs [--words 1000000] [--dim 300] [--repeat 3] [--keep]
// The page cache is warm (the files were just written): these are open times, not disk reads.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT as root } from './tools/paths.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, v, i, a) => (v.startsWith('--') ? [...acc, [v.slice(2), a[i + 1]?.startsWith('--') || a[i + 1] === undefined ? 'true' : a[i + 1]]] : acc), []),
);
const words = Number(args.words ?? 1_000_000);
const dim = Number(args.dim ?? 300);
const repeat = Number(args.repeat ?? 3);
const scratch = join(root, 'bench', 'scratch');
const index = join(root, 'dist', 'cjs', 'index.js');
const nativePath = join(scratch, `random-${words}x${dim}.w2vn`);
const binaryPath = join(scratch, `random-${words}x${dim}.bin`);

mkdirSync(scratch, { recursive: true });

// 1. Write the model in a child, so that its 1.2 GB of vectors are gone before measuring.
const writer = `
const { Word2Vec } = require(${JSON.stringify(index)});
const words = ${words}, dim = ${dim};
let s = 0x9e3779b9;
const vectors = new Float32Array(words * dim);
for (let i = 0; i < vectors.length; i++) {
  s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
  vectors[i] = (s >>> 0) / 4294967296 - 0.5;
}
const keys = Array.from({ length: words }, (_, i) => 'w' + i.toString(36));
const counts = Float64Array.from({ length: words }, (_, i) => words - i);
const m = new Word2Vec({ keys, dim, vectors, counts });
(async () => {
  let t = performance.now();
  await m.save(${JSON.stringify(nativePath)}, { format: 'native' });
  const nativeMs = performance.now() - t;
  t = performance.now();
  await m.save(${JSON.stringify(binaryPath)}, { format: 'word2vec-binary' });
  const binaryMs = performance.now() - t;
  console.log(JSON.stringify({ nativeMs, binaryMs }));
})();`;
process.stderr.write(`writing a random ${words} x ${dim} model to ${scratch} ...\n`);
const w = spawnSync(process.execPath, ['-e', writer], { encoding: 'utf8', maxBuffer: 1 << 20 });
if (w.status !== 0) throw new Error(`writer failed: ${w.stderr}`);
const saved = JSON.parse(w.stdout);

// 2. Open each file in a fresh process; time the load and two queries.
const opener = (path, format) => `
const { loadModel } = require(${JSON.stringify(index)});
const { readFileSync } = require('node:fs');
const rollup = () => Object.fromEntries(readFileSync('/proc/self/smaps_rollup', 'utf8').split('\\n')
  .map((l) => /^(\\w+):\\s+(\\d+) kB/.exec(l)).filter(Boolean).map((m) => [m[1], Number(m[2]) / 1024]));
(async () => {
  let t = performance.now();
  const m = await loadModel(${JSON.stringify(path)});
  const loadMs = performance.now() - t;
  const rssAfterLoad = process.memoryUsage().rss / 2 ** 20;
  t = performance.now();
  const w = m.idOf('w' + (12345).toString(36));
  const firstLookupMs = performance.now() - t;
  t = performance.now();
  const first = m.mostSimilar('w' + (777).toString(36), { topK: 10 });
  const firstQueryMs = performance.now() - t;
  t = performance.now();
  m.mostSimilar('w' + (4242).toString(36), { topK: 10 });
  const secondQueryMs = performance.now() - t;
  console.log(JSON.stringify({ format: ${JSON.stringify(format)}, size: m.size, loadMs, rssAfterLoad, firstLookupMs, firstQueryMs, secondQueryMs,
    rssAfterQueries: process.memoryUsage().rss / 2 ** 20, top: first[0].word, id: w }));
})();`;

function run(code) {
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
for (const [format, path] of [['native', nativePath], ['word2vec-binary', binaryPath]]) {
  const runs = [];
  for (let i = 0; i < (format === 'native' ? repeat : 1); i++) {
    process.stderr.write(`opening ${format} (${i + 1}) ...\n`);
    runs.push(run(opener(path, format)));
  }
  const pick = (k) => median(runs.map((r) => r[k]));
  results[format] = { runs: runs.length, loadMs: pick('loadMs'), rssAfterLoad: pick('rssAfterLoad'), firstLookupMs: pick('firstLookupMs'),
    firstQueryMs: pick('firstQueryMs'), secondQueryMs: pick('secondQueryMs'), rssAfterQueries: pick('rssAfterQueries'), top: runs[0].top };
}
if (results.native.top !== results['word2vec-binary'].top) throw new Error('the two formats answered differently');

// 3. Two processes map the same native file and read every vector: the pages are shared.
const sharer = `
const { loadModel } = require(${JSON.stringify(index)});
const { readFileSync } = require('node:fs');
(async () => {
  const m = await loadModel(${JSON.stringify(nativePath)});
  let sum = 0;
  for (let i = 0; i < m.vectors.length; i += 1024) sum += m.vectors[i];  // touch every page
  process.stdout.write('ready\\n');
  process.stdin.once('data', () => {
    const kb = (k) => Number(new RegExp('^' + k + ':\\\\s+(\\\\d+) kB', 'm').exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))[1]);
    console.log(JSON.stringify({ rss: kb('Rss') / 1024, pss: kb('Pss') / 1024, sharedClean: kb('Shared_Clean') / 1024, sum }));
    process.exit(0);
  });
})();`;
process.stderr.write('two processes sharing the native file ...\n');
const children = [0, 1].map(() => spawn(process.execPath, ['-e', sharer], { stdio: ['pipe', 'pipe', 'inherit'] }));
const outputs = children.map(() => '');
await Promise.all(children.map((c, i) => new Promise((ok) => c.stdout.on('data', (d) => { outputs[i] += d; if (outputs[i].includes('ready')) ok(); }))));
const done = children.map((c) => new Promise((ok) => c.on('exit', ok)));
children.forEach((c) => c.stdin.write('measure\n'));
await Promise.all(done);
const shared = outputs.map((o) => JSON.parse(o.split('\n').find((l) => l.startsWith('{'))));

// 4. Table.
const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);
const f = (x, d = 0) => x.toFixed(d);
const n = results.native;
const b = results['word2vec-binary'];
const lines = [
  `Model: ${words.toLocaleString('en')} words x ${dim} (random), native file ${mb(statSync(nativePath).size)} MiB, word2vec binary ${mb(statSync(binaryPath).size)} MiB; warm page cache; node ${process.version}`,
  '',
  '| | native (mmap) | word2vec-binary | ratio |',
  '| --- | ---: | ---: | ---: |',
  `| save (ms) | ${f(saved.nativeMs)} | ${f(saved.binaryMs)} | ${f(saved.binaryMs / saved.nativeMs, 1)}x |`,
  `| loadModel (ms, median of ${n.runs} / ${b.runs}) | ${f(n.loadMs)} | ${f(b.loadMs)} | ${f(b.loadMs / n.loadMs, 1)}x |`,
  `| RSS after load (MiB) | ${f(n.rssAfterLoad)} | ${f(b.rssAfterLoad)} | |`,
  `| first idOf (builds the word index, ms) | ${f(n.firstLookupMs)} | ${f(b.firstLookupMs)} | |`,
  `| first mostSimilar, top 10 (ms; normalises a copy of all vectors) | ${f(n.firstQueryMs)} | ${f(b.firstQueryMs)} | |`,
  `| second mostSimilar, top 10 (ms) | ${f(n.secondQueryMs)} | ${f(b.secondQueryMs)} | |`,
  `| RSS after the queries (MiB) | ${f(n.rssAfterQueries)} | ${f(b.rssAfterQueries)} | |`,
  '',
  `Two processes mapping the native file, every vector page read: RSS ${shared.map((s) => f(s.rss)).join(' / ')} MiB, ` +
    `of which shared ${shared.map((s) => f(s.sharedClean)).join(' / ')} MiB; PSS ${shared.map((s) => f(s.pss)).join(' / ')} MiB.`,
];
console.log(lines.join('\n'));
if (args.keep !== 'true') for (const p of [nativePath, binaryPath]) rmSync(p, { force: true });
