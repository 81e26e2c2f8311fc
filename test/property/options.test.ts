// Options from nowhere: random values (numbers of every kind, strings, booleans, null, bigints,
// arrays, objects, functions, symbols, typed arrays) for every option of train() and
// loadModel(), and option names that do not exist. Each set either validates, to values
// within the documented ranges, or throws an Error naming the offending option and showing
// its value (`dim must be an integer in [1, 10000], got -3`); train() rejects with that
// same Error before it reads the corpus.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { describeValue } from '../../lib/util/errors';
import { loadModel } from '../../lib/model/load';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from '../../lib/training/options';
import { train } from '../../lib/training/train';
import { anyValue, checkIsError, rejection, runs, thrown } from './arbitraries';

const OPTION_NAMES = [
  'model', 'dim', 'window', 'negative', 'hs', 'sample', 'minCount', 'maxVocab', 'epochs', 'alpha', 'minAlpha',
  'nsExponent', 'threads', 'seed', 'device', 'maxSentenceLength', 'sentenceToken', 'progressInterval', 'sharedNegatives',
] as const;

/** Plausible values per option (valid ones and near misses), mixed with anything at all. */
const optionValue: Record<(typeof OPTION_NAMES)[number], fc.Arbitrary<unknown>> = {
  model: fc.constantFrom('skipgram', 'cbow', 'SkipGram', 'sg', ''),
  dim: fc.integer({ min: -2, max: 10002 }),
  window: fc.integer({ min: -2, max: 1002 }),
  negative: fc.integer({ min: -2, max: 1002 }),
  hs: fc.boolean(),
  sample: fc.double({ min: -0.5, max: 1.5, noNaN: true }),
  minCount: fc.integer({ min: -2, max: 10 }),
  maxVocab: fc.constantFrom(1, 2 ** 31 - 2, 2 ** 31 - 1, 0, 100),
  epochs: fc.integer({ min: -1, max: 100001 }),
  alpha: fc.oneof(fc.double({ min: -1, max: 11, noNaN: true }), fc.constantFrom(0, Number.MIN_VALUE, 10)),
  minAlpha: fc.double({ min: -0.1, max: 1, noNaN: true }),
  nsExponent: fc.double({ min: -11, max: 11, noNaN: true }),
  threads: fc.integer({ min: -1, max: 1025 }),
  seed: fc.oneof(fc.integer({ min: -1, max: 2 ** 31 }), fc.constantFrom(Number.MAX_SAFE_INTEGER, 2 ** 53)),
  device: fc.constantFrom('cpu', 'cuda', 'auto', 'gpu'),
  maxSentenceLength: fc.integer({ min: -1, max: 1000001 }),
  sentenceToken: fc.boolean(),
  progressInterval: fc.integer({ min: -1, max: 3600001 }),
  sharedNegatives: fc.boolean(),
};

/** A subset of the options with plausible or arbitrary values, sometimes an unknown name. */
const trainOptions: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.subarray([...OPTION_NAMES], { maxLength: 6 }),
    fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    fc.option(fc.constantFrom('size', 'iter', 'Dim', 'min_count', 'cbow', 'constructor', ''), { freq: 8 }),
  )
  .chain(([names, arbitrary, unknown]) =>
    fc
      .tuple(...names.map((n, i) => (arbitrary[i] ? anyValue : optionValue[n])), unknown === null ? fc.constant(undefined) : anyValue)
      .map((values) => {
        const o: Record<string, unknown> = {};
        names.forEach((n, i) => (o[n] = values[i]));
        if (unknown !== null) o[unknown] = values[names.length];
        return o;
      }),
  );

/** Throws unless resolved options are within the documented ranges. */
function checkResolved(r: ResolvedTrainOptions): void {
  const int = (v: number, lo: number, hi: number, name: string): void => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`resolved ${name} ${v}`);
  };
  int(r.dim, 1, 10000, 'dim');
  int(r.window, 1, 1000, 'window');
  int(r.negative, 0, 1000, 'negative');
  int(r.minCount, 1, Number.MAX_SAFE_INTEGER, 'minCount');
  int(r.maxVocab, 1, 2 ** 31 - 2, 'maxVocab');
  int(r.epochs, 1, 100000, 'epochs');
  int(r.threads, 1, 1024, 'threads');
  int(r.seed, 0, Number.MAX_SAFE_INTEGER, 'seed');
  int(r.maxSentenceLength, 1, 1000000, 'maxSentenceLength');
  int(r.progressInterval, 1, 3600000, 'progressInterval');
  if (r.negative === 0 && !r.hs) throw new Error('resolved negative 0 without hs');
  if (!(r.alpha > 0 && r.alpha <= 10)) throw new Error(`resolved alpha ${r.alpha}`);
  if (!(r.minAlpha >= 0 && r.minAlpha <= r.alpha)) throw new Error(`resolved minAlpha ${r.minAlpha} for alpha ${r.alpha}`);
  if (!(r.sample >= 0 && r.sample <= 1)) throw new Error(`resolved sample ${r.sample}`);
  if (!(r.nsExponent >= -10 && r.nsExponent <= 10)) throw new Error(`resolved nsExponent ${r.nsExponent}`);
  if (r.model !== 'skipgram' && r.model !== 'cbow') throw new Error(`resolved model ${String(r.model)}`);
  for (const b of [r.hs, r.sentenceToken, r.sharedNegatives]) if (typeof b !== 'boolean') throw new Error('resolved flag');
}

