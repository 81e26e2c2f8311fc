#!/usr/bin/env node
// The corpus-order study's corpora (issue 18, bench/results/studies/corpus-order.md): en-8m's
// lines, every one kept, in another order. The corpus is cut in two halves at the line where
// the running token count reaches half the total (that line ends the first half), as a
// two-thread run splits it, and written
//   - swapped:     the second half, then the first;
//   - interleaved: a block of the first half, then one of the second, and so on, each block
//                  the fewest whole lines that hold at least --block tokens (65,536: ours's
//                  chunks), the one-thread order of two lanes taken in turn.
//
//   node bench/tools/reorder-corpus.mjs --order swapped|interleaved --out FILE
//        [--corpus ../shared/data/corpus/en-8m.txt.gz] [--block 65536]
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

import { flagReader } from './args.mjs';
import { EN8M_CORPUS } from './paths.mjs';

const flag = flagReader(process.argv.slice(2));
const order = flag('--order');
const out = flag('--out');
const corpus = flag('--corpus', EN8M_CORPUS);
const block = Number(flag('--block', '65536'));
if ((order !== 'swapped' && order !== 'interleaved') || !out || !(block >= 1)) {
  console.error('usage: node bench/tools/reorder-corpus.mjs --order swapped|interleaved --out FILE [--corpus PATH] [--block TOKENS]');
  process.exit(2);
}

const raw = readFileSync(corpus);
const lines = (corpus.endsWith('.gz') ? gunzipSync(raw) : raw).toString('latin1').split('\n');
if (lines.at(-1) === '') lines.pop();
const tokens = lines.map((line) => line.split(/\s+/).filter(Boolean).length);
const total = tokens.reduce((a, b) => a + b, 0);

let cut = 0;
for (let sum = 0; cut < lines.length && sum < total / 2; cut++) sum += tokens[cut];
const halves = [[0, cut], [cut, lines.length]];

let ordered = [];
if (order === 'swapped') {
  ordered = lines.slice(cut).concat(lines.slice(0, cut));
} else {
  const next = halves.map(([from]) => from);
  while (halves.some(([, end], h) => next[h] < end)) {
    for (let h = 0; h < 2; h++) {
      for (let held = 0; held < block && next[h] < halves[h][1]; next[h]++) {
        ordered.push(lines[next[h]]);
        held += tokens[next[h]];
      }
    }
  }
}
writeFileSync(out, ordered.join('\n') + '\n', 'latin1');
console.log(`${out}: ${ordered.length} lines, ${total} tokens, halves cut after line ${cut} (${order})`);
