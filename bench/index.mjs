#!/usr/bin/env node
// Recall at scale (issue 15): the nearest-neighbour index (model.buildIndex / items.buildIndex,
// HNSW) on 1M x 100 item vectors and on ~50k x 100 word vectors, against our exact batched
// nearest and against hnswlib and FAISS's IndexHNSWFlat (Debian's python3-hnswlib and
// python3-faiss, run by bench/tools/index-peers.py), all on the same data, queries and threads.
//
//   node bench/index.mjs [--quick] [--threads 2] [--no-peers] [--items N] [--sessions N]
//                        [--epochs N] [--name NAME] [--data-only]   (npm run bench -- index [options])
//
// About 45 minutes on 2 cores with the peers (training the 1M items, ~6 minutes, only when
// their vectors are not cached); --quick (100k items, 5 ef points) a few minutes.
// Data (cached under bench/scratch/index-data/, keyed by the generation parameters, so a rerun
// skips training): word vectors trained on en-8m (dim 100, minCount 5: 50,086 words, 2 epochs),
// and item2vec vectors (trainItems, skip-gram with negative sampling, dim 100, 5 epochs)
// trained on generated sessions with planted structure (see world()): 1M items in 1,000
// planted groups, a session mostly draws from one group (10% noise), near a focus in the
// group's latent layout, item and group popularity Zipf-like. Held-out sessions (never trained
// on) give the user queries: the mean of the history's input vectors.
// Queries: the held-out users' vectors and sampled items' input vectors. Ground truth: exact
// top-10 by model.nearest (cosine over input vectors; dot over output vectors, YouTube-style).
// The result goes to bench/results/current/NAME.{md,json,svg} (bench/tools/results.mjs).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

import { provenance, resultMeta, saveResult } from './tools/results.mjs';
import { bestOf, recallAt as recallOfIds } from './tools/measure.mjs';
import { mulberry32 } from './tools/random.mjs';
import { EN8M_CORPUS, REPO_ROOT as root } from './tools/paths.mjs';

const { train, trainItems, Word2Vec, ItemEmbeddings, loadIndex, simd } = await import(join(root, 'dist', 'esm', 'index.mjs'));

const USAGE = `node bench/index.mjs [options]   (npm run bench -- index [options])
  --quick          smoke run: 100k items in 100 planted groups, fewer queries and ef points (a few minutes)
  --threads N      threads for building, searching and the exact baseline (default 2)
  --items N        items (default 1000000; 100000 with --quick)
  --sessions N     training sessions (default 2400000; 240000 with --quick)
  --epochs N       item2vec epochs (default 5)
  --no-peers       skip hnswlib and FAISS
  --data-only      make (or find) the cached vectors and stop
  --name NAME      result name under bench/results/current (default index, or index-quick)`;

