/**
 * Reading the original word2vec tool's two formats (`-binary 1` and `-binary 0`), byte-exact
 * and tolerant of the variants other tools (gensim) write; which of the two a file is, from
 * its first bytes.
 *
 * @module
 */
import { constants as bufferConstants } from 'node:buffer';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

import {
  maxModelDim, NL, CR, SPACE, TAB, LITTLE_ENDIAN, NUMBER_RE, NONFINITE_RE, NeedMoreData, show, fail, indexIn, isPrefix, checkLimit, checkFormat, minRowBytes, type Word2VecFormat, type VectorTable, type Source, type Header,
} from './word2vec-common';

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
  if (dim > maxModelDim()) {
    fail(src, `word2vec header dimension ${dimText} exceeds the maximum of ${maxModelDim()}`, 'line 1');
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
