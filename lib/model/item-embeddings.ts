/**
 * Item vectors and the recall-layer queries on them: similar items, recommendations from a
 * user's history, and vectors for new items from known neighbours (cold start).
 * @module
 */
import { native } from '../native/addon';
import { describeValue } from '../util/errors';
import { checkOptions, integerOption, numberOption } from '../util/validate';
import { embedTokens, type EmbedOptions, type EmbedResult, type TokenLookup } from './embedding';
import type { Metric } from './model-access';
import { MODEL_DISPOSED, modelAccess, Word2Vec } from './model';
import { checkIndexServes, metricOption } from './queries';
import { resolveIndexOptions, type GroupKey, type IndexOptions, type IndexRunOptions } from '../recall/index-options';
import { buildVectorIndex, type VectorIndex } from '../recall/vector-index';

/** An item: a string or an integer id. `1` and `"1"` are different items. */
export type Item = string | number;

/** An item and its score. */
export interface ScoredItem {
  /** The item; for an id added to an index beyond the vocabulary (index.add), that numeric id. */
  item: Item;
  score: number;
  /** Set (true) when the result came from an approximate index search; absent for exact results. */
  approximate?: boolean;
}

/** Options of {@link ItemEmbeddings.buildIndex}: as {@link IndexOptions}, groups keyed by item. */
export interface ItemIndexOptions extends Omit<IndexOptions, 'groups'> {
  /** The group of each item (its market, category...), for filters `{ group }`. */
  groups?: (item: Item) => GroupKey | undefined;
}

/** Options of {@link ItemEmbeddings.recommend}. */
export interface RecommendOptions {
  /** How many items; default 10. */
  topK?: number;
  /** Items never to recommend (the history is always left out). */
  exclude?: readonly Item[];
  /** 'cosine' (default) or 'dot' (raw inner product, a recall layer's usual score). */
  metric?: Metric;
  /**
   * Recency weighting of the history: the weight halves every `recencyHalfLife` items back
   * from the most recent (the last of `history`). Default: all items weigh the same.
   */
  recencyHalfLife?: number;
  /** Score candidates by their input vectors (default) or their output (softmax weight) vectors. */
  candidates?: 'input' | 'output';
  /**
   * Search this index (from `items.buildIndex()` or loadIndex) instead of scanning every item:
   * candidates are the vectors it was built from, scored by its metric.
   */
  index?: VectorIndex;
}

/** Item vectors with their vocabulary and the recall-layer queries. */
export class ItemEmbeddings {
  /** The vectors as a Word2Vec model (words are the items as strings), for saving and word-style queries. */
  readonly model: Word2Vec;
  /** Items by id, most frequent first. */
  readonly items: readonly Item[];
  private readonly index = new Map<Item, number>();
  private unitOutput: Float32Array | undefined;

  constructor(model: Word2Vec, items: readonly Item[]) {
    if (!(model instanceof Word2Vec)) throw new TypeError(`model must be a Word2Vec, got ${describeValue(model)}`);
    if (!Array.isArray(items) || items.length !== model.size) {
      throw new RangeError(`items must be an array of ${model.size} items (one per vector), got ${describeValue(items)}`);
    }
    this.model = model;
    this.items = items;
    items.forEach((item, id) => {
      if (!this.index.has(item)) this.index.set(item, id);
    });
  }

  /**
   * Item embeddings from a saved or loaded model whose words are items: `itemType: 'number'`
   * reads every word as an integer id (default 'string').
   */
  static fromModel(model: Word2Vec, options: { itemType?: 'string' | 'number' } = {}): ItemEmbeddings {
    checkOptions(options, ['itemType']);
    const type = options.itemType ?? 'string';
    if (type !== 'string' && type !== 'number') throw new TypeError(`itemType must be "string" or "number", got ${describeValue(type)}`);
    const items = model.words.map((w) => {
      if (type === 'string') return w;
      const n = Number(w);
      if (!Number.isSafeInteger(n) || String(n) !== w) throw new RangeError(`itemType "number": word ${JSON.stringify(w)} is not an integer`);
      return n;
    });
    return new ItemEmbeddings(model, items);
  }

  get dim(): number {
    return this.model.dim;
  }

  get size(): number {
    return this.items.length;
  }

  /** Id of an item, or undefined. */
  idOf(item: Item): number | undefined {
    if (this.model.disposed) throw new Error(MODEL_DISPOSED);
    return this.index.get(item);
  }

  has(item: Item): boolean {
    return this.idOf(item) !== undefined;
  }

  /** A copy of the item's input vector (its embedding), or undefined. */
  vector(item: Item): Float32Array | undefined {
    const id = this.idOf(item);
    return id === undefined ? undefined : this.model.vectors.slice(id * this.dim, (id + 1) * this.dim);
  }

