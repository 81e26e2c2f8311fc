/**
 * NumPy's `.npy` export: the matrix as an `.npy` file (format version 1.0: the magic
 * `\x93NUMPY`, version 1 0, a little-endian u16 header length, then the header dict
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (words, dim), }` padded with spaces and
 * ended by `\n` so the data starts at a multiple of 64 bytes, then words x dim little-endian
 * float32 in C order), and the vocabulary in `X.vocab.tsv` beside `X.npy` (one line per row:
 * `word<TAB>count`, or the word alone when the model has no counts; see vocabulary-file.ts).
 * Both files are written atomically, together.
 *
 * In Python: `numpy.load('X.npy')`, then `torch.nn.Embedding.from_pretrained(
 * torch.from_numpy(m))`; the words are `[l.split('\t')[0] for l in open('X.vocab.tsv',
 * encoding='utf-8').read().splitlines()]`. loadModel reads the pair back (the counts too).
 *
 * @module
 */

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

import { writeFilesAtomically } from './atomic-write';
import type { ModelFormatModule, ModelTable } from './format-module';
import { float32FromLittleEndian, littleEndianBlocks } from './little-endian';
import { encodeVocabulary, readVocabulary, vocabularyPathBeside } from './vocabulary-file';

/** The 6 bytes every .npy file starts with. */
export const NPY_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);

/** Where the data starts is a multiple of this (NumPy's own alignment). */
const DATA_ALIGNMENT = 64;
/** Magic, version and the v1.0 u16 header length. */
const PREAMBLE_V1 = 10;
/** Bytes read per call (Node refuses reads of 2 GiB or more). */
const READ_SLICE = 1 << 30;

/** The vocabulary file beside an .npy file: `X.vocab.tsv` for `X.npy`. */
export const npyVocabularyPath = (path: string): string => vocabularyPathBeside(path, '.npy');

/** The .npy preamble and header of a `rows` x `dim` float32 matrix, padded to {@link DATA_ALIGNMENT}. */
export function npyHeader(rows: number, dim: number): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const unpadded = PREAMBLE_V1 + dict.length + 1;
  const total = Math.ceil(unpadded / DATA_ALIGNMENT) * DATA_ALIGNMENT;
  const header = Buffer.alloc(total, 0x20);
  header.set(NPY_MAGIC, 0);
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(total - PREAMBLE_V1, 8);
  header.write(dict, PREAMBLE_V1, 'latin1');
  header[total - 1] = 0x0a;
  return header;
}

function checkTable(table: ModelTable): void {
  const { keys, dim, vectors } = table;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`npy dim must be a positive integer, got ${String(dim)}`);
  if (!(vectors instanceof Float32Array) || vectors.length !== keys.length * dim) {
    throw new RangeError(`npy vectors must be a Float32Array of ${keys.length} x ${dim} values, got length ${String(vectors?.length)}`);
  }
}

/**
 * Writes `table` as `path` (.npy) and its vocabulary beside it ({@link npyVocabularyPath}),
 * atomically: a failed write leaves both as they were.
 *
 * @throws RangeError for a malformed table; Error for a word the vocabulary cannot hold;
 *   the file system's error naming the file.
 */
export async function writeNpy(path: string, table: ModelTable): Promise<void> {
  checkTable(table);
  const vocabulary = encodeVocabulary(table.keys, table.counts);
  await writeFilesAtomically([
    { path, blocks: [npyHeader(table.keys.length, table.dim), ...littleEndianBlocks(table.vectors)] },
    { path: npyVocabularyPath(path), blocks: [vocabulary] },
  ]);
}

/** What an .npy header says. */
interface NpyHeader {
  rows: number;
  dim: number;
  dataOffset: number;
}

/** The magic, the version and the header's length: the preamble of 10 bytes (1.0) or 12. */
function parseNpyPreamble(bytes: Buffer, where: string): { major: number; preamble: number; headerLength: number } {
  if (bytes.length < PREAMBLE_V1) {
    throw new Error(`not an .npy file: it has ${bytes.length} bytes, fewer than the ${PREAMBLE_V1}-byte preamble ${where}`);
  }
  if (!bytes.subarray(0, 6).equals(NPY_MAGIC)) throw new Error(`not an .npy file: no \\x93NUMPY magic at bytes 0 to 5 ${where}`);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new Error(`npy format version ${major}.${bytes[7]} at byte 6 is not supported (1.0 to 3.0) ${where}`);
  const preamble = major === 1 ? PREAMBLE_V1 : PREAMBLE_V1 + 2;
  if (bytes.length < preamble) throw new Error(`npy header is truncated: the file has ${bytes.length} bytes, the preamble needs ${preamble} ${where}`);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  return { major, preamble, headerLength };
}

/** The longest header readNpy reads (NumPy's own np.load refuses more than 10,000 bytes by default). */
export const NPY_MAX_HEADER_BYTES = 1 << 20;

