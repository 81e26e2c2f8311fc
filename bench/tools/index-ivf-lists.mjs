#!/usr/bin/env node
// How many lists an index of kind 'ivf' should have: i8 cosine over the 1M x 100 item vectors
// bench/index.mjs caches, built with 2 sqrt(n), 4 sqrt(n) (the default) and 8 sqrt(n) lists;
// for each, the build time, memoryBytes and recall@10 / QPS over probes. More lists: shorter
// lists (fewer rows scanned a probe) but a longer k-means and more centroids to rank per query.
//
//   node bench/tools/index-ivf-lists.mjs [--queries 2000] [--out F]
//
// Queries: sampled items' input vectors (seeded); ground truth the exact model.nearest; 2
// threads. Each timing: best of 3 batched searches or more, repeated for at least 1 s (as
// bench/index.mjs). Needs `node bench/index.mjs --data-only` first.
import { join } from 'node:path';

import { Word2Vec } from '../../dist/esm/index.mjs';
import { flagReader } from './args.mjs';
import { cachedItems, sampledRows } from './index-cache.mjs';
import { bestOf, qpsAtRecall, recallAt } from './measure.mjs';
import { provenance, resultMeta, writeStudy } from './results.mjs';
import { REPO_ROOT as root } from './paths.mjs';

const argv = process.argv.slice(2);
const flag = flagReader(argv);
const QUERIES = Number(flag('--queries', '2000'));
const OUT = flag('--out', join(root, 'bench/results/studies/index-ivf-lists'));
const PROBES = [4, 8, 16, 32, 64, 128];
const TARGETS = [0.93, 0.94];
const K = 10, DIM = 100, THREADS = 2, REPS = 3, MIN_SECONDS = 1;
const log = (line) => console.error(`index-ivf-lists: ${line}`);

const data = cachedItems('index-ivf-lists');
const rows = data.floats('input.f32');
const n = rows.length / DIM;
const items = new Word2Vec({ words: Array.from({ length: n }, (_, i) => `i${i}`), dim: DIM, vectors: rows });
const queries = sampledRows(rows, DIM, QUERIES, 20261204);
const truth = (await items.nearest(queries, K, { threads: THREADS })).ids;
const meta = resultMeta(`node bench/tools/index-ivf-lists.mjs ${argv.join(' ')}`.trim());

const runs = [];
for (const factor of [2, 4, 8]) {
  const lists = Math.round(factor * Math.sqrt(n));
  const started = performance.now();
  const index = await items.buildIndex({ kind: 'ivf', quantization: 'i8', lists, threads: THREADS });
  const buildSeconds = (performance.now() - started) / 1000;
  const run = { factor, lists: index.lists, buildSeconds, memoryBytes: index.memoryBytes, curve: [] };
  log(`${lists} lists: built in ${buildSeconds.toFixed(1)} s, ${(index.memoryBytes / 2 ** 20).toFixed(0)} MiB`);
  await index.search(queries.subarray(0, 100 * DIM), K, { threads: THREADS });  // warm-up
  for (const probes of PROBES) {
    index.probes = probes;
    const { seconds, result } = await bestOf(REPS, () => index.search(queries, K, { threads: THREADS }), MIN_SECONDS);
    const point = { probes, scanned: probes / index.lists, recall: recallAt(result.ids, truth, QUERIES, K), qps: QUERIES / seconds };
    run.curve.push(point);
    log(`${lists} lists, probes ${probes}: recall@10 ${point.recall.toFixed(4)}, ${Math.round(point.qps)} QPS`);
  }
  runs.push(run);
  index.dispose();
}

const vectorsBytes = n * DIM * 4;
const md = [
  "# Index kind 'ivf': how many lists",
  '',
  `i8 cosine over ${n.toLocaleString('en-US')} x ${DIM} item vectors (bench/index.mjs's), ${QUERIES} sampled items as queries, the exact model.nearest as the truth, ${THREADS} threads. Lists learnt by spherical k-means in the build (64 sampled rows a list, 10 rounds); a query scans its \`probes\` nearest lists. QPS: best of ${REPS} batched searches or more, for at least ${MIN_SECONDS} s.`,
  '',
  `| lists | build s | memoryBytes | vs f32 vectors | ${TARGETS.map((t) => `QPS at recall ${t}`).join(' | ')} |`,
  `| ---: | ---: | ---: | ---: | ${TARGETS.map(() => '---:').join(' | ')} |`,
  ...runs.map((r) => `| ${r.lists} (${r.factor} sqrt(n)) | ${r.buildSeconds.toFixed(1)} | ${(r.memoryBytes / 2 ** 20).toFixed(0)} MiB | ${(r.memoryBytes / vectorsBytes).toFixed(3)}x | ${TARGETS.map((t) => {
    const q = qpsAtRecall(r.curve, t);
    return q === null ? 'not reached' : Math.round(q).toLocaleString('en-US');
  }).join(' | ')} |`),
  '',
  'QPS at a recall: log(QPS) interpolated linearly in recall between the probes around it.',
  '',
  `| probes | ${runs.map((r) => `${r.lists} lists: rows scanned | recall@10 | QPS`).join(' | ')} |`,
  `| ---: | ${runs.map(() => '---: | ---: | ---:').join(' | ')} |`,
  ...PROBES.map((p, i) => `| ${p} | ${runs.map((r) => `${(r.curve[i].scanned * 100).toFixed(2)}% | ${r.curve[i].recall.toFixed(4)} | ${Math.round(r.curve[i].qps).toLocaleString('en-US')}`).join(' | ')} |`),
  '',
  provenance(meta),
  '',
].join('\n');
writeStudy(OUT, md, { meta, queries: QUERIES, probes: PROBES, runs });
log(`written ${OUT}.md`);
