/**
 * The trained model: vocabulary, input vectors and output vectors, with queries that run
 * in native code on unit-normalised copies.
 * @packageDocumentation
 */

import { keyOf } from '../util/bytes';
import { describeValue } from '../util/errors';
import type { ModelTable } from '../formats/format-module';
import { checkModelFormat, writeModelTable, type ModelFormat } from '../formats/model-format';
import { wordClasses, type WordClassesOptions } from './clustering';
import { embed, type EmbedOptions, type EmbedResult } from './embedding';
import { evaluateAnalogies, evaluateWordPairs, type AnalogyEvaluation, type WordPairEvaluation } from './evaluation';
import type { Metric, ModelAccess } from './model-access';
import {
  analogy, doesntMatch, mostSimilar, nearest, similarity,
  type AnalogyOptions, type MostSimilarOptions, type NearestOptions, type NearestResult, type ScoredWord,
} from './queries';
import { native, nativeLimits } from '../native/addon';
import { resolveIndexOptions, type IndexOptions, type IndexRunOptions } from '../recall/index-options';
import { buildVectorIndex, type VectorIndex } from '../recall/vector-index';
import { booleanOption, checkOptions, choiceOption, integerOption } from '../util/validate';
import { wordOf } from '../util/bytes';

/** One epoch's training totals. */
export interface EpochSummary {
  epoch: number;
  /** Tokens consumed (before subsampling). */
  words: number;
  /** Predictions made (centre-context updates). */
  predictions: number;
  /** Mean loss per prediction. */
  loss: number;
  /** GPU training only: weight bytes the kernels read and wrote (for bandwidth estimates). */
  bytesMoved?: number;
  /** GPU training only: seconds the device spent training this epoch's batches. */
  deviceSeconds?: number;
}

/** How training went. */
export interface TrainingStats {
  /** Where it trained: 'cpu' or 'cuda' (absent for models trained before this was recorded). */
  device?: 'cpu' | 'cuda';
  epochs: EpochSummary[];
  /** In-vocabulary tokens per epoch. */
  wordsPerEpoch: number;
  /** Milliseconds of the vocabulary pass (reading, tokenizing, counting), when there was one. */
  vocabularyMs?: number;
  /** Bytes the vocabulary pass tokenized (0 for corpora of token arrays). */
  corpusBytes?: number;
  /** Milliseconds of the training pass. */
  trainingMs: number;
  /** Milliseconds of the whole train() call. */
  totalMs: number;
}

/** Options of {@link Word2Vec.save}. */
export interface SaveOptions {
  /**
   * 'word2vec-binary' (default), 'word2vec-text', 'vec' (fastText's text format) or 'native'
   * (memory-mappable by {@link loadModel}; the only one that keeps output vectors and counts),
   * or an export for other frameworks (see MODEL_FORMATS in formats/model-format.ts).
   */
  format?: ModelFormat;
  /** Which vectors to write: 'input' (default, the word vectors) or 'output' (negative sampling's). */
  vectors?: 'input' | 'output';
  /** Write only the first `limit` words (the most frequent). */
  limit?: number;
  /** 'tfjs': whether the exported Embedding layer trains further; default false (frozen). */
  trainable?: boolean;
}

/** What a model is built from. */
export interface Word2VecInit {
  /** Byte keys of the words by id (see bytes.ts); use `words` for plain strings. */
  keys?: readonly string[];
  words?: readonly string[];
  counts?: Float64Array;
  dim: number;
  vectors: Float32Array;
  outputVectors?: Float32Array;
  trainingStats?: TrainingStats;
  hasSentenceToken?: boolean;
  /**
   * The arrays' buffers belong to this model alone (train(), loadModel()): {@link
   * Word2Vec.dispose} frees them at once. Otherwise dispose() only drops its references and
   * the caller's arrays stay as they are.
   */
  ownsBuffers?: boolean;
}