/**
 * Parses the preamble and header of an .npy file (versions 1.0, 2.0 and 3.0) and checks it
 * is a 2-D little-endian float32 matrix in C order.
 *
 * @throws Error naming `source` and what the header says instead.
 */
export function parseNpyHeader(head: Uint8Array, source: string): NpyHeader {
  const where = `(file ${source})`;
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const { major, preamble, headerLength } = parseNpyPreamble(bytes, where);
  const dataOffset = preamble + headerLength;
  if (bytes.length < dataOffset) {
    throw new Error(`npy header is truncated: ${headerLength} bytes declared at byte 8, ${bytes.length - preamble} read ${where}`);
  }
  const dict = bytes.toString(major === 3 ? 'utf8' : 'latin1', preamble, dataOffset);
  const descr = /'descr':\s*'([^']*)'/.exec(dict)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(dict)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr !== '<f4') throw new Error(`npy dtype must be '<f4' (little-endian float32), got ${JSON.stringify(descr ?? dict.trim())} ${where}`);
  if (fortran !== 'False') throw new Error(`npy matrix must be in C order (fortran_order False), got ${JSON.stringify(fortran ?? dict.trim())} ${where}`);
  const dims = (shape ?? '').split(',').map((d) => d.trim()).filter((d) => d.length > 0);
  if (dims.length !== 2 || !dims.every((d) => /^\d+$/.test(d))) {
    throw new Error(`npy shape must be (words, dim), got ${JSON.stringify(shape === undefined ? dict.trim() : `(${shape})`)} ${where}`);
  }
  const [rows, dim] = dims.map(Number) as [number, number];
  if (dim < 1) throw new Error(`npy shape must have a dim of at least 1, got (${rows}, ${dim}) ${where}`);
  return { rows, dim, dataOffset };
}

async function readFully(fh: FileHandle, into: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, Math.min(into.length - done, READ_SLICE), position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * Reads and parses the header of an .npy file of `size` bytes: its first 64 KiB, or, for a
 * version 2.0 / 3.0 header declared longer than that (and inside the file), the declared length
 * whole, at most NPY_MAX_HEADER_BYTES.
 */
async function readNpyHeader(fh: FileHandle, size: number, path: string): Promise<NpyHeader> {
  let head = new Uint8Array(Math.min(size, 1 << 16));
  await readFully(fh, head, 0);
  if (size > head.length && head.length >= PREAMBLE_V1 + 2) {
    const { preamble, headerLength } = parseNpyPreamble(Buffer.from(head.buffer, 0, head.length), `(file ${path})`);
    const dataOffset = preamble + headerLength;
    if (dataOffset > head.length && dataOffset <= size) {
      if (dataOffset > NPY_MAX_HEADER_BYTES) {
        throw new Error(`npy header is ${headerLength} bytes (declared at byte 8), more than the ${NPY_MAX_HEADER_BYTES} this reader accepts (file ${path})`);
      }
      head = new Uint8Array(dataOffset);
      await readFully(fh, head, 0);
    }
  }
  return parseNpyHeader(head, path);
}

/**
 * Reads an .npy matrix and its vocabulary beside it, the first `limit` rows when given.
 *
 * @throws Error naming the file: not a 2-D '<f4' C-order matrix, a size that disagrees with
 *   the header, a vocabulary missing or of another length (naming it too).
 */
export async function readNpy(path: string, options: { limit?: number } = {}): Promise<ModelTable> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const { rows, dim, dataOffset } = await readNpyHeader(fh, size, path);
    if (size !== dataOffset + rows * dim * 4) {
      throw new Error(`npy file has ${size - dataOffset} bytes of data, its shape (${rows}, ${dim}) needs ${rows * dim * 4} (file ${path})`);
    }
    const keep = Math.min(rows, options.limit ?? rows);
    const vocabulary = await readVocabulary(npyVocabularyPath(path), path, rows, keep);
    const vectors = new Float32Array(keep * dim);
    await readFully(fh, new Uint8Array(vectors.buffer), dataOffset);
    return { keys: vocabulary.keys, dim, vectors: float32FromLittleEndian(vectors), counts: vocabulary.counts };
  } finally {
    await fh.close();
  }
}

/** Whether `head` is the .npy magic or, for a file shorter than it, a prefix of it. */
export function startsLikeNpy(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  const n = Math.min(head.length, NPY_MAGIC.length);
  for (let i = 0; i < n; i++) if (head[i] !== NPY_MAGIC[i]) return false;
  return true;
}

/** NumPy's .npy matrix with its vocabulary beside it (X.vocab.tsv). */
export const npyFormat: ModelFormatModule<'npy'> = {
  name: 'npy',
  extension: '.npy',
  help: 'NumPy matrix (.npy) + X.vocab.tsv beside it',
  magic: startsLikeNpy,
  read: (path, { limit }) => readNpy(path, limit !== undefined ? { limit } : {}),
  write: (path, table) => writeNpy(path, table),
};
