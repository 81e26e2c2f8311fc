/**
 * The native model format (`.w2vn`): a small header, the raw float32 matrices and the
 * vocabulary, laid out so that a reader can memory-map the file and view the vectors in place.
 * Opening a 1M x 300 model costs a header check, a vocabulary split and no copy of the
 * vectors; processes that open the same file share its pages through the page cache.
 *
 * Layout (all integers little-endian; the C++ core's native_model_format.h holds the same
 * table and does the validation):
 *
 * ```
 * offset size field
 *      0    8 magic: 89 57 32 56 4e 0d 0a 1a ("\x89W2VN\r\n\x1a")
 *      8    4 version (u32), 1
 *     12    4 flags (u32): bit 0 output vectors present, bit 1 counts present
 *     16    8 words (u64), at most 2^31 - 1
 *     24    4 dim (u32), 1 to 100000
 *     28    4 reserved, 0
 *     32    8 file size in bytes (u64)
 *     40   16 input vectors section: offset (u64), length (u64)
 *     56   16 output vectors section: offset, length (0, 0 when absent)
 *     72   16 counts section: offset, length (0, 0 when absent)
 *     88   16 vocabulary section: offset, length
 *    104   24 reserved, 0
 *    128      input vectors: words x dim float32, row-major
 *             zero padding to a multiple of 64, output vectors: words x dim float32 (flag bit 0)
 *             zero padding to a multiple of 64, counts: words float64 (flag bit 1)
 *             vocabulary: each word's bytes followed by '\n', in id order
 * ```
 *
 * The magic's first byte is not ASCII (a text transfer or a word2vec header cannot start
 * with it) and its `\r\n` and `\x1a` expose newline conversion, as PNG's do. Vector sections
 * start at multiples of 64 bytes (a cache line; the mapping itself is page-aligned), counts
 * at a multiple of 8. Words are byte strings: any bytes but `\n`, space, tab, CR and NUL, not
 * necessarily UTF-8. A reader refuses a file whose declared sizes disagree with its length in
 * any way, so a corrupt header can never make it view memory the file does not hold.
 *
 * @module
 */

import { open } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';

import { native, nativeLimits, type NativeModelLayout } from '../native/addon';
import { writeFileAtomically } from './atomic-write';
import type { ModelFormatModule } from './format-module';
import { HOST_IS_LITTLE_ENDIAN, littleEndianBlocks } from './little-endian';

/** The 8 bytes every native model file starts with. */
export const NATIVE_MODEL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x89, 0x57, 0x32, 0x56, 0x4e, 0x0d, 0x0a, 0x1a);

const HEADER_BYTES = 128;
const VERSION = 1;
const HAS_OUTPUT_VECTORS = 1;
const HAS_COUNTS = 2;
const VECTOR_ALIGNMENT = 64;
const MAX_WORDS = 2 ** 31 - 1;
/** Bytes of a matrix handed to one write. */
const WRITE_SLICE = 1 << 26;
/** Bytes a word must not contain; the other bytes (any of 0x01..0xff) are allowed. */
const BAD_KEY_RE = /[\0\t\n\r ]|[^\0-\xff]/;

/** What a native model file holds. */
export interface NativeModelTable {
  /** Words as byte strings (one char per byte, `latin1`), by id. */
  keys: readonly string[];
  /** Values per vector. */
  dim: number;
  /** `keys.length * dim` input vectors, row-major. */
  vectors: Float32Array;
  /** `keys.length * dim` output vectors, when the model has them. */
  outputVectors?: Float32Array | undefined;
  /** Corpus counts by id, when known. */
  counts?: Float64Array | undefined;
}

/** Options of {@link readNativeModel} and {@link decodeNativeModel}. */
export interface NativeModelReadOptions {
  /** Read only the first `limit` words (a non-negative integer). */
  limit?: number;
  /** Name of the file in error messages. */
  source?: string;
}

/** Whether `head` starts with the native model magic bytes. */
export function isNativeModel(head: Uint8Array): boolean {
  if (head.length < NATIVE_MODEL_MAGIC.length) return false;
  for (let i = 0; i < NATIVE_MODEL_MAGIC.length; i++) if (head[i] !== NATIVE_MODEL_MAGIC[i]) return false;
  return true;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

const maxModelDim = (): number => nativeLimits().maxModelDim;

function checkTable(table: NativeModelTable): void {
  const { keys, dim, vectors, outputVectors, counts } = table;
  if (!Number.isInteger(dim) || dim < 1 || dim > maxModelDim()) {
    throw new RangeError(`native model dim must be an integer from 1 to ${maxModelDim()}, got ${String(dim)}`);
  }
  if (keys.length > MAX_WORDS) throw new RangeError(`native model holds at most ${MAX_WORDS} words, got ${keys.length}`);
  const values = keys.length * dim;
  if (!(vectors instanceof Float32Array) || vectors.length !== values) {
    throw new RangeError(`native model vectors must be a Float32Array of ${keys.length} x ${dim} values, got length ${String(vectors?.length)}`);
  }
  if (outputVectors !== undefined && (!(outputVectors instanceof Float32Array) || outputVectors.length !== values)) {
    throw new RangeError(`native model output vectors must be a Float32Array of ${keys.length} x ${dim} values, got length ${String(outputVectors?.length)}`);
  }
  if (counts !== undefined && (!(counts instanceof Float64Array) || counts.length !== keys.length)) {
    throw new RangeError(`native model counts must be a Float64Array of ${keys.length} values, got length ${String(counts?.length)}`);
  }
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key !== 'string' || key.length === 0 || BAD_KEY_RE.test(key)) {
      throw new Error(
        `native model word ${i} ${JSON.stringify(key)} is empty or contains a space, tab, newline, carriage return, NUL ` +
          'or a char above \\xff (words are byte strings, one char per byte)',
      );
    }
  }
}


