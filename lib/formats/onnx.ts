/**
 * ONNX export: a model mapping word ids to their vectors, for onnxruntime (any language) and
 * the tools that take ONNX graphs. Its files:
 *
 * ```
 * X.onnx        ModelProto, ir_version 8, opset 13: input "ids" (int64, shape [N], N a
 *               symbolic dim), output "vectors" (float32, [N, dim]), one Gather node (axis 0)
 *               over the initializer "embedding" (float32 [words, dim], little-endian raw_data);
 *               metadata_props: words, dim, vocabulary (the file name below)
 * X.vocab.tsv   the row's word per line, `word<TAB>count` when counts are known
 *               (see vocabulary-file.ts)
 * X.onnx.data   only for a matrix past {@link ONNX_INLINE_LIMIT} (protobuf cannot hold a
 *               message of 2 GiB): the raw matrix, which the initializer then names as external
 *               data (data_location EXTERNAL, location "X.onnx.data", offset 0, length)
 * ```
 *
 * All of them are written atomically, together. The protobuf is encoded by protobuf-writer.ts
 * (why by hand: see there), the matrix never copied.
 *
 * @module
 */

import { basename } from 'node:path';

import { writeFilesAtomically, type FileBlocks } from './atomic-write';
import type { ModelFormatModule, ModelTable } from './format-module';
import { littleEndianBlocks } from './little-endian';
import { ProtoMessage } from './protobuf-writer';
import { encodeVocabulary, vocabularyPathBeside } from './vocabulary-file';

/**
 * Bytes of a matrix kept inside the .onnx file at most: 2 GiB (protobuf's limit on a
 * message) less 1 MiB for the graph around it. A larger one goes to external data.
 */
export const ONNX_INLINE_LIMIT = 2 ** 31 - 2 ** 20;
/** The ONNX IR version and default-domain opset written. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 13;

/** TensorProto.DataType values. */
const FLOAT = 1;
const INT64 = 7;
/** TensorProto.DataLocation.EXTERNAL. */
const EXTERNAL = 1;

/** Options of {@link writeOnnx}. */
export interface OnnxWriteOptions {
  /** Bytes of matrix kept inside the .onnx file at most (default {@link ONNX_INLINE_LIMIT}); tests lower it. */
  inlineLimit?: number;
}

/** The vocabulary file beside an .onnx file: `X.vocab.tsv` for `X.onnx`. */
export const onnxVocabularyPath = (path: string): string => vocabularyPathBeside(path, '.onnx');
/** The external data file of `X.onnx`: `X.onnx.data`. */
export const onnxExternalDataPath = (path: string): string => `${path}.data`;

const entry = (k: string, v: string): ProtoMessage => new ProtoMessage().string(1, k).string(2, v);

/** A ValueInfoProto of a tensor whose dims are numbers or symbolic names. */
function tensorValueInfo(name: string, elemType: number, dims: readonly (number | string)[]): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoMessage().uint(1, d) : new ProtoMessage().string(2, d));
  const tensorType = new ProtoMessage().uint(1, elemType).message(2, shape);
  return new ProtoMessage().string(1, name).message(2, new ProtoMessage().message(1, tensorType));
}

/** The initializer: the matrix inline (raw_data), or named in `externalFile`. */
function embeddingTensor(words: number, dim: number, matrix: readonly Uint8Array[], externalFile: string | undefined): ProtoMessage {
  const tensor = new ProtoMessage().uint(1, words).uint(1, dim).uint(2, FLOAT).string(8, 'embedding');
  if (externalFile === undefined) return tensor.bytesField(9, matrix);
  const bytes = words * dim * 4;
  return tensor
    .message(13, entry('location', externalFile))
    .message(13, entry('offset', '0'))
    .message(13, entry('length', String(bytes)))
    .uint(14, EXTERNAL);
}

/**
 * The ModelProto of the lookup (see the module doc), its matrix given as little-endian
 * blocks, or as external data in `externalFile` (a name relative to the .onnx file).
 */
export function onnxModel(words: number, dim: number, matrix: readonly Uint8Array[], vocabularyFile: string, externalFile?: string): ProtoMessage {
  const gather = new ProtoMessage().string(1, 'embedding').string(1, 'ids').string(2, 'vectors').string(3, 'lookup').string(4, 'Gather');
  gather.message(5, new ProtoMessage().string(1, 'axis').uint(3, 0).uint(20, 2));
  const graph = new ProtoMessage()
    .message(1, gather)
    .string(2, 'word2vec')
    .message(5, embeddingTensor(words, dim, matrix, externalFile))
    .string(10, 'Word vectors by id: vectors[i] is the vector of the word on line i + 1 of the vocabulary file')
    .message(11, tensorValueInfo('ids', INT64, ['N']))
    .message(12, tensorValueInfo('vectors', FLOAT, ['N', dim]));
  return new ProtoMessage()
    .uint(1, ONNX_IR_VERSION)
    .string(2, 'word2vec-native')
    .message(7, graph)
    .message(8, new ProtoMessage().string(1, '').uint(2, ONNX_OPSET))
    .message(14, entry('words', String(words)))
    .message(14, entry('dim', String(dim)))
    .message(14, entry('vocabulary', vocabularyFile));
}

/**
 * Writes `table` as `path` (.onnx), its vocabulary beside it and, for a matrix past
 * `inlineLimit` bytes, its external data file, atomically: a failed write leaves them all as
 * they were.
 *
 * @throws RangeError for a malformed or empty table; Error for a word the vocabulary cannot
 *   hold; the file system's error naming the file.
 */
export async function writeOnnx(path: string, table: ModelTable, options: OnnxWriteOptions = {}): Promise<void> {
  const { keys, dim, vectors } = table;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`onnx dim must be a positive integer, got ${String(dim)}`);
  if (keys.length === 0) throw new RangeError('onnx export needs at least one word');
  if (!(vectors instanceof Float32Array) || vectors.length !== keys.length * dim) {
    throw new RangeError(`onnx vectors must be a Float32Array of ${keys.length} x ${dim} values, got length ${String(vectors?.length)}`);
  }
  const inlineLimit = options.inlineLimit ?? ONNX_INLINE_LIMIT;
  const vocabularyPath = onnxVocabularyPath(path);
  const vocabulary = encodeVocabulary(keys, table.counts);
  const matrix = [...littleEndianBlocks(vectors)];
  const dataPath = vectors.byteLength > inlineLimit ? onnxExternalDataPath(path) : undefined;
  const external = dataPath === undefined ? undefined : basename(dataPath);
  const model = onnxModel(keys.length, dim, external === undefined ? matrix : [], basename(vocabularyPath), external);
  const files: { path: string; blocks: FileBlocks }[] = [{ path, blocks: model.blocks() }];
  if (dataPath !== undefined) files.push({ path: dataPath, blocks: matrix });
  files.push({ path: vocabularyPath, blocks: [vocabulary] });
  await writeFilesAtomically(files);
}

/** ONNX lookup model (ids -> vectors, one Gather), X.vocab.tsv beside it. */
export const onnxFormat: ModelFormatModule<'onnx'> = {
  name: 'onnx',
  extension: '.onnx',
  help: 'ONNX model: int64 ids -> float32 vectors (Gather) + X.vocab.tsv beside it',
  write: (path, table) => writeOnnx(path, table),
};