function parseArgs(argv) {
  const a = { quick: false, threads: 2, items: undefined, sessions: undefined, epochs: 5, peers: true, name: undefined, dataOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === '--quick') a.quick = true;
    else if (k === '--threads') a.threads = Number(v());
    else if (k === '--items') a.items = Number(v());
    else if (k === '--sessions') a.sessions = Number(v());
    else if (k === '--epochs') a.epochs = Number(v());
    else if (k === '--no-peers') a.peers = false;
    else if (k === '--data-only') a.dataOnly = true;
    else if (k === '--name') a.name = v();
    else if (k === '--help') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown argument ${k}\n${USAGE}`);
  }
  a.items ??= a.quick ? 100_000 : 1_000_000;
  a.sessions ??= a.quick ? 240_000 : 2_400_000;
  a.name ??= a.quick ? 'index-quick' : 'index';
  return a;
}

const args = parseArgs(process.argv.slice(2));
const THREADS = args.threads;
const K = 10;
// Every index, ours and the peers', is built with the library's default M and efConstruction,
// read from an index built without settings.
const { connectivity: M, expansionAdd: EF_CONSTRUCTION } = await (async () => {
  const probe = await new Word2Vec({ words: ['a', 'b'], dim: 2, vectors: new Float32Array([1, 0, 0, 1]) }).buildIndex({ threads: 1 });
  const settings = { connectivity: probe.connectivity, expansionAdd: probe.expansionAdd };
  probe.dispose();
  return settings;
})();
// The issue's sweep (16-256); the full run goes on to 384 and 512 (marked in the tables) to
// find recall 0.95 where 256 falls short of it, for ours and the peers alike.
const EFS_ISSUE = args.quick ? [16, 32, 64, 128, 256] : [16, 24, 32, 48, 64, 96, 128, 160, 192, 256];
const EFS = args.quick ? EFS_ISSUE : [...EFS_ISSUE, 384, 512];
const efLabel = (ef) => (EFS_ISSUE.includes(ef) ? String(ef) : `${ef}*`);
// The probes swept for kind 'ivf' (lists scanned per query, of 4 sqrt(n)).
const PROBES = args.quick ? [4, 8, 16, 32, 64, 128] : [4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256];
const SEARCH_REPS = 3;  // each timed search: best of 3 (ours and the peers alike), and
// repeated until SEARCH_MIN_SECONDS have passed: a search of the 50k words takes ~20 ms, and the
// best of 3 such was noise (ours / hnswlib 1.19x and 0.77x in two runs of the same code).
const SEARCH_MIN_SECONDS = 1;
const EXACT_REPS = 2;
const DIM = 100;
const scratch = join(root, 'bench', 'scratch');
const dataDir = join(scratch, 'index-data');
mkdirSync(dataDir, { recursive: true });

const started = performance.now();
const log = (msg) => console.error(`[index ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

// ---------------------------------------------------------------- random numbers, helpers

const rng = mulberry32;

const keyOf = (params) => createHash('sha1').update(JSON.stringify(params)).digest('hex').slice(0, 12);

function writeF32(path, a) {
  writeFileSync(path, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}
function readF32(path) {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** A .npy file (v1.0, little-endian, C order) of a Float32Array or Int32Array with `shape`. */
function writeNpy(path, a, shape) {
  const descr = a instanceof Float32Array ? '<f4' : a instanceof Int32Array ? '<i4' : null;
  if (!descr) throw new Error('writeNpy: Float32Array or Int32Array');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, pre);
    writeSync(fd, Buffer.from(header, 'latin1'));
    const body = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (let off = 0; off < body.length; off += 1 << 28) writeSync(fd, body, off, Math.min(1 << 28, body.length - off));
  } finally {
    closeSync(fd);
  }
}

function cumulative(weights) {
  const c = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) c[i] = s += weights[i];
  for (let i = 0; i < c.length; i++) c[i] /= s;
  return c;
}
function draw(cdf, u) {
  let lo = 0, hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < u) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Recall@K (measure.mjs) of approximate ids against exact ids, both n x K. */
const recallAt = (approx, exact, n, k = K) => recallOfIds(approx, exact, n, k);

// ---------------------------------------------------------------- data: words

async function wordData() {
  const corpus = EN8M_CORPUS;
  if (!existsSync(corpus)) throw new Error(`${corpus} not found (the word vectors are trained on en-8m)`);
  const params = { kind: 'words', corpus: 'en-8m.txt.gz', size: statSync(corpus).size, dim: DIM, minCount: 5, epochs: 2, model: 'skipgram', negative: 5, window: 5, sample: 1e-4, seed: 1 };
  const dir = join(dataDir, `words-${keyOf(params)}`);
  if (existsSync(join(dir, 'meta.json'))) {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    log(`words: reusing cached vectors ${relative(root, dir)} (${meta.size} words; trained ${meta.trainSeconds.toFixed(1)} s when made)`);
    return { params, meta, words: JSON.parse(readFileSync(join(dir, 'words.json'), 'utf8')), vectors: readF32(join(dir, 'input.f32')) };
  }
  log(`words: training on en-8m (dim ${DIM}, minCount 5, 2 epochs, ${THREADS} threads)`);
  const t = performance.now();
  const model = await train(corpus, { dim: DIM, minCount: 5, epochs: 2, threads: THREADS, model: 'skipgram', negative: 5, window: 5, sample: 1e-4, seed: 1 });
  const trainSeconds = (performance.now() - t) / 1000;
  mkdirSync(dir, { recursive: true });
  const words = [...model.words];
  const vectors = model.vectors.slice();
  writeFileSync(join(dir, 'words.json'), JSON.stringify(words));
  writeF32(join(dir, 'input.f32'), vectors);
  const meta = { params, size: words.length, trainSeconds };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
  model.dispose();
  log(`words: ${words.length} words in ${trainSeconds.toFixed(1)} s; cached in ${relative(root, dir)}`);
  return { params, meta, words, vectors };
}

// ---------------------------------------------------------------- data: items

/**
 * The planted world. Item id = group + groups * rank: each item belongs to a planted group
 * (id % groups) and has a popularity rank in it, Zipf-like, as groups have. A session picks a
 * group (by popularity) and a focus in it; each of its items is, with probability `noise`, any
 * item (group and rank by popularity), otherwise an item of the session's group drawn by
 * popularity x locality: the group's items lie on a latent torus (a grid, ranks placed at
 * random), and an item at grid distance d from the focus is weighted exp(-d^2 / 2 sigma^2).
 * On a torus the focus is uniform, so each item's share stays proportional to its popularity;
 * the locality gives a group's items neighbours of their own (without it a group's items are
 * exchangeable, and item2vec's optimum gives them one vector: their top-10 would be noise).
 */
function world(p) {
  const perGroup = p.items / p.groups;
  if (!Number.isInteger(perGroup)) throw new Error('--items must be a multiple of the planted groups');
  let gh = Math.floor(Math.sqrt(perGroup));
  while (perGroup % gh !== 0) gh--;
  const gw = perGroup / gh;
  const weight = Float64Array.from({ length: perGroup }, (_, r) => (r + 1 + p.itemOffset) ** -p.itemZipf);
  const itemCdf = cumulative(weight);
  const groupCdf = cumulative(Float64Array.from({ length: p.groups }, (_, g) => (g + 1 + p.groupOffset) ** -p.groupZipf));
  // rankAt[g * perGroup + cell]: the rank of the item at that cell of group g's grid.
  const rankAt = new Int32Array(p.items);
  const place = rng(p.seed + 1);
  const perm = new Int32Array(perGroup);
  for (let g = 0; g < p.groups; g++) {
    for (let i = 0; i < perGroup; i++) perm[i] = i;
    for (let i = perGroup - 1; i > 0; i--) {
      const j = Math.floor(place() * (i + 1));
      const t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    rankAt.set(perm, g * perGroup);
  }
  const offset = (next) => Math.round(Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()) * p.sigma);
  const session = (next) => {
    const g = draw(groupCdf, next());
    const fx = Math.floor(next() * gw), fy = Math.floor(next() * gh);
    const len = p.minLength + Math.floor(next() * (p.maxLength - p.minLength + 1));
    const s = new Array(len);
    for (let i = 0; i < len; i++) {
      if (next() < p.noise) {
        s[i] = draw(groupCdf, next()) + p.groups * draw(itemCdf, next());
        continue;
      }
      for (;;) {
        // A cell near the focus (Gaussian offsets, wrapped), kept with probability weight / max weight.
        const x = (((fx + offset(next)) % gw) + gw) % gw, y = (((fy + offset(next)) % gh) + gh) % gh;
        const r = rankAt[g * perGroup + y * gw + x];
        if (next() * weight[0] < weight[r]) {
          s[i] = g + p.groups * r;
          break;
        }
      }
    }
    return s;
  };
  // Expected occurrences of the rarest item (the last rank of the least popular group).
  const share = (cdf, i) => cdf[i] - (i > 0 ? cdf[i - 1] : 0);
  const meanLength = (p.minLength + p.maxLength) / 2;
  const rarest = p.sessions * meanLength * share(groupCdf, p.groups - 1) * share(itemCdf, perGroup - 1);
  return { perGroup, grid: [gw, gh], session, rarest, meanLength };
}

async function itemData() {
  const params = {
    kind: 'items', items: args.items, groups: args.quick ? 100 : 1000, sessions: args.sessions, heldOut: args.quick ? 1000 : 2000,
    minLength: 5, maxLength: 20, noise: 0.1, sigma: 2, itemZipf: 0.8, itemOffset: 20, groupZipf: 0.5, groupOffset: 10, seed: 15,
    train: { dim: DIM, window: 5, negative: 5, epochs: args.epochs, sample: 1e-4, minCount: 1, threads: THREADS, seed: 1 },
  };
  const w = world(params);
  // Held-out sessions: their own random stream, never trained on.
  const heldOutRng = rng(params.seed * 7919 + 1);
  const heldOut = Array.from({ length: params.heldOut }, () => w.session(heldOutRng));
  const dir = join(dataDir, `items-${keyOf(params)}`);
  if (existsSync(join(dir, 'meta.json'))) {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    log(`items: reusing cached vectors ${relative(root, dir)} (${meta.size} items; trained ${meta.trainSeconds.toFixed(1)} s when made)`);
    const b = readFileSync(join(dir, 'items.i32'));
    const itemIds = Array.from(new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4));
    return { params, meta, w, heldOut, itemIds, vectors: readF32(join(dir, 'input.f32')), output: readF32(join(dir, 'output.f32')) };
  }
  log(`items: ${params.items} items in ${params.groups} planted groups, ${params.sessions} sessions of ${params.minLength}-${params.maxLength} items ` +
    `(~${(params.sessions * w.meanLength / 1e6).toFixed(1)}M tokens; rarest item expected ${w.rarest.toFixed(1)} times); trainItems ${params.train.epochs} epochs, ${THREADS} threads`);
  // Generated once and kept (a few hundred MB of arrays): every epoch reads the same sessions.
  const t0 = performance.now();
  const next = rng(params.seed);
  const all = new Array(params.sessions);
  for (let i = 0; i < params.sessions; i++) all[i] = w.session(next);
  log(`items: ${params.sessions} sessions generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let lastReport = 0;
  const t = performance.now();
  const items = await trainItems(() => all, params.train, {
    onProgress: (pr) => {
      const now = performance.now();
      if (now - lastReport < 10000) return;
      lastReport = now;
      log(`items: ${pr.phase} epoch ${pr.epoch + 1}/${pr.epochs} ${(pr.fraction * 100).toFixed(0)}%`);
    },
  });
  const trainSeconds = (performance.now() - t) / 1000;
  const itemIds = items.items.map(Number);
  const counts = items.model.counts;
  let minCount = Infinity, below5 = 0;
  for (const c of counts) { minCount = Math.min(minCount, c); if (c < 5) below5++; }
  const meta = { params, size: items.size, trainSeconds, tokensPerEpoch: items.model.trainingStats?.wordsPerEpoch, minCount, itemsSeenUnder5: below5, rarestExpected: w.rarest };
  mkdirSync(dir, { recursive: true });
  const vectors = items.model.vectors.slice();
  const output = items.model.outputVectors.slice();
  writeF32(join(dir, 'input.f32'), vectors);
  writeF32(join(dir, 'output.f32'), output);
  writeFileSync(join(dir, 'items.i32'), Buffer.from(Int32Array.from(itemIds).buffer));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
  items.dispose();
  log(`items: ${meta.size} items trained in ${trainSeconds.toFixed(1)} s (min count ${minCount}, ${below5} items seen < 5 times); cached in ${relative(root, dir)}`);
  return { params, meta, w, heldOut, itemIds, vectors, output };
}

// ---------------------------------------------------------------- measurements

/** Exact top-k on `model` (its input vectors), best of EXACT_REPS. */
async function exact(model, queries, metric) {
  const n = queries.length / DIM;
  const { seconds, result } = await bestOf(EXACT_REPS, () => model.nearest(queries, K, { metric, threads: THREADS }));
  return { ids: result.ids, scores: result.scores, seconds, qps: n / seconds };
}

async function build(what, source, options) {
  log(`${what}: building (${JSON.stringify({ ...options, groups: options.groups ? '(by item)' : undefined })})`);
  let lastTenth = -1;
  const rssBefore = process.memoryUsage().rss;
  const t = performance.now();
  const graph = options.kind === 'ivf' ? {} : { connectivity: M, expansionAdd: EF_CONSTRUCTION };
  const index = await source.buildIndex({ ...graph, threads: THREADS, ...options }, {
    onProgress: ({ fraction }) => {
      const tenth = Math.floor(fraction * 10);
      if (tenth > lastTenth && tenth < 10) {
        lastTenth = tenth;
        if (tenth > 0) log(`${what}: ${tenth * 10}% built (${((performance.now() - t) / 1000).toFixed(0)} s)`);
      }
    },
  });
  const buildSeconds = (performance.now() - t) / 1000;
  const rssGrowthBytes = process.memoryUsage().rss - rssBefore;
  const { relinkedRows, unreachableRows } = index.info();
  log(`${what}: built in ${buildSeconds.toFixed(1)} s, memoryBytes ${(index.memoryBytes / 2 ** 20).toFixed(0)} MiB (process RSS grew ${(rssGrowthBytes / 2 ** 20).toFixed(0)} MiB); rows inserted again ${relinkedRows}, left unreachable ${unreachableRows}`);
  return { index, buildSeconds, memoryBytes: index.memoryBytes, rssGrowthBytes };
}

/** Norms of n rows of DIM values. */
function rowNorms(rows) {
  const n = rows.length / DIM, out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < DIM; j++) s += rows[i * DIM + j] * rows[i * DIM + j];
    out[i] = Math.sqrt(s);
  }
  return out;
}

/**
 * recall@10 counting ties (as ann-benchmarks does): a returned id counts when its exact score
 * is within 1e-3 (relative, for dot) of the 10th exact score; for data with near-duplicates.
 */
function recallWithTies(ids, queries, tie) {
  const n = queries.length / DIM;
  const qn = rowNorms(queries);
  let hits = 0;
  for (let q = 0; q < n; q++) {
    const kth = tie.truthScores[q * K + K - 1];
    const eps = tie.metric === 'cosine' ? 1e-3 : 1e-3 * Math.max(1, Math.abs(kth));
    for (let j = 0; j < K; j++) {
      const r = ids[q * K + j];
      if (r < 0) continue;
      let d = 0;
      for (let x = 0; x < DIM; x++) d += queries[q * DIM + x] * tie.rows[r * DIM + x];
      if (tie.metric === 'cosine') d /= qn[q] * tie.norms[r] || 1;
      if (d >= kth - eps) hits++;
    }
  }
  return hits / (n * K);
}

/**
 * recall@10 and QPS (batched async search, THREADS threads, best of SEARCH_REPS) per ef; with
 * `ctx.users`, recall of the user queries (the first ctx.users) and of the item queries apart;
 * with `ctx.tie` ({ rows, norms, metric, truthScores }), recall counting ties too.
 */
// A graph's points are keyed by ef (index.expansionSearch), an 'ivf' index's by its probes
// (the values in `efs` set index.probes instead; each point's `probes`).
async function sweep(what, index, queries, truth, ctx = {}, efs = EFS) {
  const split = ctx.users === undefined ? undefined : { users: ctx.users };
  const n = queries.length / DIM;
  const points = [];
  const knob = index.kind === 'ivf' ? 'probes' : 'ef';
  await index.search(queries.subarray(0, Math.min(n, 100) * DIM), K, { threads: THREADS });  // warm-up
  for (const ef of efs) {
    if (knob === 'probes') index.probes = ef;
    else index.expansionSearch = ef;
    const { seconds, result } = await bestOf(SEARCH_REPS, () => index.search(queries, K, { threads: THREADS }), SEARCH_MIN_SECONDS);
    const recall = recallAt(result.ids, truth, n);
    const point = { [knob]: ef, recall, qps: n / seconds, seconds };
    if (split) {
      // recall of the user queries (the first split.users) and of the item queries apart
      const u = split.users;
      point.recallUsers = recallAt(result.ids.subarray(0, u * K), truth.subarray(0, u * K), u);
      point.recallItems = recallAt(result.ids.subarray(u * K), truth.subarray(u * K), n - u);
    }
    if (ctx.prefersNone) {
      // dot: recall of the queries whose every exact score is <= 0 (they prefer no row) and of the rest apart
      const hits = [0, 0], counts = [0, 0];
      for (let q = 0; q < n; q++) {
        const c = ctx.prefersNone[q] ? 1 : 0;
        hits[c] += recallAt(result.ids.subarray(q * K, (q + 1) * K), truth.subarray(q * K, (q + 1) * K), 1) * K;
        counts[c] += K;
      }
      point.recallPrefersSome = hits[0] / Math.max(counts[0], 1);
      point.recallPrefersNone = hits[1] / Math.max(counts[1], 1);
    }
    if (ctx.tie) point.recallWithTies = recallWithTies(result.ids, queries, ctx.tie);
    points.push(point);
    log(`${what}: ${knob} ${String(ef).padStart(3)}  recall@10 ${recall.toFixed(4)}${split ? ` (users ${point.recallUsers.toFixed(4)}, items ${point.recallItems.toFixed(4)})` : ''}${ctx.tie ? ` (with ties ${point.recallWithTies.toFixed(4)})` : ''}  ${Math.round(n / seconds)} QPS`);
  }
  return points;
}

/**
 * QPS at recall@10 0.95: `measured` is the QPS of the first ef (in increasing order) whose
 * recall >= 0.95; `interpolated` interpolates log(QPS) linearly in recall between that point
 * and the one before it (the first point's QPS when the lowest ef already reaches 0.95).
 */
function atRecall(points, target = 0.95) {
  if (!points?.length) return null;
  const i = points.findIndex((p) => p.recall >= target);
  if (i < 0) return { reached: false, maxRecall: Math.max(...points.map((p) => p.recall)) };
  const p = points[i];
  let interpolated = p.qps;
  if (i > 0) {
    const a = points[i - 1];
    const f = (target - a.recall) / (p.recall - a.recall);
    interpolated = Math.exp(Math.log(a.qps) + f * (Math.log(p.qps) - Math.log(a.qps)));
  }
  return { reached: true, ef: p.ef, recall: p.recall, measured: p.qps, interpolated, belowFirst: i === 0 };
}

/** Exact top-k restricted to `rows` (ids of the model), by a model over those rows alone. */
async function exactWithin(vectors, rows, queries, metric) {
  const sub = new Float32Array(rows.length * DIM);
  rows.forEach((id, i) => sub.set(vectors.subarray(id * DIM, (id + 1) * DIM), i * DIM));
  const model = new Word2Vec({ words: Array.from(rows, (id) => `r${id}`), dim: DIM, vectors: sub });
  const r = await model.nearest(queries, K, { metric, threads: THREADS });
  model.dispose();
  return Int32Array.from(r.ids, (i) => (i < 0 ? -1 : rows[i]));
}

/** 1,000 async single-query searches a second for `seconds`, with the event loop's delay measured. */
async function eventLoopLoad(index, queries, rate = 1000, seconds = 5) {
  const n = queries.length / DIM;
  const h = monitorEventLoopDelay({ resolution: 1 });
  const latencies = [];
  let issued = 0, done = 0, failed = 0;
  const pending = new Set();
  h.enable();
  const t0 = performance.now();
  await new Promise((finish) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - t0;
      if (elapsed >= seconds * 1000) {
        clearInterval(timer);
        finish();
        return;
      }
      // Due by now at the offered rate, at most 10 ms of it per tick: a tick that comes late
      // does not issue an unbounded backlog at once.
      const due = Math.min(Math.floor((elapsed * rate) / 1000), issued + Math.ceil(rate / 100));
      while (issued < due) {
        const q = issued % n;
        const s = performance.now();
        issued++;
        const p = index.search(queries.subarray(q * DIM, (q + 1) * DIM), K).then(
          () => { done++; latencies.push(performance.now() - s); },
          () => { failed++; },
        );
        pending.add(p);
        p.finally(() => pending.delete(p));
      }
    }, 1);
  });
  const windowSeconds = (performance.now() - t0) / 1000;
  const doneInWindow = done;
  await Promise.all([...pending]);
  h.disable();
  latencies.sort((a, b) => a - b);
  const pct = (x) => latencies[Math.min(latencies.length - 1, Math.floor(x * latencies.length))];
  return {
    offeredRate: rate, seconds: windowSeconds, issued, completed: done, failed,
    issuedRate: issued / windowSeconds, achievedRate: doneInWindow / windowSeconds,
    loopDelayMs: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, mean: h.mean / 1e6 },
    latencyMs: { p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) },
  };
}

// ---------------------------------------------------------------- peers

const PYTHON = '/usr/bin/python3';
function peerCheck() {
  const has = (m) => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${m}`], { stdio: 'ignore' }).status === 0;
  const want = { numpy: 'python3-numpy', hnswlib: 'python3-hnswlib', faiss: 'python3-faiss' };
  const missing = () => Object.keys(want).filter((m) => !has(m));
  let m = missing();
  if (m.length > 0 && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const pkgs = m.map((x) => want[x]);
    log(`peers: ${m.join(', ')} missing; apt-get install ${pkgs.join(' ')}`);
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    m = missing();
  }
  const libs = ['hnswlib', 'faiss'].filter((x) => !m.includes(x) && !m.includes('numpy'));
  const notes = m.map((x) => `${x} (Debian ${want[x]}) is missing and could not be installed: ${x === 'numpy' ? 'no peer was run' : 'this peer was not run'}`);
  for (const n of notes) log(`peers: ${n}`);
  return { libs, notes };
}