  /** A copy of the item's output vector (the softmax weight row, YouTube-style), or undefined. */
  outputVector(item: Item): Float32Array | undefined {
    const id = this.idOf(item);
    const out = this.model.outputVectors;
    return id === undefined || !out ? undefined : out.slice(id * this.dim, (id + 1) * this.dim);
  }

  /**
   * Frees the vectors now (see {@link Word2Vec.dispose}); afterwards every method throws an
   * Error "model is disposed".
   */
  dispose(): void {
    this.model.dispose();
    if (this.unitOutput) {
      try {
        native().detachBuffer(this.unitOutput.buffer);
      } catch {
        // left to the collector
      }
      this.unitOutput = undefined;
    }
  }

  /**
   * An approximate nearest-neighbour index over the items' input vectors (cosine) or output
   * vectors (`vectors: 'output'`, inner product by default), for `similar` and `recommend`'s
   * `index`, or for searching directly (ids are the items' ids, see {@link idOf}).
   */
  buildIndex(options: ItemIndexOptions = {}, run: IndexRunOptions = {}): Promise<VectorIndex> {
    const groupOf = options.groups;
    if (groupOf !== undefined && typeof groupOf !== 'function') throw new TypeError(`groups must be a function of the item, got ${describeValue(groupOf)}`);
    const o = resolveIndexOptions({ ...options, groups: groupOf && ((id: number) => groupOf(this.items[id]!)) });
    const rows = o.vectors === 'input' ? this.model.vectors : this.model.outputVectors;
    if (!rows) throw new Error('this model has no output vectors (it was not trained with negative sampling, or was loaded from a file without them)');
    return buildVectorIndex(rows, this.dim, { vectors: o.vectors, modelRows: this.size }, o, run);
  }

  /** Items nearest to an item, by cosine (default) or raw inner product. */
  similar(item: Item, options: { topK?: number; metric?: Metric; exclude?: readonly Item[]; index?: VectorIndex } = {}): ScoredItem[] {
    checkOptions(options, ['topK', 'metric', 'exclude', 'index']);
    const topK = integerOption('topK', options.topK ?? 10, 0, 2 ** 31 - 1);
    const metric = options.index ? options.index.metric : metricOption(options.metric);
    const id = this.requireId(item);
    return this.rank(this.model.vectors.slice(id * this.dim, (id + 1) * this.dim), [id, ...this.knownIds(options.exclude, 'exclude')], {
      topK, metric, candidates: 'input', index: options.index, askedMetric: options.metric,
    });
  }

  /**
   * Recommendations for a user: the user vector is the (optionally recency-weighted) mean of
   * the history's vectors, scored against every item; history and `exclude` left out.
   * Items of the history that are unknown are skipped; an empty or wholly unknown history
   * is an Error.
   */
  recommend(history: readonly Item[], options: RecommendOptions = {}): ScoredItem[] {
    if (!Array.isArray(history)) throw new TypeError(`history must be an array of items, got ${describeValue(history)}`);
    checkOptions(options, ['topK', 'exclude', 'metric', 'recencyHalfLife', 'candidates', 'index']);
    const topK = integerOption('topK', options.topK ?? 10, 0, 2 ** 31 - 1);
    const index = options.index;
    const metric = index ? index.metric : metricOption(options.metric);
    const candidates = options.candidates ?? (index?.source.vectors === 'output' ? 'output' : 'input');
    if (candidates !== 'input' && candidates !== 'output') {
      throw new TypeError(`candidates must be "input" or "output", got ${describeValue(candidates)}`);
    }
    const halfLife = options.recencyHalfLife === undefined ? Infinity : numberOption('recencyHalfLife', options.recencyHalfLife, Number.MIN_VALUE, Number.MAX_VALUE);
    const user = new Float32Array(this.dim);
    const seen: number[] = [];
    let total = 0;
    history.forEach((item, i) => {
      const id = this.idOf(item);
      if (id === undefined) return;
      seen.push(id);
      const weight = Number.isFinite(halfLife) ? 0.5 ** ((history.length - 1 - i) / halfLife) : 1;
      const row = this.model.vectors.subarray(id * this.dim, (id + 1) * this.dim);
      for (let d = 0; d < this.dim; d++) user[d]! += weight * row[d]!;
      total += weight;
    });
    if (seen.length === 0) throw new Error(`history has no known item (${history.length} items given)`);
    for (let d = 0; d < this.dim; d++) user[d]! /= total;
    return this.rank(user, [...seen, ...this.knownIds(options.exclude, 'exclude')], { topK, metric, candidates, index, askedMetric: options.metric });
  }

