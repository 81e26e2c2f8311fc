/**
 * Pre-trained features: sequences of tokens (sentences, sessions, baskets) pooled into one
 * vector each on native threads: the mean, sum or coordinate-wise max of their tokens' input
 * vectors, or SIF embeddings (Arora, Liang & Ma 2017, "A simple but tough-to-beat baseline for
 * sentence embeddings").
 * @module
 */
import { availableParallelism } from 'node:os';

import { native, nativeLimits } from '../native/addon';
import { describeValue } from '../util/errors';
import { booleanOption, checkOptions, choiceOption, integerOption, numberOption } from '../util/validate';
import type { ModelAccess } from './model-access';

/**
 * How a sequence's token vectors become one vector: `'mean'` (weighted: sum(w v) / sum(w)),
 * `'sum'` (sum(w v)), `'max'` (the largest w v of each coordinate), or `'sif'`: each token
 * weighted a / (a + p(token)), p = count / total count, the weighted vectors averaged over the
 * sequence's known tokens, then the batch's first principal component removed.
 */
export type Pooling = 'mean' | 'sum' | 'max' | 'sif';

/**
 * Weights of tokens: a function of the token, or a Map (tokens absent from it weigh 1). A
 * weight must be a finite number >= 0.
 */
export type TokenWeights<T = string> = ((token: T) => number) | ReadonlyMap<T, number>;

/** Options of {@link Word2Vec.embed}. */
export interface EmbedOptions<T = string> {
  /** Default 'mean'. */
  pooling?: Pooling;
  /** Per-token weights; with 'sif' they multiply SIF's own weights. Default: all weigh 1. */
  weights?: TokenWeights<T>;
  /** Unit-length rows at the end (rows of zeros stay zero); default false. */
  normalize?: boolean;
  /** 'sif' only: the a of a / (a + p(token)); default 1e-3. */
  sifA?: number;
  /**
   * 'sif' only: the component to remove (the `component` of an earlier result), so that new
   * inputs are embedded as that batch was; then it is not computed from this batch.
   */
  component?: Float32Array | readonly number[];
  /** Threads to split the sequences over; default os.availableParallelism(). */
  threads?: number;
}

/** What {@link Word2Vec.embed} returns. */
export interface EmbedResult {
  /** One row per sequence, count x dim, row-major. */
  vectors: Float32Array;
  /** Sequences embedded (the input's length). */
  count: number;
  dim: number;
  /** Indices of the sequences without a known token, in order: their rows are zeros. */
  empty: Int32Array;
  /**
   * 'sif' only: the unit vector removed from every row (the given one, or the first right
   * singular vector of this batch's weighted means, uncentred, as the paper's code computes
   * it); all zeros when no sequence had a known token. Pass it back as `component`.
   */
  component?: Float32Array;
}

/** How one kind of token (words, items) is recognised and found among a model's rows. */
export interface TokenLookup<T> {
  /** What a token must be, for messages: e.g. 'a string'. */
  readonly expected: string;
  isToken(token: unknown): token is T;
  /** The row of a known token, else undefined. */
  idOf(token: T): number | undefined;
}

const EMBED_OPTIONS = ['pooling', 'weights', 'normalize', 'sifA', 'component', 'threads'];
const DEFAULT_SIF_A = 1e-3;
/** The event-loop thread works at most this long between yields while it maps tokens to ids. */
const SLICE_MS = 4;
/** Tokens mapped between two looks at the clock. */
const TOKENS_PER_CLOCK_CHECK = 1024;
const MAX_TOKENS = 2 ** 31 - 1;
/** How far from 1 the length of a given component may be (it is float32). */
const UNIT_TOLERANCE = 1e-3;

/** Words are strings, found with the model's own lookup. */
export function wordLookup(m: ModelAccess): TokenLookup<string> {
  return { expected: 'a string', isToken: (t): t is string => typeof t === 'string', idOf: (w) => m.idOf(w) };
}

interface ResolvedEmbed<T> {
  pooling: Pooling;
  weightOf: ((token: T) => number) | undefined;
  normalize: boolean;
  sifA: number;
  component: Float32Array | undefined;
  threads: number;
}

function weightFunction<T>(weights: unknown): ((token: T) => number) | undefined {
  if (weights === undefined) return undefined;
  if (typeof weights === 'function') return weights as (token: T) => number;
  if (weights instanceof Map) {
    const map = weights as ReadonlyMap<T, unknown>;
    return (token) => (map.has(token) ? (map.get(token) as number) : 1);
  }
  throw new TypeError(`weights must be a function (token) => number or a Map, got ${describeValue(weights)}`);
}