function runPeers(libs, datasets) {
  const dir = join(scratch, 'index-peers');
  mkdirSync(dir, { recursive: true });
  const manifest = { threads: THREADS, M, efConstruction: EF_CONSTRUCTION, efs: EFS, k: K, reps: SEARCH_REPS, minSeconds: SEARCH_MIN_SECONDS, libs, datasets: [] };
  for (const d of datasets) {
    const base = join(dir, `${d.name}-base.npy`), queries = join(dir, `${d.name}-queries.npy`), gt = join(dir, `${d.name}-gt.npy`);
    writeNpy(base, d.base, [d.base.length / DIM, DIM]);
    writeNpy(queries, d.queries, [d.queries.length / DIM, DIM]);
    writeNpy(gt, d.truth, [d.truth.length / K, K]);
    manifest.datasets.push({ name: d.name, space: d.space, base, queries, gt, shuffledVariant: !!d.shuffledVariant });
  }
  const file = join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  log(`peers: ${PYTHON} bench/tools/index-peers.py ${relative(root, file)} (${libs.join(', ')})`);
  const r = spawnSync(PYTHON, [join(root, 'bench', 'tools', 'index-peers.py'), file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    log(`peers: index-peers.py failed with status ${r.status}`);
    return { error: `bench/tools/index-peers.py exited with status ${r.status}` };
  }
  return JSON.parse(r.stdout);
}

// ---------------------------------------------------------------- main

const meta = resultMeta(`node bench/index.mjs ${process.argv.slice(2).join(' ')}`.trim());
log(`${args.quick ? 'QUICK ' : ''}run: ${THREADS} threads, M ${M}, efConstruction ${EF_CONSTRUCTION}, ef sweep ${EFS.join(',')}, kernel ${simd()}`);
const out = { meta: { ...meta, quick: args.quick, threads: THREADS, k: K, connectivity: M, expansionAdd: EF_CONSTRUCTION, efs: EFS, searchReps: SEARCH_REPS, searchMinSeconds: SEARCH_MIN_SECONDS, exactReps: EXACT_REPS, simd: simd() } };

// Data.
const wd = await wordData();
const id = await itemData();
if (args.dataOnly) {
  log('data ready (--data-only)');
  process.exit(0);
}
const n = id.itemIds.length;
const groupOfRow = Int32Array.from(id.itemIds, (item) => item % id.params.groups);
const filterGroups = 100;  // index groups of 1% of the items: planted groups / 100 per index group
const perFilterGroup = id.params.groups / filterGroups;
const filterGroupOfRow = Int32Array.from(groupOfRow, (g) => Math.floor(g / perFilterGroup));
out.data = {
  words: { ...wd.meta, rows: wd.words.length },
  items: { ...id.meta, rows: n },
};

// Queries: held-out users (mean of their history's input vectors), then sampled items.
const rowOf = new Map(id.itemIds.map((item, row) => [item, row]));
const users = [];
const userGroup = [];  // the planted group most of the user's history is from
for (const s of id.heldOut) {
  const v = new Float32Array(DIM);
  let c = 0;
  for (const item of s) {
    const row = rowOf.get(item);
    if (row === undefined) continue;
    for (let j = 0; j < DIM; j++) v[j] += id.vectors[row * DIM + j];
    c++;
  }
  if (c === 0) continue;
  for (let j = 0; j < DIM; j++) v[j] /= c;
  users.push(v);
  const count = new Map();
  for (const item of s) count.set(item % id.params.groups, (count.get(item % id.params.groups) ?? 0) + 1);
  userGroup.push([...count].sort((x, y) => y[1] - x[1])[0][0]);
}
const itemQueryCount = args.quick ? 500 : 1000;
const pick = rng(4242);
const sampledRows = Array.from({ length: itemQueryCount }, () => Math.floor(pick() * n));
const Q = new Float32Array((users.length + sampledRows.length) * DIM);
users.forEach((v, i) => Q.set(v, i * DIM));
sampledRows.forEach((row, i) => Q.set(id.vectors.subarray(row * DIM, (row + 1) * DIM), (users.length + i) * DIM));
const nq = Q.length / DIM;
const wordQueryRows = Array.from({ length: 1000 }, () => Math.floor(pick() * wd.words.length));
const WQ = new Float32Array(wordQueryRows.length * DIM);
wordQueryRows.forEach((row, i) => WQ.set(wd.vectors.subarray(row * DIM, (row + 1) * DIM), i * DIM));
out.queries = { items: { users: users.length, sampledItems: sampledRows.length, total: nq }, words: { sampledWords: wordQueryRows.length } };
log(`queries: ${users.length} held-out users + ${sampledRows.length} sampled items over ${n} items; ${wordQueryRows.length} sampled words over ${wd.words.length} words`);

// Exact ground truth and the exact baseline's QPS (batched nearest, THREADS threads).
const itemsModel = new Word2Vec({ words: id.itemIds.map(String), dim: DIM, vectors: id.vectors, outputVectors: id.output });
const items = new ItemEmbeddings(itemsModel, id.itemIds);
const outputModel = new Word2Vec({ words: id.itemIds.map(String), dim: DIM, vectors: id.output });
const wordModel = new Word2Vec({ words: wd.words, dim: DIM, vectors: wd.vectors });
log(`exact: cosine over ${n} input vectors, ${nq} queries, ${THREADS} threads`);
const exactCos = await exact(itemsModel, Q, 'cosine');
log(`exact: cosine ${exactCos.qps.toFixed(0)} QPS; dot over output vectors`);
const exactDot = await exact(outputModel, Q, 'dot');
log(`exact: dot ${exactDot.qps.toFixed(0)} QPS; words cosine`);
const exactWords = await bestOf(3, () => wordModel.nearest(WQ, K, { metric: 'cosine', threads: THREADS }));
const exactW = { ids: exactWords.result.ids, scores: exactWords.result.scores, seconds: exactWords.seconds, qps: WQ.length / DIM / exactWords.seconds };
const tieCos = { rows: id.vectors, norms: rowNorms(id.vectors), metric: 'cosine', truthScores: exactCos.scores };
const tieDot = { rows: id.output, metric: 'dot', truthScores: exactDot.scores };
const tieWords = { rows: wd.vectors, norms: rowNorms(wd.vectors), metric: 'cosine', truthScores: exactW.scores };
log(`exact: words ${exactW.qps.toFixed(0)} QPS`);
// The planted structure, as learnt: the share of exact top-10 neighbours in the query's planted
// group (sampled items: the item itself left out; users: the group most of the history is
// from); near-duplicates (sampled items whose nearest other item has cosine >= 0.99, a sign of
// collapsed, undertrained vectors); users whose best dot score over the output vectors is > 0
// (when it is not, the exact top-10 by dot are merely the rows nearest the origin).
function inGroup(ids, from, count, groupOf, self) {
  let same = 0, total = 0;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < K; j++) {
      const r = ids[(from + i) * K + j];
      if (r < 0 || (self && r === self[i])) continue;
      total++;
      if (groupOfRow[r] === groupOf[i]) same++;
    }
  }
  return same / total;
}
const sampledGroups = sampledRows.map((r) => groupOfRow[r]);
let nearDuplicates = 0;
for (let i = 0; i < sampledRows.length; i++) {
  const q = users.length + i;
  for (let j = 0; j < K; j++) {
    if (exactCos.ids[q * K + j] === sampledRows[i]) continue;
    if (exactCos.scores[q * K + j] >= 0.99) nearDuplicates++;
    break;
  }
}
let dotPositive = 0;
for (let u = 0; u < users.length; u++) if (exactDot.scores[u * K] > 0) dotPositive++;
out.data.items.structure = {
  itemsCosineInGroup: inGroup(exactCos.ids, users.length, sampledRows.length, sampledGroups, sampledRows),
  usersCosineInGroup: inGroup(exactCos.ids, 0, users.length, userGroup),
  usersDotInGroup: inGroup(exactDot.ids, 0, users.length, userGroup),
  itemsNearDuplicate: nearDuplicates / sampledRows.length,
  usersDotTop1Positive: dotPositive / users.length,
  chance: 1 / id.params.groups,
};
out.data.items.neighboursInPlantedGroup = out.data.items.structure.itemsCosineInGroup;
{
  const st = out.data.items.structure, pc = (x) => `${(x * 100).toFixed(1)}%`;
  log(`data: exact top-10 in the planted group: items (cosine) ${pc(st.itemsCosineInGroup)}, users (cosine) ${pc(st.usersCosineInGroup)}, users (dot, output) ${pc(st.usersDotInGroup)} (chance ${pc(st.chance)}); ` +
    `items with a near-duplicate (cosine >= 0.99) ${pc(st.itemsNearDuplicate)}; users whose best dot is > 0: ${pc(st.usersDotTop1Positive)}`);
}
out.exact = {
  itemsCosine: { qps: exactCos.qps, seconds: exactCos.seconds },
  itemsDot: { qps: exactDot.qps, seconds: exactDot.seconds },
  wordsCosine: { qps: exactW.qps, seconds: exactW.seconds },
};

