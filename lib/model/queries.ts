/**
 * Similarity queries over a model's rows, in native code: most similar words, analogies,
 * the odd one out, exact top-k for many query vectors at once.
 * @module
 */
import { availableParallelism } from 'node:os';

import { native } from '../native/addon';
import { checkOptions, choiceOption, integerOption } from '../util/validate';
import { describeValue } from '../util/errors';
import type { Metric, ModelAccess } from './model-access';
import type { VectorIndex } from '../recall/vector-index';

export type { Metric } from './model-access';

/** A word and its score. */
export interface ScoredWord {
  word: string;
  score: number;
  /** Set (true) when the result came from an approximate index search; absent for exact results. */
  approximate?: boolean;
}

/** Options of {@link Word2Vec.mostSimilar}. */
export interface MostSimilarOptions {
  /** How many results; default 10. */
  topK?: number;
  /** Words whose vectors are subtracted from the query. */
  negative?: string[];
  /** Default 'cosine'; with `index`, the index's metric. */
  metric?: Metric;
  /**
   * Search this index (built by `model.buildIndex()` over the input vectors, or loaded for
   * this model) instead of scanning every row: approximate, and much faster on large models.
   */
  index?: VectorIndex;
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

const MOST_SIMILAR_OPTIONS = ['topK', 'negative', 'metric', 'index'];
const ANALOGY_OPTIONS = ['topK', 'method'];
const NEAREST_OPTIONS = ['metric', 'exclude', 'threads'];

/** Checks a metric option; undefined is 'cosine'. */
export function metricOption(metric: unknown): Metric {
  return metric === undefined ? 'cosine' : choiceOption('metric', metric, ['cosine', 'dot']);
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

function dot(u: Float32Array, v: Float32Array, dim: number): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += u[i]! * v[i]!;
  return s;
}

/** Cosine similarity of two words. */
export function similarity(m: ModelAccess, a: string, b: string): number {
  return dot(m.unitRow(m.requireId(a)), m.unitRow(m.requireId(b)), m.dim);
}

function rankRows(m: ModelAccess, query: Float32Array, topK: number, exclude: number[], metric: Metric): ScoredWord[] {
  // On every core: one query over a large model is bound by memory bandwidth.
  const { ids: padded, scores } = native().topKBatch(m.scoringMatrix(metric), m.dim, query, topK, null, null, Int32Array.from(exclude), availableParallelism());
  const found = padded.indexOf(-1);
  const ids = found < 0 ? padded : padded.subarray(0, found);
  let inv = 1;
  if (metric === 'cosine') {
    const norm = dot(query, query, m.dim);
    inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  }
  const words = m.words();
  return Array.from(ids, (id, i) => ({ word: words[id]!, score: scores[i]! * inv }));
}

/** The query vector of {@link mostSimilar}: a vector as given, or a sum of words' rows. */
function queryWords(m: ModelAccess, query: string | string[] | Float32Array, negative: readonly unknown[]): readonly unknown[] {
  if (query instanceof Float32Array) {
    if (query.length !== m.dim) throw new RangeError(`query vector must have ${m.dim} values, got ${query.length}`);
    // An infinity made the cosine scaling below 0 * inf: NaN scores came back as results.
    const bad = query.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`query vector value ${bad} must be finite, got ${query[bad]}`);
    return [];
  }
  const positive = typeof query === 'string' ? [query] : query;
  if (!Array.isArray(positive) || positive.length + negative.length === 0) {
    throw new TypeError(`query must be a word, a non-empty array of words or a Float32Array, got ${describeValue(query)}`);
  }
  return positive;
}

/**
 * Nearest words to a word, to the sum of several words minus `negative` words, or to a
 * vector: by cosine (default; query words as unit vectors) or by raw inner product
 * (`metric: 'dot'`). Query words are left out of the result.
 */
export function mostSimilar(m: ModelAccess, query: string | string[] | Float32Array, options: MostSimilarOptions): ScoredWord[] {
  m.checkLive();
  checkOptions(options, MOST_SIMILAR_OPTIONS);
  const topK = integerOption('topK', options.topK ?? 10, 0, 2 ** 31 - 1);
  const index = options.index;
  if (index !== undefined) checkIndexServes(index, m.vectors(), 'input', options.metric);
  const metric = index ? index.metric : metricOption(options.metric);
  const negative = options.negative ?? [];
  if (!Array.isArray(negative)) throw new TypeError(`negative must be an array of words, got ${describeValue(negative)}`);
  const q = new Float32Array(m.dim);
  const exclude: number[] = [];
  const positive = queryWords(m, query, negative);
  if (query instanceof Float32Array) q.set(query);
  // `negative` words apply to a vector query too (they were ignored, and could be returned).
  for (const [words, sign] of [[positive, 1], [negative, -1]] as const) {
    for (const w of words) {
      const id = m.requireId(w);
      exclude.push(id);
      const row = metric === 'cosine' ? m.unitRow(id) : m.vectors().subarray(id * m.dim, (id + 1) * m.dim);
      for (let i = 0; i < m.dim; i++) q[i]! += sign * row[i]!;
    }
  }
  if (index) return searchIndex(m, index, q, topK, exclude);
  return rankRows(m, q, topK, exclude, metric);
}

