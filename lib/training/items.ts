/**
 * item2vec: embeddings of items (products, listings, songs) from users' sessions or baskets,
 * and the recall-layer queries built on them (recommend, coldStart).
 *
 * Training is skip-gram with negative sampling on the native trainer, with two objectives
 * of Grbovic & Cheng (KDD 2018, "Real-time Personalization using Embeddings for Search
 * Ranking at Airbnb"): a global context every item of a session also predicts (the booked
 * listing), and negatives drawn from the centre item's own group (its market).
 * @packageDocumentation
 */
import { keyOf } from '../util/bytes';
import { abortError, describeValue } from '../util/errors';
import { eventLoopYielder } from '../util/event-loop';
import { MODEL_DISPOSED, Word2Vec, type Metric } from '../model/model';
import { native, type NativeTrainerTables } from '../native/addon';
import { checkOptions, integerOption, numberOption, resolveTrainOptions, type TrainOptions } from './options';
import { negativeSamplingWeights, subsampleKeepProbability } from './tables';
import { checkControl, ChunkEncoder, runNativeTraining, trainingStats, type TrainControl } from './train';

const ID_BLOCK_BITS = 20;
const ID_BLOCK = 1 << ID_BLOCK_BITS;
const ID_MASK = ID_BLOCK - 1;

/**
 * A list of ids in blocks of 2^20, so it grows without copying (no doubling, no peak of
 * twice its size): a one-shot source of sequences, kept as provisional ids.
 */
class IdStream {
  blocks: Int32Array[] = [];
  length = 0;
  push(v: number): void {
    const offset = this.length & ID_MASK;
    if (offset === 0) this.blocks.push(new Int32Array(ID_BLOCK));
    this.blocks[this.blocks.length - 1]![offset] = v;
    this.length++;
  }
  get(i: number): number {
    return this.blocks[i >>> ID_BLOCK_BITS]![i & ID_MASK]!;
  }
}

/** An item: a string or an integer id. `1` and `"1"` are different items. */
export type Item = string | number;

/** Sequences of items: an (async) iterable, or a function returning a fresh one per pass. */
export type ItemSequences =
  | Iterable<readonly Item[]>
  | AsyncIterable<readonly Item[]>
  | (() => Iterable<readonly Item[]> | AsyncIterable<readonly Item[]>);

/** Options of {@link trainItems}: those of train() that apply to items, and item2vec's own. */
export interface ItemTrainOptions
  extends Omit<TrainOptions, 'model' | 'hs' | 'sentenceToken' | 'maxSentenceLength' | 'sharedNegatives' | 'minCount'> {
  /**
   * 'sequence' (default): the sliding window over each sequence, for ordered sessions.
   * 'set': every item of a sequence pairs with every other item, whatever the distance
   * (item2vec's set objective, for baskets); the cost grows with the square of a set's size.
   */
  mode?: 'sequence' | 'set';
  /** Items seen fewer times are dropped; default 1. */
  minCount?: number;
  /**
   * The item every centre item of the sequence also predicts, whatever the window (Airbnb's
   * booked listing), or undefined. It must occur in some sequence to have a vector; one that
   * does not is ignored.
   */
  globalContext?: (sequence: readonly Item[]) => Item | undefined;
  /**
   * Each item's group (Airbnb's market), or undefined. Adds `groupNegative` negatives per
   * prediction drawn from the centre item's own group beside the global ones.
   */
  group?: (item: Item) => string | number | undefined;
  /** In-group negatives per prediction; default `negative` when `group` is given. */
  groupNegative?: number;
}

/** An item and its score. */
export interface ScoredItem {
  item: Item;
  score: number;
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

