// Writes the seed corpora of the fuzz targets (bench/fuzz.sh): usage
//   node bench/fuzz-seeds.mjs DIR
// DIR/native_model/: valid native model files written by the TypeScript writer (the package's
// own encodeNativeModel, so run `npm run build:ts` first), with and without output vectors
// and counts, odd dims and odd words; each prefixed with the target's mode byte (0: the bytes
// as they are, 1: magic, version and size fields patched). DIR/trainer, query, samplers/:
// deterministic pseudo-random inputs of assorted lengths; their decoders turn any bytes into
// a case, so libFuzzer needs no more than a start. DIR/token_scanner/: corpus-like text.
// DIR/index_file/, DIR/ivf_lists/: test/fuzz/regressions/index_file's and ivf_lists' files.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { mulberry32 } from './tools/random.mjs';
import { REPO_ROOT as root } from './tools/paths.mjs';

const require = createRequire(import.meta.url);
const { encodeNativeModel } = require('../dist/cjs/formats/native-model.js');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/fuzz-seeds.mjs DIR');
  process.exit(2);
}

// Seeded: the seeds are the same on every run.
const generator = mulberry32;

const random = generator(2024);
let written = 0;

function write(target, name, bytes) {
  mkdirSync(join(dir, target), { recursive: true });
  writeFileSync(join(dir, target, name), bytes);
  written++;
}

const models = [
  { words: ['a'], dim: 1 },
  { words: ['the', 'of', 'and'], dim: 3, output: true },
  { words: ['x', 'yy', 'zzz', 'é', '\u00ff\u0001'], dim: 17, counts: true },
  { words: ['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7'], dim: 4, output: true, counts: true },
  { words: [], dim: 2 },
];
for (const [i, m] of models.entries()) {
  const values = (n) => Float32Array.from({ length: n }, () => random() * 2 - 1);
  const file = encodeNativeModel({
    keys: m.words,
    dim: m.dim,
    vectors: values(m.words.length * m.dim),
    ...(m.output ? { outputVectors: values(m.words.length * m.dim) } : {}),
    ...(m.counts ? { counts: Float64Array.from(m.words, (_, k) => 100 - k) } : {}),
  });
  for (const mode of [0, 1]) write('native_model', `valid-${i}-mode${mode}`, Buffer.concat([Buffer.of(mode), file]));
}

for (const target of ['trainer', 'query', 'samplers']) {
  for (let i = 0; i < 16; i++) {
    const length = 16 + Math.floor(random() * 496);
    write(target, `random-${i}`, Buffer.from(Array.from({ length }, () => Math.floor(random() * 256))));
  }
}

// token_scanner: a byte of cut count, cut positions, then text that looks like a corpus
// (words, assorted white space, NUL, bytes over 0x7f).
const words = ['the', 'of', 'cat', 'sat', 'mat', 'é', '\u00ff', 'a'.repeat(40)];
const spaces = [' ', ' ', '\n', '\t', '\r\n', '\v', '\f', '\0', '\n\n'];
for (let i = 0; i < 16; i++) {
  let text = '';
  const n = Math.floor(random() * 200);
  for (let k = 0; k < n; k++) text += words[Math.floor(random() * words.length)] + spaces[Math.floor(random() * spaces.length)];
  const head = Buffer.from(Array.from({ length: 1 + 4 * 8 }, () => Math.floor(random() * 256)));
  write('token_scanner', `corpus-${i}`, Buffer.concat([head, Buffer.from(text, 'utf8')]));
}
// index_file: the committed regression inputs (valid index files, each after its mode byte,
// and damaged ones).
// ivf_lists: the same, lists payloads after their mode byte.
for (const target of ['index_file', 'ivf_lists']) {
  const regressions = join(root, 'test', 'fuzz', 'regressions', target);
  for (const name of readdirSync(regressions)) write(target, name, readFileSync(join(regressions, name)));
}
console.log(`${written} seed inputs written under ${dir}`);