// 1M items, f32 cosine on input vectors, with 1% groups for filters.
const ours = {};
{
  const b = await build('items f32 cosine', items, { vectors: 'input', metric: 'cosine', quantization: 'f32', groups: (item) => Math.floor((item % id.params.groups) / perFilterGroup) });
  const curve = await sweep('items f32 cosine', b.index, Q, exactCos.ids, { users: users.length, tie: tieCos });
  ours.itemsCosineF32 = { buildSeconds: b.buildSeconds, memoryBytes: b.memoryBytes, rssGrowthBytes: b.rssGrowthBytes, curve };
  const at = atRecall(curve);
  const efServe = at?.reached ? at.ef : 64;
  b.index.expansionSearch = efServe;

  // What one call of index.size (info(), which every search and searchOne call reads) costs
  // on the calling thread.
  {
    const calls = 20;
    const t = performance.now();
    for (let i = 0; i < calls; i++) void b.index.size;
    ours.itemsCosineF32.sizeCallMs = (performance.now() - t) / calls;
    log(`index.size (info()) on the calling thread: ${ours.itemsCosineF32.sizeCallMs.toFixed(3)} ms a call`);
  }

  // searchOne (synchronous, calling thread), informational.
  {
    const m = Math.min(nq, 1000);
    const t = performance.now();
    let hits = 0;
    for (let q = 0; q < m; q++) {
      const r = b.index.searchOne(Q.subarray(q * DIM, (q + 1) * DIM), K);
      const truth = new Set(exactCos.ids.subarray(q * K, (q + 1) * K));
      for (const x of r.ids) if (truth.has(x)) hits++;
    }
    const s = (performance.now() - t) / 1000;
    ours.itemsCosineF32.searchOne = { ef: efServe, queries: m, meanMs: (s / m) * 1000, qps: m / s, recall: hits / (m * K) };
    log(`searchOne (sync, 1 thread) at ef ${efServe}: ${((s / m) * 1000).toFixed(3)} ms/query, recall@10 ${(hits / (m * K)).toFixed(4)}`);
  }

  // Filtered search: one index group (1% of the items), and ten (10%, informational).
  const rowsOf = (pred) => { const r = []; for (let i = 0; i < n; i++) if (pred(filterGroupOfRow[i])) r.push(i); return r; };
  const filters = [];
  const fgs = args.quick ? [0, 50] : [0, 25, 50, 75, 99];
  for (const g of fgs) {
    const rows = rowsOf((x) => x === g);
    const truth = await exactWithin(id.vectors, rows, Q, 'cosine');
    const { seconds, result } = await bestOf(SEARCH_REPS, () => b.index.search(Q, K, { threads: THREADS, filter: { group: g } }), SEARCH_MIN_SECONDS);
    let outside = 0;
    for (const x of result.ids) if (x >= 0 && filterGroupOfRow[x] !== g) outside++;
    const f = { filter: `{ group: ${g} }`, rows: rows.length, share: rows.length / n, ef: efServe, recall: recallAt(result.ids, truth, nq), qps: nq / seconds, exact: result.exact, outside };
    filters.push(f);
    log(`filter { group: ${g} } (${rows.length} rows, ${(f.share * 100).toFixed(2)}%): recall@10 ${f.recall.toFixed(4)}, ${Math.round(f.qps)} QPS, exact scan ${result.exact}, ${outside} results outside the filter`);
  }
  {
    const gs = Array.from({ length: 10 }, (_, i) => i * 10);
    const set = new Set(gs);
    const rows = rowsOf((x) => set.has(x));
    const truth = await exactWithin(id.vectors, rows, Q, 'cosine');
    const { seconds, result } = await bestOf(SEARCH_REPS, () => b.index.search(Q, K, { threads: THREADS, filter: { groups: gs } }), SEARCH_MIN_SECONDS);
    let outside = 0;
    for (const x of result.ids) if (x >= 0 && !set.has(filterGroupOfRow[x])) outside++;
    const f = { filter: `{ groups: [${gs.join(', ')}] }`, rows: rows.length, share: rows.length / n, ef: efServe, recall: recallAt(result.ids, truth, nq), qps: nq / seconds, exact: result.exact, outside, informational: true };
    filters.push(f);
    log(`filter 10 groups (${rows.length} rows, ${(f.share * 100).toFixed(2)}%): recall@10 ${f.recall.toFixed(4)}, ${Math.round(f.qps)} QPS, exact scan ${result.exact}, ${outside} outside`);
  }
  ours.filters = filters;

  // Event loop under 1,000 async single-query searches a second.
  log(`event loop: 1000 async single-query searches/s for 5 s at ef ${efServe}`);
  const ev = await eventLoopLoad(b.index, Q);
  ours.eventLoop = { ef: efServe, ...ev };
  log(`event loop: offered 1000/s, issued ${ev.issuedRate.toFixed(0)}/s, completed ${ev.achievedRate.toFixed(0)}/s; loop delay p99 ${ev.loopDelayMs.p99.toFixed(2)} ms, max ${ev.loopDelayMs.max.toFixed(2)} ms; search latency p99 ${ev.latencyMs.p99.toFixed(2)} ms`);

  // Save, then open as a view (page cache warm: the file was just written).
  const path = join(scratch, 'index-items-f32-cosine.w2vi');
  let t = performance.now();
  await b.index.save(path);
  const saveSeconds = (performance.now() - t) / 1000;
  const fileBytes = statSync(path).size;
  const loads = [];
  let sameResults = null;
  for (let r = 0; r < 3; r++) {
    t = performance.now();
    const v = await loadIndex(path, items, { view: true });
    loads.push((performance.now() - t) / 1000);
    if (r === 0) {
      v.expansionSearch = efServe;
      const a = await v.search(Q, K, { threads: THREADS });
      const c = await b.index.search(Q, K, { threads: THREADS });
      sameResults = a.ids.every((x, i) => x === c.ids[i]);
      ours.viewInfo = { isView: v.isView, memoryBytes: v.memoryBytes, recall: recallAt(a.ids, exactCos.ids, nq) };
    }
    v.dispose();
  }
  const sortedLoads = [...loads].sort((x, y) => x - y);
  ours.view = { saveSeconds, fileBytes, loadSeconds: loads, medianSeconds: sortedLoads[1], sameResultsAsBuilt: sameResults, ...ours.viewInfo };
  delete ours.viewInfo;
  log(`view: saved ${(fileBytes / 2 ** 20).toFixed(0)} MiB in ${saveSeconds.toFixed(2)} s; loadIndex view ${loads.map((x) => x.toFixed(3)).join(', ')} s; same results as built: ${sameResults}`);
  rmSync(path, { force: true });
  b.index.dispose();
}

