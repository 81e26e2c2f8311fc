/**
 * Training options: defaults and validation with exact messages (the bad-input contract).
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';

import { cudaAvailable as cudaDeviceVisible, resolveDevice } from '../native/cuda';
import { describeValue } from '../util/errors';

/** Options of {@link train}. Every field is optional; defaults follow the original word2vec. */
export interface TrainOptions {
  /** 'skipgram' (default) or 'cbow'. */
  model?: 'skipgram' | 'cbow';
  /** Vector length; default 100. */
  dim?: number;
  /** Maximum distance between the centre and a context word; default 5. */
  window?: number;
  /** Negative samples per prediction; default 5 (0 turns negative sampling off, needs hs). */
  negative?: number;
  /** Hierarchical softmax; default false. */
  hs?: boolean;
  /** Frequent-word subsampling threshold; default 1e-3, 0 turns it off. */
  sample?: number;
  /** Words seen fewer times are dropped; default 5. */
  minCount?: number;
  /** Keep at most this many of the most frequent words. */
  maxVocab?: number;
  /** Passes over the corpus; default 5. */
  epochs?: number;
  /** Initial learning rate; default 0.025 for skip-gram, 0.05 for CBOW. */
  alpha?: number;
  /** Final learning rate; default alpha * 1e-4. */
  minAlpha?: number;
  /** Exponent of the negative-sampling distribution (count^nsExponent); default 0.75. */
  nsExponent?: number;
  /** Training threads; default os.availableParallelism(). */
  threads?: number;
  /** Seed of every random choice; with threads 1 a seed gives bit-identical vectors. Default 1. */
  seed?: number;
  /**
   * 'cpu', 'cuda' or 'auto' (the default). 'auto' trains on the CPU for now: the CUDA
   * trainer has not yet run on a GPU (bench/gpu.sh checks it there), so nothing picks it
   * unasked. 'cuda' asks for it: it needs a CUDA build (`npm run build:cuda`), a visible device
   * and dim <= 1024, and is refused with an Error saying why it cannot run. GPU training is not
   * bit-reproducible (thousands of warps update the weights at once): pass 'cpu' with
   * threads 1 for that.
   */
  device?: 'cpu' | 'cuda' | 'auto';
  /** Lines longer than this many in-vocabulary words are split; default 10000. */
  maxSentenceLength?: number;
  /** Count a `</s>` token per sentence and put it first in the vocabulary, as the original tool does. Default false. */
  sentenceToken?: boolean;
  /** Milliseconds between progress reports; default 100. */
  progressInterval?: number;
  /**
   * Skip-gram with negative sampling: draw one set of negatives per centre word and share
   * it across the window (Ji et al. 2016, pWord2Vec), instead of fresh negatives for every
   * (context, centre) pair as the original. Default true: on en-8m (5 epochs) it scored
   * as the original does and trains about 1.4 times faster than per-pair negatives.
   */
  sharedNegatives?: boolean;
  /**
   * A re-readable corpus (a file, an array) of at most this many tokens and sentence ends is
   * kept in memory as ids while its vocabulary is counted (4 bytes a token meanwhile, then 2
   * bytes an in-vocabulary id under 65535 words, else 4), so no epoch reads and tokenizes it
   * again; a larger one is read again each epoch, so memory stays bounded. Default 2^24 (16.7M
   * tokens: 64 MB while counting, then 32 or 64 MB); 0 never keeps one. One-shot corpora
   * (streams, generators) are always kept.
   */
  cacheTokens?: number;
}

/** Options after defaults and validation. */
export interface ResolvedTrainOptions {
  model: 'skipgram' | 'cbow';
  dim: number;
  window: number;
  negative: number;
  hs: boolean;
  sample: number;
  minCount: number;
  maxVocab: number;
  epochs: number;
  alpha: number;
  minAlpha: number;
  nsExponent: number;
  threads: number;
  seed: number;
  /** Where training runs, 'auto' resolved. */
  device: 'cpu' | 'cuda';
  maxSentenceLength: number;
  sentenceToken: boolean;
  progressInterval: number;
  sharedNegatives: boolean;
  cacheTokens: number;
}

