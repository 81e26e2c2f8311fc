/**
 * The trained model: vocabulary, input vectors and output vectors, with queries that run
 * in native code on unit-normalised copies.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';

import { keyOf } from '../util/bytes';
import { describeValue } from '../util/errors';
import { checkModelFormat, type ModelFormat } from '../formats/model-format';
import { writeNativeModel } from '../formats/native-model';
import { writeVec } from '../formats/vec';
import { writeWord2Vec } from '../formats/word2vec';
import { native } from '../native/addon';
import { checkOptions, integerOption } from '../training/options';
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

/** A word and its score. */
export interface ScoredWord {
  word: string;
  score: number;
}

/**
 * How queries score rows: `'cosine'` (default) ranks unit-length rows by their inner product
 * with the unit-length query; `'dot'` ranks the raw rows by raw inner product (what a
 * recommender's recall layer scores by).
 */
export type Metric = 'cosine' | 'dot';

/** Options of {@link Word2Vec.mostSimilar}. */
export interface MostSimilarOptions {
  /** How many results; default 10. */
  topK?: number;
  /** Words whose vectors are subtracted from the query. */
  negative?: string[];
  /** Default 'cosine'. */
  metric?: Metric;
}

/** Options of {@link Word2Vec.analogy}. */
export interface AnalogyOptions {
  /** How many results; default 10. */
  topK?: number;
  /** 'add' (3CosAdd, default: b - a + c) or 'mul' (3CosMul, Levy & Goldberg 2014). */
  method?: 'add' | 'mul';
}

/** Options of {@link Word2Vec.nearest}. */
export interface NearestOptions {
  /** Default 'cosine'. */
  metric?: Metric;
  /** Row ids no query may return. */
  exclude?: ArrayLike<number>;
  /** Threads to split the rows over; default os.availableParallelism(). */
  threads?: number;
}

/** Result of {@link Word2Vec.nearest}: `queries x k` ids and scores, row-major, best first. */
export interface NearestResult {
  /** Row ids; -1 where a query has fewer than k candidates. */
  ids: Int32Array;
  /** Scores; NaN where the id is -1. */
  scores: Float32Array;
  k: number;
  queries: number;
}

/** Options of {@link Word2Vec.save}. */
export interface SaveOptions {
  /**
   * 'word2vec-binary' (default), 'word2vec-text', 'vec' (fastText's text format) or 'native'
   * (memory-mappable by {@link loadModel}; the only one that keeps output vectors and counts).
   */
  format?: ModelFormat;
}

/** Result of {@link Word2Vec.evaluateAnalogies}. */
export interface AnalogyEvaluation {
  /** correct / seen, in [0, 1]. */
  accuracy: number;
  correct: number;
  /** Questions whose four words were all in the restricted vocabulary. */
  seen: number;
  /** Questions in the file. */
  total: number;
  /** Semantic (sections not starting with "gram") and syntactic accuracy. */
  semantic: { correct: number; seen: number; accuracy: number };
  syntactic: { correct: number; seen: number; accuracy: number };
  sections: { name: string; correct: number; seen: number; total: number; accuracy: number }[];
}

/** Result of {@link Word2Vec.evaluateWordPairs}. */
export interface WordPairEvaluation {
  spearman: number;
  pearson: number;
  /** Pairs with both words in the vocabulary. */
  seen: number;
  total: number;
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

  constructor(init: Word2VecInit) {
    const keys = init.keys ?? init.words?.map(keyOf);
    if (!keys) throw new TypeError('Word2Vec needs keys or words');
    integerOption('dim', init.dim, 1, 100000);
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

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    const u = this.unitRow(this.requireId(a));
    const v = this.unitRow(this.requireId(b));
    let s = 0;
    for (let i = 0; i < this.dim; i++) s += u[i]! * v[i]!;
    return s;
  }

