import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveTrainOptions, type TrainOptions } from '../../lib/options';
import { train } from '../../lib/index';
import { native } from '../../lib/native';

const NO_CUDA = 'device "cuda" is not available: this build of word2vec-native has no CUDA support; build it with npm run build:cuda';

/** Calls resolveTrainOptions with anything and returns the error it throws. */
function errorOf(options: unknown): Error {
  try {
    resolveTrainOptions(options as TrainOptions);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`no error for ${String(options)}`);
}

function expectError(options: unknown, type: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, message: string): void {
  const err = errorOf(options);
  expect(err.message).toBe(message);
  expect(err).toBeInstanceOf(type);
}

describe('resolveTrainOptions defaults', () => {
  it('skip-gram defaults follow the original tool', () => {
    const o = resolveTrainOptions(undefined);
    expect(o).toEqual({
      model: 'skipgram', dim: 100, window: 5, negative: 5, hs: false, sample: 1e-3, minCount: 5,
      maxVocab: 2 ** 31 - 2, epochs: 5, alpha: 0.025, minAlpha: 0.025 * 1e-4, nsExponent: 0.75,
      threads: availableParallelism(), seed: 1, device: 'cpu', maxSentenceLength: 10000, sentenceToken: false, sharedNegatives: true,
      progressInterval: 100,
    });
    expect(resolveTrainOptions({})).toEqual(o);
  });

  it('CBOW defaults alpha to 0.05 and minAlpha to alpha * 1e-4', () => {
    const o = resolveTrainOptions({ model: 'cbow' });
    expect(o.model).toBe('cbow');
    expect(o.alpha).toBe(0.05);
    expect(o.minAlpha).toBeCloseTo(0.05 * 1e-4, 15);
  });

  it('minAlpha follows a given alpha', () => {
    const o = resolveTrainOptions({ alpha: 0.1 });
    expect(o.alpha).toBe(0.1);
    expect(o.minAlpha).toBeCloseTo(1e-5, 15);
  });

  it('keeps given values; undefined means the default', () => {
    const o = resolveTrainOptions({
      dim: 16, window: 3, negative: 0, hs: true, sample: 0, minCount: 1, maxVocab: 10, epochs: 2, alpha: 0.5,
      minAlpha: 0, nsExponent: -1, threads: 3, seed: 0, device: 'cpu', maxSentenceLength: 7, sentenceToken: true,
      progressInterval: 5, model: undefined,
    });
    expect(o).toMatchObject({
      model: 'skipgram', dim: 16, window: 3, negative: 0, hs: true, sample: 0, minCount: 1, maxVocab: 10, epochs: 2,
      alpha: 0.5, minAlpha: 0, nsExponent: -1, threads: 3, seed: 0, device: 'cpu', maxSentenceLength: 7,
      sentenceToken: true, progressInterval: 5,
    });
  });

  it('device auto resolves to cuda exactly when a CUDA build sees a device', () => {
    const status = native().cudaStatus();
    const gpu = status.compiled && status.deviceCount > 0;
    expect(resolveTrainOptions({ device: 'auto' }).device).toBe(gpu ? 'cuda' : 'cpu');
    expect(resolveTrainOptions({}).device).toBe(gpu ? 'cuda' : 'cpu');
    // Above the GPU trainer's dim limit, auto is the CPU whatever the build.
    expect(resolveTrainOptions({ device: 'auto', dim: 1025 }).device).toBe('cpu');
    expect(resolveTrainOptions({ device: 'cpu' }).device).toBe('cpu');
  });

  it('accepts the bounds of each range', () => {
    expect(resolveTrainOptions({ dim: 1 }).dim).toBe(1);
    expect(resolveTrainOptions({ dim: 10000 }).dim).toBe(10000);
    expect(resolveTrainOptions({ sample: 1 }).sample).toBe(1);
    expect(resolveTrainOptions({ minAlpha: 0.025 }).minAlpha).toBe(0.025);
    expect(resolveTrainOptions({ threads: 1024 }).threads).toBe(1024);
  });
});

