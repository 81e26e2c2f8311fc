/**
 * loadModel(): reads a model in any of the formats (detected from the content when not given).
 * @packageDocumentation
 */
import { describeValue } from '../util/errors';
import { checkModelFormat, readModelTable, type ModelFormat } from '../formats/model-format';
import { Word2Vec } from './model';
import { checkOptions, integerOption } from '../util/validate';

/** Options of {@link loadModel}. */
export interface LoadOptions {
  /**
   * One of READABLE_MODEL_FORMATS ('word2vec-binary', 'word2vec-text', 'vec', 'native', 'npy',
   * 'arrow'); detected from the content when omitted (the file name plays no part). The
   * exports ('tfjs', 'onnx', 'parquet') are refused by name.
   */
  format?: ModelFormat;
  /** Read only the first N words (the most frequent, in files the original writes). */
  limit?: number;
}

/**
 * Loads a model saved by {@link Word2Vec.save}, the original word2vec (text or binary),
 * gensim or fastText (.vec). A native model file is memory-mapped where the platform allows
 * (its vectors are views of the mapping: opening costs no copy, and processes opening the same
 * file share its pages), and keeps its output vectors and counts.
 *
 * @throws TypeError/RangeError for bad options; Error naming the file and what is wrong in it
 *   (with the line or byte offset); or the file system's error.
 */
export async function loadModel(path: string, options: LoadOptions = {}): Promise<Word2Vec> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`path must be a non-empty string, got ${describeValue(path)}`);
  checkOptions(options, ['format', 'limit']);
  if (options.format !== undefined) checkModelFormat(options.format);
  const limit = options.limit === undefined ? undefined : integerOption('limit', options.limit, 1, 2 ** 31 - 1);
  const table = await readModelTable(path, options.format, limit);
  return new Word2Vec({
    keys: table.keys,
    dim: table.dim,
    vectors: table.vectors,
    ...(table.outputVectors ? { outputVectors: table.outputVectors } : {}),
    ...(table.counts ? { counts: table.counts } : {}),
    ownsBuffers: true,
  });
}
