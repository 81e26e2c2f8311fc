/**
 * What the word2vec reader and writer share: the table and format types, byte constants and
 * the helpers that name a file and a word in an error message.
 *
 * @module
 */
import { nativeLimits } from '../native/addon';

/**
 * The two formats of the original word2vec tool: `word2vec-binary` (`-binary 1`:
 * each row is the word, a space, `dim` little-endian float32 and `\n`) and
 * `word2vec-text` (`-binary 0`: each row is the word and `dim` values printed
 * with C's `%lf`, each followed by a space, then `\n`). Both start with the
 * header line `"<words> <dim>\n"`.
 */
export type Word2VecFormat = 'word2vec-binary' | 'word2vec-text';

/**
 * A table of word vectors.
 *
 * `keys[i]` is the word of row `i` as a byte string (each char code 0..255 is
 * one byte of the word's UTF-8 bytes, as `buffer.toString('latin1')` gives);
 * `vectors` holds `keys.length * dim` values, row-major.
 */
export interface VectorTable {
  /** The words, as byte strings (one char per byte, `latin1`). */
  keys: readonly string[];
  /** Number of values per word (the vector dimension). */
  dim: number;
  /** `keys.length * dim` values, row `i` at `[i * dim, (i + 1) * dim)`. */
  vectors: Float32Array;
}

/** Largest dimension accepted when reading or writing: the native limit (native/core/w2v_limits.h) every layer checks. */
export function maxModelDim(): number {
  return nativeLimits().maxModelDim;
}
/** Bytes of rows encoded per block when streaming. */
export const BLOCK_BYTES = 1 << 20;
export const NL = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const TAB = 0x09;

export { HOST_IS_LITTLE_ENDIAN as LITTLE_ENDIAN } from './little-endian';

/** A strictly decimal number, as C's `%lf`/`%f`/`%g` or Python's `repr` write it. */
export const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** What C's printf writes for non-finite values (`nan`, `-nan`, `inf`, ...). */
export const NONFINITE_RE = /^[+-]?(?:nan|inf|infinity)(?:\([0-9a-z_]*\))?$/i;
/** Bytes a key must not contain: they would break the row structure (or C strings). */
export const BAD_KEY_RE = /[\0\t\n\r ]|[^\0-\xff]/;

/** Thrown internally when a prefix of a file was given and more bytes are needed. */
export class NeedMoreData extends Error {
  constructor() {
    super('need more data');
  }
}

export interface Source {
  /** The bytes (the whole file, or a prefix of it). */
  data: Buffer;
  /** Size of the whole file; `data.length` when `data` is the whole file. */
  total: number;
  /** Name used in error messages. */
  name: string;
}

export interface Header {
  words: number;
  dim: number;
  /** Offset of the first byte after the header line. */
  end: number;
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Shows a byte-string word or line in an error message (UTF-8 when possible, quoted). */
export function show(bytes: string, max = 60): string {
  const s = bytes.length > max ? bytes.slice(0, max) : bytes;
  return JSON.stringify(Buffer.from(s, 'latin1').toString('utf8')) + (bytes.length > max ? '...' : '');
}

export function where(src: Source | string, at: string): string {
  const name = typeof src === 'string' ? src : src.name;
  return at ? `(file ${name}, ${at})` : `(file ${name})`;
}

export function fail(src: Source, message: string, at = ''): never {
  throw new Error(`${message} ${where(src, at)}`);
}

/** Index of `byte` in `data[from, to)`, or -1; never scans past `to`. */
export function indexIn(data: Buffer, byte: number, from: number, to: number): number {
  if (from >= to) return -1;
  const i = data.indexOf(byte, from);
  return i >= 0 && i < to ? i : -1;
}

/** True when `src.data` is only a prefix of the file (more bytes exist). */
export function isPrefix(src: Source): boolean {
  return src.data.length < src.total;
}

export function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new RangeError(`word2vec limit must be a non-negative integer, got ${String(limit)}`);
  }
}

export function checkFormat(format: unknown): asserts format is Word2VecFormat {
  if (format !== 'word2vec-binary' && format !== 'word2vec-text') {
    throw new Error(`unknown word2vec format ${JSON.stringify(format)}, expected "word2vec-binary" or "word2vec-text"`);
  }
}

/** Minimum bytes `words` rows of `dim` values need after the header. */
export function minRowBytes(format: Word2VecFormat, dim: number): number {
  // binary: 1-byte word, space, dim float32 (the trailing '\n' is optional);
  // text: 1-byte word, then dim times " 0", then '\n' (or end of file).
  return format === 'word2vec-binary' ? dim * 4 + 2 : 2 * dim + 2;
}