const KNOWN = new Set<string>([
  'model', 'dim', 'window', 'negative', 'hs', 'sample', 'minCount', 'maxVocab', 'epochs', 'alpha', 'minAlpha',
  'nsExponent', 'threads', 'seed', 'device', 'maxSentenceLength', 'sentenceToken', 'progressInterval', 'sharedNegatives',
  'cacheTokens',
]);

/** Checks an integer option; the message is `NAME must be an integer in [LO, HI], got VALUE`. */
export function integerOption(name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    throw new RangeError(`${name} must be an integer in [${lo}, ${hi}], got ${describeValue(value)}`);
  }
  return value;
}

/** Checks a real option; the message is `NAME must be a number in [LO, HI], got VALUE`. */
export function numberOption(name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    throw new RangeError(`${name} must be a number in [${lo}, ${hi}], got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Checks an options argument: an object (`options must be an object, got VALUE`) naming only
 * options in `known` (`unknown option "NAME"`, as train() says).
 */
export function checkOptions(options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) throw new TypeError(`unknown option ${JSON.stringify(name)}`);
  }
}

function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/** Whether this build can train on a GPU: a CUDA build (`npm run build:cuda`) with a visible device. */
export function cudaAvailable(): boolean {
  return cudaDeviceVisible();
}

/** Applies defaults and validates; throws before any native work starts. */
export function resolveTrainOptions(options: TrainOptions | undefined): ResolvedTrainOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw new TypeError(`unknown option ${JSON.stringify(name)}`);
  }
  const o = options as Record<string, unknown>;
  const get = (name: string, fallback: unknown): unknown => (o[name] === undefined ? fallback : o[name]);

  const model = get('model', 'skipgram');
  if (model !== 'skipgram' && model !== 'cbow') {
    throw new TypeError(`model must be "skipgram" or "cbow", got ${describeValue(model)}`);
  }
  const device = get('device', 'auto');
  if (device !== 'cpu' && device !== 'cuda' && device !== 'auto') {
    throw new TypeError(`device must be "cpu", "cuda" or "auto", got ${describeValue(device)}`);
  }
  const dim = integerOption('dim', get('dim', 100), 1, 10000);
  const window = integerOption('window', get('window', 5), 1, 1000);
  const negative = integerOption('negative', get('negative', 5), 0, 1000);
  const hs = booleanOption('hs', get('hs', false));
  if (negative === 0 && !hs) throw new RangeError('negative must be > 0 when hs is false, got 0');
  const sample = numberOption('sample', get('sample', 1e-3), 0, 1);
  const minCount = integerOption('minCount', get('minCount', 5), 1, Number.MAX_SAFE_INTEGER);
  const maxVocab = integerOption('maxVocab', get('maxVocab', 2 ** 31 - 2), 1, 2 ** 31 - 2);
  const epochs = integerOption('epochs', get('epochs', 5), 1, 100000);
  const alpha = numberOption('alpha', get('alpha', model === 'cbow' ? 0.05 : 0.025), Number.MIN_VALUE, 10);
  const minAlpha = numberOption('minAlpha', get('minAlpha', alpha * 1e-4), 0, alpha);
  const nsExponent = numberOption('nsExponent', get('nsExponent', 0.75), -10, 10);
  const threads = integerOption('threads', get('threads', availableParallelism()), 1, 1024);
  const seed = integerOption('seed', get('seed', 1), 0, Number.MAX_SAFE_INTEGER);
  const maxSentenceLength = integerOption('maxSentenceLength', get('maxSentenceLength', 10000), 1, 1000000);
  const sentenceToken = booleanOption('sentenceToken', get('sentenceToken', false));
  const progressInterval = integerOption('progressInterval', get('progressInterval', 100), 1, 3600000);
  const sharedNegatives = booleanOption('sharedNegatives', get('sharedNegatives', true));
  const cacheTokens = integerOption('cacheTokens', get('cacheTokens', 2 ** 24), 0, 2 ** 31 - 1);
  // Last: every other option is checked before the addon is asked about devices.
  const resolvedDevice = resolveDevice(device, { dim });
  return {
    model, dim, window, negative, hs, sample, minCount, maxVocab, epochs, alpha, minAlpha, nsExponent, threads,
    seed, device: resolvedDevice, maxSentenceLength, sentenceToken, progressInterval, sharedNegatives, cacheTokens,
  };
}
