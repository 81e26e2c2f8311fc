/**
 * Writing the original word2vec tool's two formats, byte-compatible with it (values as C's
 * `%lf`), and the text-table encoder fastText's .vec shares.
 *
 * @module
 */
import { writeFileAtomically } from './atomic-write';
import {
  maxModelDim, BLOCK_BYTES, NL, SPACE, LITTLE_ENDIAN, BAD_KEY_RE, show, checkFormat, type Word2VecFormat, type VectorTable,
} from './word2vec-common';

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
  if (!Number.isInteger(dim) || dim < 1 || dim > maxModelDim()) {
    throw new Error(`word2vec dimension must be an integer from 1 to ${maxModelDim()}, got ${String(dim)}`);
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
 * for the block after the next (writeFileAtomically with `ahead`: it writes one block while the
 * next is encoded) lets two buffers, in turn, serve them all: a save then allocates two
 * blocks, not the file's size in garbage blocks.
 */
class BlockBuffers {
  private readonly buffers: (Buffer | undefined)[] = [undefined, undefined];
  private turn = 0;
  constructor(private readonly reuse: boolean) {}
  get(size: number): Buffer {
    if (!this.reuse) return Buffer.allocUnsafe(size);
    this.turn ^= 1;
    const held = this.buffers[this.turn];
    if (held && held.length >= size) return held;
    const fresh = Buffer.allocUnsafe(size);
    this.buffers[this.turn] = fresh;
    return fresh;
  }
}

/**
 * Rows [start, end) of each block: rows are added while the block's bytes (each row's key plus
 * `rowBytes`) stay under `limit`, and a block holds at least one row.
 */
function* rowBlocks(keys: readonly string[], rowBytes: number, limit: number): Generator<{ start: number; end: number; size: number }> {
  const n = keys.length;
  for (let start = 0; start < n; ) {
    let size = 0;
    let end = start;
    while (end < n && (end === start || size < limit)) {
      size += String(keys[end]).length + rowBytes;
      end++;
    }
    yield { start, end, size };
    start = end;
  }
}

/**
 * Yields the encoded file in blocks of about {@link BLOCK_BYTES}: header first, then rows.
 * With `reuse`, each block is valid only until the block after the next is asked for.
 */
function* encodeBlocks(table: VectorTable, format: Word2VecFormat, reuse = false): Generator<Buffer> {
  checkTable(table, format);
  const { keys, dim, vectors } = table;
  yield Buffer.from(`${keys.length} ${dim}\n`, 'latin1');
  const buffers = new BlockBuffers(reuse);
  if (format === 'word2vec-binary') {
    const rowBytes = dim * 4;
    const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
    for (const { start, end, size } of rowBlocks(keys, rowBytes + 2, BLOCK_BYTES)) {
      const buf = buffers.get(size);
      let off = 0;
      for (let r = start; r < end; r++) {
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
  const rowMax = dim * (values.maxBytes + 1) + 2;
  for (const { start, end, size } of rowBlocks(keys, rowMax, 4 * BLOCK_BYTES)) {
    const buf = buffers.get(size);
    let off = 0;
    for (let r = start; r < end; r++) {
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
 * until the block after the next is asked for.
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
  await writeFileAtomically(path, encodeBlocks(table, format, true), { ahead: true });
}
