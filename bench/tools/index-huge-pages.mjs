#!/usr/bin/env node
// A study for issue 15: what advising the index library's memory as transparent huge pages
// (native/index/huge_pages.h) buys on the 1M x 100 item vectors bench/index.mjs caches. The
// advice is turned off by W2V_INDEX_HUGE_PAGES=0, read once per process, so every measurement
// runs in a child process of its own, the two settings alternating:
//   - build: each metric's graph built with the advice and without it (build seconds);
//   - search: one saved graph per metric, loaded (copied into the library's memory, not a view)
//     with the advice and without it, so both settings search the same graph: QPS at each ef,
//     best of 3 batched searches, over --rounds alternated pairs of processes.
//
//   node bench/tools/index-huge-pages.mjs [--rounds 5] [--queries 2000] [--out bench/results/studies/index-huge-pages]
//
// Queries: sampled items' input vectors (seeded); cosine over the input vectors, dot (through the
// dot transform) over the output vectors; ground truth the exact model.nearest. 2 threads.
// Needs `node bench/index.mjs --data-only` first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Word2Vec, loadIndex } from '../../dist/esm/index.mjs';
import { flagReader } from './args.mjs';
import { cachedItems } from './index-cache.mjs';
import { provenance, resultMeta, writeStudy } from './results.mjs';
import { mulberry32 } from './random.mjs';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..', '..');
const argv = process.argv.slice(2);
const flag = flagReader(argv);
const ROUNDS = Number(flag('--rounds', '5'));
const QUERIES = Number(flag('--queries', '2000'));
const OUT = flag('--out', join(root, 'bench/results/studies/index-huge-pages'));
const CHILD = flag('--child', '');
const METRIC = flag('--metric', 'cosine');
const SCRATCH = join(root, 'bench/scratch/index-huge-pages');
const EFS = [64, 96, 128, 256];
const K = 10;
const DIM = 100;
const THREADS = 2;

const data = cachedItems('index-huge-pages');
const rowsOf = (metric) => data.floats(metric === 'cosine' ? 'input.f32' : 'output.f32');
const modelOf = (metric) => {
  const vectors = rowsOf(metric);
  return new Word2Vec({ keys: Array.from({ length: vectors.length / DIM }, (_, i) => `i${i}`), dim: DIM, vectors });
};
const indexPath = (metric) => join(SCRATCH, `${metric}.idx`);
const truthPath = (metric) => join(SCRATCH, `${metric}-truth.i32`);
const indexOptions = (metric) => (metric === 'cosine' ? { metric: 'cosine' } : { metric: 'dot', dotTransform: true });

function queries() {
  const input = data.floats('input.f32');
  const n = input.length / DIM;
  const random = mulberry32(777);
  const out = new Float32Array(QUERIES * DIM);
  for (let q = 0; q < QUERIES; q++) {
    const row = Math.floor(random() * n);
    out.set(input.subarray(row * DIM, (row + 1) * DIM), q * DIM);
  }
  return out;
}

