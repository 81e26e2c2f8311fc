/**
 * The registry of model file formats: the one list the API (save, loadModel), format
 * detection and the CLI (convert, its help) read. A format is a module implementing
 * {@link ModelFormatModule} (formats/format-module.ts); adding one is that module and one line
 * in {@link FORMAT_MODULES}.
 *
 * @module
 */

import { open } from 'node:fs/promises';

import { choiceOption } from '../util/validate';
import { arrowFormat } from './arrow';
import type { FormatWriteOptions, ModelFormatModule, ModelTable } from './format-module';
import { nativeFormat } from './native-model';
import { npyFormat } from './npy';
import { onnxFormat } from './onnx';
import { parquetFormat } from './parquet';
import { tfjsFormat } from './tfjs';
import { vecFormat } from './vec';
import { readWord2Vec, word2vecBinaryFormat, word2vecTextFormat } from './word2vec';

/**
 * Every format, in the order help texts list them and content without a magic number is
 * sniffed (word2vec text before .vec: the latter takes any text the former does not).
 */
const FORMAT_MODULES = [
  word2vecBinaryFormat,
  word2vecTextFormat,
  vecFormat,
  nativeFormat,
  npyFormat,
  tfjsFormat,
  onnxFormat,
  arrowFormat,
  parquetFormat,
] as const;

/**
 * A model file format:
 * - `'word2vec-binary'`: the original word2vec's `-binary 1` (header line, then per word its
 *   bytes, a space, dim little-endian float32 and `\n`);
 * - `'word2vec-text'`: its `-binary 0` (values as C's `%lf`);
 * - `'vec'`: fastText's `.vec` (the same text layout, values as `%.5g`);
 * - `'native'`: this package's memory-mappable format (see formats/native-model.ts);
 * - `'npy'`: NumPy's .npy matrix with X.vocab.tsv beside it (formats/npy.ts);
 * - `'tfjs'`: a TensorFlow.js layers model directory, one Embedding layer (formats/tfjs.ts);
 * - `'onnx'`: an ONNX lookup model, ids to vectors, with X.vocab.tsv beside it (formats/onnx.ts);
 * - `'arrow'`: an Arrow IPC file, the table id, word, count, vector (formats/arrow.ts);
 * - `'parquet'`: the same table as Parquet, export only (formats/parquet.ts).
 */
export type ModelFormat = (typeof FORMAT_MODULES)[number]['name'];

const MODULES: readonly ModelFormatModule<ModelFormat>[] = FORMAT_MODULES;

/** Every {@link ModelFormat}. */
export const MODEL_FORMATS: readonly ModelFormat[] = FORMAT_MODULES.map((f) => f.name);

/** The extension {@link modelFormatOfPath} maps to each format that has one. */
export const MODEL_FORMAT_EXTENSIONS = Object.fromEntries(
  MODULES.filter((f) => f.extension !== undefined).map((f) => [f.name, f.extension!]),
) as Readonly<Partial<Record<ModelFormat, string>>>;

/** The formats loadModel reads (the others are exports). */
export const READABLE_MODEL_FORMATS: readonly ModelFormat[] = MODULES.filter((f) => f.read !== undefined).map((f) => f.name);

/** Bytes of a file looked at to detect its format: a header and a first row of any dim. */
const HEAD_BYTES = 4 << 20;
/** Bytes enough for every magic number. */
const MAGIC_BYTES = 8;

/** Throws unless `format` is a {@link ModelFormat}. */
export function checkModelFormat(format: unknown): asserts format is ModelFormat {
  choiceOption('format', format, MODEL_FORMATS);
}

/** The module of a format. */
export function modelFormatModule(format: ModelFormat): ModelFormatModule<ModelFormat> {
  checkModelFormat(format);
  return MODULES.find((f) => f.name === format)!;
}