describe('resolveTrainOptions bad values: exact messages', () => {
  it('dim', () => {
    expectError({ dim: -3 }, RangeError, 'dim must be an integer in [1, 10000], got -3');
    expectError({ dim: '100' }, RangeError, 'dim must be an integer in [1, 10000], got "100"');
    expectError({ dim: NaN }, RangeError, 'dim must be an integer in [1, 10000], got NaN');
    expectError({ dim: Infinity }, RangeError, 'dim must be an integer in [1, 10000], got Infinity');
    expectError({ dim: 0 }, RangeError, 'dim must be an integer in [1, 10000], got 0');
    expectError({ dim: 10001 }, RangeError, 'dim must be an integer in [1, 10000], got 10001');
    expectError({ dim: 1.5 }, RangeError, 'dim must be an integer in [1, 10000], got 1.5');
    expectError({ dim: null }, RangeError, 'dim must be an integer in [1, 10000], got null');
    expectError({ dim: [100] }, RangeError, 'dim must be an integer in [1, 10000], got an array');
    expectError({ dim: 10n }, RangeError, 'dim must be an integer in [1, 10000], got 10');
  });

  it('other integer options', () => {
    expectError({ window: 0 }, RangeError, 'window must be an integer in [1, 1000], got 0');
    expectError({ negative: -1 }, RangeError, 'negative must be an integer in [0, 1000], got -1');
    expectError({ minCount: 0 }, RangeError, `minCount must be an integer in [1, ${Number.MAX_SAFE_INTEGER}], got 0`);
    expectError({ maxVocab: 0 }, RangeError, `maxVocab must be an integer in [1, ${2 ** 31 - 2}], got 0`);
    expectError({ epochs: -Infinity }, RangeError, 'epochs must be an integer in [1, 100000], got -Infinity');
    expectError({ threads: 0 }, RangeError, 'threads must be an integer in [1, 1024], got 0');
    expectError({ threads: 2.5 }, RangeError, 'threads must be an integer in [1, 1024], got 2.5');
    expectError({ seed: -1 }, RangeError, `seed must be an integer in [0, ${Number.MAX_SAFE_INTEGER}], got -1`);
    expectError({ maxSentenceLength: 0 }, RangeError, 'maxSentenceLength must be an integer in [1, 1000000], got 0');
    expectError({ progressInterval: 0 }, RangeError, 'progressInterval must be an integer in [1, 3600000], got 0');
  });

  it('real options', () => {
    expectError({ sample: -1 }, RangeError, 'sample must be a number in [0, 1], got -1');
    expectError({ sample: NaN }, RangeError, 'sample must be a number in [0, 1], got NaN');
    expectError({ sample: '1e-3' }, RangeError, 'sample must be a number in [0, 1], got "1e-3"');
    expectError({ alpha: 0 }, RangeError, `alpha must be a number in [${Number.MIN_VALUE}, 10], got 0`);
    expectError({ alpha: Infinity }, RangeError, `alpha must be a number in [${Number.MIN_VALUE}, 10], got Infinity`);
    expectError({ nsExponent: 11 }, RangeError, 'nsExponent must be a number in [-10, 10], got 11');
  });

  it('minAlpha above alpha', () => {
    expectError({ minAlpha: 0.05 }, RangeError, 'minAlpha must be a number in [0, 0.025], got 0.05');
    expectError({ alpha: 0.01, minAlpha: 0.02 }, RangeError, 'minAlpha must be a number in [0, 0.01], got 0.02');
    expectError({ minAlpha: -0.001 }, RangeError, 'minAlpha must be a number in [0, 0.025], got -0.001');
  });

  it('negative 0 needs hs', () => {
    expectError({ negative: 0 }, RangeError, 'negative must be > 0 when hs is false, got 0');
    expectError({ negative: 0, hs: false }, RangeError, 'negative must be > 0 when hs is false, got 0');
    expect(resolveTrainOptions({ negative: 0, hs: true }).negative).toBe(0);
  });

  it('booleans', () => {
    expectError({ hs: 1 }, TypeError, 'hs must be a boolean, got 1');
    expectError({ hs: 'true' }, TypeError, 'hs must be a boolean, got "true"');
    expectError({ sentenceToken: null }, TypeError, 'sentenceToken must be a boolean, got null');
  });

  it('model', () => {
    expectError({ model: 'foo' }, TypeError, 'model must be "skipgram" or "cbow", got "foo"');
    expectError({ model: 'CBOW' }, TypeError, 'model must be "skipgram" or "cbow", got "CBOW"');
    expectError({ model: 1 }, TypeError, 'model must be "skipgram" or "cbow", got 1');
  });

  it('device', () => {
    expectError({ device: 'tpu' }, TypeError, 'device must be "cpu", "cuda" or "auto", got "tpu"');
    expectError({ device: 'CUDA' }, TypeError, 'device must be "cpu", "cuda" or "auto", got "CUDA"');
    // Bad options are reported before the device.
    expectError({ device: 'cuda', dim: 0 }, RangeError, 'dim must be an integer in [1, 10000], got 0');
    const status = native().cudaStatus();
    if (!status.compiled) {
      expectError({ device: 'cuda' }, Error, NO_CUDA);
      expectError({ device: 'cuda', dim: 2000 }, Error, NO_CUDA);
    } else if (status.deviceCount === 0) {
      expect(status.error).toMatch(/^cudaGetDeviceCount returned /);
      expectError({ device: 'cuda' }, Error, `device "cuda" is not available: no CUDA device is visible (${status.error})`);
    } else {
      expect(resolveTrainOptions({ device: 'cuda' }).device).toBe('cuda');
      expectError({ device: 'cuda', dim: 2000 }, Error, 'device "cuda" supports dim up to 1024, got 2000');
    }
  });

  it('unknown option names', () => {
    expectError({ dimm: 100 }, TypeError, 'unknown option "dimm"');
    expectError({ dim: 10, iter: 5 }, TypeError, 'unknown option "iter"');
    expectError({ signal: new AbortController().signal }, TypeError, 'unknown option "signal"');
  });

  it('options that are not an object', () => {
    expectError(null, TypeError, 'options must be an object, got null');
    expectError(42, TypeError, 'options must be an object, got 42');
    expectError('dim=10', TypeError, 'options must be an object, got "dim=10"');
    expectError([], TypeError, 'options must be an object, got an array');
    expectError(() => ({}), TypeError, 'options must be an object, got a function');
  });

  it('long string values are cut in the message', () => {
    const long = 'x'.repeat(200);
    expectError({ model: long }, TypeError, `model must be "skipgram" or "cbow", got "${'x'.repeat(80)}…"`);
  });
});

describe('train() applies the same validation before any work', () => {
  it('rejects bad options with the same message, even with a bad corpus', async () => {
    await expect(train(12 as never, { dim: -3 })).rejects.toThrow(new RangeError('dim must be an integer in [1, 10000], got -3'));
    await expect(train(['a b'], { dimm: 3 } as never)).rejects.toThrow(new TypeError('unknown option "dimm"'));
    if (!native().cudaStatus().compiled) await expect(train(['a b'], { device: 'cuda' })).rejects.toThrow(new Error(NO_CUDA));
  });

  it('rejects bad controls', async () => {
    await expect(train(['a'], { minCount: 1 }, null as never)).rejects.toThrow(new TypeError('control must be an object, got null'));
    await expect(train(['a'], { minCount: 1 }, { signal: {} as AbortSignal })).rejects.toThrow(
      new TypeError('signal must be an AbortSignal, got an object'),
    );
    await expect(train(['a'], { minCount: 1 }, { onProgress: 5 as never })).rejects.toThrow(
      new TypeError('onProgress must be a function, got 5'),
    );
  });
});
