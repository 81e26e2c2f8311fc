import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveTrainOptions, type TrainOptions } from '../../lib/training/options';
import { ItemEmbeddings, loadModel, train, trainItems, Word2Vec } from '../../lib/index';
import { native } from '../../lib/native/addon';
import { MODEL_FORMATS } from '../../lib/formats/model-format';
import { quotedList } from '../../lib/util/validate';

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
      threads: availableParallelism(), seed: 1, device: 'cpu', maxSentenceLength: 10000, sentenceToken: false, sharedNegatives: true, cacheTokens: 2 ** 24,
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

  it('device auto resolves to the CPU whatever the build (the GPU trainer has not yet run on a GPU)', () => {
    // test/unit/device-auto.test.ts checks the same against a CUDA build that sees a GPU.
    expect(resolveTrainOptions({ device: 'auto' }).device).toBe('cpu');
    expect(resolveTrainOptions({}).device).toBe('cpu');
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

/** The error `f` throws (or the promise it returns rejects with). */
async function thrown(f: () => unknown): Promise<Error> {
  try {
    await f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('no error');
}

async function expectThrows(f: () => unknown, type: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, message: string): Promise<void> {
  const err = await thrown(f);
  expect(err.message).toBe(message);
  expect(err).toBeInstanceOf(type);
}

describe('train() and trainItems() controls', () => {
  it('an unknown control name (a misspelt signal would never abort)', async () => {
    await expectThrows(() => train(['a'], { minCount: 1 }, { signl: new AbortController().signal } as never), TypeError,
      'unknown control option "signl" (known: signal, onProgress, vocabulary)');
    await expectThrows(() => trainItems([['a']], {}, { onprogress: () => undefined } as never), TypeError,
      'unknown control option "onprogress" (known: signal, onProgress, vocabulary)');
  });
});

describe('trainItems options: exact messages', () => {
  const seqs = [['a', 'b']];
  it('its own options', async () => {
    await expectThrows(() => trainItems(seqs, null as never), TypeError, 'options must be an object, got null');
    await expectThrows(() => trainItems(seqs, { mode: 'bag' } as never), TypeError, 'mode must be "sequence" or "set", got "bag"');
    await expectThrows(() => trainItems(seqs, { globalContext: 'a' } as never), TypeError, 'globalContext must be a function, got "a"');
    await expectThrows(() => trainItems(seqs, { group: {} } as never), TypeError, 'group must be a function, got an object');
    await expectThrows(() => trainItems(seqs, { group: () => 1, groupNegative: -1 }), RangeError, 'groupNegative must be an integer in [0, 1000], got -1');
    await expectThrows(() => trainItems(seqs, { group: () => 1, groupNegative: NaN }), RangeError, 'groupNegative must be an integer in [0, 1000], got NaN');
    await expectThrows(() => trainItems(seqs, { groupNegative: 2 }), TypeError, 'groupNegative needs the group option');
  });

  it("train()'s options, with train()'s messages; those that do not apply are named", async () => {
    await expectThrows(() => trainItems(seqs, { dim: 0 }), RangeError, 'dim must be an integer in [1, 10000], got 0');
    await expectThrows(() => trainItems(seqs, { minCount: 0.5 }), RangeError, `minCount must be an integer in [1, ${Number.MAX_SAFE_INTEGER}], got 0.5`);
    await expectThrows(() => trainItems(seqs, { sample: NaN }), RangeError, 'sample must be a number in [0, 1], got NaN');
    await expectThrows(() => trainItems(seqs, { device: 'gpu' } as never), TypeError, 'device must be "cpu", "cuda" or "auto", got "gpu"');
    await expectThrows(() => trainItems(seqs, { itemz: 1 } as never), TypeError, 'unknown option "itemz"');
    await expectThrows(() => trainItems(seqs, { hs: true } as never), TypeError, 'option "hs" does not apply to trainItems (skip-gram with negative sampling)');
    await expectThrows(() => trainItems(seqs, { model: 'cbow' } as never), TypeError, 'option "model" does not apply to trainItems (skip-gram with negative sampling)');
  });

  it('sequences that are not sequences', async () => {
    await expectThrows(() => trainItems(5 as never), TypeError, 'sequences must be an iterable or async iterable of item arrays, or a function returning one, got 5');
    await expectThrows(() => trainItems([['a', 1.5]] as never), TypeError, 'item 1 of sequence 0 must be a non-empty string or an integer, got 1.5');
    await expectThrows(() => trainItems([['a', '']]), TypeError, 'item 1 of sequence 0 is an empty string');
    await expectThrows(() => trainItems(['ab'] as never), TypeError, 'sequence 0 must be an array of items, got "ab"');
  });
});

describe('loadModel and save options: exact messages', () => {
  const model = new Word2Vec({ words: ['a', 'b'], dim: 2, vectors: Float32Array.of(1, 0, 0, 1) });
  it('loadModel', async () => {
    await expectThrows(() => loadModel(''), TypeError, 'path must be a non-empty string, got ""');
    await expectThrows(() => loadModel(7 as never), TypeError, 'path must be a non-empty string, got 7');
    await expectThrows(() => loadModel('m.bin', null as never), TypeError, 'options must be an object, got null');
    await expectThrows(() => loadModel('m.bin', { limt: 5 } as never), TypeError, 'unknown option "limt"');
    await expectThrows(() => loadModel('m.bin', { format: 'bin' } as never), TypeError,
      `format must be ${quotedList(MODEL_FORMATS)}, got "bin"`);
    await expectThrows(() => loadModel('m.bin', { limit: 0 }), RangeError, 'limit must be an integer in [1, 2147483647], got 0');
    await expectThrows(() => loadModel('m.bin', { limit: NaN }), RangeError, 'limit must be an integer in [1, 2147483647], got NaN');
    await expectThrows(() => loadModel('m.bin', { limit: '5' } as never), RangeError, 'limit must be an integer in [1, 2147483647], got "5"');
  });

  it('save', async () => {
    await expectThrows(() => model.save(''), TypeError, 'path must be a non-empty string, got ""');
    await expectThrows(() => model.save('m.bin', null as never), TypeError, 'options must be an object, got null');
    await expectThrows(() => model.save('m.bin', { fromat: 'vec' } as never), TypeError, 'unknown option "fromat"');
    await expectThrows(() => model.save('m.bin', { format: 'binary' } as never), TypeError,
      `format must be ${quotedList(MODEL_FORMATS)}, got "binary"`);
  });
});

describe('query options: exact messages', () => {
  const words = ['a', 'b', 'c', 'd'];
  const model = new Word2Vec({ words, dim: 2, vectors: Float32Array.of(1, 0, 0, 1, 1, 1, -1, 0) });

  it('mostSimilar', async () => {
    await expectThrows(() => model.mostSimilar('a', null as never), TypeError, 'options must be an object, got null');
    await expectThrows(() => model.mostSimilar('a', { topk: 3 } as never), TypeError, 'unknown option "topk"');
    await expectThrows(() => model.mostSimilar('a', { topK: -1 }), RangeError, 'topK must be an integer in [0, 2147483647], got -1');
    await expectThrows(() => model.mostSimilar('a', { topK: NaN }), RangeError, 'topK must be an integer in [0, 2147483647], got NaN');
    await expectThrows(() => model.mostSimilar('a', { topK: '3' } as never), RangeError, 'topK must be an integer in [0, 2147483647], got "3"');
    await expectThrows(() => model.mostSimilar('a', { metric: 'euclid' } as never), TypeError, 'metric must be "cosine" or "dot", got "euclid"');
    await expectThrows(() => model.mostSimilar('a', { negative: 'b' } as never), TypeError, 'negative must be an array of words, got "b"');
    await expectThrows(() => model.mostSimilar('zz'), Error, 'word not in vocabulary: "zz"');
    await expectThrows(() => model.mostSimilar([]), TypeError, 'query must be a word, a non-empty array of words or a Float32Array, got an array');
    await expectThrows(() => model.mostSimilar(5 as never), TypeError, 'query must be a word, a non-empty array of words or a Float32Array, got 5');
    await expectThrows(() => model.mostSimilar(new Float32Array(3)), RangeError, 'query vector must have 2 values, got 3');
    await expectThrows(() => model.mostSimilar([1] as never), TypeError, 'word must be a string, got 1');
  });

  it('analogy, doesntMatch, similarity', async () => {
    await expectThrows(() => model.analogy('a', 'b', 'c', { method: 'div' } as never), TypeError, 'method must be "add" or "mul", got "div"');
    await expectThrows(() => model.analogy('a', 'b', 'c', { topK: 1.5 }), RangeError, 'topK must be an integer in [0, 2147483647], got 1.5');
    await expectThrows(() => model.analogy('a', 'b', 'c', { top: 1 } as never), TypeError, 'unknown option "top"');
    await expectThrows(() => model.doesntMatch(['a']), TypeError, 'doesntMatch needs at least 2 words, got 1');
    await expectThrows(() => model.similarity('a', 'zz'), Error, 'word not in vocabulary: "zz"');
  });

  it('nearest', async () => {
    const q = new Float32Array(2);
    await expectThrows(() => model.nearest(new Float32Array(3), 1), TypeError, 'queries must be a Float32Array of n x 2 values, got a Float32Array of length 3');
    await expectThrows(() => model.nearest([1, 2] as never, 1), TypeError, 'queries must be a Float32Array of n x 2 values, got an array');
    await expectThrows(() => model.nearest(q, -1), RangeError, 'k must be an integer in [0, 2147483647], got -1');
    await expectThrows(() => model.nearest(q, 1, { metric: 'l2' } as never), TypeError, 'metric must be "cosine" or "dot", got "l2"');
    await expectThrows(() => model.nearest(q, 1, { threads: 0 }), RangeError, 'threads must be an integer in [1, 256], got 0');
    await expectThrows(() => model.nearest(q, 1, { threads: 257 }), RangeError, 'threads must be an integer in [1, 256], got 257');
    await expectThrows(() => model.nearest(q, 1, { exclude: [0, -1] }), RangeError, 'exclude[1] must be a row id, got -1');
    await expectThrows(() => model.nearest(q, 1, { exclude: [0.5] }), RangeError, 'exclude[0] must be a row id, got 0.5');
    await expectThrows(() => model.nearest(q, 1, { exlude: [1] } as never), TypeError, 'unknown option "exlude"');
  });

  it('evaluateAnalogies, wordClasses', async () => {
    await expectThrows(() => model.evaluateAnalogies('q.txt', { restrictVocab: 0 }), RangeError, 'restrictVocab must be an integer in [1, 2147483647], got 0');
    await expectThrows(() => model.evaluateAnalogies('q.txt', { restrict: 5 } as never), TypeError, 'unknown option "restrict"');
    await expectThrows(() => model.wordClasses(0), RangeError, 'classes must be an integer in [1, 4], got 0');
    await expectThrows(() => model.wordClasses(5), RangeError, 'classes must be an integer in [1, 4], got 5');
    await expectThrows(() => model.wordClasses(2, { iterations: 0 }), RangeError, 'iterations must be an integer in [1, 1000], got 0');
    await expectThrows(() => model.wordClasses(2, { threads: Infinity }), RangeError, 'threads must be an integer in [1, 256], got Infinity');
    await expectThrows(() => model.wordClasses(2, { iters: 3 } as never), TypeError, 'unknown option "iters"');
  });

  it('item queries', async () => {
    const items = ItemEmbeddings.fromModel(model);
    await expectThrows(() => ItemEmbeddings.fromModel(model, { itemType: 'int' } as never), TypeError, 'itemType must be "string" or "number", got "int"');
    await expectThrows(() => ItemEmbeddings.fromModel(model, { type: 'number' } as never), TypeError, 'unknown option "type"');
    await expectThrows(() => ItemEmbeddings.fromModel(model, { itemType: 'number' }), RangeError, 'itemType "number": word "a" is not an integer');
    await expectThrows(() => items.similar('a', { topK: -2 }), RangeError, 'topK must be an integer in [0, 2147483647], got -2');
    await expectThrows(() => items.similar('a', { metric: 'cos' } as never), TypeError, 'metric must be "cosine" or "dot", got "cos"');
    await expectThrows(() => items.similar('zz'), Error, 'item not in the vocabulary: "zz"');
    await expectThrows(() => items.similar('a', { topk: 1 } as never), TypeError, 'unknown option "topk"');
    await expectThrows(() => items.recommend('a' as never), TypeError, 'history must be an array of items, got "a"');
    await expectThrows(() => items.recommend(['a'], { candidates: 'both' } as never), TypeError, 'candidates must be "input" or "output", got "both"');
    await expectThrows(() => items.recommend(['a'], { recencyHalfLife: 0 }), RangeError, `recencyHalfLife must be a number in [${Number.MIN_VALUE}, ${Number.MAX_VALUE}], got 0`);
    await expectThrows(() => items.recommend(['a'], { metric: 'dott' } as never), TypeError, 'metric must be "cosine" or "dot", got "dott"');
    await expectThrows(() => items.recommend(['a'], { halfLife: 2 } as never), TypeError, 'unknown option "halfLife"');
    await expectThrows(() => items.recommend(['zz']), Error, 'history has no known item (1 items given)');
    await expectThrows(() => items.coldStart(['a'], { weights: [1, 2] }), RangeError, 'weights must be an array of 1 numbers, got an array');
    await expectThrows(() => items.coldStart(['a'], { weights: [-1] }), RangeError, `weights[0] must be a number in [0, ${Number.MAX_VALUE}], got -1`);
    await expectThrows(() => items.coldStart(['a'], { weight: [1] } as never), TypeError, 'unknown option "weight"');
  });
});
