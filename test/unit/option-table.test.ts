/**
 * The option table (lib/training/options.ts) is the one definition of train()'s options: it
 * names every option train() resolves, its bounds are the native trainer's own (the addon's
 * `limits`, from native/core/w2v_limits.h), and a value past a bound is refused with the same
 * message by the TS layer and by the native trainer when handed straight to it.
 */
import { describe, expect, it } from 'vitest';

import { native, nativeLimits, type NativeTrainerConfig } from '../../lib/native/addon';
import { resolveTrainOptions, TRAIN_OPTION_NAMES, TRAIN_OPTIONS, trainOptionSpec } from '../../lib/training/options';

/** What the native Trainer's constructor says about `config` (one word, negative sampling). */
function nativeRefusal(change: Partial<NativeTrainerConfig>): string {
  const config: NativeTrainerConfig = {
    dim: 8, window: 2, negative: 1, cbow: false, hs: false, alpha: 0.025, minAlpha: 0.0001, epochs: 1, threads: 1, seed: 1,
    wordsPerEpoch: 1, queueCapacity: 4, progressIntervalMs: 100, ...change,
  };
  const tables = { keepProbability: Float32Array.of(1, 1), negativeWeights: Float64Array.of(1, 1) };
  try {
    new (native().Trainer)(config, tables, 2, () => undefined);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}

/** What resolveTrainOptions says about one option. */
function tsRefusal(name: string, value: unknown): string {
  try {
    resolveTrainOptions({ [name]: value, device: 'cpu' });
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}

describe('the option table', () => {
  it('names exactly the options train() resolves', () => {
    expect([...TRAIN_OPTION_NAMES].sort()).toEqual(Object.keys(resolveTrainOptions({ device: 'cpu' })).sort());
    expect(new Set(TRAIN_OPTION_NAMES).size).toBe(TRAIN_OPTIONS.length);
  });

  it("takes its bounds from the addon's limits", () => {
    const limits = nativeLimits();
    expect(limits.maxDim).toBeGreaterThan(0);
    expect(trainOptionSpec('dim').range!(limits, {})).toEqual([1, limits.maxDim]);
    expect(trainOptionSpec('window').range!(limits, {})).toEqual([1, limits.maxWindow]);
    expect(trainOptionSpec('negative').range!(limits, {})).toEqual([0, limits.maxNegative]);
    expect(trainOptionSpec('threads').range!(limits, {})).toEqual([1, limits.maxThreads]);
    expect(trainOptionSpec('epochs').range!(limits, {})).toEqual([1, limits.maxEpochs]);
  });

  it.each([
    ['dim', 'dim', (l: ReturnType<typeof nativeLimits>) => l.maxDim + 1],
    ['window', 'window', (l: ReturnType<typeof nativeLimits>) => l.maxWindow + 1],
    ['negative', 'negative', (l: ReturnType<typeof nativeLimits>) => l.maxNegative + 1],
    ['threads', 'threads', (l: ReturnType<typeof nativeLimits>) => l.maxThreads + 1],
    ['epochs', 'epochs', (l: ReturnType<typeof nativeLimits>) => l.maxEpochs + 1],
  ] as const)('refuses %s past its bound with the same message in TS and in the native trainer', (option, field, past) => {
    const value = past(nativeLimits());
    const ts = tsRefusal(option, value);
    expect(ts).toMatch(new RegExp(`^${option} must be an integer in \\[\\d+, \\d+\\], got ${value}$`));
    expect(nativeRefusal({ [field]: value })).toBe(ts);
  });

  it.each([
    ['alpha', { alpha: 0 }],
    ['alpha', { alpha: 10.5 }],
    ['minAlpha', { minAlpha: 0.05 }],
    ['minAlpha', { minAlpha: -0.001 }],
  ] as const)('refuses %s out of range (%o) with the same message in TS and in the native trainer', (name, change) => {
    const ts = tsRefusal(name, change[name as keyof typeof change]);
    expect(ts).toMatch(new RegExp(`^${name} must be a number in \\[`));
    expect(nativeRefusal({ ...change, ...(name === 'minAlpha' ? { alpha: 0.025 } : {}) })).toBe(ts);
  });

  it('gives every flag of the original a parser of its text', () => {
    const flags = TRAIN_OPTIONS.filter((o) => o.flag).map((o) => o.flag!);
    expect(flags.map((f) => f.flag).sort()).toEqual(
      ['-alpha', '-cbow', '-device', '-hs', '-iter', '-min-count', '-negative', '-sample', '-seed', '-shared-negatives', '-size', '-threads', '-window'],
    );
    expect(trainOptionSpec('model').flag!.parse('1')).toBe('cbow');
    expect(trainOptionSpec('model').flag!.parse('0')).toBe('skipgram');
    expect(trainOptionSpec('hs').flag!.parse('1')).toBe(true);
    expect(trainOptionSpec('dim').flag!.parse('300')).toBe(300);
  });
});