  /** Items nearest to an item, by cosine (default) or raw inner product. */
  similar(item: Item, options: { topK?: number; metric?: Metric; exclude?: readonly Item[] } = {}): ScoredItem[] {
    checkOptions(options, ['topK', 'metric', 'exclude']);
    const topK = integerOption('topK', options.topK ?? 10, 0, 2 ** 31 - 1);
    const metric = metricOf(options.metric);
    const id = this.requireId(item);
    return this.rank(this.model.vectors.slice(id * this.dim, (id + 1) * this.dim), [id, ...this.knownIds(options.exclude, 'exclude')], {
      topK, metric, candidates: 'input',
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
    checkOptions(options, ['topK', 'exclude', 'metric', 'recencyHalfLife', 'candidates']);
    const topK = integerOption('topK', options.topK ?? 10, 0, 2 ** 31 - 1);
    const metric = metricOf(options.metric);
    const candidates = options.candidates ?? 'input';
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
    return this.rank(user, [...seen, ...this.knownIds(options.exclude, 'exclude')], { topK, metric, candidates });
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

  private rank(query: Float32Array, exclude: number[], o: { topK: number; metric: Metric; candidates: 'input' | 'output' }): ScoredItem[] {
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
}

function metricOf(metric: unknown): Metric {
  if (metric === undefined) return 'cosine';
  if (metric !== 'cosine' && metric !== 'dot') throw new TypeError(`metric must be "cosine" or "dot", got ${describeValue(metric)}`);
  return metric;
}

function checkItem(item: unknown, where: string): Item {
  if (typeof item === 'string') {
    if (item.length === 0) throw new TypeError(`${where} is an empty string`);
    return item;
  }
  if (typeof item === 'number' && Number.isSafeInteger(item)) return item;
  throw new TypeError(`${where} must be a non-empty string or an integer, got ${describeValue(item)}`);
}

/**
 * Trains item embeddings on sequences of items (one user's session or basket each). No
 * length cap: a sequence is trained whole however long. Rejects with an Error naming the
 * problem for bad options or sequences, and with an AbortError when `control.signal` aborts.
 */
export async function trainItems(sequences: ItemSequences, options: ItemTrainOptions = {}, control: TrainControl = {}): Promise<ItemEmbeddings> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  const { mode = 'sequence', globalContext, group, groupNegative: groupNegativeOption, ...rest } = options;
  for (const name of ['model', 'hs', 'sentenceToken', 'maxSentenceLength', 'sharedNegatives'] as const) {
    if (name in rest) throw new TypeError(`option ${JSON.stringify(name)} does not apply to trainItems (skip-gram with negative sampling)`);
  }
  if (mode !== 'sequence' && mode !== 'set') throw new TypeError(`mode must be "sequence" or "set", got ${describeValue(mode)}`);
  if (globalContext !== undefined && typeof globalContext !== 'function') {
    throw new TypeError(`globalContext must be a function, got ${describeValue(globalContext)}`);
  }
  if (group !== undefined && typeof group !== 'function') throw new TypeError(`group must be a function, got ${describeValue(group)}`);
  if (rest.device === 'cuda') {
    throw new Error('device "cuda" is not available for trainItems: the GPU trainer has no item2vec objectives (use "cpu" or "auto")');
  }
  // 'auto' is the CPU here: the GPU trainer has neither set mode, group negatives nor a global context.
  const device = rest.device === undefined || rest.device === 'auto' ? 'cpu' : rest.device;
  const opts = resolveTrainOptions({ ...rest, device, minCount: rest.minCount ?? 1, sharedNegatives: false });
  const groupNegative = group === undefined ? 0 : integerOption('groupNegative', groupNegativeOption ?? opts.negative, 0, 1000);
  if (groupNegativeOption !== undefined && group === undefined) throw new TypeError('groupNegative needs the group option');
  checkControl(control);
  if (typeof sequences !== 'function' && !isIterable(sequences)) {
    throw new TypeError(`sequences must be an iterable or async iterable of item arrays, or a function returning one, got ${describeValue(sequences)}`);
  }
  native();
  const started = Date.now();
  const pass = (): Iterable<readonly Item[]> | AsyncIterable<readonly Item[]> => {
    if (typeof sequences !== 'function') return sequences;
    const fresh = sequences();
    if (!isIterable(fresh)) throw new TypeError(`the sequences function must return an iterable or async iterable, got ${describeValue(fresh)}`);
    return fresh;
  };
  const rereadable = typeof sequences === 'function';

  // Pass 1: count the items; a one-shot source is kept as provisional ids meanwhile.
  const provisional = new Map<Item, number>();
  const firstItems: Item[] = [];
  const counts: number[] = [];
  const cache = rereadable ? undefined : new IdStream();
  const yieldTurn = eventLoopYielder();
  let sequenceCount = 0;
  const contextOf = (sequence: readonly Item[], n: number): Item | undefined => {
    if (!globalContext) return undefined;
    const c = globalContext(sequence);
    return c === undefined ? undefined : checkItem(c, `globalContext of sequence ${n}`);
  };
  for await (const sequence of pass()) {
    if (!Array.isArray(sequence)) throw new TypeError(`sequence ${sequenceCount} must be an array of items, got ${describeValue(sequence)}`);
    for (let i = 0; i < sequence.length; i++) {
      const item = checkItem(sequence[i], `item ${i} of sequence ${sequenceCount}`);
      let p = provisional.get(item);
      if (p === undefined) {
        p = firstItems.length;
        provisional.set(item, p);
        firstItems.push(item);
        counts.push(0);
      }
      counts[p]!++;
      cache?.push(p);
    }
    if (cache) {
      const c = contextOf(sequence, sequenceCount);
      // Sequence end: -1, or -(2 + p) when the global context has provisional id p.
      const p = c === undefined ? undefined : provisional.get(c);
      cache.push(p === undefined ? (c === undefined ? -1 : -2 - provisionalContext(provisional, firstItems, counts, c)) : -2 - p);
    }
    sequenceCount++;
    if ((sequenceCount & 0xff) === 0) {
      if (control.signal?.aborted) throw abortError(control.signal);
      await yieldTurn();
    }
  }

  // The vocabulary: count descending, first appearance breaking ties.
  const order = firstItems.map((_, p) => p).filter((p) => counts[p]! >= opts.minCount);
  order.sort((a, b) => counts[b]! - counts[a]! || a - b);
  if (order.length > opts.maxVocab) order.length = opts.maxVocab;
  if (order.length === 0) {
    throw new Error(
      firstItems.length === 0
        ? `the sequences hold no items (${sequenceCount} sequences)`
        : `no item occurs at least minCount (${opts.minCount}) times (${firstItems.length} distinct items)`,
    );
  }
  const finalOf = new Int32Array(firstItems.length).fill(-1);
  order.forEach((p, id) => (finalOf[p] = id));
  const items = order.map((p) => firstItems[p]!);
  const vocabCounts = Float64Array.from(order, (p) => counts[p]!);
  const wordsPerEpoch = vocabCounts.reduce((s, c) => s + c, 0);

  const tables: NativeTrainerTables = {
    keepProbability: subsampleKeepProbability(vocabCounts, opts.sample, wordsPerEpoch),
    negativeWeights: negativeSamplingWeights(vocabCounts, opts.nsExponent),
  };
  if (group) {
    const groupIds = new Map<string | number, number>();
    tables.groupOf = Int32Array.from(items, (item) => {
      const g = group(item);
      if (g === undefined) return -1;
      if (typeof g !== 'string' && typeof g !== 'number') throw new TypeError(`group of ${describeValue(item)} must be a string, a number or undefined, got ${describeValue(g)}`);
      let id = groupIds.get(g);
      if (id === undefined) groupIds.set(g, (id = groupIds.size));
      return id;
    });
  }

  const feedEpoch = async (encoder: ChunkEncoder, drain: (from?: ChunkEncoder) => Promise<void>): Promise<void> => {
    if (cache) {
      for (let i = 0; i < cache.length; i++) {
        const v = cache.get(i);
        if (v >= 0) {
          const id = finalOf[v]!;
          if (id >= 0) encoder.add(id);
        } else {
          encoder.endSentence(v === -1 ? -1 : finalOf[-2 - v] ?? -1);
        }
        if (encoder.ready.length > 0 || (i & 0x3fff) === 0) await drain();
      }
      return;
    }
    let n = 0;
    let sinceDrain = 0;
    for await (const sequence of pass()) {
      if (!Array.isArray(sequence)) throw new TypeError(`sequence ${n} must be an array of items, got ${describeValue(sequence)}`);
      for (let i = 0; i < sequence.length; i++) {
        const p = provisional.get(sequence[i]!);
        const id = p === undefined ? -1 : finalOf[p]!;
        if (id >= 0) encoder.add(id);
      }
      const c = contextOf(sequence, n);
      const cp = c === undefined ? undefined : provisional.get(c);
      encoder.endSentence(cp === undefined ? -1 : finalOf[cp]!);
      n++;
      sinceDrain += sequence.length + 1;
      if (encoder.ready.length > 0 || sinceDrain > 0x3fff) {
        sinceDrain = 0;
        await drain();
      }
    }
  };

  const run = await runNativeTraining({
    opts, tables, control, feedEpoch, wordsPerEpoch, vocabularySize: items.length, vocabularyCount: wordsPerEpoch,
    extra: { wholeSentenceWindow: mode === 'set', groupNegative },
    maxSentenceLength: Infinity,
  });
  const stats = trainingStats(run, opts.device, wordsPerEpoch, started);
  const model = new Word2Vec({
    keys: items.map((item) => keyOf(String(item))),
    counts: vocabCounts,
    dim: opts.dim,
    vectors: run.vectors.input,
    ...(run.vectors.output ? { outputVectors: run.vectors.output } : {}),
    trainingStats: stats,
    ownsBuffers: true,
  });
  return new ItemEmbeddings(model, items);
}

// A global context that is not (yet) an item of any sequence gets a provisional id with no
// occurrences: it stays out of the vocabulary unless a later sequence holds it.
function provisionalContext(provisional: Map<Item, number>, firstItems: Item[], counts: number[], item: Item): number {
  const p = firstItems.length;
  provisional.set(item, p);
  firstItems.push(item);
  counts.push(0);
  return p;
}

function isIterable(x: unknown): x is Iterable<readonly Item[]> | AsyncIterable<readonly Item[]> {
  return (
    x !== null &&
    typeof x === 'object' &&
    (typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function' ||
      typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function')
  );
}
