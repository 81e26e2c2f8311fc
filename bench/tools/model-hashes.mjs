#!/usr/bin/env node
// Seeded one-thread training is bit-reproducible: this prints the SHA-256 of the vectors each
// objective trains, so a refactor can show that it changed nothing. Uses the built package
// (dist/ and the native addon): run `npm run build:ts` first.
//
//   node bench/tools/model-hashes.mjs [--epochs 2] [--out FILE.json]
//
// Objectives: skip-gram and CBOW with negative sampling, both with hierarchical softmax, the
// original's per-pair negatives, and trainItems in sequence mode, set mode with groups and with
// a global context. The corpus is the one the package ships (lib/data/default-corpus.txt.gz).
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT as ROOT } from './paths.mjs';

const require = createRequire(import.meta.url);
const w2v = require(join(ROOT, 'dist', 'cjs', 'index.js'));

const { values: args } = parseArgs({
  options: { epochs: { type: 'string', default: '2' }, out: { type: 'string' } },
});
const epochs = Number(args.epochs);

function sha(array) {
  if (!array) return null;
  return createHash('sha256').update(Buffer.from(array.buffer, array.byteOffset, array.byteLength)).digest('hex').slice(0, 16);
}

function hashes(model) {
  return { words: model.size, input: sha(model.vectors), output: sha(model.outputVectors) };
}

const corpus = w2v.defaultCorpusPath();
const common = { dim: 50, window: 5, threads: 1, seed: 7, epochs, minCount: 5, progressInterval: 1000 };
const wordConfigs = {
  'sg-neg': { model: 'skipgram' },
  'cbow-neg': { model: 'cbow' },
  'sg-hs': { model: 'skipgram', hs: true, negative: 0 },
  'cbow-hs': { model: 'cbow', hs: true, negative: 0 },
  'sg-neg-per-pair': { model: 'skipgram', sharedNegatives: false },
};

// Item sequences made from a fixed generator: 2,000 sessions over 300 items in 6 groups.
function sessions() {
  let state = 12345;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const out = [];
  for (let s = 0; s < 2000; s++) {
    const group = Math.floor(next() * 6);
    const length = 3 + Math.floor(next() * 12);
    const session = [];
    for (let i = 0; i < length; i++) session.push(group * 50 + Math.floor(next() * 50));
    out.push(session);
  }
  return out;
}
const itemCommon = { dim: 32, window: 3, threads: 1, seed: 3, epochs: epochs * 2, progressInterval: 1000 };
const itemConfigs = {
  'items-sequence': {},
  'items-set-groups': { mode: 'set', group: (item) => Math.floor(Number(item) / 50) },
  'items-global-context': { globalContext: (session) => session[session.length - 1] },
};

const result = {};
for (const [name, options] of Object.entries(wordConfigs)) {
  const model = await w2v.train(corpus, { ...common, ...options });
  result[name] = hashes(model);
  model.dispose();
  console.log(name.padEnd(22), JSON.stringify(result[name]));
}
const data = sessions();
for (const [name, options] of Object.entries(itemConfigs)) {
  const items = await w2v.trainItems(data, { ...itemCommon, ...options });
  result[name] = hashes(items.model);
  items.model.dispose();
  console.log(name.padEnd(22), JSON.stringify(result[name]));
}
if (args.out) writeFileSync(args.out, JSON.stringify({ epochs, simd: w2v.simd(), hashes: result }, null, 2) + '\n');
