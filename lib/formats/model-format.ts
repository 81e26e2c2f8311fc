/**
 * The model file formats, told apart by content (for loading) or by file name (for the CLI).
 *
 * @module
 */

import { open } from 'node:fs/promises';

import { describeValue } from '../util/errors';
import { NATIVE_MODEL_MAGIC } from './native-model';
import { detectWord2VecFormat } from './word2vec';

/**
 * A model file format:
 * - `'word2vec-binary'`: the original word2vec's `-binary 1` (header line, then per word its
 *   bytes, a space, dim little-endian float32 and `\n`);
 * - `'word2vec-text'`: its `-binary 0` (values as C's `%lf`);
 * - `'vec'`: fastText's `.vec` (the same text layout, values as `%.5g`);
 * - `'native'`: this package's memory-mappable format (see formats/native-model.ts).
 */
export type ModelFormat = 'word2vec-binary' | 'word2vec-text' | 'vec' | 'native';

/** Every {@link ModelFormat}. */
export const MODEL_FORMATS: readonly ModelFormat[] = ['word2vec-binary', 'word2vec-text', 'vec', 'native'];

const EXTENSIONS: Record<string, ModelFormat> = {
  '.bin': 'word2vec-binary',
  '.txt': 'word2vec-text',
  '.vec': 'vec',
  '.w2vn': 'native',
};

/** The extension {@link modelFormatOfPath} maps to each format. */
export const MODEL_FORMAT_EXTENSIONS: Readonly<Record<ModelFormat, string>> = {
  'word2vec-binary': '.bin',
  'word2vec-text': '.txt',
  vec: '.vec',
  native: '.w2vn',
};

/** Bytes of a file looked at to detect its format: a header and a first row of any dim. */
const HEAD_BYTES = 4 << 20;

/** Throws unless `format` is a {@link ModelFormat}. */
export function checkModelFormat(format: unknown): asserts format is ModelFormat {
  if (!MODEL_FORMATS.includes(format as ModelFormat)) {
    throw new TypeError(`format must be "word2vec-binary", "word2vec-text", "vec" or "native", got ${describeValue(format)}`);
  }
}

/** The format a file name's extension (case-insensitive) stands for: .bin, .txt, .vec, .w2vn; else undefined. */
export function modelFormatOfPath(path: string): ModelFormat | undefined {
  const m = /\.[^./\\]+$/.exec(path);
  return m ? EXTENSIONS[m[0].toLowerCase()] : undefined;
}

/** Whether `head` is the native magic or, for a file shorter than it, a prefix of it. */
export function startsLikeNativeModel(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  const n = Math.min(head.length, NATIVE_MODEL_MAGIC.length);
  for (let i = 0; i < n; i++) if (head[i] !== NATIVE_MODEL_MAGIC[i]) return false;
  return true;
}

/** `%lf` prints exactly 6 decimals: a row of only such values is word2vec text, else .vec. */
const LF_VALUE_RE = /^-?\d+\.\d{6}$/;

/**
 * Detects the format from the start of a file (at least its header and first row).
 * word2vec text and `.vec` share their layout and reader; the first row's numbers tell them
 * apart: all printed with exactly 6 decimals (C's `%lf`) is `'word2vec-text'`, anything else
 * (fastText's `%.5g`, gensim's shortest repr) is `'vec'`. A text file with no rows is
 * `'word2vec-text'`.
 *
 * @throws Error when the bytes are none of the formats.
 */
export function detectModelFormatOfBytes(head: Buffer): ModelFormat {
  if (startsLikeNativeModel(head)) return 'native';
  const format = detectWord2VecFormat(head);
  if (format === 'word2vec-binary') return format;
  let pos = head.indexOf(0x0a) + 1;
  while (pos > 0 && pos < head.length && (head[pos] === 0x0a || head[pos] === 0x0d)) pos++;
  if (pos <= 0 || pos >= head.length) return 'word2vec-text';
  const end = head.indexOf(0x0a, pos);
  const values = head
    .toString('latin1', pos, end < 0 ? head.length : end)
    .trim()
    .split(/[ \t]+/)
    .slice(1);
  return values.length > 0 && values.every((v) => LF_VALUE_RE.test(v)) ? 'word2vec-text' : 'vec';
}

/**
 * Detects a model file's format from its content (see {@link detectModelFormatOfBytes}).
 *
 * @throws Error when the file is none of the formats (naming it); or the file system's error.
 */
export async function detectModelFormat(path: string): Promise<ModelFormat> {
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    const size = Math.min((await fh.stat()).size, HEAD_BYTES);
    head = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(head, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    head = head.subarray(0, done);
  } finally {
    await fh.close();
  }
  try {
    return detectModelFormatOfBytes(head);
  } catch (e) {
    throw new Error((e as Error).message.replace('(file <buffer>', `(file ${path}`));
  }
}
