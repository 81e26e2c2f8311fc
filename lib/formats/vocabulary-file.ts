/**
 * The vocabulary file the matrix exports (.npy, .onnx, the tfjs directory) keep beside their
 * matrix, whose rows it names: one line per word in id order (row order), `word<TAB>count`
 * when the model knows its counts, else the word alone; each line ends with `\n`. Words are
 * written as their bytes (a model's words are byte strings, usually UTF-8), so
 * `open(p, encoding='utf-8')` in Python or `pandas.read_csv(p, sep='\t', header=None,
 * quoting=3)` read it. For `X.npy` (or `X.onnx`) the file is `X.vocab.tsv`.
 *
 * @module
 */

import { readFile } from 'node:fs/promises';

/** A word the file cannot hold: empty, or with a tab, newline or CR, or a char above \xff (not a byte). */
const BAD_WORD_RE = /[\t\n\r]|[^\0-\xff]/;

/** The vocabulary file's name inside an export directory (tfjs). */
export const VOCABULARY_FILE_NAME = 'vocab.tsv';

/**
 * The vocabulary file beside the matrix file `path`: `X.vocab.tsv` for `X<extension>`
 * (the extension matched case-insensitively), else `path` + `.vocab.tsv`.
 */
export function vocabularyPathBeside(path: string, extension: string): string {
  const base = path.toLowerCase().endsWith(extension) ? path.slice(0, path.length - extension.length) : path;
  return `${base}.vocab.tsv`;
}

/**
 * The file's bytes.
 *
 * @throws Error naming the first word the file cannot hold (and its id), or a count that is
 *   negative or not finite.
 */
export function encodeVocabulary(keys: readonly string[], counts?: Float64Array): Buffer {
  const lines: string[] = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key.length === 0 || BAD_WORD_RE.test(key)) {
      throw new Error(`vocabulary word ${i} ${JSON.stringify(key)} is empty or contains a tab, newline, carriage return or a char above \\xff`);
    }
    if (counts) {
      const count = counts[i]!;
      if (!Number.isFinite(count) || count < 0) throw new Error(`vocabulary count of word ${i} ${JSON.stringify(key)} must be a finite number >= 0, got ${count}`);
      lines[i] = `${key}\t${count}\n`;
    } else {
      lines[i] = `${key}\n`;
    }
  }
  return Buffer.from(lines.join(''), 'latin1');
}

/** What a vocabulary file holds. */
export interface Vocabulary {
  keys: string[];
  counts?: Float64Array;
}

/**
 * Reads the vocabulary file `path` of the matrix file `source` with `rows` rows, keeping its
 * first `keep` words.
 *
 * @throws Error naming both files: the vocabulary missing, its word count not `rows`, a line
 *   with a count where others have none (or the other way), a count that is no number >= 0.
 */
export async function readVocabulary(path: string, source: string, rows: number, keep: number): Promise<Vocabulary> {
  const where = `(vocabulary ${JSON.stringify(path)} of ${JSON.stringify(source)})`;
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`the vocabulary file ${JSON.stringify(path)} of ${JSON.stringify(source)} is missing (it names the matrix's rows)`);
    throw e;
  }
  const lines = text.length === 0 ? [] : text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== rows) throw new Error(`the vocabulary has ${lines.length} words, the matrix ${rows} rows ${where}`);
  const withCounts = lines.length > 0 && lines[0]!.includes('\t');
  const keys: string[] = new Array<string>(keep);
  const counts = withCounts ? new Float64Array(keep) : undefined;
  for (let i = 0; i < keep; i++) {
    const line = lines[i]!;
    const tab = line.indexOf('\t');
    if ((tab >= 0) !== withCounts) throw new Error(`line ${i + 1} ${withCounts ? 'has no count' : 'has a tab'}, unlike line 1 ${where}`);
    keys[i] = tab >= 0 ? line.slice(0, tab) : line;
    if (keys[i]!.length === 0) throw new Error(`line ${i + 1} has an empty word ${where}`);
    if (counts) {
      const count = Number(line.slice(tab + 1));
      if (!/^\s*\S/.test(line.slice(tab + 1)) || !Number.isFinite(count) || count < 0) {
        throw new Error(`line ${i + 1}: count must be a number >= 0, got ${JSON.stringify(line.slice(tab + 1))} ${where}`);
      }
      counts[i] = count;
    }
  }
  return counts ? { keys, counts } : { keys };
}
