/**
 * The table the Arrow and Parquet exports hold, for feature pipelines, DuckDB, Spark and
 * vector databases: one row per word, in id order (most frequent first), with the columns
 *
 * | column   | Arrow type                        | Parquet type                              |
 * | -------- | --------------------------------- | ----------------------------------------- |
 * | `id`     | int32, not null                   | INT32, required                           |
 * | `word`   | utf8, not null                    | BYTE_ARRAY (STRING), required             |
 * | `count`  | float64, nullable                 | DOUBLE, optional                          |
 * | `vector` | fixed_size_list<item: float32>[dim], not null | LIST<FLOAT>, required (each of dim values) |
 *
 * `count` is the word's corpus count, and is null in every row of a model without counts
 * (loaded from a word2vec or .vec file): the column is always there, so a query naming it
 * works on any export, and null says "unknown" where 0 would be a count. `word` is the
 * word's UTF-8 text; a word whose bytes are not valid UTF-8 (this package keeps words as raw
 * bytes) is written with U+FFFD in place of each bad sequence, as {@link wordOf} shows it.
 * The vectors are the ones `save` picked (`vectors: 'input' | 'output'`); output vectors are
 * not written beside input ones.
 *
 * @module
 */

import { wordOf } from '../util/bytes';
import type { ModelTable } from './format-module';

/** The columns, in order. */
export const EMBEDDING_TABLE_COLUMNS = ['id', 'word', 'count', 'vector'] as const;

/**
 * Rows per Arrow record batch, and at most per Parquet row group: a batch's ids and words
 * are copies, so an export holds one batch's worth of them at a time, whatever the model's size.
 */
export const MAX_BATCH_ROWS = 1 << 16;

/** Most rows an `id` (int32) can number. */
const MAX_ROWS = 2 ** 31 - 1;

/** The [start, end) row ranges of batches of at most `perBatch` rows (none for no rows). */
export function* batchRanges(rows: number, perBatch: number): Generator<[number, number]> {
  for (let start = 0; start < rows; start += perBatch) yield [start, Math.min(rows, start + perBatch)];
}

/**
 * Throws unless `table` is what the exports expect (save() gives them one that is; this keeps a
 * direct caller's mistake from becoming a malformed file).
 */
export function checkEmbeddingTable(table: ModelTable, format: string): void {
  const { keys, dim, vectors, counts } = table;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`${format} export: dim must be a positive integer, got ${String(dim)}`);
  if (keys.length > MAX_ROWS) throw new RangeError(`${format} export holds at most ${MAX_ROWS} words (int32 ids), got ${keys.length}`);
  if (!(vectors instanceof Float32Array) || vectors.length !== keys.length * dim) {
    throw new RangeError(`${format} export: vectors must be a Float32Array of ${keys.length} x ${dim} values, got length ${String(vectors?.length)}`);
  }
  if (counts !== undefined && (!(counts instanceof Float64Array) || counts.length !== keys.length)) {
    throw new RangeError(`${format} export: counts must be a Float64Array of ${keys.length} values, got length ${String(counts?.length)}`);
  }
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * The UTF-8 bytes of a word's text: the key's own bytes when they are UTF-8 (re-encoding the
 * decoded text gives them back), else the text with U+FFFD for each bad sequence.
 */
export function wordUtf8(key: string): Buffer {
  return ASCII.test(key) ? Buffer.from(key, 'latin1') : Buffer.from(wordOf(key), 'utf8');
}