function componentOption(value: unknown, dim: number): Float32Array {
  if (!(value instanceof Float32Array) && !Array.isArray(value)) {
    throw new TypeError(`component must be a Float32Array or an array of ${dim} numbers, got ${describeValue(value)}`);
  }
  if (value.length !== dim) throw new RangeError(`component must have ${dim} values (the model's dim), got ${value.length}`);
  let norm = 0;
  for (let j = 0; j < dim; j++) {
    const v: unknown = value[j];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`component[${j}] must be a finite number, got ${describeValue(v)}`);
    norm += v * v;
  }
  norm = Math.sqrt(norm);
  if (norm !== 0 && Math.abs(norm - 1) > UNIT_TOLERANCE) {
    throw new RangeError(`component must be a unit vector (the component a "sif" embed returned), got one of length ${norm}`);
  }
  return Float32Array.from(value as ArrayLike<number>);
}

function resolveOptions<T>(m: ModelAccess, options: EmbedOptions<T>): ResolvedEmbed<T> {
  checkOptions(options, EMBED_OPTIONS);
  const pooling = choiceOption('pooling', options.pooling ?? 'mean', ['mean', 'sum', 'max', 'sif']);
  for (const name of ['sifA', 'component'] as const) {
    if (options[name] !== undefined && pooling !== 'sif') throw new TypeError(`${name} applies to pooling "sif" only, got pooling ${JSON.stringify(pooling)}`);
  }
  const limits = nativeLimits();
  return {
    pooling,
    weightOf: weightFunction<T>(options.weights),
    normalize: options.normalize === undefined ? false : booleanOption('normalize', options.normalize),
    sifA: options.sifA === undefined ? DEFAULT_SIF_A : numberOption('sifA', options.sifA, Number.MIN_VALUE, Number.MAX_VALUE),
    component: options.component === undefined ? undefined : componentOption(options.component, m.dim),
    threads: integerOption('threads', options.threads ?? Math.min(availableParallelism(), limits.maxPoolingThreads), 1, limits.maxPoolingThreads),
  };
}

/** SIF's weight of each row, a / (a + count / total); the model's counts are required. */
function sifWeights(m: ModelAccess, a: number): (id: number) => number {
  const counts = m.counts();
  if (!counts) {
    throw new Error('pooling "sif" needs the model\'s word counts, and this model has none (train it, or load a format that keeps them, such as "native")');
  }
  if (counts.length !== m.size()) throw new RangeError(`pooling "sif": the model has ${counts.length} counts for ${m.size()} words`);
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (!(total > 0) || !Number.isFinite(total)) throw new RangeError(`pooling "sif" needs counts with a positive finite total, got ${total}`);
  return (id) => a / (a + counts[id]! / total);
}

/** A weight of the caller's, checked: the Error names the token and the value. */
function checkedWeight<T>(weightOf: (token: T) => number, token: T): number {
  const w: unknown = weightOf(token);
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
    throw new RangeError(`weight of ${describeValue(token)} must be a finite number >= 0, got ${describeValue(w)}`);
  }
  return w;
}

/** The known tokens' ids and weights, sequence by sequence. */
interface CollectedTokens {
  ids: Int32Array;
  /** Null when every token weighs 1. */
  weights: Float64Array | null;
  offsets: Int32Array;
  empty: Int32Array;
}