/** The format a file name's extension (case-insensitive) stands for (.bin, .txt, .vec, .w2vn); else undefined. */
export function modelFormatOfPath(path: string): ModelFormat | undefined {
  const m = /\.[^./\\]+$/.exec(path);
  const extension = m?.[0].toLowerCase();
  return extension === undefined ? undefined : MODULES.find((f) => f.extension === extension)?.name;
}

/** The formats and their extensions, one line each, for help texts. */
export function modelFormatHelp(indent = '  '): string {
  return MODULES.map((f) => `${indent}${f.name.padEnd(16)} ${(f.extension ?? '(dir)').padEnd(8)} ${f.help}`).join('\n');
}

/** The format whose magic number `head` starts with (or, shorter than it, a prefix of); else undefined. */
function formatOfMagic(head: Uint8Array): ModelFormat | undefined {
  return MODULES.find((f) => f.magic?.(head) === true)?.name;
}

/**
 * Detects the format from the start of a file (at least its header and first row): a magic
 * number first, then each other format's content sniffing in registry order. word2vec text
 * and `.vec` share their layout and reader; the first rows' numbers tell them apart (all
 * printed with exactly 6 decimals, C's `%lf`, in up to 100 rows, is `'word2vec-text'`). A text
 * file with no rows is `'word2vec-text'`.
 *
 * @throws Error when the bytes are none of the formats.
 */
export function detectModelFormatOfBytes(head: Buffer): ModelFormat {
  const magic = formatOfMagic(head);
  if (magic) return magic;
  for (const f of MODULES) if (f.sniff?.(head) === true) return f.name;
  throw new Error('the bytes are none of the model formats (file <buffer>)');
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const size = Math.min((await fh.stat()).size, bytes);
    const head = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(head, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return head.subarray(0, done);
  } finally {
    await fh.close();
  }
}

/**
 * Detects a model file's format from its content (see {@link detectModelFormatOfBytes}).
 *
 * @throws Error when the file is none of the formats (naming it); or the file system's error.
 */
export async function detectModelFormat(path: string): Promise<ModelFormat> {
  const head = await readHead(path, HEAD_BYTES);
  try {
    return detectModelFormatOfBytes(head);
  } catch (e) {
    throw new Error((e as Error).message.replace('(file <buffer>', `(file ${path}`));
  }
}

/**
 * Reads a model file in `format`, or, when undefined, in the format its magic number names,
 * else the word2vec reader's (which tells binary from text, and reads .vec, itself).
 */
export async function readModelTable(path: string, format: ModelFormat | undefined, limit?: number): Promise<ModelTable> {
  const options = limit !== undefined ? { limit } : {};
  const head = format === undefined ? await readHead(path, MAGIC_BYTES) : undefined;
  const chosen = format ?? formatOfMagic(head!);
  // A file no magic number claims: word2vec's reader tells `-binary 1` from text as it reads
  // (a .vec file reads as text), with its own messages for a file that is neither.
  if (!chosen) return readWord2Vec(path, options);
  const module = modelFormatModule(chosen);
  if (!module.read) {
    // Named by its magic number (or, for a file shorter than it, a prefix of it): say where.
    const where = head !== undefined ? `file ${path}: bytes 0 to ${head.length} are its magic number` : `file ${path}`;
    throw new Error(`format ${JSON.stringify(chosen)} is an export: loadModel reads ${READABLE_MODEL_FORMATS.map((f) => JSON.stringify(f)).join(', ')} (${where})`);
  }
  return module.read(path, options);
}

/** Writes `table` in `format`, atomically; `options` are checked against what the format takes. */
export async function writeModelTable(path: string, format: ModelFormat, table: ModelTable, options: FormatWriteOptions = {}): Promise<void> {
  const module = modelFormatModule(format);
  for (const name of Object.keys(options) as (keyof FormatWriteOptions)[]) {
    if (options[name] !== undefined && !module.writeOptions?.includes(name)) {
      throw new TypeError(`option ${JSON.stringify(name)} does not apply to format ${JSON.stringify(format)}`);
    }
  }
  await module.write(path, table, options);
}
