#!/usr/bin/env node
// Item vectors as the embedding layer of a small TensorFlow.js network (issue 16's worked
// example): does pre-training the embedding (FNN, Zhang et al. 2016) make the network converge
// in fewer steps than a randomly initialised one?
//
// Task, generated with planted structure: 20 markets x 250 items; a session has 5 to 15 items,
// each drawn from the session's market with probability 0.6, else from all items. The network
// predicts a session's market from its items. trainItems learns item vectors from 20,000
// unlabelled sessions (the markets never shown to it); the network then trains on 3,000
// labelled ones and is scored on 1,000 others, three ways: (a) embedding initialised at random
// and trained, (b) initialised from our vectors and trained (FNN), (c) our vectors frozen.
// Network: ids (padded with 0) -> Embedding (dim 32) -> mean over the session's items (padding
// masked) -> Dense 32 relu -> Dense 20 softmax; Adam, learning rate 0.005, batches of 64. The
// targets (validation accuracy 0.8 and 0.9) were fixed before any run. Every seed changes the
// network's initialisation and the batch order; the data and the item vectors (1 thread, seed 1:
// bit-identical) stay the same. Each item occurs about 40 times in the unlabelled sessions: 5
// epochs of trainItems left the markets out of the vectors (neighbours near chance), 20 hold them.
//
//   node bench/embedding-layer.mjs [--seeds 3] [--steps 200] [--every 10] [--no-save]
//
// About 2 minutes on 2 cores, nearly all of it tfjs's pure-JS CPU backend (Adam updates the whole
// 5,001 x 32 table every step).
//
// Needs `npm run build:ts` (it uses dist/cjs) and the addon. Writes
// bench/results/current/embedding-layer.{md,json,svg} (bench/tools/results.mjs).
import { createRequire } from 'node:module';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { provenance, resultMeta, saveResult } from './tools/results.mjs';
import { mulberry32 } from './tools/random.mjs';
import { REPO_ROOT as root } from './tools/paths.mjs';

const { trainItems } = createRequire(import.meta.url)(join(root, 'dist', 'cjs', 'index.js'));

const argv = process.argv.slice(2);
const save = !argv.includes('--no-save'); // --no-save: print only, for trying sizes
const args = Object.fromEntries(argv.filter((a) => a !== '--no-save').reduce((acc, v, i, a) => (i % 2 === 0 ? [...acc, [v.replace(/^--/, ''), a[i + 1]]] : acc), []));
for (const k of Object.keys(args)) if (!['seeds', 'steps', 'every'].includes(k)) throw new Error(`unknown option --${k}; options: --seeds N --steps N --every N --no-save`);
const SEEDS = Number(args.seeds ?? 3);
const STEPS = Number(args.steps ?? 200);
const EVERY = Number(args.every ?? 10);
const command = ['node', 'bench/embedding-layer.mjs', ...process.argv.slice(2)].join(' ');

const MARKETS = 20;
const ITEMS_PER_MARKET = 250;
const MIN_LENGTH = 5;
const MAX_LENGTH = 15;
const IN_MARKET = 0.6;
const PRETRAIN_SESSIONS = 20_000;
const TRAIN_SESSIONS = 3_000;
const VALIDATION_SESSIONS = 1_000;
const DIM = 32;
const HIDDEN = 32;
const BATCH = 64;
const LEARNING_RATE = 0.005;
const TARGETS = [0.8, 0.9]; // fixed before the first run; 0.9 is the headline
const ITEM_OPTIONS = { mode: 'set', dim: DIM, negative: 5, epochs: 20, threads: 1, seed: 1, minCount: 1 };

