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

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { constants as bufferConstants } from 'node:buffer';

import { writeFileAtomically } from './atomic-write';

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

/** Largest dimension accepted when reading or writing. */
const MAX_DIM = 100000;
/** Bytes of rows encoded per block when streaming. */
const BLOCK_BYTES = 1 << 20;
const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A strictly decimal number, as C's `%lf`/`%f`/`%g` or Python's `repr` write it. */
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** What C's printf writes for non-finite values (`nan`, `-nan`, `inf`, ...). */
const NONFINITE_RE = /^[+-]?(?:nan|inf|infinity)(?:\([0-9a-z_]*\))?$/i;
/** Bytes a key must not contain: they would break the row structure (or C strings). */
const BAD_KEY_RE = /[\0\t\n\r ]|[^\0-\xff]/;

/** Thrown internally when a prefix of a file was given and more bytes are needed. */
class NeedMoreData extends Error {
  constructor() {
    super('need more data');
  }
}

interface Source {
  /** The bytes (the whole file, or a prefix of it). */
  data: Buffer;
  /** Size of the whole file; `data.length` when `data` is the whole file. */
  total: number;
  /** Name used in error messages. */
  name: string;
}

interface Header {
  words: number;
  dim: number;
  /** Offset of the first byte after the header line. */
  end: number;
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Shows a byte-string word or line in an error message (UTF-8 when possible, quoted). */
function show(bytes: string, max = 60): string {
  const s = bytes.length > max ? bytes.slice(0, max) : bytes;
  return JSON.stringify(Buffer.from(s, 'latin1').toString('utf8')) + (bytes.length > max ? '...' : '');
}

function where(src: Source | string, at: string): string {
  const name = typeof src === 'string' ? src : src.name;
  return at ? `(file ${name}, ${at})` : `(file ${name})`;
}

function fail(src: Source, message: string, at = ''): never {
  throw new Error(`${message} ${where(src, at)}`);
}

/** Index of `byte` in `data[from, to)`, or -1; never scans past `to`. */
function indexIn(data: Buffer, byte: number, from: number, to: number): number {
  if (from >= to) return -1;
  const i = data.indexOf(byte, from);
  return i >= 0 && i < to ? i : -1;
}

/** True when `src.data` is only a prefix of the file (more bytes exist). */
function isPrefix(src: Source): boolean {
  return src.data.length < src.total;
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new RangeError(`word2vec limit must be a non-negative integer, got ${String(limit)}`);
  }
}

function checkFormat(format: unknown): asserts format is Word2VecFormat {
  if (format !== 'word2vec-binary' && format !== 'word2vec-text') {
    throw new Error(`unknown word2vec format ${JSON.stringify(format)}, expected "word2vec-binary" or "word2vec-text"`);
  }
}

/** Minimum bytes `words` rows of `dim` values need after the header. */
function minRowBytes(format: Word2VecFormat, dim: number): number {
  // binary: 1-byte word, space, dim float32 (the trailing '\n' is optional);
  // text: 1-byte word, then dim times " 0", then '\n' (or end of file).
  return format === 'word2vec-binary' ? dim * 4 + 2 : 2 * dim + 2;
}

// ---------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------

function parseHeader(src: Source, checkSize = true): Header {
  const { data } = src;
  if (data.length === 0) fail(src, 'word2vec file is empty');
  const maxHeader = 1024;
  let nl = indexIn(data, NL, 0, Math.min(data.length, maxHeader));
  let end: number;
  if (nl < 0) {
    if (data.length < maxHeader && isPrefix(src)) throw new NeedMoreData();
    if (data.length >= maxHeader) {
      fail(src, `word2vec header must be "<words> <dim>", got ${show(data.toString('latin1', 0, 60))}`, 'line 1');
    }
    nl = data.length; // a header-only file without a newline
    end = nl;
  } else {
    end = nl + 1;
  }
  const line = data.toString('latin1', 0, nl).replace(/\r$/, '');
  const tokens = line.split(/[ \t]+/).filter((t) => t.length > 0);
  if (tokens.length !== 2) {
    fail(src, `word2vec header must be "<words> <dim>", got ${show(line)}`, 'line 1');
  }
  const [wordsText, dimText] = tokens as [string, string];
  if (!/^\+?\d+$/.test(wordsText)) {
    fail(src, `word2vec header word count must be a non-negative integer, got ${show(wordsText)}`, 'line 1');
  }
  if (!/^\+?\d+$/.test(dimText) || Number(dimText) === 0) {
    fail(src, `word2vec header dimension must be a positive integer, got ${show(dimText)}`, 'line 1');
  }
  const words = Number(wordsText);
  const dim = Number(dimText);
  if (dim > MAX_DIM) {
    fail(src, `word2vec header dimension ${dimText} exceeds the maximum of ${MAX_DIM}`, 'line 1');
  }
  // Never trust the header before checking it against the file size: the
  // smallest possible rows (text) must fit in what follows the header.
  if (checkSize) checkRowsFit(src, { words, dim, end }, 'word2vec-text', wordsText);
  return { words, dim, end };
}