// f32 dot on output vectors (YouTube-style: user vectors against output vectors): the
// inner-product graph (the default) and the dot transform's (dotTransform: true).
const prefersNone = Array.from({ length: Q.length / DIM }, (_, q) => !(exactDot.scores[q * K] > 0));
for (const dotTransform of [false, true]) {
  const what = `items f32 dot${dotTransform ? ' transform' : ''}`;
  const b = await build(what, items, { vectors: 'output', metric: 'dot', quantization: 'f32', dotTransform });
  ours[dotTransform ? 'itemsDotF32Transform' : 'itemsDotF32'] = { buildSeconds: b.buildSeconds, memoryBytes: b.memoryBytes, rssGrowthBytes: b.rssGrowthBytes,
    curve: await sweep(what, b.index, Q, exactDot.ids, { users: users.length, tie: tieDot, prefersNone }) };
  b.index.dispose();
}
ours.dotPrefersNone = prefersNone.filter(Boolean).length;
// i8 and f16, cosine on input vectors.
for (const quantization of ['i8', 'f16']) {
  const b = await build(`items ${quantization} cosine`, items, { vectors: 'input', metric: 'cosine', quantization });
  ours[`itemsCosine${quantization.toUpperCase()}`] = { buildSeconds: b.buildSeconds, memoryBytes: b.memoryBytes, rssGrowthBytes: b.rssGrowthBytes, curve: await sweep(`items ${quantization} cosine`, b.index, Q, exactCos.ids, { users: users.length, tie: tieCos }) };
  b.index.dispose();
}
// i8 cosine on input vectors in inverted lists (kind 'ivf'): no links, the memory of the rows
// and their ids; recall set by the probes (its default: DEFAULT_PROBES, marked in the table).
{
  const b = await build('items i8 cosine ivf', items, { kind: 'ivf', vectors: 'input', metric: 'cosine', quantization: 'i8' });
  const { lists } = b.index;
  const defaultProbes = b.index.probes;
  ours.itemsCosineI8Ivf = { buildSeconds: b.buildSeconds, memoryBytes: b.memoryBytes, rssGrowthBytes: b.rssGrowthBytes, lists, defaultProbes,
    curve: await sweep('items i8 cosine ivf', b.index, Q, exactCos.ids, { users: users.length, tie: tieCos }, PROBES) };
  b.index.dispose();
}
// Words, f32 cosine.
{
  const b = await build('words f32 cosine', wordModel, { vectors: 'input', metric: 'cosine', quantization: 'f32' });
  ours.wordsCosineF32 = { buildSeconds: b.buildSeconds, memoryBytes: b.memoryBytes, rssGrowthBytes: b.rssGrowthBytes, curve: await sweep('words f32 cosine', b.index, WQ, exactW.ids, { tie: tieWords }) };
  b.index.dispose();
}
out.ours = ours;

// Peers.
let peers = { libs: [], notes: [] };
if (args.peers) {
  const check = peerCheck();
  peers = { libs: check.libs, notes: check.notes };
  if (check.libs.length > 0) {
    const r = runPeers(check.libs, [
      { name: 'items-cosine', space: 'cosine', base: id.vectors, queries: Q, truth: exactCos.ids, shuffledVariant: true },
      { name: 'items-dot', space: 'ip', base: id.output, queries: Q, truth: exactDot.ids, shuffledVariant: true },
      { name: 'words-cosine', space: 'cosine', base: wd.vectors, queries: WQ, truth: exactW.ids },
    ]);
    Object.assign(peers, r);
    // The libraries that ran, with hnswlib's random-order variant beside hnswlib.
    if (r.results) peers.libs = Object.keys(r.results);
  }
} else {
  peers.notes.push('peers skipped (--no-peers)');
  log('peers: skipped (--no-peers)');
}
out.peers = peers;

// ---------------------------------------------------------------- goals and report

const vectorsBytes = n * DIM * 4;
const atCos = atRecall(ours.itemsCosineF32.curve);
const dotT = ours.itemsDotF32Transform;
const atDotPlain = atRecall(ours.itemsDotF32.curve), atDotT = atRecall(dotT.curve);
// The dot goal is judged on whichever graph does better here (each is one option away).
const dotBetter = (atDotT?.reached ? atDotT.measured : -1) > (atDotPlain?.reached ? atDotPlain.measured : -1) ||
  (!atDotPlain?.reached && Math.max(...dotT.curve.map((p) => p.recall)) > Math.max(...ours.itemsDotF32.curve.map((p) => p.recall)));