/** The message of the Error every method of a disposed model throws. */
export const MODEL_DISPOSED = 'model is disposed';

function disposedError(): Error {
  return new Error(MODEL_DISPOSED);
}

/** Each model's {@link ModelAccess}, for the modules over a model given as a Word2Vec (item-embeddings.ts). */
const accessByModel = new WeakMap<Word2Vec, ModelAccess>();

/** The {@link ModelAccess} of `model`: its rows, vocabulary and lifetime guard. */
export function modelAccess(model: Word2Vec): ModelAccess {
  const access = accessByModel.get(model);
  if (!access) throw new TypeError(`model must be a Word2Vec, got ${describeValue(model)}`);
  return access;
}

/**
 * Word vectors with their vocabulary.
 *
 * {@link Word2Vec.dispose} frees the vectors before garbage collection would; afterwards
 * every method and array property throws an Error "model is disposed".
 */
export class Word2Vec {
  /** Vector length. */
  readonly dim: number;
  /** Training totals, for a model that was just trained. */
  readonly trainingStats: TrainingStats | undefined;
  private vectorArray: Float32Array;
  private outputArray: Float32Array | undefined;
  private countArray: Float64Array | undefined;
  private keyList: readonly string[];
  private readonly ownsBuffers: boolean;
  // Both built on first use: a model opened only to be scanned, or a 1M-word model opened
  // for a few lookups, should not pay for a million strings and a million Map entries.
  private wordList: readonly string[] | undefined;
  private wordIndex: Map<string, number> | undefined;
  private unit: Float32Array | undefined;
  private inverseNorms: Promise<Float32Array> | undefined;
  private isDisposed = false;
  /** Asynchronous operations whose native work may still read the buffers. */
  private inflight = 0;
  /** What the query, evaluation and clustering modules use of this model (model-access.ts). */
  private readonly access: ModelAccess;

  constructor(init: Word2VecInit) {
    const keys = init.keys ?? init.words?.map(keyOf);
    if (!keys) throw new TypeError('Word2Vec needs keys or words');
    integerOption('dim', init.dim, 1, nativeLimits().maxModelDim);
    if (!(init.vectors instanceof Float32Array) || init.vectors.length !== keys.length * init.dim) {
      throw new RangeError(`vectors must be a Float32Array of ${keys.length} x ${init.dim} values, got ${describeValue(init.vectors)} of length ${init.vectors?.length}`);
    }
    if (init.outputVectors !== undefined && init.outputVectors.length !== init.vectors.length) {
      throw new RangeError(`outputVectors must have ${init.vectors.length} values, got ${init.outputVectors.length}`);
    }
    this.dim = init.dim;
    this.keyList = keys;
    this.wordList = init.words;
    this.vectorArray = init.vectors;
    this.outputArray = init.outputVectors;
    this.countArray = init.counts;
    this.trainingStats = init.trainingStats;
    this.ownsBuffers = init.ownsBuffers === true;
    this.access = this.accessFor(this.dim);
    accessByModel.set(this, this.access);
  }

  /** size*dim input vectors (the word vectors), row-major. */
  get vectors(): Float32Array {
    this.checkLive();
    return this.vectorArray;
  }

  /** size*dim output vectors of negative sampling, when trained with it. */
  get outputVectors(): Float32Array | undefined {
    this.checkLive();
    return this.outputArray;
  }

  /** Corpus counts by id, when known. */
  get counts(): Float64Array | undefined {
    this.checkLive();
    return this.countArray;
  }

  /** Words as byte keys (one char per byte of the word's bytes, see bytes.ts): exact even for invalid UTF-8. */
  get keys(): readonly string[] {
    this.checkLive();
    return this.keyList;
  }

  /** Words by id, most frequent first (the UTF-8 decoding of {@link Word2Vec.keys}). */
  get words(): readonly string[] {
    this.checkLive();
    this.wordList ??= this.keyList.map(wordOf);
    return this.wordList;
  }