  /**
   * A vector for a new item from similar known items: the mean of their vectors, optionally
   * weighted. Unknown neighbours are skipped; none known is an Error.
   */
  coldStart(neighbours: readonly Item[], options: { weights?: readonly number[] } = {}): Float32Array {
    if (!Array.isArray(neighbours)) throw new TypeError(`neighbours must be an array of items, got ${describeValue(neighbours)}`);
    checkOptions(options, ['weights']);
    const weights = options.weights;
    if (weights !== undefined && (!Array.isArray(weights) || weights.length !== neighbours.length)) {
      throw new RangeError(`weights must be an array of ${neighbours.length} numbers, got ${describeValue(weights)}`);
    }
    const out = new Float32Array(this.dim);
    let total = 0;
    neighbours.forEach((item, i) => {
      const id = this.idOf(item);
      if (id === undefined) return;
      const w = weights ? numberOption(`weights[${i}]`, weights[i], 0, Number.MAX_VALUE) : 1;
      const row = this.model.vectors.subarray(id * this.dim, (id + 1) * this.dim);
      for (let d = 0; d < this.dim; d++) out[d]! += w * row[d]!;
      total += w;
    });
    if (total === 0) throw new Error(`coldStart needs at least one known neighbour with a positive weight (${neighbours.length} given)`);
    for (let d = 0; d < this.dim; d++) out[d]! /= total;
    return out;
  }

  /**
   * Features of sessions or baskets (arrays of items) for other models, as {@link
   * Word2Vec.embed} makes them of sentences: each pooled into one vector (mean, sum, max or
   * SIF) on native threads. `weights` are keyed by item. Unknown items are skipped; a session
   * without a known item gives a row of zeros and is listed in `empty`.
   */
  embed(sessions: readonly (readonly Item[])[], options: EmbedOptions<Item> = {}): Promise<EmbedResult> {
    const lookup: TokenLookup<Item> = {
      expected: 'an item (a string or a number)',
      isToken: (token): token is Item => typeof token === 'string' || typeof token === 'number',
      idOf: (item) => this.idOf(item),
    };
    return embedTokens(modelAccess(this.model), sessions, options, lookup);
  }

  private requireId(item: unknown): number {
    const id = this.idOf(item as Item);
    if (id === undefined) throw new Error(`item not in the vocabulary: ${describeValue(item)}`);
    return id;
  }

  private knownIds(items: readonly Item[] | undefined, name: string): number[] {
    if (items === undefined) return [];
    if (!Array.isArray(items)) throw new TypeError(`${name} must be an array of items, got ${describeValue(items)}`);
    const ids: number[] = [];
    for (const item of items) {
      const id = this.idOf(item);
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  private rank(
    query: Float32Array, exclude: number[],
    o: { topK: number; metric: Metric; candidates: 'input' | 'output'; index?: VectorIndex | undefined; askedMetric?: unknown },
  ): ScoredItem[] {
    if (o.index !== undefined) return this.rankByIndex(query, exclude, o.index, o.topK, o.candidates, o.askedMetric);
    let matrix: Float32Array;
    if (o.candidates === 'output') {
      const out = this.model.outputVectors;
      if (!out) throw new Error('this model has no output vectors (it was not trained with negative sampling, or was loaded from a file without them)');
      matrix = o.metric === 'cosine' ? (this.unitOutput ??= native().normalizeRows(out, this.dim)) : out;
    } else {
      matrix = o.metric === 'cosine' ? this.model.unitVectors() : this.model.vectors;
    }
    const { ids, scores } = native().topK(matrix, this.dim, query, o.topK, Int32Array.from(exclude));
    let scale = 1;
    if (o.metric === 'cosine') {
      let n = 0;
      for (let d = 0; d < this.dim; d++) n += query[d]! * query[d]!;
      scale = n > 0 ? 1 / Math.sqrt(n) : 0;
    }
    return Array.from(ids, (id, i) => ({ item: this.items[id]!, score: scores[i]! * scale }));
  }

  private rankByIndex(query: Float32Array, exclude: number[], index: VectorIndex, topK: number, candidates: 'input' | 'output', askedMetric: unknown): ScoredItem[] {
    const rows = candidates === 'input' ? this.model.vectors : this.model.outputVectors;
    checkIndexServes(index, rows, candidates, askedMetric);
    const k = Math.min(topK, index.size);
    if (k === 0) return [];
    const { ids, scores, exact } = index.searchOne(query, k, { exclude });
    const out: ScoredItem[] = [];
    ids.forEach((id, i) => {
      if (id < 0) return;
      out.push({ item: id < this.items.length ? this.items[id]! : id, score: scores[i]!, ...(exact ? {} : { approximate: true }) });
    });
    return out;
  }
}

/** Checks an item: a non-empty string or a safe integer; `where` names it in the message. */
export function checkItem(item: unknown, where: string): Item {
  if (typeof item === 'string') {
    if (item.length === 0) throw new TypeError(`${where} is an empty string`);
    return item;
  }
  if (typeof item === 'number' && Number.isSafeInteger(item)) return item;
  throw new TypeError(`${where} must be a non-empty string or an integer, got ${describeValue(item)}`);
}