// tfjs-backend-cpu 4.22 runs the two kernels of an Embedding layer element by element through
// generic index arithmetic, and its gradient, an unsorted segment sum of the output's gradient
// into the table's rows, with one full-size mask per row of the table (O(rows x batch x dim):
// minutes a step here). These two replacements copy and add whole rows instead: the same values
// (the sums in another order), the standard Embedding layer, seconds instead of hours.
const originalGather = tf.getKernel('GatherV2', 'cpu').kernelFunc;
function gatherRows(args) {
  const { inputs: { x, indices }, backend, attrs: { axis, batchDims } } = args;
  if (axis !== 0 || (batchDims ?? 0) !== 0) return originalGather(args);
  const table = backend.readSync(x.dataId);
  const ids = backend.readSync(indices.dataId);
  const rowShape = x.shape.slice(1);
  const width = rowShape.reduce((a, b) => a * b, 1);
  const out = new table.constructor(ids.length * width);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < x.shape[0])) throw new Error(`GatherV2: the index value ${id} is not in [0, ${x.shape[0] - 1}]`);
    out.set(table.subarray(id * width, (id + 1) * width), i * width);
  }
  return backend.makeTensorInfo([...indices.shape, ...rowShape], x.dtype, out);
}
function unsortedSegmentSum({ inputs: { x, segmentIds }, backend, attrs: { numSegments } }) {
  const values = backend.readSync(x.dataId);
  const ids = backend.readSync(segmentIds.dataId);
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const out = new values.constructor(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue; // as TensorFlow: dropped
    for (let j = 0, o = segment * inner, v = i * inner; j < inner; j++) out[o + j] += values[v + j];
  }
  return backend.makeTensorInfo([numSegments, ...innerShape], x.dtype, out);
}
for (const [kernelName, kernelFunc] of [['GatherV2', gatherRows], ['UnsortedSegmentSum', unsortedSegmentSum]]) {
  tf.unregisterKernel(kernelName, 'cpu');
  tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc });
}

/** The data and batch order are the same every run. */
const rng = mulberry32;

/** Sessions of items (integers market * ITEMS_PER_MARKET + k) with their market. */
function sessions(count, random) {
  const out = [];
  for (let n = 0; n < count; n++) {
    const market = Math.floor(random() * MARKETS);
    const length = MIN_LENGTH + Math.floor(random() * (MAX_LENGTH - MIN_LENGTH + 1));
    const items = [];
    for (let i = 0; i < length; i++) {
      items.push(random() < IN_MARKET
        ? market * ITEMS_PER_MARKET + Math.floor(random() * ITEMS_PER_MARKET)
        : Math.floor(random() * MARKETS * ITEMS_PER_MARKET));
    }
    out.push({ market, items });
  }
  return out;
}

// Sums the embeddings of a session's items whose id is not 0 (padding) and divides by their
// number: tfjs's GlobalAveragePooling1D ignores masks, so the layer takes the ids as well.
class MaskedMean extends tf.layers.Layer {
  static className = 'MaskedMean';
  computeOutputShape([embedded]) {
    return [embedded[0], embedded[2]];
  }
  call([embedded, ids]) {
    return tf.tidy(() => {
      const mask = tf.cast(tf.notEqual(ids, 0), 'float32').expandDims(2);
      return tf.sum(tf.mul(embedded, mask), 1).div(tf.maximum(tf.sum(mask, 1), 1));
    });
  }
}
tf.serialization.registerClass(MaskedMean);