  /** Whether {@link Word2Vec.dispose} was called. */
  get disposed(): boolean {
    return this.isDisposed;
  }

  /**
   * Frees the model's memory now instead of at garbage collection: the vectors (native or
   * mapped memory for a trained or loaded model), the unit-length copies, the vocabulary.
   * Afterwards every method and array property throws an Error "model is disposed"; views of
   * the model's arrays taken before read as empty (copy what must outlive the model). An
   * asynchronous query still running (nearest, evaluateAnalogies, wordClasses) keeps the
   * memory until its native work ends, then rejects with that Error; a save still running
   * finishes writing its file. Calling it again does nothing.
   */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    if (this.inflight === 0) this.release();
  }

  private release(): void {
    const buffers = new Set<ArrayBufferLike>();
    if (this.ownsBuffers) {
      for (const a of [this.vectorArray, this.outputArray, this.countArray]) if (a) buffers.add(a.buffer);
    }
    // The unit rows are always this model's own copy.
    if (this.unit) buffers.add(this.unit.buffer);
    void this.inverseNorms?.then((norms) => native().detachBuffer(norms.buffer)).catch(() => undefined);
    const addon = native();
    for (const buffer of buffers) {
      try {
        addon.detachBuffer(buffer);
      } catch {
        // A SharedArrayBuffer or a buffer that cannot be detached: left to the collector.
      }
    }
    this.vectorArray = new Float32Array(0);
    this.outputArray = undefined;
    this.countArray = undefined;
    this.keyList = [];
    this.wordList = undefined;
    this.wordIndex = undefined;
    this.unit = undefined;
    this.inverseNorms = undefined;
  }

  private checkLive(): void {
    if (this.isDisposed) throw disposedError();
  }

  /**
   * Runs an asynchronous operation whose native work reads the model's buffers: dispose()
   * frees them only after it settles, and a model disposed meanwhile makes it reject (unless
   * `finishes`: what it did stands, like a save that wrote the whole file).
   */
  private async track<T>(work: () => Promise<T>, finishes = false): Promise<T> {
    this.checkLive();
    this.inflight++;
    try {
      const result = await work();
      if (!finishes) this.checkLive();
      return result;
    } finally {
      if (--this.inflight === 0 && this.isDisposed) this.release();
    }
  }

  /** Byte key -> id; the first of equal keys wins. */
  private get index(): Map<string, number> {
    this.checkLive();
    if (!this.wordIndex) {
      const index = new Map<string, number>();
      const keys = this.keyList;
      for (let i = keys.length - 1; i >= 0; i--) index.set(keys[i]!, i);
      this.wordIndex = index;
    }
    return this.wordIndex;
  }

  /** Vocabulary size. */
  get size(): number {
    this.checkLive();
    return this.keyList.length;
  }

  /** Id of a word, or undefined. */
  idOf(word: string): number | undefined {
    this.checkLive();
    return typeof word === 'string' ? this.index.get(keyOf(word)) : undefined;
  }

  /** Whether the word is in the vocabulary. */
  has(word: string): boolean {
    return this.idOf(word) !== undefined;
  }

  /** A copy of the word's input vector, or undefined when the word is unknown. */
  vector(word: string): Float32Array | undefined {
    const id = this.idOf(word);
    return id === undefined ? undefined : this.vectors.slice(id * this.dim, (id + 1) * this.dim);
  }

  private requireId(word: unknown): number {
    if (typeof word !== 'string') throw new TypeError(`word must be a string, got ${describeValue(word)}`);
    const id = this.idOf(word);
    if (id === undefined) throw new Error(`word not in vocabulary: ${JSON.stringify(word)}`);
    return id;
  }

  /** Unit-length copies of the vectors (size*dim, row-major), made once on first use. */
  unitVectors(): Float32Array {
    this.checkLive();
    this.unit ??= native().normalizeRows(this.vectors, this.dim);
    return this.unit;
  }

  /**
   * 1/|row| of every input vector, made once on a worker thread: nearest() scores by cosine
   * with them instead of a unit copy of the whole matrix, whose allocation (as large as the
   * model) would also make V8 collect, stalling the event loop for tens of milliseconds.
   */
  private inverseRowNorms(): Promise<Float32Array> {
    if (!this.inverseNorms) {
      const pending = native().inverseRowNormsAsync(this.vectorArray, this.dim);
      pending.catch(() => {
        if (this.inverseNorms === pending) this.inverseNorms = undefined;
      });
      this.inverseNorms = pending;
    }
    return this.inverseNorms;
  }

  /** The unit-length vector of word id `id` (a view into {@link Word2Vec.unitVectors}). */
  unitRow(id: number): Float32Array {
    return this.unitVectors().subarray(id * this.dim, (id + 1) * this.dim);
  }

  private scoringMatrix(metric: Metric, rows = this.size): Float32Array {
    const m = metric === 'cosine' ? this.unitVectors() : this.vectors;
    return rows === this.size ? m : m.subarray(0, rows * this.dim);
  }

  private accessFor(dim: number): ModelAccess {
    return {
      dim,
      checkLive: () => this.checkLive(),
      size: () => this.size,
      words: () => this.words,
      vectors: () => this.vectorArray,
      counts: () => this.countArray,
      idOf: (word) => this.idOf(word),
      requireId: (word) => this.requireId(word),
      unitRow: (id) => this.unitRow(id),
      unitVectors: () => this.unitVectors(),
      scoringMatrix: (metric, rows) => this.scoringMatrix(metric, rows),
      inverseRowNorms: () => this.inverseRowNorms(),
      track: (work, finishes) => this.track(work, finishes),
    };
  }

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    return similarity(this.access, a, b);
  }

  /**
   * Nearest words to a word, to the sum of several words minus `negative` words, or to a
   * vector: by cosine (default; query words as unit vectors) or by raw inner product
   * (`metric: 'dot'`). Query words are left out of the result.
   */
  mostSimilar(query: string | string[] | Float32Array, options: MostSimilarOptions = {}): ScoredWord[] {
    return mostSimilar(this.access, query, options);
  }

  /**
   * An approximate nearest-neighbour index (HNSW) over the input vectors (cosine) or the output
   * vectors (`vectors: 'output'`, inner product by default), built on native threads with
   * progress and AbortSignal. Pass it to mostSimilar's `index`, or search it directly.
   */
  buildIndex(options: IndexOptions = {}, run: IndexRunOptions = {}): Promise<VectorIndex> {
    this.checkLive();
    const o = resolveIndexOptions(options);
    const rows = o.vectors === 'input' ? this.vectors : this.outputVectors;
    if (!rows) throw new Error('this model has no output vectors (it was not trained with negative sampling, or was loaded from a file without them)');
    if (this.size === 0) throw new Error('the model has no rows to index');
    return this.track(() => buildVectorIndex(rows, this.dim, { vectors: o.vectors, modelRows: this.size }, o, run));
  }

  /**
   * Exact top-k for many query vectors at once (`queries` holds n x dim values), scored as a
   * blocked matrix product on native threads, off the main thread. The partial selection
   * keeps k per query; no full sort.
   */
  nearest(queries: Float32Array, k: number, options: NearestOptions = {}): Promise<NearestResult> {
    return nearest(this.access, queries, k, options);
  }

  /**
   * "a is to b as c is to ?": 3CosAdd (default, the nearest to b - a + c by cosine) or
   * 3CosMul (`method: 'mul'`: cos'(d,b) cos'(d,c) / (cos'(d,a) + 0.001), cos' = (cos + 1) / 2).
   * a, b and c are left out of the result.
   */
  analogy(a: string, b: string, c: string, options: AnalogyOptions = {}): ScoredWord[] {
    return analogy(this.access, a, b, c, options);
  }

  /** The word least similar to the mean of the others. */
  doesntMatch(words: string[]): string {
    return doesntMatch(this.access, words);
  }

  /**
   * Scores analogy questions as the original compute-accuracy does: 3CosAdd over the
   * `restrictVocab` most frequent words (default 30000), case-insensitive, questions with a
   * word outside them skipped.
   */
  evaluateAnalogies(file: string, options: { restrictVocab?: number } = {}): Promise<AnalogyEvaluation> {
    return evaluateAnalogies(this.access, file, options);
  }

  /**
   * Spearman and Pearson correlation of cosine similarity with human scores, over the pairs
   * (tab- or space-separated `word1 word2 score`, `#` comments) whose words are known;
   * words are looked up as written, then lower-cased.
   */
  evaluateWordPairs(file: string): Promise<WordPairEvaluation> {
    return evaluateWordPairs(this.access, file);
  }

  /**
   * Word classes by k-means on the input vectors, as the original's `-classes`: class ids
   * by word id, computed off the main thread.
   */
  wordClasses(classes: number, options: WordClassesOptions = {}): Promise<Int32Array> {
    return wordClasses(this.access, classes, options);
  }

  /**
   * Features for other models: each sequence of words (a sentence, a session, a basket)
   * pooled into one vector of the input vectors, on native threads, off the event loop: mean
   * (default), sum, max or SIF (`pooling: 'sif'`: smooth inverse frequency weights, then the
   * batch's first principal component removed; the result's `component` given back as an
   * option embeds new inputs the same way). Unknown words are skipped; a sequence without a
   * known word gives a row of zeros and is listed in `empty`.
   */
  embed(sequences: readonly (readonly string[])[], options: EmbedOptions = {}): Promise<EmbedResult> {
    return embed(this.access, sequences, options);
  }

  /**
   * Writes the model, atomically (a temporary file, fsynced, renamed over `path`: a failed
   * save leaves a previous file intact), in the original word2vec binary format (default),
   * its text format, fastText's .vec, or the native format (which also keeps the output
   * vectors and counts).
   */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    this.checkLive();
    if (typeof path !== 'string' || path.length === 0) throw new TypeError(`path must be a non-empty string, got ${describeValue(path)}`);
    checkOptions(options, SAVE_OPTIONS);
    const format = options.format ?? 'word2vec-binary';
    checkModelFormat(format);
    const table = this.tableToSave(options);
    const writeOptions = options.trainable === undefined ? {} : { trainable: booleanOption('trainable', options.trainable) };
    // Tracked: the file system writes straight from the vectors' memory, on its own threads.
    // Disposing meanwhile lets the save finish: the file it writes is whole either way.
    await this.track(() => writeModelTable(path, format, table, writeOptions), true);
  }

  /** The rows `save` writes: input or output vectors, the first `limit` of them. */
  private tableToSave(options: SaveOptions): ModelTable {
    const which = choiceOption('vectors', options.vectors ?? 'input', ['input', 'output']);
    const rows = options.limit === undefined ? this.size : integerOption('limit', options.limit, 1, this.size);
    if (which === 'output' && !this.outputArray) {
      throw new Error('vectors "output": this model has no output vectors (trained without negative sampling, or loaded from a format that does not keep them)');
    }
    const values = rows * this.dim;
    const vectors = which === 'output' ? this.outputArray! : this.vectorArray;
    const whole = rows === this.size;
    return {
      keys: whole ? this.keyList : this.keyList.slice(0, rows),
      dim: this.dim,
      vectors: whole ? vectors : vectors.subarray(0, values),
      // The native format keeps both matrices: only when the input vectors are the ones written.
      outputVectors: which === 'input' && this.outputArray ? (whole ? this.outputArray : this.outputArray.subarray(0, values)) : undefined,
      counts: this.countArray && !whole ? this.countArray.subarray(0, rows) : this.countArray,
    };
  }
}

const SAVE_OPTIONS = ['format', 'vectors', 'limit', 'trainable'];
