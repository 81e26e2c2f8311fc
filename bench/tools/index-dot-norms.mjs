#!/usr/bin/env node
// A study for issue 15: what the scan of small norms (AnnIndex::search, dot) buys on the 1M x 100
// item output vectors bench/index.mjs caches. One graph per setting (with and without the dot
// transform), each searched with the scan and without it (W2V_DOT_NORM_SCAN=0), so the difference
// is the scan's alone; recall@10 split by whether the query prefers some row (its exact best
// score > 0) or none (every row scores <= 0 against it).
//
//   node bench/tools/index-dot-norms.mjs [--queries 1000] [--threads 2] [--out bench/results/studies/index-dot-low-norms]
//
// Queries: sampled items' input vectors (seeded), against the output vectors; ground truth the
// exact model.nearest (dot). Needs `node bench/index.mjs --data-only` first.
import { join } from 'node:path';

import { Word2Vec } from '../../dist/esm/index.mjs';
import { flagReader } from './args.mjs';
import { cachedItems, sampledRows } from './index-cache.mjs';
import { provenance, resultMeta, writeStudy } from './results.mjs';
import { REPO_ROOT as root } from './paths.mjs';

const argv = process.argv.slice(2);
const flag = flagReader(argv);
const QUERIES = Number(flag('--queries', '1000'));
const THREADS = Number(flag('--threads', '2'));
const OUT = flag('--out', join(root, 'bench/results/studies/index-dot-low-norms'));
const EFS = [64, 128, 256];
const K = 10;
const DIM = 100;

const data = cachedItems('index-dot-norms');
const meta = resultMeta(`node bench/tools/index-dot-norms.mjs ${argv.join(' ')}`.trim());
const input = data.floats('input.f32');
const output = data.floats('output.f32');
const n = output.length / DIM;
const model = new Word2Vec({ keys: Array.from({ length: n }, (_, i) => `i${i}`), dim: DIM, vectors: output });

const queries = sampledRows(input, DIM, QUERIES, 4242);

async function timed(fn) {
  const t = performance.now();
  const result = await fn();
  return { result, seconds: (performance.now() - t) / 1000 };
}

const exact = await timed(() => model.nearest(queries, K, { threads: THREADS, metric: 'dot' }));
const exactAgain = await timed(() => model.nearest(queries, K, { threads: THREADS, metric: 'dot' }));
const exactQps = QUERIES / Math.min(exact.seconds, exactAgain.seconds);
const truth = exact.result;
const prefersNone = Array.from({ length: QUERIES }, (_, q) => !(truth.scores[q * K] > 0));
const noneCount = prefersNone.filter(Boolean).length;
console.error(`index-dot-norms: ${n} rows, ${QUERIES} queries (${noneCount} prefer no row); exact ${exactQps.toFixed(0)} QPS`);

function recall(ids) {
  const hits = { some: 0, none: 0 };
  for (let q = 0; q < QUERIES; q++) {
    const want = new Set(truth.ids.subarray(q * K, (q + 1) * K));
    let found = 0;
    for (const id of ids.subarray(q * K, (q + 1) * K)) if (want.has(id)) found++;
    hits[prefersNone[q] ? 'none' : 'some'] += found;
  }
  return { all: (hits.some + hits.none) / (QUERIES * K), some: hits.some / ((QUERIES - noneCount) * K), none: hits.none / (noneCount * K) };
}

const rows = [];
for (const dotTransform of [true, false]) {
  const build = await timed(() => model.buildIndex({ metric: 'dot', connectivity: 16, expansionAdd: 64, threads: THREADS, dotTransform }));
  const index = build.result;
  for (const ef of EFS) {
    index.expansionSearch = ef;
    for (const scan of [false, true]) {
      if (scan) delete process.env.W2V_DOT_NORM_SCAN;
      else process.env.W2V_DOT_NORM_SCAN = '0';
      await index.search(queries.subarray(0, 100 * DIM), K, { threads: THREADS });
      const runs = [await timed(() => index.search(queries, K, { threads: THREADS })), await timed(() => index.search(queries, K, { threads: THREADS }))];
      const qps = QUERIES / Math.min(...runs.map((r) => r.seconds));
      const line = { dotTransform, buildSeconds: build.seconds, ef, scan, ...recall(runs[0].result.ids), qps, vsExact: qps / exactQps };
      rows.push(line);
      console.error(`index-dot-norms: ${dotTransform ? 'transform' : 'inner product'} ef ${ef} scan ${scan}: ${line.all.toFixed(3)} (${line.some.toFixed(3)} / ${line.none.toFixed(3)}) ${line.vsExact.toFixed(1)}x`);
    }
  }
  delete process.env.W2V_DOT_NORM_SCAN;
  index.dispose();
}

const md = [
  '# The scan of small norms in dot searches, on 1M x 100 item output vectors (issue 15 study)',
  '',
  `${n.toLocaleString('en-US')} item2vec output vectors cached by bench/index.mjs; M 16, efConstruction 64, ${THREADS} threads; ${QUERIES} sampled items' input vectors as queries ` +
    `(${noneCount} of them prefer no row: every row scores <= 0 against them); ground truth the exact model.nearest (dot), ${exactQps.toFixed(0)} QPS (best of 2). ` +
    'Each graph is built once and searched without the scan (W2V_DOT_NORM_SCAN=0) and with it. QPS: one batched search, best of 2.',
  '',
  '| graph | build s | ef | scan | recall@10 | queries preferring some row | preferring none | QPS | x exact |',
  '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.dotTransform ? 'dot transform' : 'inner product'} | ${r.buildSeconds.toFixed(1)} | ${r.ef} | ${r.scan ? 'yes' : 'no'} | ${r.all.toFixed(3)} | ${r.some.toFixed(3)} | ${r.none.toFixed(3)} | ${r.qps.toFixed(0)} | ${r.vsExact.toFixed(1)} |`),
  '',
  provenance(meta),
  '',
].join('\n');
writeStudy(OUT, md, { meta, exactQps, queries: QUERIES, prefersNone: noneCount, rows });
console.log(md);