/**
 * The file as blocks: header, input vectors, output vectors, counts, vocabulary, each section
 * aligned as the layout says. The vectors are not copied (on little-endian hosts).
 *
 * @throws RangeError/Error for a malformed table or a word that cannot be stored.
 */
export function* encodeNativeModelBlocks(table: NativeModelTable): Generator<Uint8Array> {
  checkTable(table);
  const { keys, dim, vectors, outputVectors, counts } = table;
  const words = keys.length;
  const vectorBytes = words * dim * 4;
  const vocabulary = Buffer.from(keys.length === 0 ? '' : keys.join('\n') + '\n', 'latin1');
  let at = HEADER_BYTES;
  const inputAt = at;
  at += vectorBytes;
  const outputAt = outputVectors ? alignUp(at, VECTOR_ALIGNMENT) : 0;
  const outputPad = outputVectors ? outputAt - at : 0;
  if (outputVectors) at = outputAt + vectorBytes;
  const countsAt = counts ? alignUp(at, VECTOR_ALIGNMENT) : 0;
  const countsPad = counts ? countsAt - at : 0;
  if (counts) at = countsAt + words * 8;
  const vocabularyAt = at;
  const fileSize = at + vocabulary.length;

  const header = Buffer.alloc(HEADER_BYTES);
  header.set(NATIVE_MODEL_MAGIC, 0);
  header.writeUInt32LE(VERSION, 8);
  header.writeUInt32LE((outputVectors ? HAS_OUTPUT_VECTORS : 0) | (counts ? HAS_COUNTS : 0), 12);
  header.writeBigUInt64LE(BigInt(words), 16);
  header.writeUInt32LE(dim, 24);
  header.writeBigUInt64LE(BigInt(fileSize), 32);
  const section = (field: number, offset: number, length: number): void => {
    header.writeBigUInt64LE(BigInt(offset), field);
    header.writeBigUInt64LE(BigInt(length), field + 8);
  };
  section(40, inputAt, vectorBytes);
  section(56, outputAt, outputVectors ? vectorBytes : 0);
  section(72, countsAt, counts ? words * 8 : 0);
  section(88, vocabularyAt, vocabulary.length);

  yield header;
  yield* littleEndianBlocks(vectors, WRITE_SLICE);
  if (outputVectors) {
    if (outputPad > 0) yield new Uint8Array(outputPad);
    yield* littleEndianBlocks(outputVectors, WRITE_SLICE);
  }
  if (counts) {
    if (countsPad > 0) yield new Uint8Array(countsPad);
    yield* littleEndianBlocks(counts, WRITE_SLICE);
  }
  yield vocabulary;
}

/** The whole file in one Buffer (for small models and tests; {@link writeNativeModel} streams). */
export function encodeNativeModel(table: NativeModelTable): Buffer {
  return Buffer.concat([...encodeNativeModelBlocks(table)]);
}

/**
 * Writes a native model file atomically (temporary file, fsync, rename; a failed write leaves
 * a previous file intact). Output vectors and counts are stored when the table has them.
 *
 * @throws RangeError/Error for a malformed table or a word that cannot be stored (a space,
 *   tab, newline, CR or NUL in it); or the file system's error.
 */
export async function writeNativeModel(path: string, table: NativeModelTable): Promise<void> {
  checkTable(table);
  await writeFileAtomically(path, encodeNativeModelBlocks(table));
}

/** A typed-array view of `bytes[offset, offset + count * width)`, or a copy when not aligned or not little-endian. */
function view<T extends Float32Array | Float64Array>(
  make: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T,
  width: 4 | 8,
  bytes: Uint8Array,
  offset: number,
  count: number,
): T {
  const at = bytes.byteOffset + offset;
  if (HOST_IS_LITTLE_ENDIAN && at % width === 0) return new make(bytes.buffer, at, count);
  const out = new make(new ArrayBuffer(count * width), 0, count);
  const data = new DataView(bytes.buffer, at, count * width);
  for (let i = 0; i < count; i++) out[i] = width === 4 ? data.getFloat32(i * 4, true) : data.getFloat64(i * 8, true);
  return out;
}

