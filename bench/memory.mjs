#!/usr/bin/env node
// Peak RSS of training on a corpus and on the same corpus streamed N times (a function
// corpus: a fresh stream per pass, nothing kept), each in its own process, 1 epoch, 2 threads.
// minCount scales with the copies (5 per copy), so both runs have the same vocabulary and
// the comparison isolates what grows with the corpus's length.
//   node bench/memory.mjs [--corpus FILE.gz] [--times 10] [--epochs 1] [--threads 2]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { EN8M_CORPUS, REPO_ROOT as root } from './tools/paths.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, a) => (i % 2 === 0 ? [...acc, [v.replace(/^--/, ''), a[i + 1]]] : acc), []));
const shippedCorpus = join(root, 'lib', 'data', 'default-corpus.txt.gz');
// en-8m beside the repository when it is there, else the corpus the package ships.
const corpus = resolve(args.corpus ?? (existsSync(EN8M_CORPUS) ? EN8M_CORPUS : shippedCorpus));
const times = Number(args.times ?? 10);
const epochs = Number(args.epochs ?? 1);
const threads = Number(args.threads ?? 2);

const child = (n) => `
const { train } = require(${JSON.stringify(join(root, 'dist', 'cjs', 'index.js'))});
const { createReadStream } = require('node:fs');
const { createGunzip } = require('node:zlib');
async function* repeated() {
  for (let i = 0; i < ${n}; i++) yield* createReadStream(${JSON.stringify(corpus)}).pipe(createGunzip());
}
(async () => {
  const t = Date.now();
  const m = await train(${n === 1 ? JSON.stringify(corpus) : '() => repeated()'}, { epochs: ${epochs}, threads: ${threads}, sample: 1e-4, dim: 100, window: 5, negative: 5, minCount: ${5 * n} });
  console.log(JSON.stringify({ words: m.trainingStats.wordsPerEpoch, vocab: m.size, seconds: (Date.now() - t) / 1000 }));
})();`;

const rows = [];
for (const n of [1, times]) {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M', process.execPath, '-e', child(n)], { encoding: 'utf8' });
  const m = /__TIME__ ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(r.stderr);
  const info = JSON.parse(r.stdout.trim().split('\n').pop());
  rows.push({ copies: n, words: info.words, vocab: info.vocab, wallSeconds: Number(m[1]), peakRssMB: Math.round(Number(m[2]) / 1024) });
  console.error(JSON.stringify(rows.at(-1)));
}
console.log(`| corpus | vocabulary | words/epoch | wall s | peak RSS MB |\n| --- | ---: | ---: | ---: | ---: |`);
for (const r of rows) console.log(`| ${r.copies} x ${corpus.split('/').pop()} | ${r.vocab} | ${r.words} | ${r.wallSeconds} | ${r.peakRssMB} |`);
console.log(`\npeak RSS ratio ${times}x / 1x: ${(rows[1].peakRssMB / rows[0].peakRssMB).toFixed(3)}`);
