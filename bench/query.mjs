#!/usr/bin/env node
// Query benchmark (issue 4): one top-10 query over a 1M x 100 matrix (a read-only scan of
// 400 MB) against the bandwidth of a read-only scan, and a batch of 1,000 queries against the
// cores' FMA peak (the widest FMA unit the CPU has), both measured here in the same run. Usage: node bench/query.mjs [--rows N] [--dim D]
//   [--batch Q] [--threads T] [--json FILE]
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { machineLimits } from './tools/machine.mjs';
import { REPO_ROOT as root } from './tools/paths.mjs';

const { Word2Vec, simd } = await import(join(root, 'dist/esm/index.mjs'));

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const rows = Number(opt('rows', 1000000));
const dim = Number(opt('dim', 100));
const batch = Number(opt('batch', 1000));
const threads = Number(opt('threads', availableParallelism()));
const jsonOut = opt('json', undefined);

const limits = machineLimits(threads, rows * dim * 4);

// A random model: vectors in [-1, 1).
let seed = 12345;
const next = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
const vectors = new Float32Array(rows * dim);
for (let i = 0; i < vectors.length; i++) vectors[i] = next();
const model = new Word2Vec({ keys: Array.from({ length: rows }, (_, i) => `w${i}`), dim, vectors });

async function best(reps, fn) {
  let min = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min / 1000;
}

const one = new Float32Array(dim).map(next);
await model.nearest(one, 10, { metric: 'dot', threads });  // warm the pages
const singleSeconds = await best(10, () => model.nearest(one, 10, { metric: 'dot', threads }));
const singleSync = await best(10, () => model.mostSimilar(one, { topK: 10, metric: 'dot' }));
const queries = new Float32Array(batch * dim).map(next);
const batchSeconds = await best(2, () => model.nearest(queries, 10, { metric: 'dot', threads }));

const matrixBytes = rows * dim * 4;
const result = {
  simd: simd(), rows, dim, threads, batch,
  fmaWidth: limits.fmaWidth,
  peakFlops: limits.peakFlops,
  readBandwidth: limits.readBandwidth,
  copyBandwidth: limits.copyBandwidth,
  single: { seconds: singleSeconds, bandwidth: matrixBytes / singleSeconds, ratio: matrixBytes / singleSeconds / limits.readBandwidth },
  singleOneThread: { seconds: singleSync, bandwidth: matrixBytes / singleSync },
  batchQueries: { seconds: batchSeconds, flops: (2 * batch * rows * dim) / batchSeconds, ratio: (2 * batch * rows * dim) / batchSeconds / limits.peakFlops },
};
const g = (x) => (x / 1e9).toFixed(1);
console.log(`query benchmark: ${rows} x ${dim} float32 (${(matrixBytes / 2 ** 20).toFixed(0)} MiB), ${threads} threads, kernel ${result.simd}`);
console.log(`  read-only scan (${threads} threads): ${g(limits.readBandwidth)} GB/s; plain copy (memcpy, read + write bytes): ${g(limits.copyBandwidth)} GB/s`);
console.log(`  FMA peak (${threads} threads, ${limits.fmaWidth}, measured): ${g(limits.peakFlops)} GFLOP/s`);
console.log(`  one top-10 query (nearest, ${threads} threads): ${(singleSeconds * 1000).toFixed(1)} ms = ${g(result.single.bandwidth)} GB/s read = ${result.single.ratio.toFixed(2)} x read-only scan bandwidth (goal >= 0.5)`);
console.log(`  one top-10 query (mostSimilar, main thread, 1 thread): ${(singleSync * 1000).toFixed(1)} ms = ${g(result.singleOneThread.bandwidth)} GB/s`);
console.log(`  ${batch} top-10 queries (nearest): ${batchSeconds.toFixed(2)} s = ${g(result.batchQueries.flops)} GFLOP/s = ${result.batchQueries.ratio.toFixed(2)} x FMA peak (goal >= 0.25)`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 2) + '\n');
