/**
 * loadModel(): reads a word2vec text or binary file (format detected from the content).
 * @packageDocumentation
 */
import { describeValue } from './errors';
import { readWord2Vec, type Word2VecFormat } from './formats/word2vec';
import { Word2Vec } from './model';
import { integerOption } from './options';

/** Options of {@link loadModel}. */
export interface LoadOptions {
  /** 'word2vec-binary' or 'word2vec-text'; detected from the content when omitted. */
  format?: Word2VecFormat;
  /** Read only the first N words (the most frequent, in files the original writes). */
  limit?: number;
}

/** Loads a model saved by {@link Word2Vec.save}, the original word2vec, gensim or fastText (.vec text). */
export async function loadModel(path: string, options: LoadOptions = {}): Promise<Word2Vec> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`path must be a non-empty string, got ${describeValue(path)}`);
  if (options.format !== undefined && options.format !== 'word2vec-binary' && options.format !== 'word2vec-text') {
    throw new TypeError(`format must be "word2vec-binary" or "word2vec-text", got ${describeValue(options.format)}`);
  }
  const limit = options.limit === undefined ? undefined : integerOption('limit', options.limit, 1, 2 ** 31 - 1);
  const table = await readWord2Vec(path, {
    ...(options.format ? { format: options.format } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
  return new Word2Vec({ keys: table.keys, dim: table.dim, vectors: table.vectors });
}