/**
 * Decodes a native model file held in memory. The vectors (and counts) are views into
 * `bytes` when it is suitably aligned, not copies: they share memory with it.
 *
 * @param bytes The whole file.
 * @throws Error naming what is wrong with the file, the field, value and byte offset, and the
 *   file (`options.source`): bad magic, unsupported version, unknown flags, a word count or
 *   dimension out of range, a size that disagrees with the file's (truncated or trailing
 *   data), a misplaced section, a malformed vocabulary.
 */
export function decodeNativeModel(bytes: Uint8Array, options: NativeModelReadOptions = {}): NativeModelTable {
  const limit = options.limit;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new RangeError(`native model limit must be a non-negative integer, got ${String(limit)}`);
  }
  const parsed = native().parseNativeModel(bytes);
  if (!parsed.ok) throw new Error(`${parsed.error} (file ${options.source ?? '<buffer>'})`);
  const layout: NativeModelLayout = parsed;
  const { dim } = layout;
  const rows = limit === undefined ? layout.words : Math.min(limit, layout.words);
  const vectors = view(Float32Array, 4, bytes, layout.inputVectors.offset, rows * dim);
  const outputVectors =
    layout.flags & HAS_OUTPUT_VECTORS ? view(Float32Array, 4, bytes, layout.outputVectors.offset, rows * dim) : undefined;
  const counts = layout.flags & HAS_COUNTS ? view(Float64Array, 8, bytes, layout.counts.offset, rows) : undefined;
  return { keys: decodeVocabulary(bytes, layout, rows), dim, vectors, outputVectors, counts };
}

/** The first `rows` words of the (validated) vocabulary section. */
function decodeVocabulary(bytes: Uint8Array, layout: NativeModelLayout, rows: number): string[] {
  if (rows === 0) return [];
  const block = Buffer.from(bytes.buffer, bytes.byteOffset + layout.vocabulary.offset, layout.vocabulary.length);
  let end = block.length;
  if (rows < layout.words) {
    end = -1;
    for (let i = 0; i < rows; i++) end = block.indexOf(0x0a, end + 1);
    end += 1;
  }
  // One latin1 decode and one split: far cheaper than a string per word from the bytes.
  const keys = block.toString('latin1', 0, end).split('\n');
  keys.pop(); // after the last '\n'
  return keys;
}

/** errno value -> code name ('ENOENT'), for errors from the addon. */
function errnoCode(errno: number): string | undefined {
  for (const [name, value] of Object.entries(osConstants.errno)) if (value === errno) return name;
  return undefined;
}

/** Whole file into an ArrayBuffer of its own (so that the vectors can be viewed aligned). */
async function readWhole(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const bytes = new Uint8Array(new ArrayBuffer(size));
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === size ? bytes : bytes.subarray(0, done);
  } finally {
    await fh.close();
  }
}

/** Whether this process maps native model files (false: it reads them into memory). */
export function canMapNativeModels(): boolean {
  return HOST_IS_LITTLE_ENDIAN && native().mapFile !== undefined;
}

/**
 * Reads a native model file. Where the platform has mmap (and the host is little-endian) the
 * file is memory-mapped, private and copy-on-write: the vectors are views of the mapping, no
 * bytes are copied, pages are read on first touch and shared with other processes mapping the
 * same file, and writing to the arrays changes only this process's copy of the touched pages.
 * Elsewhere, or when the file cannot be mapped, it is read into memory.
 *
 * A mapped file must not be truncated or rewritten in place while mapped (replacing it with
 * {@link writeNativeModel}, which renames a new file over it, is safe).
 *
 * @throws Error as {@link decodeNativeModel} does, naming `path`; or the file system's error
 *   (with `code`, e.g. 'ENOENT').
 */
export async function readNativeModel(path: string, options: Omit<NativeModelReadOptions, 'source'> = {}): Promise<NativeModelTable> {
  let bytes: Uint8Array | undefined;
  const map = HOST_IS_LITTLE_ENDIAN ? native().mapFile : undefined;
  if (map) {
    try {
      bytes = new Uint8Array(map(path));
    } catch (e) {
      const err = e as Error & { syscall?: string; errno?: number; code?: string };
      if (err.syscall !== 'mmap') {
        const code = typeof err.errno === 'number' ? errnoCode(err.errno) : undefined;
        if (code !== undefined) err.code = code;
        throw err;
      }
      // Mapping refused (a file system without mmap, address space exhausted): read instead.
    }
  }
  bytes ??= await readWhole(path);
  return decodeNativeModel(bytes, { ...options, source: path });
}

/** Whether `head` is the native magic or, for a file shorter than it, a prefix of it. */
export function startsLikeNativeModel(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  const n = Math.min(head.length, NATIVE_MODEL_MAGIC.length);
  for (let i = 0; i < n; i++) if (head[i] !== NATIVE_MODEL_MAGIC[i]) return false;
  return true;
}

/** This package's memory-mappable format, the only one that keeps output vectors and counts. */
export const nativeFormat: ModelFormatModule<'native'> = {
  name: 'native',
  extension: '.w2vn',
  help: "this package's memory-mappable format (keeps output vectors and counts)",
  magic: startsLikeNativeModel,
  read: (path, { limit }) => readNativeModel(path, limit !== undefined ? { limit } : {}),
  write: writeNativeModel,
};
