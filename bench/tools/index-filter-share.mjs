#!/usr/bin/env node
// A study for issue 15: up to what share of the rows a filtered batch is better answered by the
// exact scan of the admitted rows, read out once (native/index/ann_index_search.cc,
// kGatheredScanShare), than by the graph's filtered search. On the 1M x 100 item vectors
// bench/index.mjs caches, f32 cosine over the input vectors, 2 threads, ef 160 (the bench's
// serving ef): for each share, a filter admitting the rows of that share of the planted groups
// (spread over them), searched in one batch through each path (W2V_GATHERED_SCAN_SHARE 0: the
// graph; 1: the scan), QPS the best of 3, recall@10 against the exact top-10 over the admitted
// rows (model.nearest on those rows alone). The default column says which path the built-in
// share picks. Shares past what the read-out holds (64 MiB: 16.7% of these rows) go to the
// graph whatever the share.
//
//   node bench/tools/index-filter-share.mjs [--queries 2000] [--shares 0.01,0.02,0.05,0.1,0.15] [--out F]
//
// The graph is built once (2-3 minutes) and kept under bench/scratch/index-filter-share.
// Needs `node bench/index.mjs --data-only` first.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Word2Vec, loadIndex } from '../../dist/esm/index.mjs';
import { flagReader } from './args.mjs';
import { cachedItems, sampledRows } from './index-cache.mjs';
import { recallAt } from './measure.mjs';
import { provenance, resultMeta, writeStudy } from './results.mjs';
import { REPO_ROOT as root } from './paths.mjs';

const argv = process.argv.slice(2);
const flag = flagReader(argv);
const QUERIES = Number(flag('--queries', '2000'));
const SHARES = flag('--shares', '0.01,0.02,0.05,0.1,0.15').split(',').map(Number);
const OUT = flag('--out', join(root, 'bench/results/studies/index-filter-share'));
const SCRATCH = join(root, 'bench/scratch/index-filter-share');
const DIM = 100;
const K = 10;
const EF = 160;
const THREADS = 2;

const data = cachedItems('index-filter-share');
const vectors = data.floats('input.f32');
const n = vectors.length / DIM;
const itemBytes = readFileSync(join(data.dir, 'items.i32'));
// Row i is item itemIds[i]; an item's planted group is its id modulo the groups (bench/index.mjs).
const groupOf = new Int32Array(itemBytes.buffer, itemBytes.byteOffset, n).map((item) => item % data.meta.params.groups);
const keys = Array.from({ length: n }, (_, i) => `i${i}`);
const model = new Word2Vec({ keys, dim: DIM, vectors });

const queries = () => sampledRows(vectors, DIM, QUERIES, 4242);

/** The rows of `count` planted groups spread evenly over all of them. */
function filterRows(share) {
  const groups = data.meta.params.groups;
  const count = Math.max(1, Math.round(share * groups));
  const chosen = new Set(Array.from({ length: count }, (_, i) => Math.floor((i * groups) / count)));
  const rows = [];
  for (let i = 0; i < n; i++) if (chosen.has(groupOf[i])) rows.push(i);
  return Int32Array.from(rows);
}

/** The exact top-K over `rows` alone, as row ids. */
async function exactWithin(rows, q) {
  const sub = new Float32Array(rows.length * DIM);
  rows.forEach((r, i) => sub.set(vectors.subarray(r * DIM, (r + 1) * DIM), i * DIM));
  const within = new Word2Vec({ keys: Array.from(rows, (r) => `i${r}`), dim: DIM, vectors: sub });
  const r = await within.nearest(q, K, { threads: THREADS, metric: 'cosine' });
  return r.ids.map((i) => (i >= 0 ? rows[i] : -1));
}

async function searchThrough(index, q, rows, path) {
  if (path === 'default') delete process.env.W2V_GATHERED_SCAN_SHARE;
  else process.env.W2V_GATHERED_SCAN_SHARE = path === 'scan' ? '1' : '0';
  let best = Infinity;
  let result;
  for (let rep = 0; rep < 3; rep++) {
    const t = performance.now();
    result = await index.search(q, K, { threads: THREADS, filter: rows });
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return { qps: QUERIES / best, ids: result.ids, exact: result.exact };
}

const meta = resultMeta(`node bench/tools/index-filter-share.mjs ${argv.join(' ')}`.trim());
mkdirSync(SCRATCH, { recursive: true });
const saved = join(SCRATCH, 'cosine.idx');
if (!existsSync(saved)) {
  const t = performance.now();
  const built = await model.buildIndex({ metric: 'cosine', threads: THREADS });
  console.error(`index-filter-share: built in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await built.save(saved);
  built.dispose();
}
const index = await loadIndex(saved, model, { threads: THREADS });
index.expansionSearch = EF;
const q = queries();
const rowsOut = [];
for (const share of SHARES) {
  const rows = filterRows(share);
  const truth = await exactWithin(rows, q);
  const graph = await searchThrough(index, q, rows, 'graph');
  const scan = await searchThrough(index, q, rows, 'scan');
  const chosen = await searchThrough(index, q, rows, 'default');
  const row = {
    share: rows.length / n,
    rows: rows.length,
    graph: { qps: graph.qps, recall: recallAt(graph.ids, truth, QUERIES, K), exact: graph.exact },
    scan: { qps: scan.qps, recall: recallAt(scan.ids, truth, QUERIES, K), exact: scan.exact },
    chosen: chosen.exact ? 'scan' : 'graph',
  };
  rowsOut.push(row);
  console.error(
    `index-filter-share: ${(row.share * 100).toFixed(2)}% (${rows.length} rows): graph ${graph.qps.toFixed(0)} QPS recall ${row.graph.recall.toFixed(4)}; ` +
      `scan ${scan.qps.toFixed(0)} QPS recall ${row.scan.recall.toFixed(4)} (exact ${scan.exact}); default: ${row.chosen}`,
  );
}
delete process.env.W2V_GATHERED_SCAN_SHARE;

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const md = [
  '# Filtered batches: the exact scan of the admitted rows or the graph, by the filter\'s share (issue 15 study)',
  '',
  `${n.toLocaleString('en-US')} item2vec vectors cached by bench/index.mjs, f32 cosine over the input vectors; M 16, efConstruction ${index.expansionAdd}, ef ${EF}; ${THREADS} threads; ` +
    `${QUERIES} sampled items' input vectors as queries, one batch. A filter of share s admits the rows of round(s x ${data.meta.params.groups}) planted groups spread evenly over them. ` +
    'Each path forced by W2V_GATHERED_SCAN_SHARE (0: the graph\'s filtered search; 1: the scan of the rows read out once, when they fit in 64 MiB); QPS the best of 3; ' +
    'recall@10 against the exact top-10 over the admitted rows (model.nearest on those rows alone). "Default": the path the built-in kGatheredScanShare picks.',
  '',
  '| share | rows | graph recall@10 | graph QPS | scan recall@10 | scan QPS | scan / graph QPS | default |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ...rowsOut.map(
    (r) =>
      `| ${(r.share * 100).toFixed(2)}% | ${fmt(r.rows)} | ${r.graph.recall.toFixed(4)} | ${fmt(r.graph.qps)} | ${r.scan.recall.toFixed(4)}${r.scan.exact ? '' : ' (graph: past 64 MiB)'} | ${fmt(r.scan.qps)} | ` +
      `${(r.scan.qps / r.graph.qps).toFixed(2)}x | ${r.chosen} |`,
  ),
  '',
  provenance(meta),
  '',
].join('\n');
writeStudy(OUT, md, { meta, queries: QUERIES, ef: EF, shares: rowsOut });
console.log(md);