  /**
   * Nearest words to a word, to the sum of several words minus `negative` words, or to a
   * vector: by cosine (default; query words as unit vectors) or by raw inner product
   * (`metric: 'dot'`). Query words are left out of the result.
   */
  mostSimilar(query: string | string[] | Float32Array, options: MostSimilarOptions = {}): ScoredWord[] {
    this.checkLive();
    checkOptions(options, MOST_SIMILAR_OPTIONS);
    const topK = integerOption('topK', options.topK ?? 10, 0, 2 ** 31 - 1);
    const metric = metricOption(options.metric);
    const negative = options.negative ?? [];
    if (!Array.isArray(negative)) throw new TypeError(`negative must be an array of words, got ${describeValue(negative)}`);
    const q = new Float32Array(this.dim);
    const exclude: number[] = [];
    let positive: readonly unknown[];
    if (query instanceof Float32Array) {
      if (query.length !== this.dim) throw new RangeError(`query vector must have ${this.dim} values, got ${query.length}`);
      // An infinity made the cosine scaling below 0 * inf: NaN scores came back as results.
      const bad = query.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new RangeError(`query vector value ${bad} must be finite, got ${query[bad]}`);
      q.set(query);
      positive = [];
    } else {
      positive = typeof query === 'string' ? [query] : query;
      if (!Array.isArray(positive) || positive.length + negative.length === 0) {
        throw new TypeError(`query must be a word, a non-empty array of words or a Float32Array, got ${describeValue(query)}`);
      }
    }
    // `negative` words apply to a vector query too (they were ignored, and could be returned).
    for (const [words, sign] of [[positive, 1], [negative, -1]] as const) {
      for (const w of words) {
        const id = this.requireId(w);
        exclude.push(id);
        const row = metric === 'cosine' ? this.unitRow(id) : this.vectors.subarray(id * this.dim, (id + 1) * this.dim);
        for (let i = 0; i < this.dim; i++) q[i]! += sign * row[i]!;
      }
    }
    return this.rankRows(q, topK, exclude, metric);
  }

  /**
   * Exact top-k for many query vectors at once (`queries` holds n x dim values), scored as a
   * blocked matrix product on native threads, off the main thread. The partial selection
   * keeps k per query; no full sort.
   */
  async nearest(queries: Float32Array, k: number, options: NearestOptions = {}): Promise<NearestResult> {
    this.checkLive();
    checkOptions(options, NEAREST_OPTIONS);
    if (!(queries instanceof Float32Array) || queries.length % this.dim !== 0) {
      throw new TypeError(`queries must be a Float32Array of n x ${this.dim} values, got ${describeValue(queries)}${queries instanceof Float32Array ? ` of length ${queries.length}` : ''}`);
    }
    integerOption('k', k, 0, 2 ** 31 - 1);
    const metric = metricOption(options.metric);
    const threads = integerOption('threads', options.threads ?? availableParallelism(), 1, 256);
    const exclude = options.exclude === undefined ? null : idArray('exclude', options.exclude);
    const count = queries.length / this.dim;
    return this.track(async () => {
      // Cosine: unit queries against the rows scaled by their inverse norms; everything
      // that touches the whole matrix runs on worker threads.
      const scale = metric === 'cosine' ? await this.inverseRowNorms() : null;
      const q = metric === 'cosine' ? await native().normalizeRowsAsync(queries, this.dim) : queries;
      const { ids, scores } = await native().topKBatchAsync(this.vectorArray, this.dim, q, k, null, null, exclude, threads, scale);
      return { ids, scores, k, queries: count };
    });
  }

  private scoringMatrix(metric: Metric, rows = this.size): Float32Array {
    const m = metric === 'cosine' ? this.unitVectors() : this.vectors;
    return rows === this.size ? m : m.subarray(0, rows * this.dim);
  }

  private rankRows(query: Float32Array, topK: number, exclude: number[], metric: Metric): ScoredWord[] {
    // On every core: one query over a large model is bound by memory bandwidth.
    const { ids: padded, scores } = native().topKBatch(this.scoringMatrix(metric), this.dim, query, topK, null, null, Int32Array.from(exclude), availableParallelism());
    const found = padded.indexOf(-1);
    const ids = found < 0 ? padded : padded.subarray(0, found);
    let inv = 1;
    if (metric === 'cosine') {
      let norm = 0;
      for (let i = 0; i < this.dim; i++) norm += query[i]! * query[i]!;
      inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    }
    return Array.from(ids, (id, i) => ({ word: this.words[id]!, score: scores[i]! * inv }));
  }

  /**
   * "a is to b as c is to ?": 3CosAdd (default, the nearest to b - a + c by cosine) or
   * 3CosMul (`method: 'mul'`: cos'(d,b) cos'(d,c) / (cos'(d,a) + 0.001), cos' = (cos + 1) / 2).
   * a, b and c are left out of the result.
   */
  analogy(a: string, b: string, c: string, options: AnalogyOptions = {}): ScoredWord[] {
    this.checkLive();
    checkOptions(options, ANALOGY_OPTIONS);
    const method = options.method ?? 'add';
    if (method !== 'add' && method !== 'mul') throw new TypeError(`method must be "add" or "mul", got ${describeValue(method)}`);
    const topK = integerOption('topK', options.topK ?? 10, 0, 2 ** 31 - 1);
    if (method === 'add') return this.mostSimilar([b, c], { negative: [a], topK });
    const ids = [a, b, c].map((w) => this.requireId(w));
    const [ra, rb, rc] = ids.map((id) => this.unitRow(id)) as [Float32Array, Float32Array, Float32Array];
    const best = native().topKCosMul(this.unitVectors(), this.dim, ra, rb, rc, topK, Int32Array.from(ids), 1e-3, availableParallelism());
    return Array.from(best.ids, (id, i) => ({ word: this.words[id]!, score: best.scores[i]! }));
  }