function hugePages() {
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kb = (name) => Number((rollup.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm')) ?? [0, 0])[1]);
  return { rssMiB: kb('Rss') / 1024, anonHugeMiB: kb('AnonHugePages') / 1024 };
}

// A child: one build (saving the graph when asked) or one loaded graph's searches; prints JSON.
async function child() {
  const model = modelOf(METRIC);
  if (CHILD === 'build') {
    const t = performance.now();
    const index = await model.buildIndex({ ...indexOptions(METRIC), threads: THREADS });
    const buildSeconds = (performance.now() - t) / 1000;
    const memory = hugePages();
    if (flag('--save', '') === '1') await index.save(indexPath(METRIC));
    console.log(JSON.stringify({ buildSeconds, ...memory }));
    return;
  }
  const q = queries();
  const truth = new Int32Array(new Uint8Array(readFileSync(truthPath(METRIC))).buffer);
  const index = await loadIndex(indexPath(METRIC), model);
  const memory = hugePages();
  await index.search(q.subarray(0, 100 * DIM), K, { threads: THREADS });  // the dot norm list, built once
  const efs = [];
  for (const ef of EFS) {
    index.expansionSearch = ef;
    let best = Infinity;
    let ids;
    for (let rep = 0; rep < 3; rep++) {
      const t = performance.now();
      const r = await index.search(q, K, { threads: THREADS });
      best = Math.min(best, (performance.now() - t) / 1000);
      ids = r.ids;
    }
    let hits = 0;
    for (let i = 0; i < QUERIES; i++) {
      const want = new Set(truth.subarray(i * K, (i + 1) * K));
      for (const id of ids.subarray(i * K, (i + 1) * K)) if (want.has(id)) hits++;
    }
    efs.push({ ef, qps: QUERIES / best, recall: hits / (QUERIES * K) });
  }
  console.log(JSON.stringify({ ...memory, efs }));
}

function run(mode, metric, advice, extra = []) {
  const env = { ...process.env };
  if (advice) delete env.W2V_INDEX_HUGE_PAGES;
  else env.W2V_INDEX_HUGE_PAGES = '0';
  const out = execFileSync(process.execPath, [self, '--child', mode, '--metric', metric, '--queries', String(QUERIES), ...extra], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function parent() {
  const meta = resultMeta(`node bench/tools/index-huge-pages.mjs ${argv.join(' ')}`.trim());
  mkdirSync(SCRATCH, { recursive: true });
  const q = queries();
  const results = {};
  for (const metric of ['cosine', 'dot']) {
    const truth = await modelOf(metric).nearest(q, K, { threads: THREADS, metric: metric === 'cosine' ? 'cosine' : 'dot' });
    writeFileSync(truthPath(metric), Buffer.from(truth.ids.buffer, truth.ids.byteOffset, truth.ids.byteLength));
    // Builds: without the advice first, then with it (that one's graph is saved for the searches).
    const builds = { off: run('build', metric, false), on: run('build', metric, true, ['--save', '1']) };
    console.error(`index-huge-pages: ${metric} build ${builds.off.buildSeconds.toFixed(1)} s without, ${builds.on.buildSeconds.toFixed(1)} s with the advice`);
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [false, true] : [true, false];
      const pair = {};
      for (const advice of order) pair[advice ? 'on' : 'off'] = run('search', metric, advice);
      rounds.push(pair);
      console.error(`index-huge-pages: ${metric} round ${r + 1}: ${EFS.map((ef, i) => `ef ${ef} ${pair.off.efs[i].qps.toFixed(0)} -> ${pair.on.efs[i].qps.toFixed(0)}`).join(', ')} QPS`);
    }
    results[metric] = { builds, rounds };
  }
  rmSync(SCRATCH, { recursive: true, force: true });

  const lines = [];
  for (const metric of ['cosine', 'dot']) {
    const { rounds } = results[metric];
    EFS.forEach((ef, i) => {
      const off = rounds.map((p) => p.off.efs[i].qps);
      const on = rounds.map((p) => p.on.efs[i].qps);
      const ratios = rounds.map((p) => p.on.efs[i].qps / p.off.efs[i].qps);
      lines.push(
        `| ${metric === 'cosine' ? 'cosine (input)' : 'dot transform (output)'} | ${ef} | ${rounds[0].on.efs[i].recall.toFixed(4)} | ${median(off).toFixed(0)} | ${median(on).toFixed(0)} | ` +
          `${median(ratios).toFixed(2)}x | ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)} | ${ratios.filter((x) => x > 1).length} of ${ratios.length} |`,
      );
    });
  }
  const memory = (metric, key) => median(results[metric].rounds.map((p) => p[key].anonHugeMiB)).toFixed(0);
  const rss = (metric, key) => median(results[metric].rounds.map((p) => p[key].rssMiB)).toFixed(0);
  const md = [
    '# Huge pages for the index library\'s memory, on 1M x 100 item vectors (issue 15 study)',
    '',
    `${(rowsOf('cosine').length / DIM).toLocaleString('en-US')} item2vec vectors cached by bench/index.mjs; M 16, efConstruction 64, ${THREADS} threads; ${QUERIES} sampled items' input vectors as queries; ` +
      'cosine over the input vectors, dot over the output vectors through the dot transform; recall@10 against the exact model.nearest. ' +
      'Each search figure: the same saved graph loaded (copied into the library\'s memory) by a process of its own with the advice (W2V_INDEX_HUGE_PAGES unset) or without it (=0), ' +
      `QPS the best of 3 batched searches; ${ROUNDS} rounds, the two settings alternating which goes first. Ratio: with / without, per round.`,
    '',
    '| graph | ef | recall@10 | QPS without (median) | QPS with (median) | ratio (median) | ratio range | rounds faster with |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...lines,
    '',
    '| graph | build s without | build s with | AnonHugePages after loading, without / with | process RSS after loading, without / with |',
    '| --- | ---: | ---: | --- | --- |',
    ...['cosine', 'dot'].map(
      (m) =>
        `| ${m === 'cosine' ? 'cosine (input)' : 'dot transform (output)'} | ${results[m].builds.off.buildSeconds.toFixed(1)} | ${results[m].builds.on.buildSeconds.toFixed(1)} | ` +
        `${memory(m, 'off')} / ${memory(m, 'on')} MiB | ${rss(m, 'off')} / ${rss(m, 'on')} MiB |`,
    ),
    '',
    `System: transparent huge pages "${readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').trim()}". One build per setting: build times are single runs on a noisy machine.`,
    '',
    provenance(meta),
    '',
  ].join('\n');
  writeStudy(OUT, md, { meta, queries: QUERIES, efs: EFS, results });
  console.log(md);
}

if (CHILD) await child();
else await parent();