const atDot = dotBetter ? atDotT : atDotPlain;
const dotBest = dotBetter ? dotT : ours.itemsDotF32;
const dotLabel = dotBetter ? 'the dot transform\'s graph (dotTransform: true)' : 'the inner-product graph (the default)';
const at64 = (curve) => curve.find((p) => p.ef === 64);
const best = (curve, exactQps) => {
  const p = curve.reduce((a, b) => (b.recall > a.recall ? b : a));
  const q = curve.find((x) => x.ef === 256);
  return `recall 0.95 not reached up to ef ${EFS.at(-1)}: best ${p.recall.toFixed(4)} at ef ${p.ef} (${Math.round(p.qps)} QPS = ${(p.qps / exactQps).toFixed(1)}x exact)` +
    (q && q !== p ? `; at ef 256 ${q.recall.toFixed(4)}, ${Math.round(q.qps)} QPS = ${(q.qps / exactQps).toFixed(1)}x exact` : '') + `; exact ${Math.round(exactQps)} QPS`;
};
const i8 = ours.itemsCosineI8, f16 = ours.itemsCosineF16, f32 = ours.itemsCosineF32, ivf = ours.itemsCosineI8Ivf;
const ivfAtDefault = ivf.curve.find((p) => p.probes === ivf.defaultProbes);
const ivfAt90 = ivf.curve.find((p) => p.recall >= 0.9);
const filter1 = ours.filters.filter((f) => !f.informational);
const minFilterRecall = Math.min(...filter1.map((f) => f.recall));
const scaleNote = n === 1_000_000 ? '' : ` (this run: ${n} items, the goal is for 1M)`;
const goals = [
  { goal: `f32 cosine (input): recall@10 >= 0.95 at >= 10x exact QPS${scaleNote}`, measured: atCos?.reached ? `ef ${atCos.ef}: recall ${atCos.recall.toFixed(4)}, ${Math.round(atCos.measured)} QPS = ${(atCos.measured / exactCos.qps).toFixed(1)}x exact (${Math.round(exactCos.qps)} QPS)` : best(f32.curve, exactCos.qps), pass: !!atCos?.reached && atCos.measured >= 10 * exactCos.qps },
  { goal: `f32 dot (output): recall@10 >= 0.95 at >= 10x exact QPS${scaleNote}`, measured: `${dotLabel}: ` + (atDot?.reached ? `ef ${atDot.ef}: recall ${atDot.recall.toFixed(4)}, ${Math.round(atDot.measured)} QPS = ${(atDot.measured / exactDot.qps).toFixed(1)}x exact (${Math.round(exactDot.qps)} QPS)` : best(dotBest.curve, exactDot.qps)), pass: !!atDot?.reached && atDot.measured >= 10 * exactDot.qps },
  { goal: `build of ${n === 1_000_000 ? '1M' : n} x 100 (f32 cosine, ${THREADS} threads) <= 120 s${scaleNote}`, measured: `${f32.buildSeconds.toFixed(1)} s (f32 dot ${ours.itemsDotF32.buildSeconds.toFixed(1)} s, through the dot transform ${dotT.buildSeconds.toFixed(1)} s)`, pass: f32.buildSeconds <= 120 },
  { goal: 'i8 index (cosine, input): memoryBytes <= 0.35x the f32 vectors (n x 100 x 4 bytes)', measured: `kind 'ivf' (${ivf.lists} lists): ${(ivf.memoryBytes / 2 ** 20).toFixed(0)} MiB = ${(ivf.memoryBytes / vectorsBytes).toFixed(3)}x the f32 vectors (${(vectorsBytes / 2 ** 20).toFixed(0)} MiB); kind 'hnsw' (its links: 128 bytes a row at M ${M}): ${(i8.memoryBytes / 2 ** 20).toFixed(0)} MiB = ${(i8.memoryBytes / vectorsBytes).toFixed(3)}x`, pass: ivf.memoryBytes <= 0.35 * vectorsBytes },
  { goal: `i8 index (cosine, input), that one: recall@10 >= 0.90 (at its default probes, ${ivf.defaultProbes})`, measured: `kind 'ivf': ${ivfAtDefault?.recall.toFixed(4)} at probes ${ivf.defaultProbes} (${Math.round(ivfAtDefault?.qps)} QPS = ${(ivfAtDefault?.qps / exactCos.qps).toFixed(1)}x exact)${ivfAt90 ? `; first >= 0.90 at probes ${ivfAt90.probes}` : ''}; kind 'hnsw' i8: ${at64(i8.curve)?.recall.toFixed(4)} at ef 64, best in the sweep ${Math.max(...i8.curve.map((p) => p.recall)).toFixed(4)}`, pass: (ivfAtDefault?.recall ?? 0) >= 0.9 },
  { goal: `view open: loadIndex(path, items, { view: true }) <= 0.5 s (page cache warm: the file was just written)`, measured: `median of 3: ${ours.view.medianSeconds.toFixed(3)} s (${ours.view.loadSeconds.map((x) => x.toFixed(3)).join(', ')}); file ${(ours.view.fileBytes / 2 ** 20).toFixed(0)} MiB`, pass: ours.view.medianSeconds <= 0.5 },
  { goal: 'filtered search, 1% of the items ({ group }): recall@10 >= 0.95 against the exact top-10 within the group', measured: `min over ${filter1.length} groups ${minFilterRecall.toFixed(4)} (${filter1.every((f) => f.exact) ? 'answered by the exact scan of the allowed ids' : 'graph search'})`, pass: minFilterRecall >= 0.95 },
  { goal: 'event-loop delay p99 <= 20 ms under 1,000 async single-query searches/s (~5 s)', measured: `p99 ${ours.eventLoop.loopDelayMs.p99.toFixed(2)} ms, max ${ours.eventLoop.loopDelayMs.max.toFixed(2)} ms; achieved ${ours.eventLoop.achievedRate.toFixed(0)}/s completed (offered 1000/s)`, pass: ours.eventLoop.loopDelayMs.p99 <= 20 && ours.eventLoop.achievedRate >= 950 },
];
out.goals = goals;
const TARGETS = [0.95, 0.9];
const DATASETS = ['items-cosine', 'items-dot', 'words-cosine'];
const oursCurveOf = { 'items-cosine': f32.curve, 'items-dot': dotBest.curve, 'words-cosine': ours.wordsCosineF32.curve };
const peerLibs = (ds) => (peers.libs ?? []).filter((l) => peers.results?.[l]?.[ds]?.curve);
const peerAt = {};  // peerAt[target][ds][lib]: atRecall of that curve
for (const target of TARGETS) {
  peerAt[target] = {};
  for (const ds of DATASETS) {
    peerAt[target][ds] = { ours: atRecall(oursCurveOf[ds], target) };
    for (const lib of peerLibs(ds)) peerAt[target][ds][lib] = atRecall(peers.results[lib][ds].curve, target);
  }
}
out.atRecall = peerAt;
const json = JSON.stringify(out, null, 2) + '\n';

const fmtQ = (x) => (x === undefined || x === null || !Number.isFinite(x) ? '-' : Math.round(x).toLocaleString('en-US'));
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const md = [];
md.push(`# Recall at scale: the HNSW index against exact search, hnswlib and FAISS${args.quick ? ' (quick run)' : ''}`, '');
md.push(`${THREADS} threads for everything (build, batched search, the exact baseline, the peers); M (connectivity) ${M}, efConstruction (expansionAdd) ${EF_CONSTRUCTION} for every index; k = 10. ` +
  `QPS = queries / wall time of one batched search over all of them (best of ${SEARCH_REPS} or more, repeated for at least ${SEARCH_MIN_SECONDS} s in all; the exact baseline best of ${EXACT_REPS}); recall@10 = share of the exact top-10 found. Kernel ${simd()}.`, '');
md.push('**Data**', '');
const st = out.data.items.structure;
md.push(`- Items: ${n.toLocaleString('en-US')} x ${DIM} item2vec vectors (trainItems, skip-gram, negative ${id.params.train.negative}, window ${id.params.train.window}, ${id.params.train.epochs} epochs, ${THREADS} threads, ${id.meta.trainSeconds.toFixed(0)} s to train when cached) ` +
  `on ${id.params.sessions.toLocaleString('en-US')} generated sessions of ${id.params.minLength}-${id.params.maxLength} items: ${id.params.items.toLocaleString('en-US')} items in ${id.params.groups} planted groups, a session draws from one group with ${id.params.noise * 100}% noise (any item), ` +
  `near a focus in the group (its items lie on a latent ${id.w.grid.join(' x ')} torus, ranks placed at random; an item d cells from the focus weighted exp(-d^2 / 2 x ${id.params.sigma}^2): without it a group's items are exchangeable and item2vec gives them one vector), ` +
  `popularity Zipf-like (items within a group (rank + ${id.params.itemOffset + 1})^-${id.params.itemZipf}, groups (rank + ${id.params.groupOffset + 1})^-${id.params.groupZipf}); the rarest item occurs ${id.meta.minCount} times, ${id.meta.itemsSeenUnder5} items fewer than 5 times. ` +
  `Structure learnt: ${(st.itemsCosineInGroup * 100).toFixed(1)}% of sampled items' exact top-10 (cosine) are in the item's planted group, ${(st.usersCosineInGroup * 100).toFixed(1)}% of users' (cosine) and ${(st.usersDotInGroup * 100).toFixed(1)}% of users' (dot over output vectors) in the group most of their history is from (chance ${(100 / id.params.groups).toFixed(2)}%); ` +
  `${(st.itemsNearDuplicate * 100).toFixed(1)}% of sampled items have a near-duplicate (cosine >= 0.99); ${(st.usersDotTop1Positive * 100).toFixed(1)}% of users have a positive best dot score.`);
md.push(`- Words: ${wd.words.length.toLocaleString('en-US')} x ${DIM} word vectors trained on en-8m (skip-gram, negative 5, minCount 5, 2 epochs).`);
md.push(`- Queries (items): ${users.length} held-out users (sessions never trained on; the mean of the history's input vectors) + ${sampledRows.length} sampled items' input vectors. Words: ${wordQueryRows.length} sampled words.`);
md.push(`- Ground truth: exact top-10 by model.nearest: cosine over the input vectors; dot over the output vectors (YouTube-style: user vectors scored against output vectors) with the same queries.`, '');

md.push('## Goals', '', '| goal | measured | pass |', '| --- | --- | --- |');
for (const g of goals) md.push(`| ${g.goal} | ${g.measured} | ${g.pass ? 'pass' : '**FAIL**'} |`);
md.push('');
md.push('## Dot: queries that prefer no row', '');
md.push(`Dot queries that prefer no row (every exact score <= 0: ${ours.dotPrefersNone} of ${prefersNone.length}, mostly rare items' input vectors) and the rest apart. ` +
  'Such a query is answered by rows scoring near 0, many of small norm: those of norm below -s / |q| (s the k-th score found) are scanned exactly after the graph search; the graphs reach the rest worst ' +
  '(bench/results/studies/index-dot-low-norms.md).', '');
md.push('| ef | inner product: prefer some | prefer none | dot transform: prefer some | prefer none | dot transform: users | items |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const ef of EFS) {
  const d = ours.itemsDotF32.curve.find((p) => p.ef === ef), t = dotT.curve.find((p) => p.ef === ef);
  md.push(`| ${efLabel(ef)} | ${d.recallPrefersSome.toFixed(4)} | ${d.recallPrefersNone.toFixed(4)} | ${t.recallPrefersSome.toFixed(4)} | ${t.recallPrefersNone.toFixed(4)} | ${t.recallUsers.toFixed(4)} | ${t.recallItems.toFixed(4)} |`);
}
md.push('');

