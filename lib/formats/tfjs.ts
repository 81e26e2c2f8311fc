/**
 * TensorFlow.js export: a directory holding a layers model of one Embedding layer whose
 * weights are the vectors, for `tf.loadLayersModel` (then as the first layer of a network, or
 * `model.predict(ids)` for lookups). Its files:
 *
 * ```
 * DIR/model.json                 format 'layers-model': a Sequential of one Embedding layer
 *                                (name "embedding", input_dim words, output_dim dim,
 *                                batch_input_shape [null, null]: ids of any sequence length,
 *                                trainable as asked, false by default) and its weightsManifest
 *                                (one weight, "embedding/embeddings", [words, dim] float32)
 * DIR/group1-shard1ofN.bin ...   the words x dim matrix, little-endian float32 row-major, cut
 *                                into shards of at most 4 MiB (TensorFlow.js's own size)
 * DIR/vocab.tsv                  the row's word per line, `word<TAB>count` when counts are
 *                                known (see vocabulary-file.ts)
 * ```
 *
 * Row i is the word of id i: `model.predict(tf.tensor2d(ids, [n, 1], 'int32'))` gives
 * [n, 1, dim]. The directory is written atomically (writeDirectoryAtomically): a failed export
 * leaves none under the target name; an earlier export there is replaced.
 *
 * @module
 */

import { writeDirectoryAtomically, type DirectoryFile } from './atomic-write';
import type { FormatWriteOptions, ModelFormatModule, ModelTable } from './format-module';
import { littleEndianBlocks } from './little-endian';
import { encodeVocabulary, VOCABULARY_FILE_NAME } from './vocabulary-file';

/** The model's file in the directory (its presence marks an export that may be replaced). */
export const TFJS_MODEL_FILE = 'model.json';
/** Bytes of a weight shard at most (TensorFlow.js's default, 4 MiB). */
export const TFJS_SHARD_BYTES = 4 << 20;
/** The Embedding layer's name; its weight is `${TFJS_LAYER_NAME}/embeddings`. */
export const TFJS_LAYER_NAME = 'embedding';

/** The tfjs-layers version whose serialization this follows (what `model.save` writes in 4.x). */
const KERAS_VERSION = 'tfjs-layers 4.22.0';

/** The shard file names of a matrix of `bytes` bytes: `group1-shard1of3.bin` ... (one, possibly empty, at least). */
export function tfjsShardNames(bytes: number): string[] {
  const shards = Math.max(1, Math.ceil(bytes / TFJS_SHARD_BYTES));
  return Array.from({ length: shards }, (_, k) => `group1-shard${k + 1}of${shards}.bin`);
}

/** The content of model.json for a `words` x `dim` embedding. */
export function tfjsModelJson(words: number, dim: number, trainable: boolean): object {
  return {
    format: 'layers-model',
    generatedBy: 'word2vec-native',
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'word2vec',
        layers: [
          {
            class_name: 'Embedding',
            config: {
              input_dim: words,
              output_dim: dim,
              embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
              embeddings_regularizer: null,
              activity_regularizer: null,
              embeddings_constraint: null,
              mask_zero: null,
              input_length: null,
              name: TFJS_LAYER_NAME,
              trainable,
              batch_input_shape: [null, null],
              dtype: 'float32',
            },
          },
        ],
      },
      keras_version: KERAS_VERSION,
      backend: 'tensor_flow.js',
    },
    weightsManifest: [
      {
        paths: tfjsShardNames(words * dim * 4),
        weights: [{ name: `${TFJS_LAYER_NAME}/embeddings`, shape: [words, dim], dtype: 'float32' }],
      },
    ],
  };
}

/**
 * Writes `table` as a TensorFlow.js layers model directory at `path` (see the module doc).
 *
 * @throws RangeError for a malformed table or an empty one (an Embedding needs a word);
 *   Error for a word the vocabulary cannot hold; Error naming `path` when it cannot be
 *   written (its parent missing or a file, a file in the way, a directory that is no export).
 */
export async function writeTfjs(path: string, table: ModelTable, options: FormatWriteOptions = {}): Promise<void> {
  const { keys, dim, vectors } = table;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`tfjs dim must be a positive integer, got ${String(dim)}`);
  if (keys.length === 0) throw new RangeError('tfjs export needs at least one word (an Embedding of input_dim 0)');
  if (!(vectors instanceof Float32Array) || vectors.length !== keys.length * dim) {
    throw new RangeError(`tfjs vectors must be a Float32Array of ${keys.length} x ${dim} values, got length ${String(vectors?.length)}`);
  }
  const vocabulary = encodeVocabulary(keys, table.counts);
  const shards = tfjsShardNames(vectors.byteLength);
  const blocks = [...littleEndianBlocks(vectors, TFJS_SHARD_BYTES)];
  const files: DirectoryFile[] = [
    { name: TFJS_MODEL_FILE, blocks: [Buffer.from(JSON.stringify(tfjsModelJson(keys.length, dim, options.trainable ?? false)) + '\n')] },
    ...shards.map((name, k) => ({ name, blocks: blocks[k] ? [blocks[k]] : [] })),
    { name: VOCABULARY_FILE_NAME, blocks: [vocabulary] },
  ];
  await writeDirectoryAtomically(path, files, TFJS_MODEL_FILE);
}

/** TensorFlow.js layers model (a directory): one Embedding layer, its weight shards and vocab.tsv. */
export const tfjsFormat: ModelFormatModule<'tfjs'> = {
  name: 'tfjs',
  output: 'directory',
  writeOptions: ['trainable'],
  help: 'TensorFlow.js layers model dir (Embedding layer; model.json, shards, vocab.tsv)',
  write: writeTfjs,
};
