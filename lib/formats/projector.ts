/**
 * Export for TensorFlow's Embedding Projector (projector.tensorflow.org, "Load" button):
 * `vectors.tsv` holds one vector per line, values separated by tabs; `metadata.tsv` holds the
 * matching words, one per line (with a `word<TAB>count` header line and a count column when
 * the model knows its counts: the Projector wants a header exactly when there are several
 * columns). Words contain no tab or newline, so nothing needs escaping; they are written as
 * their bytes, invalid UTF-8 included.
 *
 * @module
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { describeValue } from '../util/errors';
import { writeFileAtomically } from './atomic-write';

/** Options of {@link exportProjector}. */
export interface ProjectorOptions {
  /** Export only the first `limit` words (the most frequent); default all. The Projector is comfortable up to some 100,000 points. */
  limit?: number;
}

/** What {@link exportProjector} needs of a model (a {@link Word2Vec} has it). */
export interface ProjectorSource {
  /** Words as byte strings (one char per byte). */
  readonly keys: readonly string[];
  readonly dim: number;
  readonly vectors: Float32Array;
  readonly counts?: Float64Array | undefined;
}

/** What {@link exportProjector} wrote. */
export interface ProjectorFiles {
  vectors: string;
  metadata: string;
  /** Rows written. */
  rows: number;
}

const ROWS_PER_BLOCK = 4096;

/**
 * The shortest decimal that reads back as the same float32 (at most 9 significant digits),
 * as `numpy.float32`'s `str` gives: the Projector parses it with `parseFloat`.
 */
export function formatFloat32(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  let s = '';
  for (let p = 6; p <= 9; p++) {
    s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) break;
  }
  // "1.50000" -> "1.5", "2.00000e-7" -> "2e-7"; digits before the point stay ("100000").
  const e = s.indexOf('e');
  const mantissa = e < 0 ? s : s.slice(0, e);
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  return e < 0 ? trimmed : trimmed + s.slice(e);
}

function* vectorRows(source: ProjectorSource, rows: number): Generator<Buffer> {
  const { dim, vectors } = source;
  for (let r = 0; r < rows; r += ROWS_PER_BLOCK) {
    const lines: string[] = [];
    for (let i = r; i < Math.min(rows, r + ROWS_PER_BLOCK); i++) {
      const parts = new Array<string>(dim);
      for (let j = 0; j < dim; j++) {
        const v = vectors[i * dim + j]!;
        if (v - v !== 0) throw new Error(`value ${j + 1} of word ${JSON.stringify(source.keys[i])} (row ${i + 1}) is not finite (${v})`);
        parts[j] = formatFloat32(v);
      }
      lines.push(parts.join('\t'), '\n');
    }
    yield Buffer.from(lines.join(''), 'latin1');
  }
}

function* metadataRows(source: ProjectorSource, rows: number): Generator<Buffer> {
  const { keys, counts } = source;
  if (counts) yield Buffer.from('word\tcount\n', 'latin1');
  for (let r = 0; r < rows; r += ROWS_PER_BLOCK) {
    const lines: string[] = [];
    for (let i = r; i < Math.min(rows, r + ROWS_PER_BLOCK); i++) {
      const key = keys[i]!;
      if (/[\t\n\r]|[^\0-\xff]/.test(key)) throw new Error(`word ${i} ${JSON.stringify(key)} contains a tab, newline or carriage return (or a char above \\xff)`);
      lines.push(key, counts ? `\t${counts[i]}\n` : '\n');
    }
    yield Buffer.from(lines.join(''), 'latin1');
  }
}

/**
 * Writes `vectors.tsv` and `metadata.tsv` for TensorFlow's Embedding Projector into `dir`
 * (created when missing), each atomically (temporary file, fsync, rename).
 *
 * @throws RangeError for a bad limit; Error for a non-finite value (naming the word); or the
 *   file system's error.
 */
export async function exportProjector(source: ProjectorSource, dir: string, options: ProjectorOptions = {}): Promise<ProjectorFiles> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`dir must be a non-empty string, got ${describeValue(dir)}`);
  const { limit } = options;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    throw new RangeError(`limit must be a positive integer, got ${describeValue(limit)}`);
  }
  const rows = Math.min(source.keys.length, limit ?? Infinity);
  await mkdir(dir, { recursive: true });
  const files = { vectors: join(dir, 'vectors.tsv'), metadata: join(dir, 'metadata.tsv'), rows };
  await writeFileAtomically(files.vectors, vectorRows(source, rows));
  await writeFileAtomically(files.metadata, metadataRows(source, rows));
  return files;
}