  /** The word least similar to the mean of the others. */
  doesntMatch(words: string[]): string {
    this.checkLive();
    if (!Array.isArray(words) || words.length < 2) {
      throw new TypeError(`doesntMatch needs at least 2 words, got ${Array.isArray(words) ? `${words.length}` : describeValue(words)}`);
    }
    const ids = words.map((w) => this.requireId(w));
    const mean = new Float32Array(this.dim);
    for (const id of ids) {
      const row = this.unitRow(id);
      for (let i = 0; i < this.dim; i++) mean[i]! += row[i]!;
    }
    let worst = 0;
    let worstScore = Infinity;
    ids.forEach((id, k) => {
      const row = this.unitRow(id);
      let s = 0;
      for (let i = 0; i < this.dim; i++) s += row[i]! * mean[i]!;
      if (s < worstScore) {
        worstScore = s;
        worst = k;
      }
    });
    return words[worst]!;
  }

  /**
   * Scores analogy questions as the original compute-accuracy does: 3CosAdd over the
   * `restrictVocab` most frequent words (default 30000), case-insensitive, questions with a
   * word outside them skipped.
   */
  async evaluateAnalogies(file: string, options: { restrictVocab?: number } = {}): Promise<AnalogyEvaluation> {
    this.checkLive();
    checkOptions(options, EVALUATE_ANALOGIES_OPTIONS);
    const restrict = Math.min(this.size, integerOption('restrictVocab', options.restrictVocab ?? 30000, 1, 2 ** 31 - 1));
    return this.track(() => this.scoreAnalogies(file, restrict));
  }

  private async scoreAnalogies(file: string, restrict: number): Promise<AnalogyEvaluation> {
    // compute-accuracy upper-cases every word; the first of equal upper-cased words wins.
    const upper = new Map<string, number>();
    for (let i = 0; i < restrict; i++) {
      const u = this.words[i]!.toUpperCase();
      if (!upper.has(u)) upper.set(u, i);
    }
    const text = await readFile(file, 'utf8');
    const sections: AnalogyEvaluation['sections'] = [];
    let section: AnalogyEvaluation['sections'][number] | undefined;
    let total = 0;
    // Questions whose words are all known, answered in one batch below.
    const asked: { section: AnalogyEvaluation['sections'][number]; ids: number[] }[] = [];
    for (const line of text.split('\n')) {
      const parts = line.trim().split(/\s+/).filter((p) => p.length > 0);
      if (parts.length === 0) continue;
      if (parts[0] === ':') {
        section = { name: parts.slice(1).join(' '), correct: 0, seen: 0, total: 0, accuracy: 0 };
        sections.push(section);
        continue;
      }
      if (parts.length !== 4) continue;
      if (!section) {
        section = { name: '', correct: 0, seen: 0, total: 0, accuracy: 0 };
        sections.push(section);
      }
      total++;
      section.total++;
      const ids = parts.map((p) => upper.get(p.toUpperCase()));
      if (ids.some((id) => id === undefined)) continue;
      section.seen++;
      asked.push({ section, ids: ids as number[] });
    }
    const queries = new Float32Array(asked.length * this.dim);
    const offsets = new Int32Array(asked.length + 1);
    const excluded = new Int32Array(asked.length * 3);
    asked.forEach(({ ids: [a, b, c] }, n) => {
      const ra = this.unitRow(a!);
      const rb = this.unitRow(b!);
      const rc = this.unitRow(c!);
      const q = queries.subarray(n * this.dim, (n + 1) * this.dim);
      for (let i = 0; i < this.dim; i++) q[i] = rb[i]! - ra[i]! + rc[i]!;
      excluded.set([a!, b!, c!], n * 3);
      offsets[n + 1] = (n + 1) * 3;
    });
    if (asked.length > 0) {
      const best = await native().topKBatchAsync(
        this.scoringMatrix('cosine', restrict), this.dim, queries, 1, offsets, excluded, null, availableParallelism(),
      );
      asked.forEach(({ section: s, ids }, n) => {
        if (best.ids[n] === ids[3]) s.correct++;
      });
    }
    const sum = (list: typeof sections) => {
      const correct = list.reduce((s, x) => s + x.correct, 0);
      const seen = list.reduce((s, x) => s + x.seen, 0);
      return { correct, seen, accuracy: seen > 0 ? correct / seen : 0 };
    };
    for (const s of sections) s.accuracy = s.seen > 0 ? s.correct / s.seen : 0;
    const all = sum(sections);
    return {
      accuracy: all.accuracy, correct: all.correct, seen: all.seen, total,
      semantic: sum(sections.filter((s) => !s.name.startsWith('gram'))),
      syntactic: sum(sections.filter((s) => s.name.startsWith('gram'))),
      sections,
    };
  }