function checkRowsFit(src: Source, header: Header, format: Word2VecFormat, wordsText?: string): void {
  const need = header.words * minRowBytes(format, header.dim);
  const have = src.total - header.end;
  if (need > have) {
    const w = wordsText ?? String(header.words);
    const kind = format === 'word2vec-binary' ? ' as word2vec-binary' : '';
    fail(
      src,
      `word2vec header declares ${w} words of dimension ${header.dim}, which need at least ${need} bytes${kind}, ` +
        `but only ${have} bytes follow the header`,
      'line 1',
    );
  }
}

// ---------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------

interface TextProbe {
  /** Number of value tokens on the line after the word. */
  count: number;
  /** Every value token looks like a number (including nan/inf). */
  numeric: boolean;
}

/**
 * Looks at the text line starting at `pos` (a row): counts the value tokens
 * after the word and whether all of them look like numbers. Stops early at the
 * first non-number or after `dim + 1` values. Returns null when the answer
 * depends on bytes beyond the end of `data`.
 */
function probeTextRow(data: Buffer, pos: number, dim: number, atEnd: boolean): TextProbe | null {
  const end = data.length;
  let i = pos;
  while (i < end && data[i] !== SPACE && data[i] !== TAB && data[i] !== NL) i++;
  if (i === pos || i >= end) return i >= end && !atEnd ? null : { count: 0, numeric: false };
  let count = 0;
  while (true) {
    while (i < end && (data[i] === SPACE || data[i] === TAB)) i++;
    if (i >= end) return atEnd ? { count, numeric: count > 0 } : null;
    if (data[i] === NL || (data[i] === CR && (i + 1 >= end || data[i + 1] === NL))) {
      if (data[i] === CR && i + 1 >= end && !atEnd) return null;
      return { count, numeric: count > 0 };
    }
    const start = i;
    while (i < end && data[i] !== SPACE && data[i] !== TAB && data[i] !== NL && data[i] !== CR) i++;
    if (i >= end && !atEnd) return null;
    const token = data.toString('latin1', start, i);
    if (!NUMBER_RE.test(token) && !NONFINITE_RE.test(token)) return { count: count + 1, numeric: false };
    count++;
    if (count > dim) return { count, numeric: true };
  }
}

type BinaryProbe = 'strong' | 'weak' | 'no' | null;

/**
 * Checks whether a binary row starts at `pos`: a word, a space, `dim * 4`
 * bytes, then '\n' or end of data ('strong'), or directly the next word
 * followed by a space ('weak', as gensim writes). null: needs more data.
 */
function probeBinaryRow(src: Source, pos: number, dim: number, rowsLeft: number): BinaryProbe {
  const { data } = src;
  const space = data.indexOf(SPACE, pos);
  if (space < 0) return isPrefix(src) ? null : 'no';
  if (space === pos || indexIn(data, NL, pos, space) >= 0) return 'no';
  const after = space + 1 + dim * 4;
  if (after > data.length) return isPrefix(src) ? null : 'no';
  // Ending right after the first row is only right for a one-row file.
  if (after === data.length) return isPrefix(src) ? null : rowsLeft <= 1 ? 'strong' : 'weak';
  if (data[after] === NL) return 'strong';
  if (rowsLeft <= 1) return 'no';
  // gensim writes no '\n': the next row's word must follow directly.
  const next = data.indexOf(SPACE, after);
  if (next < 0) return isPrefix(src) ? null : 'no';
  if (next === after || indexIn(data, NL, after, next) >= 0 || next - after > 1000) return 'no';
  return 'weak';
}