md.push(`## ${n.toLocaleString('en-US')} items: build and memory`, '', `| index | build s | memoryBytes | vs f32 vectors (${mib(vectorsBytes)}) | vs f32 index | process RSS growth over the build |`, '| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [label, r] of [['f32 cosine (input)', f32], ['f32 dot (output)', ours.itemsDotF32], ['f32 dot (output), dot transform', dotT], ['f16 cosine (input)', f16], ['i8 cosine (input)', i8], [`i8 cosine (input), kind 'ivf' (${ivf.lists} lists)`, ivf]]) {
  md.push(`| ${label} | ${r.buildSeconds.toFixed(1)} | ${mib(r.memoryBytes)} | ${(r.memoryBytes / vectorsBytes).toFixed(3)}x | ${(r.memoryBytes / f32.memoryBytes).toFixed(3)}x | ${mib(r.rssGrowthBytes)} |`);
}
md.push('', 'memoryBytes is the index\'s own figure (a graph: USearch\'s memory_usage, node bytes plus its allocators\' arenas; inverted lists: the capacity of its rows, ids, centroids and id table); RSS growth is the process\'s resident memory after the build minus before it (each index is disposed before the next is built), the measure the peers get below.', '');

const curveTable = (title, exactQps, cols) => {
  md.push(`## ${title}`, '', `Exact batched nearest (${THREADS} threads): ${fmtQ(exactQps)} QPS.`, '');
  md.push(`| ef | ${cols.map((c) => `${c.label} recall@10 | QPS | x exact`).join(' | ')} |`);
  md.push(`| ---: | ${cols.map(() => '---: | ---: | ---:').join(' | ')} |`);
  for (const ef of EFS) {
    const cells = cols.map((c) => {
      const p = c.curve?.find((x) => x.ef === ef);
      return p ? `${p.recall.toFixed(4)} | ${fmtQ(p.qps)} | ${(p.qps / exactQps).toFixed(1)}` : '- | - | -';
    });
    md.push(`| ${efLabel(ef)} | ${cells.join(' | ')} |`);
  }
  if (EFS.length > EFS_ISSUE.length) md.push('', `\\* past the issue's sweep (${EFS_ISSUE[0]}-${EFS_ISSUE.at(-1)}), to find recall 0.95 where ef 256 falls short of it; the same for ours and the peers.`);
  md.push('');
};
const peerCurve = (lib, ds) => peers.results?.[lib]?.[ds]?.curve;
curveTable(`${n.toLocaleString('en-US')} items, cosine over input vectors: recall@10 / QPS by expansionSearch (ef)`, exactCos.qps, [
  { label: 'ours f32', curve: f32.curve }, { label: 'ours f16', curve: f16.curve }, { label: 'ours i8', curve: i8.curve },
  ...(peers.libs ?? []).filter((lib) => peerCurve(lib, 'items-cosine')).map((lib) => ({ label: lib, curve: peerCurve(lib, 'items-cosine') })),
]);
curveTable(`${n.toLocaleString('en-US')} items, dot over output vectors (user vectors vs output vectors)`, exactDot.qps, [
  { label: 'ours f32', curve: ours.itemsDotF32.curve }, { label: 'ours f32 transform', curve: dotT.curve },
  ...(peers.libs ?? []).filter((lib) => peerCurve(lib, 'items-dot')).map((lib) => ({ label: lib, curve: peerCurve(lib, 'items-dot') })),
]);
curveTable(`${wd.words.length.toLocaleString('en-US')} words, cosine`, exactW.qps, [
  { label: 'ours f32', curve: ours.wordsCosineF32.curve },
  ...(peers.libs ?? []).filter((lib) => peerCurve(lib, 'words-cosine')).map((lib) => ({ label: lib, curve: peerCurve(lib, 'words-cosine') })),
]);

md.push(`## ${n.toLocaleString('en-US')} items, i8 cosine in inverted lists (kind 'ivf'): recall@10 / QPS by probes`, '');
md.push(`${ivf.lists} lists (4 sqrt(n), learnt by spherical k-means in the build), i8 rows; a query scans the rows of its \`probes\` nearest lists. Exact batched nearest: ${fmtQ(exactCos.qps)} QPS. The default probes (${ivf.defaultProbes}) in bold.`, '');
md.push('| probes | rows scanned | recall@10 | users | items | with ties | QPS | x exact |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const p of ivf.curve) {
  const b = p.probes === ivf.defaultProbes ? '**' : '';
  md.push(`| ${b}${p.probes}${b} | ${(p.probes / ivf.lists * 100).toFixed(2)}% | ${b}${p.recall.toFixed(4)}${b} | ${p.recallUsers.toFixed(4)} | ${p.recallItems.toFixed(4)} | ${p.recallWithTies.toFixed(4)} | ${fmtQ(p.qps)} | ${(p.qps / exactCos.qps).toFixed(1)} |`);
}
md.push('');

md.push('## Recall of ours by query kind, and counting ties', '');
md.push('recall@10 of the held-out users\' queries and of the sampled items\' apart, and recall@10 counting ties (as ann-benchmarks: a returned id counts when its exact score is within 1e-3 of the 10th exact score; relative for dot): how much of what the id recall misses are near-ties.', '');
md.push('| ef | f32 cosine: users | items | with ties | f32 dot: users | items | with ties | i8 cosine with ties | words with ties |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const ef of EFS) {
  const c = f32.curve.find((p) => p.ef === ef), d = ours.itemsDotF32.curve.find((p) => p.ef === ef), q8 = i8.curve.find((p) => p.ef === ef), w = ours.wordsCosineF32.curve.find((p) => p.ef === ef);
  md.push(`| ${efLabel(ef)} | ${c.recallUsers.toFixed(4)} | ${c.recallItems.toFixed(4)} | ${c.recallWithTies.toFixed(4)} | ${d.recallUsers.toFixed(4)} | ${d.recallItems.toFixed(4)} | ${d.recallWithTies.toFixed(4)} | ${q8.recallWithTies.toFixed(4)} | ${w.recallWithTies.toFixed(4)} |`);
}
md.push('');

md.push('## Ours and the peers at equal recall', '');
const oursBuild = { 'items-cosine': f32, 'items-dot': ours.itemsDotF32, 'words-cosine': ours.wordsCosineF32 };
md.push('Build time and memory (ours: process RSS growth over the build, and memoryBytes; the peers: their Python process\'s RSS growth over the build):', '');
md.push('| data | library | build s | memory (RSS growth) |', '| --- | --- | ---: | ---: |');
for (const ds of DATASETS) {
  md.push(`| ${ds} | ours | ${oursBuild[ds].buildSeconds.toFixed(1)} | ${mib(oursBuild[ds].rssGrowthBytes)} (memoryBytes ${mib(oursBuild[ds].memoryBytes)}) |`);
  for (const lib of peerLibs(ds)) {
    const pb = peers.results[lib][ds];
    md.push(`| ${ds} | ${lib} | ${pb.buildSeconds.toFixed(1)} | ${typeof pb.rssGrowthBytes === 'number' ? mib(pb.rssGrowthBytes) : '-'} |`);
  }
}
md.push('', `QPS at a recall@10 target: "measured" is the QPS of the first ef (in increasing order, up to ${EFS.at(-1)}) whose recall@10 reaches the target; "interp." interpolates log(QPS) linearly in recall between that point and the ef before it (the first point itself when the lowest ef already reaches the target). "ours / peer" divides our measured QPS by the peer's (interpolated in brackets); >= 1: ours is at least as fast.`);
for (const target of TARGETS) {
  md.push('', `QPS at recall@10 ${target.toFixed(2)}:`, '', '| data | library | ef | recall@10 | QPS measured | QPS interp. | ours / peer |', '| --- | --- | ---: | ---: | ---: | ---: | --- |');
  for (const ds of DATASETS) {
    const o = peerAt[target][ds].ours;
    const row = (lib, a, cmp) => md.push(`| ${ds} | ${lib} | ${a?.reached ? efLabel(a.ef) : '-'} | ${a?.reached ? a.recall.toFixed(4) : `not reached (best ${a?.maxRecall?.toFixed(4)})`} | ${a?.reached ? fmtQ(a.measured) : '-'} | ${a?.reached ? fmtQ(a.interpolated) : '-'} | ${cmp} |`);
    row('ours', o, '');
    for (const lib of peerLibs(ds)) {
      const a = peerAt[target][ds][lib];
      const cmp = !a.reached ? (o?.reached ? 'ours reaches it, the peer does not' : 'neither reaches it') : !o?.reached ? '**the peer reaches it, ours does not**' :
        `${o.measured >= a.measured ? '' : '**'}${(o.measured / a.measured).toFixed(2)}x${o.measured >= a.measured ? '' : '**'} (${(o.interpolated / a.interpolated).toFixed(2)}x)`;
      row(lib, a, cmp);
    }
  }
}
for (const note of peers.notes ?? []) md.push('', `Note: ${note}.`);
if (peers.error) md.push('', `Peers failed: ${peers.error}.`);
if (peers.libs?.includes('hnswlib-shuffled')) md.push('', 'hnswlib-shuffled: hnswlib with the same rows and ids inserted in a random order. Every other index (ours, hnswlib, faiss) gets the rows in the model\'s order (ids 0..n-1, most frequent item first), as buildIndex adds them; hnswlib\'s recall on this data depends on that order, so both are shown.');
if (peers.versions) md.push('', `Peer versions: ${Object.entries(peers.versions).map(([k, v]) => `${k} ${v}`).join(', ')} (Debian packages, ${PYTHON}); cosine = normalized rows and queries in an inner-product index; the same .npy vectors, queries and ground truth as ours.`);
md.push('');