function grown<A extends Int32Array | Float64Array>(array: A, needed: number): A {
  if (needed <= array.length) return array;
  const bigger = new (array.constructor as new (length: number) => A)(Math.max(needed, array.length * 2));
  bigger.set(array);
  return bigger;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Maps every token to its row on the event-loop thread, in slices of a few milliseconds so
 * that the loop keeps turning: unknown tokens are skipped, each distinct row weighed once.
 */
async function collectTokens<T>(sequences: readonly unknown[], lookup: TokenLookup<T>, rowWeight: ((id: number, token: T) => number) | undefined, perLength: boolean): Promise<CollectedTokens> {
  const n = sequences.length;
  // Grown as sequences are read: a sparse array's length alone must not size an allocation.
  let offsets = new Int32Array(Math.min(n + 1, 1024));
  let ids = new Int32Array(1024);
  let weights = rowWeight ? new Float64Array(1024) : null;
  const cache = new Map<number, number>();
  const empty: number[] = [];
  let used = 0;
  let sinceClock = 0;
  let sliceStart = performance.now();
  for (let s = 0; s < n; s++) {
    const sequence: unknown = sequences[s];
    if (!Array.isArray(sequence)) throw new TypeError(`sequences[${s}] must be an array of tokens, got ${describeValue(sequence)}`);
    const start = used;
    for (let t = 0; t < sequence.length; t++) {
      const token: unknown = sequence[t];
      if (!lookup.isToken(token)) throw new TypeError(`sequences[${s}][${t}] must be ${lookup.expected}, got ${describeValue(token)}`);
      const id = lookup.idOf(token);
      if (id !== undefined) {
        if (used === MAX_TOKENS) throw new RangeError(`sequences hold more than ${MAX_TOKENS} known tokens: embed them in batches`);
        ids = grown(ids, used + 1);
        ids[used] = id;
        if (weights && rowWeight) {
          weights = grown(weights, used + 1);
          let w = cache.get(id);
          if (w === undefined) cache.set(id, (w = rowWeight(id, token)));
          weights[used] = w;
        }
        used++;
      }
      if (++sinceClock >= TOKENS_PER_CLOCK_CHECK) {
        sinceClock = 0;
        if (performance.now() - sliceStart > SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
    }
    if (used === start) empty.push(s);
    else if (perLength && weights) for (let i = start; i < used; i++) weights[i]! /= used - start;
    offsets = grown(offsets, s + 2);
    offsets[s + 1] = used;
  }
  return { ids: ids.subarray(0, used), weights: weights ? weights.subarray(0, used) : null, offsets: offsets.subarray(0, n + 1), empty: Int32Array.from(empty) };
}

/**
 * Embeds `sequences` (an array of arrays of tokens) as {@link EmbedOptions} says, tokens
 * recognised and found by `lookup`; see {@link Word2Vec.embed}.
 */
export async function embedTokens<T>(m: ModelAccess, sequences: unknown, options: EmbedOptions<T>, lookup: TokenLookup<T>): Promise<EmbedResult> {
  m.checkLive();
  if (!Array.isArray(sequences)) throw new TypeError(`sequences must be an array of sequences (arrays of tokens), got ${describeValue(sequences)}`);
  const o = resolveOptions(m, options);
  const dim = m.dim;
  const maxSequences = Math.floor(nativeLimits().maxPooledValues / dim);
  if (sequences.length > maxSequences) {
    throw new RangeError(`too many sequences for one call: ${sequences.length} x dim ${dim} is over ${nativeLimits().maxPooledValues} values; embed at most ${maxSequences} at a time`);
  }
  const sif = o.pooling === 'sif' ? sifWeights(m, o.sifA) : undefined;
  const user = o.weightOf;
  let rowWeight: ((id: number, token: T) => number) | undefined;
  if (sif && user) rowWeight = (id, token) => sif(id) * checkedWeight(user, token);
  else if (sif) rowWeight = (id) => sif(id);
  else if (user) rowWeight = (_id, token) => checkedWeight(user, token);
  return m.track(async () => {
    const tokens = await collectTokens(sequences as readonly unknown[], lookup, rowWeight, sif !== undefined);
    m.checkLive();
    const { vectors, component } = await native().embedSequencesAsync(m.vectors(), dim, tokens.ids, tokens.offsets, {
      // SIF's mean over the sequence's tokens is in its weights (each divided by the length).
      pooling: o.pooling === 'sif' ? 'sum' : o.pooling,
      weights: tokens.weights,
      computeComponent: o.pooling === 'sif' && o.component === undefined,
      component: o.component ?? null,
      normalize: o.normalize,
      threads: o.threads,
    });
    const result: EmbedResult = { vectors, count: sequences.length, dim, empty: tokens.empty };
    if (o.pooling === 'sif') result.component = o.component ?? component ?? new Float32Array(dim);
    return result;
  });
}

/**
 * Embeds sentences (arrays of words) as {@link EmbedOptions} says, on native threads; see
 * {@link Word2Vec.embed}.
 */
export function embed(m: ModelAccess, sequences: readonly (readonly string[])[], options: EmbedOptions): Promise<EmbedResult> {
  return embedTokens(m, sequences, options, wordLookup(m));
}