function detectFrom(src: Source, header: Header, sizeKnown: boolean): Word2VecFormat {
  const { data } = src;
  if (header.words === 0) return 'word2vec-text';
  // When the file is too small for the declared rows as binary, it is not binary.
  const binaryFits = !sizeKnown || header.words * minRowBytes('word2vec-binary', header.dim) <= src.total - header.end;
  let pos = header.end;
  while (pos < data.length && (data[pos] === NL || data[pos] === CR)) pos++;
  if (pos >= data.length) {
    if (isPrefix(src)) throw new NeedMoreData();
    fail(src, `file ended after 0 of ${header.words} rows`, `byte ${pos}`);
  }
  const text = probeTextRow(data, pos, header.dim, !isPrefix(src));
  if (text && text.numeric && text.count === header.dim) return 'word2vec-text';
  const binary = probeBinaryRow(src, pos, header.dim, header.words);
  if (binary === 'strong' && binaryFits) return 'word2vec-binary';
  // A line of numbers of the wrong count is a malformed text file: decoding it
  // as text gives the precise error.
  if (text && text.numeric) return 'word2vec-text';
  if (binary === 'weak' && binaryFits) return 'word2vec-binary';
  if (text === null || binary === null) throw new NeedMoreData();
  // A binary first row in a file too small for the declared rows: say so.
  if (binary !== 'no') checkRowsFit(src, header, 'word2vec-binary');
  fail(
    src,
    `could not detect the word2vec format: the first row is neither a word and ${header.dim} numbers (text) ` +
      `nor a word, a space and ${header.dim * 4} bytes of float32 (binary)`,
    `byte ${pos}`,
  );
}

/**
 * Detects whether word2vec data is text or binary from its content (not from a
 * file name). `head` is the start of the file: it must hold at least the header
 * and the first row. A file whose header declares 0 words is the same in both
 * formats and is reported as `word2vec-text`.
 *
 * @throws Error when the header is invalid or the first row fits neither format.
 */