md.push('## Filtered search, serving, view', '');
md.push(`Filters on the f32 cosine index (groups passed at build: ${filterGroups} index groups of 1% of the items, each ${perFilterGroup} planted group${perFilterGroup > 1 ? 's' : ''}), all ${nq} queries per filter, ef ${f32.searchOne.ef}; ground truth: exact top-10 over the filter's rows (model.nearest on those rows alone).`, '');
md.push('| filter | rows | share | recall@10 | QPS | exact scan | results outside the filter |', '| --- | ---: | ---: | ---: | ---: | --- | ---: |');
for (const f of ours.filters) md.push(`| ${f.filter}${f.informational ? ' (informational)' : ''} | ${f.rows} | ${(f.share * 100).toFixed(2)}% | ${f.recall.toFixed(4)} | ${fmtQ(f.qps)} | ${f.exact} | ${f.outside} |`);
const ev = ours.eventLoop;
md.push('', `Event loop (monitorEventLoopDelay, resolution 1 ms) while async single-query searches (index.search with one query, ef ${ev.ef}) were issued at an offered 1,000/s for ${ev.seconds.toFixed(1)} s: issued ${ev.issuedRate.toFixed(0)}/s, completed ${ev.achievedRate.toFixed(0)}/s (${ev.completed} done, ${ev.failed} failed); loop delay p50 ${ev.loopDelayMs.p50.toFixed(2)} ms, p99 ${ev.loopDelayMs.p99.toFixed(2)} ms, max ${ev.loopDelayMs.max.toFixed(2)} ms; search latency (issue to resolve) p50 ${ev.latencyMs.p50.toFixed(2)} ms, p99 ${ev.latencyMs.p99.toFixed(2)} ms.`);
md.push('', `searchOne (synchronous, calling thread, ef ${f32.searchOne.ef}): ${f32.searchOne.meanMs.toFixed(3)} ms a query (${fmtQ(f32.searchOne.qps)} QPS on one thread), recall@10 ${f32.searchOne.recall.toFixed(4)}.`);
md.push('', `index.size on the calling thread: ${f32.sizeCallMs.toFixed(3)} ms a call (${n.toLocaleString('en-US')} rows). search() and searchOne() read it on every call (checkK), through info(), which also computes memoryBytes.`);
md.push('', `View: the f32 cosine index saved in ${ours.view.saveSeconds.toFixed(2)} s (${mib(ours.view.fileBytes)}), then loadIndex(path, items, { view: true }) (hash checks and the model's fingerprint included) three times with the page cache warm: ${ours.view.loadSeconds.map((x) => `${x.toFixed(3)} s`).join(', ')}; the view's memoryBytes ${mib(ours.view.memoryBytes)}; its results ${ours.view.sameResultsAsBuilt ? 'identical to' : 'DIFFERENT from'} the built index's.`);
md.push('', provenance(meta));
const mdText = md.join('\n') + '\n';

// ---------------------------------------------------------------- chart

function chart() {
  const panels = [
    { title: `${(n / 1e6).toFixed(n >= 1e6 ? 0 : 1)}M items, cosine (input vectors)`, exact: exactCos.qps, lines: [
      { label: 'ours f32', colour: '#d62728', curve: f32.curve, width: 3 },
      { label: 'ours i8', colour: '#ff7f0e', curve: i8.curve, dash: '6 3' },
      { label: "ours i8, kind 'ivf'", colour: '#8c564b', curve: ivf.curve, dash: '1 2' },
      { label: 'hnswlib', colour: '#1f77b4', curve: peerCurve('hnswlib', 'items-cosine') },
      { label: 'hnswlib, rows in random order', colour: '#1f77b4', curve: peerCurve('hnswlib-shuffled', 'items-cosine'), dash: '2 3' },
      { label: 'faiss', colour: '#2ca02c', curve: peerCurve('faiss', 'items-cosine') },
    ] },
    { title: `${(n / 1e6).toFixed(n >= 1e6 ? 0 : 1)}M items, dot (user vectors vs output vectors)`, exact: exactDot.qps, lines: [
      { label: 'ours f32 dot', colour: '#d62728', curve: ours.itemsDotF32.curve, width: 3 },
      { label: 'ours f32 dot, dot transform', colour: '#9467bd', curve: dotT.curve, width: 3 },
      { label: 'hnswlib', colour: '#1f77b4', curve: peerCurve('hnswlib', 'items-dot') },
      { label: 'hnswlib, rows in random order', colour: '#1f77b4', curve: peerCurve('hnswlib-shuffled', 'items-dot'), dash: '2 3' },
      { label: 'faiss', colour: '#2ca02c', curve: peerCurve('faiss', 'items-dot') },
    ] },
    { title: `${(wd.words.length / 1000).toFixed(0)}k words, cosine`, exact: exactW.qps, lines: [
      { label: 'ours f32', colour: '#d62728', curve: ours.wordsCosineF32.curve, width: 3 },
      { label: 'hnswlib', colour: '#1f77b4', curve: peerCurve('hnswlib', 'words-cosine') },
      { label: 'faiss', colour: '#2ca02c', curve: peerCurve('faiss', 'words-cosine') },
    ] },
  ];
  const pw = 330, ph = 300, gap = 80, left = 70, top = 80, W = left + panels.length * (pw + gap), H = top + ph + 120;
  const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">Recall@10 vs queries/s (log scale): our HNSW index, hnswlib, FAISS HNSWFlat, exact search</text>`,
    `<text x="${W / 2}" y="44" text-anchor="middle" fill="#555">${esc(`${THREADS} threads, M ${M}, efConstruction ${EF_CONSTRUCTION}, ef ${EFS[0]}-${EFS.at(-1)}, batched search; ${meta.date.slice(0, 10)}, commit ${meta.commit}`)}</text>`];
  panels.forEach((panel, pi) => {
    const x0 = left + pi * (pw + gap);
    const all = panel.lines.flatMap((l) => l.curve ?? []);
    const xs = all.map((p) => p.recall);
    const xmin = Math.max(0, Math.min(0.9, Math.floor(Math.min(...xs) * 20) / 20)), xmax = 1;
    const qs = [...all.map((p) => p.qps), panel.exact, panel.exact * 10];
    const lmin = Math.floor(Math.log10(Math.min(...qs))), lmax = Math.ceil(Math.log10(Math.max(...qs)));
    const x = (r) => x0 + ((r - xmin) / (xmax - xmin)) * pw;
    const y = (q) => top + ph - ((Math.log10(q) - lmin) / (lmax - lmin)) * ph;
    parts.push(`<text x="${x0 + pw / 2}" y="${top - 12}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`);
    parts.push(`<rect x="${x0}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    for (let e = lmin; e <= lmax; e++) {
      for (const m of [1, 2, 5]) {
        const q = m * 10 ** e;
        if (Math.log10(q) > lmax + 1e-9) continue;
        parts.push(`<line x1="${x0}" y1="${y(q)}" x2="${x0 + pw}" y2="${y(q)}" stroke="${m === 1 ? '#ddd' : '#f2f2f2'}"/>`);
        if (m === 1 || lmax - lmin <= 2) parts.push(`<text x="${x0 - 6}" y="${y(q) + 4}" text-anchor="end" fill="#555">${q >= 1000 ? `${q / 1000}k` : q}</text>`);
      }
    }
    for (let r = Math.ceil(xmin * 20) / 20; r <= xmax + 1e-9; r += 0.05) {
      parts.push(`<line x1="${x(r)}" y1="${top}" x2="${x(r)}" y2="${top + ph}" stroke="#f2f2f2"/>`, `<text x="${x(r)}" y="${top + ph + 16}" text-anchor="middle" fill="#555">${r.toFixed(2)}</text>`);
    }
    parts.push(`<line x1="${x(0.95)}" y1="${top}" x2="${x(0.95)}" y2="${top + ph}" stroke="#999" stroke-dasharray="3 3"/>`);
    parts.push(`<line x1="${x0}" y1="${y(panel.exact)}" x2="${x0 + pw}" y2="${y(panel.exact)}" stroke="#000" stroke-dasharray="6 4"/>`,
      `<text x="${x0 + 4}" y="${y(panel.exact) - 4}" fill="#000">exact, ${fmtQ(panel.exact)} QPS</text>`,
      `<line x1="${x0}" y1="${y(panel.exact * 10)}" x2="${x0 + pw}" y2="${y(panel.exact * 10)}" stroke="#888" stroke-dasharray="2 3"/>`,
      `<text x="${x0 + 4}" y="${y(panel.exact * 10) - 4}" fill="#888">10x exact</text>`);
    panel.lines.forEach((l, li) => {
      const ly = top + ph + 36 + li * 16;
      if (!l.curve) {
        parts.push(`<text x="${x0}" y="${ly + 4}" fill="#999">${esc(l.label)}: not run</text>`);
        return;
      }
      const pts = l.curve.map((p) => `${x(Math.max(xmin, p.recall)).toFixed(1)},${y(p.qps).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${pts}" fill="none" stroke="${l.colour}" stroke-width="${l.width ?? 2}"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`);
      for (const p of l.curve) parts.push(`<circle cx="${x(Math.max(xmin, p.recall)).toFixed(1)}" cy="${y(p.qps).toFixed(1)}" r="2.5" fill="${l.colour}"/>`);
      parts.push(`<line x1="${x0}" y1="${ly}" x2="${x0 + 24}" y2="${ly}" stroke="${l.colour}" stroke-width="${l.width ?? 2}"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`,
        `<text x="${x0 + 30}" y="${ly + 4}">${esc(l.label)}</text>`);
    });
    parts.push(`<text x="${x0 + pw / 2}" y="${top + ph + 30}" text-anchor="middle" fill="#333">recall@10</text>`);
    if (pi === 0) parts.push(`<text x="${x0 - 50}" y="${top + ph / 2}" text-anchor="middle" transform="rotate(-90 ${x0 - 50} ${top + ph / 2})" fill="#333">queries / s (log)</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

const written = saveResult(args.name, out.meta, { md: mdText, json, svg: chart() });
log(`wrote ${Object.values(written).join(', ')}`);
console.log(mdText);
for (const m of [itemsModel, outputModel, wordModel]) m.dispose();