/**
 * Throws unless `e` is an Error that names one of the options given and shows its value:
 * `NAME must ..., got VALUE`, `unknown option "NAME"`, or the one message about CUDA.
 */
function checkNamesOption(e: unknown, options: Record<string, unknown>): void {
  checkIsError(e, 'resolveTrainOptions');
  const message = e.message;
  const unknown = /^unknown option (".*")$/.exec(message);
  if (unknown) {
    const name = JSON.parse(unknown[1]!) as string;
    if (!(name in options) || (OPTION_NAMES as readonly string[]).includes(name)) throw new Error(`wrong unknown option: ${message}`);
    return;
  }
  if (message.startsWith('device "cuda" is not available')) {
    if (options.device !== 'cuda') throw new Error(`CUDA message without device "cuda": ${message}`);
    return;
  }
  const named = /^(\w+) must .*, got (.*)$/s.exec(message);
  if (!named) throw new Error(`the message does not name an option and its value: ${message}`);
  const [, name, shown] = named as unknown as [string, string, string];
  if (!(name in options)) throw new Error(`the message names ${name}, which was not given: ${message}`);
  if (shown !== describeValue(options[name])) throw new Error(`the message shows ${shown} for ${name} = ${describeValue(options[name])}`);
}

/** An iterable corpus that fails the test if train() starts reading it. */
const untouchableCorpus: Iterable<string> = {
  [Symbol.iterator]() {
    throw new Error('the corpus was read although the options are invalid');
  },
};

describe('training options from nowhere', () => {
  it('validate to documented ranges or throw an Error naming the option and its value', () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(
      fc.property(trainOptions, (options) => {
        const e = thrown(() => resolveTrainOptions(options as TrainOptions));
        if (e === undefined) {
          checkResolved(resolveTrainOptions(options as TrainOptions));
          valid++;
        } else {
          checkNamesOption(e, options);
          invalid++;
        }
      }),
      { numRuns: runs(5000) },
    );
    expect(valid).toBeGreaterThan(0);
    expect(invalid).toBeGreaterThan(0);
  });

  it('options that are not an object are refused, naming them', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const e = thrown(() => resolveTrainOptions(value as TrainOptions));
        if (value === undefined) {
          if (e !== undefined) throw e;
          return;
        }
        // Objects pass this check (a typed array's indices are then unknown options).
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) return;
        checkIsError(e, 'resolveTrainOptions');
        if (!(e instanceof TypeError) || e.message !== `options must be an object, got ${describeValue(value)}`) {
          throw new Error(`unexpected message: ${e.message}`);
        }
      }),
      { numRuns: runs(500) },
    );
  });

  it('train() rejects with the same Error before it reads the corpus', async () => {
    await fc.assert(
      fc.asyncProperty(trainOptions, async (options) => {
        const expected = thrown(() => resolveTrainOptions(options as TrainOptions));
        if (expected === undefined) return;
        const e = await rejection(train(untouchableCorpus, options as TrainOptions));
        checkIsError(e, 'train');
        expect(e.message).toBe((expected as Error).message);
      }),
      { numRuns: runs(500) },
    );
  });

  it('loadModel() options: a bad format or limit is refused, naming it, before the file is opened', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ format: fc.oneof(anyValue, fc.constantFrom('native', 'vec', 'text', 'bin')), limit: fc.oneof(anyValue, fc.integer()) }, { requiredKeys: [] }),
        async (options) => {
          // The file does not exist: valid options get to open it and fail with ENOENT.
          const e = await rejection(loadModel('/nonexistent/w2v-property-model', options as never));
          checkIsError(e, 'loadModel');
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
          const named = /^(format|limit) must .*, got (.*)$/s.exec(e.message);
          if (!named) throw new Error(`the message does not name format or limit: ${e.message}`);
          expect(named[2]).toBe(describeValue((options as Record<string, unknown>)[named[1]!]));
        },
      ),
      { numRuns: runs(500) },
    );
  });
});