export function detectWord2VecFormat(head: Buffer): Word2VecFormat {
  const src: Source = { data: head, total: head.length, name: '<buffer>' };
  // `head` may be only the start of the file: its size says nothing about the
  // row count the header declares.
  return detectFrom(src, parseHeader(src, false), false);
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

interface DecodeOptions {
  format?: Word2VecFormat;
  limit?: number;
}

function decodeFrom(src: Source, options: DecodeOptions): VectorTable {
  checkLimit(options.limit);
  if (options.format !== undefined) checkFormat(options.format);
  const header = parseHeader(src);
  const rows = options.limit === undefined ? header.words : Math.min(options.limit, header.words);
  if (rows === 0) return { keys: [], dim: header.dim, vectors: new Float32Array(0) };
  const format = options.format ?? detectFrom(src, header, true);
  checkRowsFit(src, header, format);
  const complete = rows === header.words;
  return format === 'word2vec-binary'
    ? decodeBinary(src, header, rows, complete)
    : decodeText(src, header, rows, complete);
}

/** After the last declared row only blank space may follow. */
function checkTrailing(src: Source, pos: number, header: Header): void {
  const { data } = src;
  for (let i = pos; i < data.length; i++) {
    const b = data[i];
    if (b !== NL && b !== CR && b !== SPACE && b !== TAB) {
      fail(src, `file has data after the ${header.words} rows declared in the header`, `byte ${i}`);
    }
  }
  if (isPrefix(src)) throw new NeedMoreData();
}

function decodeBinary(src: Source, header: Header, rows: number, complete: boolean): VectorTable {
  const { data } = src;
  const { dim } = header;
  const rowBytes = dim * 4;
  const keys = new Array<string>(rows);
  const vectors = new Float32Array(rows * dim);
  const out = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  let pos = header.end;
  for (let r = 0; r < rows; r++) {
    const rowStart = pos;
    while (pos < data.length && data[pos] === NL) pos++;
    const space = data.indexOf(SPACE, pos);
    if (space < 0 || space + 1 + rowBytes > data.length) {
      if (isPrefix(src)) throw new NeedMoreData();
      fail(src, `file ended after ${r} of ${header.words} rows`, `byte ${rowStart}`);
    }
    if (space === pos) fail(src, `row ${r + 1} has an empty word`, `byte ${pos}`);
    const nl = data.subarray(pos, space).indexOf(NL);
    if (nl >= 0) {
      fail(src, `row ${r + 1} word contains a newline (corrupt file or not word2vec-binary)`, `byte ${pos + nl}`);
    }
    const key = data.toString('latin1', pos, space);
    const from = space + 1;
    const o = r * dim;
    if (LITTLE_ENDIAN) {
      out.set(data.subarray(from, from + rowBytes), o * 4);
    } else {
      for (let j = 0; j < dim; j++) vectors[o + j] = data.readFloatLE(from + j * 4);
    }
    for (let j = 0; j < dim; j++) {
      const v = vectors[o + j] as number;
      if (v - v !== 0) {
        fail(src, `row ${r + 1} value ${j + 1} for word ${show(key)} is not finite (${v})`, `byte ${from + j * 4}`);
      }
    }
    keys[r] = key;
    pos = from + rowBytes;
    if (pos < data.length && data[pos] === NL) pos++;
  }
  if (complete) checkTrailing(src, pos, header);
  return { keys, dim, vectors };
}

/** Exact powers of ten 1e0..1e22 (all exactly representable as doubles). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * Parses the decimal number in `data[s, e)` (`[+-]digits[.digits][e[+-]digits]`)
 * to the nearest double, like `Number()` does; NaN when it is not such a
 * number. Up to 15 significant digits and a power of ten within 1e±22 are
 * computed directly (exact operands, one rounding: Clinger's fast path);
 * anything else goes through `Number()`.
 */
function parseDecimal(data: Buffer, s: number, e: number): number {
  let i = s;
  let c = data[i] as number;
  const neg = c === 0x2d;
  if (neg || c === 0x2b) i++;
  let m = 0;
  let sig = 0;
  let exp = 0;
  let any = false;
  while (i < e && (c = data[i] as number) >= 0x30 && c <= 0x39) {
    any = true;
    if (m !== 0 || c !== 0x30) sig++;
    m = m * 10 + (c - 0x30);
    i++;
  }
  if (i < e && data[i] === 0x2e) {
    i++;
    while (i < e && (c = data[i] as number) >= 0x30 && c <= 0x39) {
      any = true;
      if (m !== 0 || c !== 0x30) sig++;
      m = m * 10 + (c - 0x30);
      exp--;
      i++;
    }
  }
  if (!any) return NaN;
  if (i < e && (data[i] === 0x65 || data[i] === 0x45)) {
    i++;
    const eneg = data[i] === 0x2d;
    if (eneg || data[i] === 0x2b) i++;
    let ev = 0;
    let ed = 0;
    while (i < e && (c = data[i] as number) >= 0x30 && c <= 0x39) {
      if (ev < 1e9) ev = ev * 10 + (c - 0x30);
      ed++;
      i++;
    }
    if (ed === 0) return NaN;
    exp += eneg ? -ev : ev;
  }
  if (i !== e) return NaN;
  if (sig > 15 || exp < -22 || exp > 22) return Number(data.toString('latin1', s, e));
  const v = exp < 0 ? m / (POW10[-exp] as number) : m * (POW10[exp] as number);
  return neg ? -v : v;
}

function decodeText(src: Source, header: Header, rows: number, complete: boolean): VectorTable {
  const { data } = src;
  const { dim } = header;
  const keys = new Array<string>(rows);
  const vectors = new Float32Array(rows * dim);
  let pos = header.end;
  let line = header.end > 0 && data[header.end - 1] === NL ? 2 : 1;
  for (let r = 0; r < rows; r++) {
    while (pos < data.length && (data[pos] === NL || data[pos] === CR)) {
      if (data[pos] === NL) line++;
      pos++;
    }
    if (pos >= data.length) {
      if (isPrefix(src)) throw new NeedMoreData();
      fail(src, `file ended after ${r} of ${header.words} rows`, `line ${line}`);
    }
    let lineEnd = data.indexOf(NL, pos);
    if (lineEnd < 0) {
      if (isPrefix(src)) throw new NeedMoreData();
      // A row without its newline ends the file: it was cut, perhaps inside its last value
      // ("0.071429" cut to "0.07" still parses). Every writer (the original, gensim,
      // fastText) ends each row with '\n', so this is refused rather than read as a value.
      fail(src, `file ended after ${r} of ${header.words} rows (line ${line} has no newline at its end)`, `line ${line}`);
    }
    // Trailing spaces, tabs and the CR of "\r\n" are not part of the row.
    let end = lineEnd;
    while (end > pos && (data[end - 1] === SPACE || data[end - 1] === TAB || data[end - 1] === CR)) end--;
    let i = pos;
    while (i < end && data[i] !== SPACE && data[i] !== TAB) i++;
    if (i === pos) fail(src, `line ${line} has an empty word`);
    const key = data.toString('latin1', pos, i);
    const o = r * dim;
    let count = 0;
    while (i < end) {
      while (i < end && (data[i] === SPACE || data[i] === TAB)) i++;
      if (i >= end) break;
      const start = i;
      while (i < end && data[i] !== SPACE && data[i] !== TAB) i++;
      if (count < dim) {
        const parsed = parseDecimal(data, start, i);
        if (parsed !== parsed) {
          const token = data.toString('latin1', start, i);
          const what = NONFINITE_RE.test(token) ? 'is not finite' : 'is not a number';
          fail(src, `line ${line} value ${count + 1} for word ${show(key)} ${what}: ${show(token)}`);
        }
        const v = Math.fround(parsed);
        if (v - v !== 0) {
          const token = data.toString('latin1', start, i);
          fail(src, `line ${line} value ${count + 1} for word ${show(key)} is not finite: ${show(token)}`);
        }
        vectors[o + count] = v;
      }
      count++;
    }
    if (count !== dim) fail(src, `line ${line} has ${count} values, expected ${dim} for word ${show(key)}`);
    keys[r] = key;
    pos = lineEnd < data.length ? lineEnd + 1 : lineEnd;
    line++;
  }
  if (complete) checkTrailing(src, pos, header);
  return { keys, dim, vectors };
}

/**
 * Decodes word2vec data (either format, detected from the content unless
 * `options.format` is given). Tolerant like the original and gensim readers:
 * '\n' before a word is skipped, binary rows may lack the trailing '\n', text
 * rows may have trailing spaces and '\r\n'.
 *
 * @param data The whole file.
 * @param options `format` forces a format; `limit` reads only the first
 *   `limit` rows; `source` names the file in error messages.
 * @throws Error naming the problem, the file and the line or byte offset, for
 *   an invalid header, sizes the data cannot hold, truncated data, a text row
 *   with the wrong number of values, an unparsable or non-finite value.
 */
export function decodeWord2Vec(
  data: Buffer,
  options: { format?: Word2VecFormat; limit?: number; source?: string } = {},
): VectorTable {
  return decodeFrom({ data, total: data.length, name: options.source ?? '<buffer>' }, options);
}

/** Reads `length` bytes of `fh` at `position` into `buf` at `offset`, looping over short reads. */
async function readFully(fh: FileHandle, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, offset + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * Reads a word2vec file (either format, detected from the content unless
 * `options.format` is given). With `limit`, only the first `limit` rows are
 * read, and only as much of the file as they need.
 *
 * @throws Error as {@link decodeWord2Vec} does, naming `path`; or the file
 *   system's error.
 */
export async function readWord2Vec(
  path: string,
  options: { format?: Word2VecFormat; limit?: number } = {},
): Promise<VectorTable> {
  checkLimit(options.limit);
  const fh = await open(path, 'r');
  try {
    const total = (await fh.stat()).size;
    if (total > bufferConstants.MAX_LENGTH) {
      throw new Error(`word2vec file is too large to read into memory (${total} bytes) (file ${path})`);
    }
    // Without a limit the whole file is needed; with one, read a prefix and
    // double it until the rows asked for are in it.
    const first = options.limit === undefined ? total : Math.min(total, 1 << 20);
    let data = Buffer.allocUnsafe(first);
    data = data.subarray(0, await readFully(fh, data, 0, first, 0));
    let size = data.length < first ? data.length : total; // the file may shrink while read
    for (;;) {
      try {
        return decodeFrom({ data, total: size, name: path }, options);
      } catch (e) {
        if (!(e instanceof NeedMoreData)) throw e;
      }
      const next = Math.min(size, data.length * 2);
      const grown = Buffer.allocUnsafe(next);
      data.copy(grown, 0);
      const got = await readFully(fh, grown, data.length, next - data.length, data.length);
      if (data.length + got < next) size = data.length + got;
      data = grown.subarray(0, data.length + got);
    }
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/** Most bytes {@link writeLf} writes for one float32 value: "-", 39 digits, ".000000". */
const MAX_LF_BYTES = 47;

/**
 * Writes a float32 value at `buf[off]` exactly as C's `printf("%lf", (double)v)`
 * does: 6 decimals rounded from the exact binary value, ties to even, a '-'
 * for negative values (also -0 and negatives that round to zero), all integer
 * digits. Returns the offset after it.
 */
function writeLf(buf: Buffer, off: number, v: number): number {
  if (v < 0 || Object.is(v, -0)) buf[off++] = 0x2d;
  const a = Math.abs(v);
  const x = a * 1e6; // exact for float32 values: a 24-bit mantissa times 15625 * 2^6
  if (x >= 9007199254740992) {
    // |v| >= 2^53 / 1e6 > 2^24: a float32 this large is an integer.
    return off + buf.write(`${BigInt(a).toString()}.000000`, off, 'latin1');
  }
  const f = Math.floor(x);
  const d = x - f;
  const n = d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  let frac = n % 1e6;
  let int = (n - frac) / 1e6;
  let len = 1;
  for (let p = 10; p <= int; p *= 10) len++;
  for (let k = off + len - 1; k >= off; k--) {
    const digit = int % 10;
    buf[k] = 0x30 + digit;
    int = (int - digit) / 10;
  }
  off += len;
  buf[off++] = 0x2e;
  for (let k = off + 5; k >= off; k--) {
    const digit = frac % 10;
    buf[k] = 0x30 + digit;
    frac = (frac - digit) / 10;
  }
  return off + 6;
}

function checkTable(table: VectorTable, format: Word2VecFormat): void {
  checkFormat(format);
  checkTableShape(table);
}

function checkTableShape(table: VectorTable): void {
  const { keys, dim, vectors } = table;
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) {
    throw new Error(`word2vec dimension must be an integer from 1 to ${MAX_DIM}, got ${String(dim)}`);
  }
  if (!(vectors instanceof Float32Array)) throw new Error('word2vec vectors must be a Float32Array');
  if (vectors.length !== keys.length * dim) {
    throw new Error(
      `word2vec table has ${vectors.length} values, expected ${keys.length} keys * ${dim} = ${keys.length * dim}`,
    );
  }
}

function checkRow(table: VectorTable, r: number): string {
  const key = table.keys[r];
  if (typeof key !== 'string' || key.length === 0) {
    throw new Error(`word2vec key ${r} is empty or not a string`);
  }
  if (BAD_KEY_RE.test(key)) {
    throw new Error(
      `word2vec key ${r} ${show(key)} contains a space, tab, newline, carriage return, NUL, ` +
        'or a char above \\xff (keys are byte strings, one char per byte)',
    );
  }
  const { dim, vectors } = table;
  const o = r * dim;
  for (let j = 0; j < dim; j++) {
    const v = vectors[o + j] as number;
    if (v - v !== 0) throw new Error(`word2vec value ${j + 1} of word ${show(key)} (row ${r + 1}) is not finite (${v})`);
  }
  return key;
}

/**
 * The buffers blocks are encoded into. A writer that is done with each block before it asks
 * for the next (writeFileAtomically) lets one buffer serve them all: a save then allocates
 * one block, not the file's size in garbage blocks.
 */
class BlockBuffers {
  private buffer: Buffer | undefined;
  constructor(private readonly reuse: boolean) {}
  get(size: number): Buffer {
    if (!this.reuse) return Buffer.allocUnsafe(size);
    if (!this.buffer || this.buffer.length < size) this.buffer = Buffer.allocUnsafe(size);
    return this.buffer;
  }
}

/**
 * Yields the encoded file in blocks of about {@link BLOCK_BYTES}: header first, then rows.
 * With `reuse`, each block is valid only until the next is asked for.
 */
function* encodeBlocks(table: VectorTable, format: Word2VecFormat, reuse = false): Generator<Buffer> {
  checkTable(table, format);
  const { keys, dim, vectors } = table;
  yield Buffer.from(`${keys.length} ${dim}\n`, 'latin1');
  const n = keys.length;
  const buffers = new BlockBuffers(reuse);
  if (format === 'word2vec-binary') {
    const rowBytes = dim * 4;
    const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
    let r = 0;
    while (r < n) {
      let size = 0;
      let end = r;
      while (end < n && (end === r || size < BLOCK_BYTES)) {
        size += String(keys[end]).length + rowBytes + 2;
        end++;
      }
      const buf = buffers.get(size);
      let off = 0;
      for (; r < end; r++) {
        const key = checkRow(table, r);
        off += buf.write(key, off, 'latin1');
        buf[off++] = SPACE;
        if (LITTLE_ENDIAN) {
          buf.set(bytes.subarray(r * rowBytes, (r + 1) * rowBytes), off);
        } else {
          for (let j = 0; j < dim; j++) buf.writeFloatLE(vectors[r * dim + j] as number, off + j * 4);
        }
        off += rowBytes;
        buf[off++] = NL;
      }
      yield buf.subarray(0, off);
    }
  } else {
    yield* encodeTextRows(table, LF_VALUES, buffers);
  }
}

/** How the values of a text row are printed. */
export interface TextValueFormat {
  /** Most bytes `write` writes for one value. */
  maxBytes: number;
  /** Writes finite value `v` at `buf[off]`; returns the offset after it. */
  write(buf: Buffer, off: number, v: number): number;
}

/** The original's `%lf`. */
const LF_VALUES: TextValueFormat = { maxBytes: MAX_LF_BYTES, write: writeLf };

/**
 * The rows of the text layout, `word v1 v2 ... vd \n` (each value followed by a space), values
 * printed by `values`, in blocks; checks each key and value as {@link encodeWord2Vec} does.
 * Without the header line: see {@link encodeTextTable}.
 */
function* encodeTextRows(table: VectorTable, values: TextValueFormat, buffers: BlockBuffers): Generator<Buffer> {
  const { keys, dim, vectors } = table;
  const n = keys.length;
  const rowMax = dim * (values.maxBytes + 1) + 2;
  let r = 0;
  while (r < n) {
    let size = 0;
    let end = r;
    while (end < n && (end === r || size < 4 * BLOCK_BYTES)) {
      size += String(keys[end]).length + rowMax;
      end++;
    }
    const buf = buffers.get(size);
    let off = 0;
    for (; r < end; r++) {
      const key = checkRow(table, r);
      off += buf.write(key, off, 'latin1');
      buf[off++] = SPACE;
      const o = r * dim;
      for (let j = 0; j < dim; j++) {
        off = values.write(buf, off, vectors[o + j] as number);
        buf[off++] = SPACE;
      }
      buf[off++] = NL;
    }
    yield buf.subarray(0, off);
  }
}

/**
 * A table in the text layout of word2vec `-binary 0` (header `"<words> <dim>\n"`, then
 * `word v1 v2 ... vd \n` per row) with values printed by `values`: fastText's `.vec` is this
 * layout with `%.5g` values. Yields blocks of about 4 MiB; with `reuse`, each block is valid only
 * until the next is asked for.
 *
 * @throws Error as {@link encodeWord2Vec} does.
 */
export function* encodeTextTable(table: VectorTable, values: TextValueFormat, reuse = false): Generator<Buffer> {
  checkTableShape(table);
  yield Buffer.from(`${table.keys.length} ${table.dim}\n`, 'latin1');
  yield* encodeTextRows(table, values, new BlockBuffers(reuse));
}

/**
 * Encodes a table to the exact bytes the original word2vec C tool writes:
 * the header `"<words> <dim>\n"`, then per row the word and a space, then
 * either `dim` little-endian float32 (binary) or each value as C's `%lf`
 * followed by a space (text), then `\n`. Builds the whole file in memory: use
 * {@link writeWord2Vec} for large tables.
 *
 * @throws Error for a malformed table, a key that is empty or contains a space,
 *   tab, newline, CR, NUL or a char above \xff, or a non-finite value (naming
 *   the word).
 */
export function encodeWord2Vec(table: VectorTable, format: Word2VecFormat): Buffer {
  return Buffer.concat([...encodeBlocks(table, format)]);
}

/**
 * Writes a table in a word2vec format, atomically: the data goes to
 * `${path}.tmp-<pid>-<random>` in the same directory, which is fsynced and
 * renamed over `path`. On any error (including a non-finite value or a bad
 * key found while encoding) the temporary file is removed and a previous file
 * at `path` is left untouched. Rows are encoded and written in blocks.
 *
 * @throws Error as {@link encodeWord2Vec} does; or the file system's error.
 */
export async function writeWord2Vec(path: string, table: VectorTable, format: Word2VecFormat): Promise<void> {
  checkTable(table, format);
  await writeFileAtomically(path, encodeBlocks(table, format, true));
}
