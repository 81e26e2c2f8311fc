/**
 * Training options: defaults and validation with exact messages (the bad-input contract).
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';

import { nativeLimits, type NativeLimits } from '../native/addon';
import { resolveDevice } from '../native/cuda';
import { booleanOption, checkOptions, choiceOption, integerOption, numberOption } from '../util/validate';

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

/** Options after defaults and validation: every option set, the device resolved. */
export type ResolvedTrainOptions = Required<Omit<TrainOptions, 'device'>> & {
  /** Where training runs, 'auto' resolved. */
  device: 'cpu' | 'cuda';
};

/** Options resolved so far, in table order: a default or a bound may depend on them. */
type Resolving = Partial<ResolvedTrainOptions>;

/**
 * The original word2vec's flag for an option: how the CLI's help shows it and how its text
 * becomes the option's value. The CLI checks the text against `kind` first.
 */
export interface OriginalFlag {
  flag: string;
  kind: 'int' | 'real' | 'string' | 'bool01';
  /** The tool's default, as its help prints it. */
  defaultValue: string;
  help: string;
  /** How help shows the value; default <file>, <int> or <float> by kind. */
  arg?: string;
  /** The option's value for the flag's text. */
  parse: (text: string) => unknown;
  /**
   * Whether the CLI passes `parse(defaultValue)` when the flag is absent (the tool's default,
   * e.g. -cbow 1, -threads 12); false where the API's default is the tool's (-alpha).
   */
  passDefault: boolean;
}

/** One training option: its type, bounds, default and flag, defined once for every layer. */
export interface TrainOptionSpec {
  name: keyof ResolvedTrainOptions;
  kind: 'integer' | 'number' | 'boolean' | 'choice';
  /** The values of a 'choice'. */
  choices?: readonly string[];
  /** Inclusive bounds of an 'integer' or 'number', from the native limits or the options before it. */
  range?: (limits: NativeLimits, resolved: Resolving) => readonly [number, number];
  /** The default, possibly from the options before it. */
  defaultValue: (resolved: Resolving) => unknown;
  /** A check against the options before it, once resolved. */
  check?: (resolved: Resolving) => void;
  flag?: OriginalFlag;
}

const MAX_INT32 = 2 ** 31 - 1;
const numberOf = (text: string): number => Number(text);
const flag = (
  name: string, kind: OriginalFlag['kind'], defaultValue: string, help: string, parse: (text: string) => unknown = numberOf,
  extra: Partial<OriginalFlag> = {},
): OriginalFlag => ({ flag: name, kind, defaultValue, help, parse, passDefault: true, ...extra });

/**
 * Every option of {@link train}, in the order they are resolved and checked (a default or a
 * bound may depend on one before it). The bounds the native trainer checks again come from its
 * one header (native/core/w2v_limits.h) through the addon, so both layers refuse the same value.
 */
