#!/usr/bin/env node
// A study for issue 15: what HNSW settings (connectivity M, expansionAdd efConstruction) buy on
// the 1M x 100 item vectors bench/index.mjs trains and caches: build time, memory, and the
// recall@10 / QPS curve over expansionSearch, against the exact batched nearest() of the same run.
//
//   node bench/tools/index-settings.mjs [--settings 16x64,32x64,16x128,32x128] [--queries 2000]
//                                       [--efs 32,64,128,256,512] [--threads 2] [--dot] [--out bench/results/studies/index-settings]
//
// --dot: dot over the output vectors (YouTube-style; the sampled items' input vectors as queries,
// ground truth the exact dot), each setting built without and with the dot transform
// (dotTransform); the result goes to bench/results/studies/index-dot-transform unless --out.
//
// Needs the cached vectors (bench/scratch/index-data/items-*/input.f32 of 1M rows): run
// `node bench/index.mjs --data-only` first (about 10 minutes). Queries are sampled item rows
// (seeded); ground truth is model.nearest over every row.
import { join } from 'node:path';

import { Word2Vec } from '../../dist/esm/index.mjs';
import { flagReader } from './args.mjs';
import { cachedItems, sampledRows } from './index-cache.mjs';
import { recallAt } from './measure.mjs';
import { provenance, resultMeta, writeStudy } from './results.mjs';
import { REPO_ROOT as root } from './paths.mjs';

const argv = process.argv.slice(2);
const flag = flagReader(argv);
const SETTINGS = flag('--settings', '16x64,32x64,16x128,32x128').split(',').map((s) => s.split('x').map(Number));
const QUERIES = Number(flag('--queries', '2000'));
const THREADS = Number(flag('--threads', '2'));
const DOT = argv.includes('--dot');
const OUT = flag('--out', join(root, `bench/results/studies/${DOT ? 'index-dot-transform' : 'index-settings'}`));
const EFS = flag('--efs', '32,64,128,256,512').split(',').map(Number);
const K = 10;
const DIM = 100;

const data = cachedItems('index-settings');
const meta = resultMeta(`node bench/tools/index-settings.mjs ${argv.join(' ')}`.trim());
const vectors = data.floats('input.f32');
const n = vectors.length / DIM;
// With --dot, the index and the ground truth are over the output vectors (as rows of a model).
const rowsIndexed = DOT ? data.floats('output.f32') : vectors;
const model = new Word2Vec({ keys: Array.from({ length: n }, (_, i) => `i${i}`), dim: DIM, vectors: rowsIndexed });
const METRIC = DOT ? 'dot' : 'cosine';

// Seeded: the same queries every run.
const queries = sampledRows(vectors, DIM, QUERIES, 12345);

async function timed(fn) {
  const t = performance.now();
  const result = await fn();
  return { result, seconds: (performance.now() - t) / 1000 };
}

const exact = await timed(() => model.nearest(queries, K, { threads: THREADS, metric: METRIC }));
const exactAgain = await timed(() => model.nearest(queries, K, { threads: THREADS, metric: METRIC }));
const exactQps = QUERIES / Math.min(exact.seconds, exactAgain.seconds);
const truth = exact.result.ids;
console.error(`index-settings: ${n} rows, ${QUERIES} queries; exact nearest ${exactQps.toFixed(0)} QPS`);

const rows = [];
for (const [M, efC] of SETTINGS) for (const dotTransform of DOT ? [false, true] : [false]) {
  const build = await timed(() => model.buildIndex({ connectivity: M, expansionAdd: efC, threads: THREADS, metric: METRIC, ...(dotTransform ? { dotTransform } : {}) }));
  const index = build.result;
  const line = { connectivity: M, expansionAdd: efC, dotTransform, buildSeconds: build.seconds, memoryBytes: index.memoryBytes, points: [] };
  for (const ef of EFS) {
    index.expansionSearch = ef;
    await index.search(queries.subarray(0, 100 * DIM), K, { threads: THREADS });
    const runs = [await timed(() => index.search(queries, K, { threads: THREADS })), await timed(() => index.search(queries, K, { threads: THREADS }))];
    const qps = QUERIES / Math.min(...runs.map((r) => r.seconds));
    line.points.push({ ef, recall: recallAt(runs[0].result.ids, truth, QUERIES, K), qps, vsExact: qps / exactQps });
  }
  index.dispose();
  rows.push(line);
  console.error(`index-settings: M ${M} efC ${efC}${dotTransform ? ' dot transform' : ''}: build ${line.buildSeconds.toFixed(1)} s; ` + line.points.map((p) => `ef ${p.ef} ${p.recall.toFixed(3)} ${p.vsExact.toFixed(1)}x`).join(', '));
}

const md = [
  DOT ? '# The dot transform on 1M x 100 item output vectors (issue 15 study)' : '# HNSW settings on 1M x 100 item vectors (issue 15 study)',
  '',
  `${n.toLocaleString('en-US')} item2vec ${DOT ? 'output' : 'input'} vectors cached by bench/index.mjs (${data.meta.params.sessions.toLocaleString('en-US')} generated sessions), ${METRIC}, f32; ` +
    `${QUERIES} sampled items' input vectors as queries; ground truth the exact model.nearest${DOT ? ' (dot)' : ''}; ${THREADS} threads for building, searching and the exact baseline ` +
    `(${exactQps.toFixed(0)} QPS, best of 2). QPS: one batched search of all queries, best of 2. "x exact": QPS over the exact baseline's in this run. ` +
    'The goal of issue 15: recall@10 >= 0.95 at >= 10x exact, build <= 120 s.',
  '',
  `| M | efConstruction |${DOT ? ' graph |' : ''} build s | memoryBytes MiB | ` + EFS.map((ef) => `ef ${ef}`).join(' | ') + ' |',
  `| ---: | ---: |${DOT ? ' --- |' : ''} ---: | ---: | ` + EFS.map(() => '---').join(' | ') + ' |',
  ...rows.map((r) => `| ${r.connectivity} | ${r.expansionAdd} |${DOT ? (r.dotTransform ? ' dot transform |' : ' inner product |') : ''} ${r.buildSeconds.toFixed(1)} | ${(r.memoryBytes / 2 ** 20).toFixed(0)} | ` +
    r.points.map((p) => `${p.recall.toFixed(3)} at ${p.vsExact.toFixed(1)}x`).join(' | ') + ' |'),
  '',
  provenance(meta),
  '',
].join('\n');
writeStudy(OUT, md, { meta, exactQps, queries: QUERIES, rows });
console.log(md);