  /**
   * Spearman and Pearson correlation of cosine similarity with human scores, over the pairs
   * (tab- or space-separated `word1 word2 score`, `#` comments) whose words are known;
   * words are looked up as written, then lower-cased.
   */
  async evaluateWordPairs(file: string): Promise<WordPairEvaluation> {
    this.checkLive();
    const text = await readFile(file, 'utf8');
    this.checkLive();
    const model: number[] = [];
    const human: number[] = [];
    let total = 0;
    const lookup = (w: string): number | undefined => this.idOf(w) ?? this.idOf(w.toLowerCase());
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const parts = line.trim().split(/\t|\s+/);
      if (parts.length < 3) continue;
      const score = Number(parts[2]);
      if (!Number.isFinite(score)) continue;
      total++;
      const a = lookup(parts[0]!);
      const b = lookup(parts[1]!);
      if (a === undefined || b === undefined) continue;
      const u = this.unitRow(a);
      const v = this.unitRow(b);
      let s = 0;
      for (let i = 0; i < this.dim; i++) s += u[i]! * v[i]!;
      model.push(s);
      human.push(score);
    }
    return { spearman: pearson(ranks(model), ranks(human)), pearson: pearson(model, human), seen: model.length, total };
  }

  /**
   * Word classes by k-means on the input vectors, as the original's `-classes`: class ids
   * by word id, computed off the main thread.
   */
  async wordClasses(classes: number, options: { iterations?: number; threads?: number } = {}): Promise<Int32Array> {
    this.checkLive();
    checkOptions(options, WORD_CLASSES_OPTIONS);
    integerOption('classes', classes, 1, this.size);
    const iterations = integerOption('iterations', options.iterations ?? 10, 1, 1000);
    const threads = integerOption('threads', options.threads ?? availableParallelism(), 1, 256);
    return this.track(() => native().kmeansClasses(this.vectorArray, this.dim, classes, iterations, threads));
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
    const table = { keys: this.keyList, dim: this.dim, vectors: this.vectorArray };
    // Tracked: the file system writes straight from the vectors' memory, on its own threads.
    // Disposing meanwhile lets the save finish: the file it writes is whole either way.
    await this.track(async () => {
      if (format === 'native') {
        await writeNativeModel(path, { ...table, outputVectors: this.outputArray, counts: this.countArray });
      } else if (format === 'vec') {
        await writeVec(path, table);
      } else {
        await writeWord2Vec(path, table, format);
      }
    }, true);
  }
}

const MOST_SIMILAR_OPTIONS = ['topK', 'negative', 'metric'];
const ANALOGY_OPTIONS = ['topK', 'method'];
const NEAREST_OPTIONS = ['metric', 'exclude', 'threads'];
const EVALUATE_ANALOGIES_OPTIONS = ['restrictVocab'];
const WORD_CLASSES_OPTIONS = ['iterations', 'threads'];
const SAVE_OPTIONS = ['format'];

function metricOption(metric: unknown): Metric {
  if (metric === undefined) return 'cosine';
  if (metric !== 'cosine' && metric !== 'dot') throw new TypeError(`metric must be "cosine" or "dot", got ${describeValue(metric)}`);
  return metric;
}

function idArray(name: string, ids: ArrayLike<number>): Int32Array {
  // Not an array (0, null, a string...) was taken as an empty list, or failed with a message
  // that did not name the option.
  if (!Array.isArray(ids) && !(ArrayBuffer.isView(ids) && !(ids instanceof DataView))) {
    throw new TypeError(`${name} must be an array of row ids, got ${describeValue(ids)}`);
  }
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id! < 0 || id! > 2 ** 31 - 1) throw new RangeError(`${name}[${i}] must be a row id, got ${describeValue(id)}`);
    out[i] = id!;
  }
  return out;
}

function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const r = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const mean = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]![1]] = mean;
    i = j + 1;
  }
  return r;
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