export const TRAIN_OPTIONS: readonly TrainOptionSpec[] = [
  {
    name: 'model', kind: 'choice', choices: ['skipgram', 'cbow'], defaultValue: () => 'skipgram',
    flag: flag('-cbow', 'bool01', '1', 'Use the continuous bag of words model (0 = skip-gram)', (t) => (t === '1' ? 'cbow' : 'skipgram')),
  },
  {
    name: 'device', kind: 'choice', choices: ['cpu', 'cuda', 'auto'], defaultValue: () => 'auto',
    flag: flag('-device', 'string', 'auto',
      'Train on the CPU, or on an NVIDIA GPU (a CUDA build: npm run build:cuda; not yet run on a GPU, so auto is the CPU for now) (not in the original)',
      (t) => t, { arg: '<cpu|cuda|auto>', passDefault: false }),
  },
  {
    name: 'dim', kind: 'integer', range: (l) => [1, l.maxDim], defaultValue: () => 100,
    flag: flag('-size', 'int', '100', 'Set size of word vectors'),
  },
  {
    name: 'window', kind: 'integer', range: (l) => [1, l.maxWindow], defaultValue: () => 5,
    flag: flag('-window', 'int', '5', 'Set max skip length between words'),
  },
  {
    name: 'negative', kind: 'integer', range: (l) => [0, l.maxNegative], defaultValue: () => 5,
    flag: flag('-negative', 'int', '5', 'Number of negative examples; common values are 3 - 10 (0 = not used)'),
  },
  {
    name: 'hs', kind: 'boolean', defaultValue: () => false,
    check: (r) => {
      if (r.negative === 0 && !r.hs) throw new RangeError('negative must be > 0 when hs is false, got 0');
    },
    flag: flag('-hs', 'bool01', '0', 'Use Hierarchical Softmax (1 = yes)', (t) => t === '1'),
  },
  {
    name: 'sample', kind: 'number', range: () => [0, 1], defaultValue: () => 1e-3,
    flag: flag('-sample', 'real', '1e-3', 'Set threshold for occurrence of words; frequent words are randomly down-sampled (0 = off)'),
  },
  {
    name: 'minCount', kind: 'integer', range: () => [1, Number.MAX_SAFE_INTEGER], defaultValue: () => 5,
    flag: flag('-min-count', 'int', '5', 'Discard words that appear less than <int> times'),
  },
  { name: 'maxVocab', kind: 'integer', range: () => [1, MAX_INT32 - 1], defaultValue: () => MAX_INT32 - 1 },
  {
    name: 'epochs', kind: 'integer', range: (l) => [1, l.maxEpochs], defaultValue: () => 5,
    flag: flag('-iter', 'int', '5', 'Run more training iterations'),
  },
  {
    name: 'alpha', kind: 'number', range: (l) => [Number.MIN_VALUE, l.maxAlpha],
    defaultValue: (r) => (r.model === 'cbow' ? 0.05 : 0.025),
    flag: flag('-alpha', 'real', '0.025 for skip-gram, 0.05 for CBOW', 'Set the starting learning rate', numberOf, { passDefault: false }),
  },
  { name: 'minAlpha', kind: 'number', range: (_, r) => [0, r.alpha!], defaultValue: (r) => r.alpha! * 1e-4 },
  { name: 'nsExponent', kind: 'number', range: () => [-10, 10], defaultValue: () => 0.75 },
  {
    name: 'threads', kind: 'integer', range: (l) => [1, l.maxThreads], defaultValue: () => availableParallelism(),
    flag: flag('-threads', 'int', '12', 'Use <int> threads'),
  },
  {
    name: 'seed', kind: 'integer', range: () => [0, Number.MAX_SAFE_INTEGER], defaultValue: () => 1,
    flag: flag('-seed', 'int', '1', 'Random seed (not in the original)'),
  },
  { name: 'maxSentenceLength', kind: 'integer', range: () => [1, 1000000], defaultValue: () => 10000 },
  { name: 'sentenceToken', kind: 'boolean', defaultValue: () => false },
  { name: 'progressInterval', kind: 'integer', range: (l) => [l.minProgressIntervalMs, l.maxProgressIntervalMs], defaultValue: () => 100 },
  {
    name: 'sharedNegatives', kind: 'boolean', defaultValue: () => true,
    flag: flag('-shared-negatives', 'bool01', '1',
      'Skip-gram: share one set of negatives across each window (pWord2Vec; not in the original; 0 = fresh negatives per pair, as the original)',
      (t) => t === '1'),
  },
  { name: 'cacheTokens', kind: 'integer', range: () => [0, MAX_INT32], defaultValue: () => 2 ** 24 },
];

/** The names {@link train} takes. */
export const TRAIN_OPTION_NAMES: readonly string[] = TRAIN_OPTIONS.map((o) => o.name);

/** The spec of option `name`. */
export function trainOptionSpec(name: string): TrainOptionSpec {
  const spec = TRAIN_OPTIONS.find((o) => o.name === name);
  if (!spec) throw new Error(`no training option ${JSON.stringify(name)}`);
  return spec;
}

/** Checks one option's value against its spec; the message names the option, the rule and the value. */
function checkOptionValue(spec: TrainOptionSpec, value: unknown, limits: NativeLimits, resolved: Resolving): unknown {
  switch (spec.kind) {
    case 'boolean':
      return booleanOption(spec.name, value);
    case 'choice':
      return choiceOption(spec.name, value, spec.choices!);
    case 'integer':
      return integerOption(spec.name, value, ...spec.range!(limits, resolved));
    case 'number':
      return numberOption(spec.name, value, ...spec.range!(limits, resolved));
  }
}

/** Applies defaults and validates, option by option in {@link TRAIN_OPTIONS}' order; throws before any training starts. */
export function resolveTrainOptions(options: TrainOptions | undefined): ResolvedTrainOptions {
  if (options === undefined) options = {};
  checkOptions(options, TRAIN_OPTION_NAMES);
  const limits = nativeLimits();
  const given = options as Record<string, unknown>;
  const resolved: Record<string, unknown> = {};
  for (const spec of TRAIN_OPTIONS) {
    const value = given[spec.name] === undefined ? spec.defaultValue(resolved) : given[spec.name];
    resolved[spec.name] = checkOptionValue(spec, value, limits, resolved);
    spec.check?.(resolved);
  }
  // Last: every other option is checked before the addon is asked about devices.
  const r = resolved as unknown as ResolvedTrainOptions & { device: 'cpu' | 'cuda' | 'auto' };
  r.device = resolveDevice(r.device, { dim: r.dim });
  return r;
}