/** Checks that `index` was built from (or loaded for) exactly `rows`, with the metric asked for. */
export function checkIndexServes(index: VectorIndex, rows: Float32Array | undefined, kind: 'input' | 'output', metric: unknown): void {
  if (index === null || typeof index !== 'object' || typeof (index as { servesRows?: unknown }).servesRows !== 'function') {
    throw new TypeError(`index must be a VectorIndex (from buildIndex or loadIndex), got ${describeValue(index)}`);
  }
  if (!index.servesRows(rows)) {
    throw new Error(`this index was not built from (or loaded for) this model's ${kind} vectors: build it with buildIndex({ vectors: '${kind}' }) or load it with loadIndex(path, model)`);
  }
  if (metric !== undefined && metric !== index.metric) {
    throw new Error(`metric ${describeValue(metric)} differs from the index's metric ${JSON.stringify(index.metric)}`);
  }
}

function searchIndex(m: ModelAccess, index: VectorIndex, q: Float32Array, topK: number, exclude: number[]): ScoredWord[] {
  const k = Math.min(topK, index.size);
  if (k === 0) return [];
  const { ids, scores, exact } = index.searchOne(q, k, { exclude });
  const words = m.words();
  const out: ScoredWord[] = [];
  ids.forEach((id, i) => {
    if (id >= 0 && id < words.length) out.push({ word: words[id]!, score: scores[i]!, ...(exact ? {} : { approximate: true }) });
  });
  return out;
}

/**
 * Exact top-k for many query vectors at once (`queries` holds n x dim values), scored as a
 * blocked matrix product on native threads, off the main thread.
 */
export async function nearest(m: ModelAccess, queries: Float32Array, k: number, options: NearestOptions): Promise<NearestResult> {
  m.checkLive();
  checkOptions(options, NEAREST_OPTIONS);
  if (!(queries instanceof Float32Array) || queries.length % m.dim !== 0) {
    throw new TypeError(`queries must be a Float32Array of n x ${m.dim} values, got ${describeValue(queries)}${queries instanceof Float32Array ? ` of length ${queries.length}` : ''}`);
  }
  integerOption('k', k, 0, 2 ** 31 - 1);
  const metric = metricOption(options.metric);
  const threads = integerOption('threads', options.threads ?? availableParallelism(), 1, 256);
  const exclude = options.exclude === undefined ? null : idArray('exclude', options.exclude);
  const count = queries.length / m.dim;
  return m.track(async () => {
    // Cosine: unit queries against the rows scaled by their inverse norms; everything
    // that touches the whole matrix runs on worker threads.
    const scale = metric === 'cosine' ? await m.inverseRowNorms() : null;
    const q = metric === 'cosine' ? await native().normalizeRowsAsync(queries, m.dim) : queries;
    const { ids, scores } = await native().topKBatchAsync(m.vectors(), m.dim, q, k, null, null, exclude, threads, scale);
    return { ids, scores, k, queries: count };
  });
}

/**
 * "a is to b as c is to ?": 3CosAdd (default, the nearest to b - a + c by cosine) or
 * 3CosMul (`method: 'mul'`). a, b and c are left out of the result.
 */
export function analogy(m: ModelAccess, a: string, b: string, c: string, options: AnalogyOptions): ScoredWord[] {
  m.checkLive();
  checkOptions(options, ANALOGY_OPTIONS);
  const method = choiceOption('method', options.method ?? 'add', ['add', 'mul']);
  const topK = integerOption('topK', options.topK ?? 10, 0, 2 ** 31 - 1);
  if (method === 'add') return mostSimilar(m, [b, c], { negative: [a], topK });
  const ids = [a, b, c].map((w) => m.requireId(w));
  const [ra, rb, rc] = ids.map((id) => m.unitRow(id)) as [Float32Array, Float32Array, Float32Array];
  const best = native().topKCosMul(m.unitVectors(), m.dim, ra, rb, rc, topK, Int32Array.from(ids), 1e-3, availableParallelism());
  const words = m.words();
  return Array.from(best.ids, (id, i) => ({ word: words[id]!, score: best.scores[i]! }));
}

/** The word least similar to the mean of the others. */
export function doesntMatch(m: ModelAccess, words: string[]): string {
  m.checkLive();
  if (!Array.isArray(words) || words.length < 2) {
    throw new TypeError(`doesntMatch needs at least 2 words, got ${Array.isArray(words) ? `${words.length}` : describeValue(words)}`);
  }
  const ids = words.map((w) => m.requireId(w));
  const mean = new Float32Array(m.dim);
  for (const id of ids) {
    const row = m.unitRow(id);
    for (let i = 0; i < m.dim; i++) mean[i]! += row[i]!;
  }
  let worst = 0;
  let worstScore = Infinity;
  ids.forEach((id, k) => {
    const s = dot(m.unitRow(id), mean, m.dim);
    if (s < worstScore) {
      worstScore = s;
      worst = k;
    }
  });
  return words[worst]!;
}
