#!/usr/bin/env node
// A study for issue 15: how long the first dot search takes, when the index must first list
// every row's norm (AnnIndex's scan of small norms) against later searches. After a build the
// list comes from the rows as they were stored; an index opened from a file (here a view) reads
// it from its rows on its first dot search.
//
//   node bench/tools/index-first-search.mjs [--reps 3] [--out bench/results/studies/index-first-search]
//
// The 1M x 100 item output vectors bench/index.mjs caches (`node bench/index.mjs --data-only`);
// an inner-product graph with the dot transform, expansionAdd 16 (the graph's quality does not
// matter here), 2 threads; one query (an item's input vector, negated: it prefers no row).
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Word2Vec, loadIndex } from '../../dist/esm/index.mjs';
import { flagReader } from './args.mjs';
import { cachedItems } from './index-cache.mjs';
import { provenance, resultMeta } from './results.mjs';
import { REPO_ROOT as root } from './paths.mjs';

const argv = process.argv.slice(2);
const flag = flagReader(argv);
const REPS = Number(flag('--reps', '3'));
const OUT = flag('--out', join(root, 'bench/results/studies/index-first-search'));
const DIM = 100;

const data = cachedItems('index-first-search');
const meta = resultMeta(`node bench/tools/index-first-search.mjs ${argv.join(' ')}`.trim());
const output = data.floats('output.f32');
const input = data.floats('input.f32');
const n = output.length / DIM;
const model = new Word2Vec({ keys: Array.from({ length: n }, (_, i) => `i${i}`), dim: DIM, vectors: output });
const query = input.slice(0, DIM).map((x) => -x);

async function ms(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
const searches = async (index) => [await ms(() => index.search(query, 10, { threads: 1 })), await ms(() => index.search(query, 10, { threads: 1 })), await ms(() => index.search(query, 10, { threads: 1 }))];

const rows = [];
const path = join(tmpdir(), `w2v-index-first-search-${process.pid}.idx`);
for (let rep = 0; rep < REPS; rep++) {
  const index = await model.buildIndex({ metric: 'dot', dotTransform: true, connectivity: 16, expansionAdd: 16, threads: 2 });
  const built = await searches(index);
  await index.save(path);
  index.dispose();
  const opened = await loadIndex(path, model, { view: true });
  const view = await searches(opened);
  opened.dispose();
  rmSync(path, { force: true });
  rows.push({ built, view });
  console.error(`index-first-search: rep ${rep + 1}: after the build ${built.map((x) => x.toFixed(1)).join(', ')} ms; opened as a view ${view.map((x) => x.toFixed(1)).join(', ')} ms`);
}
const fmt = (xs) => xs.map((x) => x.toFixed(1)).join(' / ');
const md = [
  '# The first dot search: listing the rows\' norms (issue 15 study)',
  '',
  `${n.toLocaleString('en-US')} item2vec output vectors cached by bench/index.mjs; dot through the transform, M 16, expansionAdd 16, built on 2 threads; one query searched three times in a row on 1 thread (ms: first / second / third), right after the build and right after loadIndex(..., { view: true }) of the saved index. ${REPS} repetitions.`,
  '',
  '| rep | after the build (ms) | opened as a view (ms) |',
  '| ---: | --- | --- |',
  ...rows.map((r, i) => `| ${i + 1} | ${fmt(r.built)} | ${fmt(r.view)} |`),
  '',
  provenance(meta),
  '',
].join('\n');
writeFileSync(`${OUT}.md`, md);
writeFileSync(`${OUT}.json`, JSON.stringify({ meta, rows }, null, 2) + '\n');
console.log(md);