/** The network; `pretrained`: the embedding's rows (row 0 the padding), else a seeded random start. */
function network(rows, seed, pretrained, trainable) {
  const ids = tf.input({ shape: [MAX_LENGTH], dtype: 'int32' });
  const embedding = tf.layers.embedding({
    inputDim: rows, outputDim: DIM, trainable,
    embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }),
  });
  const pooled = new MaskedMean().apply([embedding.apply(ids), ids]);
  const hidden = tf.layers.dense({ units: HIDDEN, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(pooled);
  const out = tf.layers.dense({ units: MARKETS, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }).apply(hidden);
  const model = tf.model({ inputs: ids, outputs: out });
  if (pretrained) embedding.setWeights([tf.tensor2d(pretrained, [rows, DIM])]);
  model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

/** Padded ids (int32, n x MAX_LENGTH) and labels of sessions. */
function encode(list, rowOf) {
  const ids = new Int32Array(list.length * MAX_LENGTH);
  list.forEach((s, n) => s.items.forEach((item, i) => (ids[n * MAX_LENGTH + i] = rowOf.get(item))));
  return { ids, labels: Float32Array.from(list, (s) => s.market), n: list.length };
}

function accuracy(model, data) {
  return tf.tidy(() => {
    const predicted = model.predict(tf.tensor2d(data.ids, [data.n, MAX_LENGTH], 'int32')).argMax(1).dataSync();
    let right = 0;
    for (let i = 0; i < data.n; i++) if (predicted[i] === data.labels[i]) right++;
    return right / data.n;
  });
}

/** Trains STEPS batches, scoring the validation set every EVERY steps (and at step 0). */
async function run(variant, seed, rows, pretrained, train, validation) {
  const model = network(rows, seed * 1000, variant.pretrained ? pretrained : undefined, variant.trainable);
  const random = rng(seed);
  const order = Array.from({ length: train.n }, (_, i) => i);
  const curve = [{ step: 0, accuracy: accuracy(model, validation) }];
  const batchIds = new Int32Array(BATCH * MAX_LENGTH);
  const batchLabels = new Float32Array(BATCH);
  let cursor = train.n;
  for (let step = 1; step <= STEPS; step++) {
    for (let b = 0; b < BATCH; b++) {
      if (cursor === train.n) {
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
        cursor = 0;
      }
      const k = order[cursor++];
      batchIds.set(train.ids.subarray(k * MAX_LENGTH, (k + 1) * MAX_LENGTH), b * MAX_LENGTH);
      batchLabels[b] = train.labels[k];
    }
    const x = tf.tensor2d(batchIds, [BATCH, MAX_LENGTH], 'int32');
    const y = tf.tensor1d(batchLabels);
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
    if (step % EVERY === 0) curve.push({ step, accuracy: accuracy(model, validation) });
  }
  model.dispose();
  return curve;
}

const firstStep = (curve, target) => curve.find((p) => p.accuracy >= target)?.step;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const VARIANTS = [
  { key: 'random', label: '(a) random init, trained', pretrained: false, trainable: true, colour: '#d62728' },
  { key: 'fnn', label: '(b) our vectors, trained (FNN)', pretrained: true, trainable: true, colour: '#2b7bba' },
  { key: 'frozen', label: '(c) our vectors, frozen', pretrained: true, trainable: false, colour: '#2ca02c' },
];

function chart(results) {
  const W = 800, H = 440, left = 70, right = 290, top = 50, bottom = 60;
  const pw = W - left - right, ph = H - top - bottom;
  const x = (s) => left + (s / STEPS) * pw;
  const y = (a) => top + (1 - a) * ph;
  const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="13">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Validation accuracy while the network trains (mean of ${SEEDS} seed${SEEDS === 1 ? '' : 's'})</text>`,
    `<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">${esc(`predicting a session's market (1 of ${MARKETS}); ${TRAIN_SESSIONS.toLocaleString('en')} labelled sessions, batches of ${BATCH}, embedding dim ${DIM}`)}</text>`];
  for (let a = 0; a <= 1.0001; a += 0.2) {
    parts.push(`<line x1="${left}" y1="${y(a)}" x2="${left + pw}" y2="${y(a)}" stroke="#eee"/>`, `<text x="${left - 8}" y="${y(a) + 4}" text-anchor="end">${a.toFixed(1)}</text>`);
  }
  const tick = STEPS <= 200 ? 50 : STEPS <= 600 ? 100 : 200;
  for (let s = 0; s <= STEPS; s += tick) parts.push(`<text x="${x(s)}" y="${top + ph + 18}" text-anchor="middle">${s}</text>`);
  const headline = TARGETS.at(-1);
  parts.push(`<line x1="${left}" y1="${y(headline)}" x2="${left + pw}" y2="${y(headline)}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${left + 6}" y="${y(headline) + 16}" fill="#333">target ${headline}</text>`,
    `<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${left + pw / 2}" y="${H - 18}" text-anchor="middle">training steps (batches of ${BATCH})</text>`,
    `<text transform="translate(20 ${top + ph / 2}) rotate(-90)" text-anchor="middle">validation accuracy</text>`);
  results.forEach((r, i) => {
    const points = r.meanCurve.map((p) => `${x(p.step).toFixed(1)},${y(p.accuracy).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${r.colour}" stroke-width="2.5"/>`);
    const ly = top + 20 + i * 44;
    const reached = r.stepsTo[headline].mean;
    parts.push(`<line x1="${left + pw + 15}" y1="${ly}" x2="${left + pw + 40}" y2="${ly}" stroke="${r.colour}" stroke-width="2.5"/>`,
      `<text x="${left + pw + 46}" y="${ly + 4}">${esc(r.label)}</text>`,
      `<text x="${left + pw + 46}" y="${ly + 21}" fill="#555">${esc(reached === undefined ? `${headline} not reached by every seed` : `${headline} at ${Math.round(reached)} steps (mean)`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

const started = performance.now();
await tf.setBackend('cpu');
const random = rng(2016);
const pretrainSessions = sessions(PRETRAIN_SESSIONS, random);
const trainSessions = sessions(TRAIN_SESSIONS, random);
const validationSessions = sessions(VALIDATION_SESSIONS, random);

// Item vectors from the unlabelled sessions; the markets are never shown to trainItems.
let t = performance.now();
const items = await trainItems(pretrainSessions.map((s) => s.items), ITEM_OPTIONS);
const pretrainSeconds = (performance.now() - t) / 1000;

// The hand-over: row 0 is the padding, row id + 1 the vector of items.items[id] (the model's
// vectors are in id order); an item trainItems never saw would get a zero row after them.
const rowOf = new Map(items.items.map((item, id) => [item, id + 1]));
let unseen = 0;
for (const s of [...trainSessions, ...validationSessions]) for (const item of s.items) if (!rowOf.has(item)) rowOf.set(item, rowOf.size + 1), unseen++;
const rows = rowOf.size + 1;
const pretrained = new Float32Array(rows * DIM);
pretrained.set(items.model.vectors, DIM);
const train = encode(trainSessions, rowOf);
const validation = encode(validationSessions, rowOf);
// Whether the vectors hold the markets at all: the share of same-market items among the 10
// nearest neighbours of every 10th item (chance: 1 in ${MARKETS}).
let sameMarket = 0;
for (let id = 0; id < items.size; id += 10) {
  const market = Math.floor(items.items[id] / ITEMS_PER_MARKET);
  sameMarket += items.similar(items.items[id], { topK: 10 }).filter((n) => Math.floor(n.item / ITEMS_PER_MARKET) === market).length / 10;
}
sameMarket /= Math.ceil(items.size / 10);
process.stderr.write(`item vectors: ${items.size} items x ${DIM} in ${pretrainSeconds.toFixed(1)} s; ${unseen} items not pre-trained; same market among top-10 neighbours ${sameMarket.toFixed(3)}\n`);

const results = [];
for (const variant of VARIANTS) {
  const curves = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    t = performance.now();
    const curve = await run(variant, seed, rows, pretrained, train, validation);
    curves.push(curve);
    process.stderr.write(`${variant.key} seed ${seed}: ${TARGETS.map((a) => `${a} at ${firstStep(curve, a) ?? '-'}`).join(', ')}; final ${curve.at(-1).accuracy.toFixed(3)}; ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const meanCurve = curves[0].map((p, i) => ({ step: p.step, accuracy: mean(curves.map((c) => c[i].accuracy)) }));
  const stepsTo = Object.fromEntries(TARGETS.map((a) => {
    const perSeed = curves.map((c) => firstStep(c, a) ?? null);
    return [a, { perSeed, mean: perSeed.includes(null) ? undefined : mean(perSeed) }];
  }));
  const finals = curves.map((c) => c.at(-1).accuracy);
  results.push({ ...variant, curves, meanCurve, stepsTo, final: { perSeed: finals, mean: mean(finals) } });
}
const seconds = (performance.now() - started) / 1000;
// Wall time moves with whatever else runs on a shared machine; the process's CPU time less so.
const cpuSeconds = (process.cpuUsage().user + process.cpuUsage().system) / 1e6;

const meta = resultMeta(command);
const f = (x, d = 3) => x.toFixed(d);
const stepsCell = (s) => `${s.mean === undefined ? 'not reached' : Math.round(s.mean)} (${s.perSeed.map((v) => v ?? '-').join(', ')})`;
const md = [
  `Task: predict a session's market (${MARKETS} markets x ${ITEMS_PER_MARKET} items; ${MIN_LENGTH}-${MAX_LENGTH} items a session, each from its market with probability ${IN_MARKET}, else from all items). ` +
    `Item vectors: trainItems on ${PRETRAIN_SESSIONS.toLocaleString('en')} unlabelled sessions (${JSON.stringify(ITEM_OPTIONS).replace(/"/g, '')}, ${f(pretrainSeconds, 1)} s; ` +
    `${f(sameMarket * 100, 1)}% of an item's 10 nearest neighbours in its market, chance ${f(100 / MARKETS, 0)}%). ` +
    `Network (tfjs ${tf.version.tfjs}, cpu backend): Embedding ${rows} x ${DIM} -> masked mean -> Dense ${HIDDEN} relu -> Dense ${MARKETS} softmax; Adam ${LEARNING_RATE}, batches of ${BATCH}, ` +
    `${TRAIN_SESSIONS.toLocaleString('en')} labelled sessions for training, ${VALIDATION_SESSIONS.toLocaleString('en')} for validation, scored every ${EVERY} steps; ${SEEDS} seeds (network initialisation and batch order).`,
  '',
  `| embedding | ${TARGETS.map((a) => `steps to ${a} (mean; per seed)`).join(' | ')} | validation accuracy at step ${STEPS} (mean; per seed) |`,
  `| --- | ${TARGETS.map(() => '---:').join(' | ')} | ---: |`,
  ...results.map((r) => `| ${r.label} | ${TARGETS.map((a) => stepsCell(r.stepsTo[a])).join(' | ')} | ${f(r.final.mean)} (${r.final.perSeed.map((v) => f(v)).join(', ')}) |`),
  '',
  `Targets fixed before the first run; a step count is the first scoring at or above the target (resolution ${EVERY} steps). Whole run ${f(seconds, 0)} s wall, ${f(cpuSeconds, 0)} s CPU.`,
  '',
  provenance(meta),
].join('\n') + '\n';
const json = JSON.stringify({
  meta,
  config: { MARKETS, ITEMS_PER_MARKET, MIN_LENGTH, MAX_LENGTH, IN_MARKET, PRETRAIN_SESSIONS, TRAIN_SESSIONS, VALIDATION_SESSIONS, DIM, HIDDEN, BATCH, LEARNING_RATE, TARGETS, STEPS, EVERY, SEEDS, ITEM_OPTIONS, dataSeed: 2016, tfjs: tf.version.tfjs },
  seconds, cpuSeconds, pretrainSeconds, unseen, sameMarket,
  results: results.map(({ colour, ...r }) => r),
}, null, 2) + '\n';
console.log(md);
if (save) {
  const written = saveResult('embedding-layer', meta, { md, json, svg: chart(results) });
  process.stderr.write(`written: ${Object.values(written).join(', ')}\n`);
}
