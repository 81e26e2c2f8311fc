/**
 * Reading and writing the two vector formats of the original word2vec C tool
 * (`-binary 1` and `-binary 0`), byte-compatible with it and tolerant of the
 * variants other tools (gensim) write.
 *
 * Words are handled as byte strings: a key is a JS string in which every char
 * code (0..255) is one byte of the word, i.e. what `buffer.toString('latin1')`
 * gives. Nothing in this module decodes words as UTF-8, so words that are not
 * valid UTF-8 round-trip byte-exact.
 *
 * @module
 */

import type { ModelFormatModule } from './format-module';
import { detectWord2VecFormat, readWord2Vec } from './word2vec-read';
import { writeWord2Vec } from './word2vec-write';

export type { VectorTable, Word2VecFormat } from './word2vec-common';
export { decodeWord2Vec, detectWord2VecFormat, readWord2Vec } from './word2vec-read';
export { encodeTextTable, encodeWord2Vec, writeWord2Vec, type TextValueFormat } from './word2vec-write';

/** The original's `-binary 1`. */
export const word2vecBinaryFormat: ModelFormatModule<'word2vec-binary'> = {
  name: 'word2vec-binary',
  extension: '.bin',
  help: "the original word2vec's -binary 1",
  sniff: (head) => detectWord2VecFormat(head) === 'word2vec-binary',
  read: (path, { limit }) => readWord2Vec(path, { format: 'word2vec-binary', ...(limit !== undefined ? { limit } : {}) }),
  write: (path, table) => writeWord2Vec(path, table, 'word2vec-binary'),
};

/** `%lf` prints exactly 6 decimals: a row of only such values is word2vec text, else .vec. */
const LF_VALUE_RE = /^-?\d+\.\d{6}$/;

/** Rows {@link rowsPrintedByLf} reads: enough that a .vec file passes only by a long run of chance. */
const SNIFF_ROWS = 100;

/**
 * Whether the first rows of a text model (after its header line; up to {@link SNIFF_ROWS}, those
 * complete in `head`) print every value with C's `%lf` (exactly 6 decimals), as the original's
 * `-binary 0` does; a file with no rows counts. One row is not enough: `%.5g` prints a value in
 * [0.01, 0.1) with 6 decimals too, so a short row of such values (an untrained row at a small
 * dim) reads as `%lf`; in 100 rows of a .vec file some value lies outside that range.
 */
export function rowsPrintedByLf(head: Buffer): boolean {
  let pos = head.indexOf(0x0a) + 1;
  if (pos <= 0) return true;
  let rows = 0;
  while (rows < SNIFF_ROWS) {
    while (pos < head.length && (head[pos] === 0x0a || head[pos] === 0x0d)) pos++;
    if (pos >= head.length) break;
    const end = head.indexOf(0x0a, pos);
    // A row cut by the end of `head` counts only when it is the first (the head holds no other).
    if (end < 0 && rows > 0) break;
    const values = head
      .toString('latin1', pos, end < 0 ? head.length : end)
      .trim()
      .split(/[ \t]+/)
      .slice(1);
    if (values.length === 0 || !values.every((v) => LF_VALUE_RE.test(v))) return false;
    rows++;
    if (end < 0) break;
    pos = end + 1;
  }
  return true;
}

/** The original's `-binary 0`: text, values as C's `%lf`. */
export const word2vecTextFormat: ModelFormatModule<'word2vec-text'> = {
  name: 'word2vec-text',
  extension: '.txt',
  help: "the original word2vec's -binary 0",
  sniff: rowsPrintedByLf,
  read: (path, { limit }) => readWord2Vec(path, { format: 'word2vec-text', ...(limit !== undefined ? { limit } : {}) }),
  write: (path, table) => writeWord2Vec(path, table, 'word2vec-text'),
};
