/**
 * item2vec: training embeddings of items (products, listings, songs) from users' sessions or
 * baskets (the queries on them: model/item-embeddings.ts).
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
import { checkItem, ItemEmbeddings, type Item } from '../model/item-embeddings';
import { Word2Vec } from '../model/model';
import { native, nativeLimits, type NativeTrainerTables } from '../native/addon';
import { integerOption } from '../util/validate';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './options';
import { negativeSamplingWeights, subsampleKeepProbability } from './tables';
import { checkControl, runNativeTraining, trainingStats, type NativeTrainingRun, type TrainControl } from './run';

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

/** trainItems' options, checked, with train()'s resolved. */
interface ItemSetup {
  opts: ResolvedTrainOptions;
  mode: 'sequence' | 'set';
  globalContext: ItemTrainOptions['globalContext'];
  group: ItemTrainOptions['group'];
  groupNegative: number;
}

function resolveItemOptions(options: ItemTrainOptions): ItemSetup {
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
  const maxGroupNegative = nativeLimits().maxGroupNegative;
  const groupNegative = group === undefined ? 0 : integerOption('groupNegative', groupNegativeOption ?? opts.negative, 0, maxGroupNegative);
  if (groupNegativeOption !== undefined && group === undefined) throw new TypeError('groupNegative needs the group option');
  return { opts, mode, globalContext, group, groupNegative };
}

type SequencePass = () => Iterable<readonly Item[]> | AsyncIterable<readonly Item[]>;

/** One pass over the sequences: the iterable itself, or a fresh one from the function. */
function sequencePass(sequences: ItemSequences): SequencePass {
  if (typeof sequences !== 'function' && !isIterable(sequences)) {
    throw new TypeError(`sequences must be an iterable or async iterable of item arrays, or a function returning one, got ${describeValue(sequences)}`);
  }
  return () => {
    if (typeof sequences !== 'function') return sequences;
    const fresh = sequences();
    if (!isIterable(fresh)) throw new TypeError(`the sequences function must return an iterable or async iterable, got ${describeValue(fresh)}`);
    return fresh;
  };
}

type ContextOf = (sequence: readonly Item[], n: number) => Item | undefined;

function contextReader(globalContext: ItemTrainOptions['globalContext']): ContextOf {
  return (sequence, n) => {
    if (!globalContext) return undefined;
    const c = globalContext(sequence);
    return c === undefined ? undefined : checkItem(c, `globalContext of sequence ${n}`);
  };
}

/** The first pass: items in first-seen order (provisional ids) and their counts. */
interface ItemCount {
  provisional: Map<Item, number>;
  firstItems: Item[];
  counts: number[];
  /** A one-shot source, kept as provisional ids meanwhile; undefined for a re-readable one. */
  cache: IdStream | undefined;
  sequenceCount: number;
}

async function countItems(pass: SequencePass, rereadable: boolean, contextOf: ContextOf, control: TrainControl): Promise<ItemCount> {
  const provisional = new Map<Item, number>();
  const firstItems: Item[] = [];
  const counts: number[] = [];
  const cache = rereadable ? undefined : new IdStream();
  const yieldTurn = eventLoopYielder();
  let sequenceCount = 0;
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
  return { provisional, firstItems, counts, cache, sequenceCount };
}

/** The vocabulary: items by count descending, first appearance breaking ties. */
interface ItemVocabulary {
  items: Item[];
  /** Final id of each provisional id, -1 for an item left out. */
  finalOf: Int32Array;
  counts: Float64Array;
  wordsPerEpoch: number;
}

function itemVocabulary(counted: ItemCount, opts: ResolvedTrainOptions): ItemVocabulary {
  const { firstItems, counts } = counted;
  const order = firstItems.map((_, p) => p).filter((p) => counts[p]! >= opts.minCount);
  order.sort((a, b) => counts[b]! - counts[a]! || a - b);
  if (order.length > opts.maxVocab) order.length = opts.maxVocab;
  if (order.length === 0) {
    throw new Error(
      firstItems.length === 0
        ? `the sequences hold no items (${counted.sequenceCount} sequences)`
        : `no item occurs at least minCount (${opts.minCount}) times (${firstItems.length} distinct items)`,
    );
  }
  const finalOf = new Int32Array(firstItems.length).fill(-1);
  order.forEach((p, id) => (finalOf[p] = id));
  const vocabCounts = Float64Array.from(order, (p) => counts[p]!);
  return { items: order.map((p) => firstItems[p]!), finalOf, counts: vocabCounts, wordsPerEpoch: vocabCounts.reduce((s, c) => s + c, 0) };
}

/** Subsampling and negative-sampling tables, and each item's group when `group` is given. */
function itemTables(vocab: ItemVocabulary, opts: ResolvedTrainOptions, group: ItemTrainOptions['group']): NativeTrainerTables {
  const tables: NativeTrainerTables = {
    keepProbability: subsampleKeepProbability(vocab.counts, opts.sample, vocab.wordsPerEpoch),
    negativeWeights: negativeSamplingWeights(vocab.counts, opts.nsExponent),
  };
  if (group) {
    const groupIds = new Map<string | number, number>();
    tables.groupOf = Int32Array.from(vocab.items, (item) => {
      const g = group(item);
      if (g === undefined) return -1;
      if (typeof g !== 'string' && typeof g !== 'number') throw new TypeError(`group of ${describeValue(item)} must be a string, a number or undefined, got ${describeValue(g)}`);
      let id = groupIds.get(g);
      if (id === undefined) groupIds.set(g, (id = groupIds.size));
      return id;
    });
  }
  return tables;
}

/** One epoch's sequences as final ids: replayed from the cache, or read again. */
function itemFeeder(counted: ItemCount, vocab: ItemVocabulary, pass: SequencePass, contextOf: ContextOf): NativeTrainingRun['feedEpoch'] {
  const { cache, provisional } = counted;
  const { finalOf } = vocab;
  return async (encoder, drain) => {
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
}

/**
 * Trains item embeddings on sequences of items (one user's session or basket each). No
 * length cap: a sequence is trained whole however long. Rejects with an Error naming the
 * problem for bad options or sequences, and with an AbortError when `control.signal` aborts.
 */
export async function trainItems(sequences: ItemSequences, options: ItemTrainOptions = {}, control: TrainControl = {}): Promise<ItemEmbeddings> {
  const { opts, mode, globalContext, group, groupNegative } = resolveItemOptions(options);
  checkControl(control);
  const pass = sequencePass(sequences);
  native();
  const started = Date.now();
  const contextOf = contextReader(globalContext);
  const counted = await countItems(pass, typeof sequences === 'function', contextOf, control);
  const vocab = itemVocabulary(counted, opts);
  const run = await runNativeTraining({
    opts, tables: itemTables(vocab, opts, group), control, feedEpoch: itemFeeder(counted, vocab, pass, contextOf),
    wordsPerEpoch: vocab.wordsPerEpoch, vocabularySize: vocab.items.length, vocabularyCount: vocab.wordsPerEpoch,
    extra: { wholeSentenceWindow: mode === 'set', groupNegative },
    maxSentenceLength: Infinity,
  });
  const model = new Word2Vec({
    keys: vocab.items.map((item) => keyOf(String(item))),
    counts: vocab.counts,
    dim: opts.dim,
    vectors: run.vectors.input,
    ...(run.vectors.output ? { outputVectors: run.vectors.output } : {}),
    trainingStats: trainingStats(run, opts.device, vocab.wordsPerEpoch, started),
    ownsBuffers: true,
  });
  return new ItemEmbeddings(model, vocab.items);
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
