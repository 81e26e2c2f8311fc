/**
 * model.embed and items.embed: every pooling against a float64 reference written out here
 * (mean, sum, max, weights, SIF with its removed component computed and given back,
 * normalize), unknown tokens skipped, empty sequences reported, and bad input refused by name,
 * from the public API and from the raw addon. The large-input case (event-loop delay, one call
 * against many small batches) is in reliability-embed.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { ItemEmbeddings, Word2Vec, type EmbedOptions, type EmbedResult } from '../../lib/index';
import { native } from '../../lib/native/addon';
import { rng } from '../helpers';

const SIZE = 60;
const DIM = 8;

/** Word vectors sharing a common direction (as trained ones do), and counts of 1 to 1000. */
function makeModel(seed: number, withCounts = true): Word2Vec {
  const r = rng(seed);
  const shared = Array.from({ length: DIM }, () => r() - 0.5);
  const vectors = new Float32Array(SIZE * DIM);
  for (let i = 0; i < SIZE; i++) for (let j = 0; j < DIM; j++) vectors[i * DIM + j] = r() - 0.5 + 1.5 * shared[j]!;
  const counts = Float64Array.from({ length: SIZE }, () => 1 + Math.floor(r() * 1000));
  const words = Array.from({ length: SIZE }, (_, i) => `w${i}`);
  return new Word2Vec({ words, dim: DIM, vectors, ...(withCounts ? { counts } : {}) });
}

/** Sequences of 0 to 9 tokens, about one in eight unknown. */
function makeSequences(seed: number, count: number): string[][] {
  const r = rng(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: Math.floor(r() * 10) }, () => (r() < 0.125 ? `unknown${Math.floor(r() * 5)}` : `w${Math.floor(r() * SIZE)}`)),
  );
}

interface Reference {
  rows: Float64Array[];
  empty: number[];
  component?: Float64Array;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** The first right singular vector of the rows, uncentred, by 3000 power steps on the Gram matrix; largest entry positive. */
function firstSingularVector(rows: Float64Array[]): Float64Array {
  const gram = new Float64Array(DIM * DIM);
  for (const x of rows) for (let i = 0; i < DIM; i++) for (let j = 0; j < DIM; j++) gram[i * DIM + j]! += x[i]! * x[j]!;
  let v = new Float64Array(DIM).fill(1);
  for (let step = 0; step < 3000; step++) {
    const w = new Float64Array(DIM);
    for (let i = 0; i < DIM; i++) for (let j = 0; j < DIM; j++) w[i]! += gram[i * DIM + j]! * v[j]!;
    const n = Math.sqrt(dot(w, w));
    v = w.map((x) => x / n);
  }
  let largest = 0;
  for (let j = 1; j < DIM; j++) if (Math.abs(v[j]!) > Math.abs(v[largest]!)) largest = j;
  return v[largest]! < 0 ? v.map((x) => -x) : v;
}

/** What embed should give, in float64, written the plain way. */
function reference(model: Word2Vec, sequences: string[][], o: EmbedOptions & { given?: Float64Array } = {}): Reference {
  const pooling = o.pooling ?? 'mean';
  const weightOf = (w: string): number => (typeof o.weights === 'function' ? o.weights(w) : o.weights instanceof Map ? (o.weights.get(w) ?? 1) : 1);
  const total = model.counts ? model.counts.reduce((s, c) => s + c, 0) : NaN;
  const a = o.sifA ?? 1e-3;
  const empty: number[] = [];
  const rows = sequences.map((sequence, s) => {
    const known = sequence.filter((w) => model.has(w));
    const out = new Float64Array(DIM);
    if (known.length === 0) {
      empty.push(s);
      return out;
    }
    let weightSum = 0;
    if (pooling === 'max') out.fill(-Infinity);
    for (const w of known) {
      const id = model.idOf(w)!;
      let weight = weightOf(w);
      if (pooling === 'sif') weight *= a / (a + model.counts![id]! / total);
      weightSum += weight;
      for (let j = 0; j < DIM; j++) {
        const x = weight * model.vectors[id * DIM + j]!;
        out[j] = pooling === 'max' ? Math.max(out[j]!, x) : out[j]! + x;
      }
    }
    const divisor = pooling === 'mean' ? weightSum : pooling === 'sif' ? known.length : 1;
    return out.map((x) => (divisor === 0 ? 0 : x / divisor));
  });
  let component: Float64Array | undefined;
  if (pooling === 'sif') {
    component = o.given ?? firstSingularVector(rows);
    for (const x of rows) {
      const p = dot(x, component);
      for (let j = 0; j < DIM; j++) x[j]! -= p * component[j]!;
    }
  }
  if (o.normalize) {
    for (const x of rows) {
      const n = Math.sqrt(dot(x, x));
      if (n > 0) for (let j = 0; j < DIM; j++) x[j]! /= n;
    }
  }
  return { rows, empty, ...(component ? { component } : {}) };
}

/** Same shape, rows within float32 rounding of the reference, same empty list. */
function expectMatches(got: EmbedResult, want: Reference, tolerance = 2e-6): void {
  expect(got.count).toBe(want.rows.length);
  expect(got.dim).toBe(DIM);
  expect(got.vectors).toBeInstanceOf(Float32Array);
  expect(got.vectors.length).toBe(want.rows.length * DIM);
  expect(Array.from(got.empty)).toEqual(want.empty);
  want.rows.forEach((row, s) => {
    for (let j = 0; j < DIM; j++) {
      const g = got.vectors[s * DIM + j]!;
      if (Math.abs(g - row[j]!) > tolerance * (1 + Math.abs(row[j]!))) {
        throw new Error(`sequence ${s} value ${j}: got ${g}, want ${row[j]}`);
      }
    }
  });
}

describe('model.embed against a float64 reference', () => {
  const model = makeModel(1);
  const sequences = makeSequences(2, 300);

  it('has empty and unknown-only sequences in the test data', () => {
    expect(sequences.some((s) => s.length === 0)).toBe(true);
    expect(sequences.some((s) => s.length > 0 && s.every((w) => w.startsWith('unknown')))).toBe(true);
  });

  for (const pooling of ['mean', 'sum', 'max'] as const) {
    it(`pooling ${pooling}: plain, weighted by a function, by a Map, normalized`, async () => {
      expectMatches(await model.embed(sequences, { pooling }), reference(model, sequences, { pooling }));
      const byFunction = (w: string): number => (Number(w.slice(1)) % 7) / 3;
      expectMatches(await model.embed(sequences, { pooling, weights: byFunction }), reference(model, sequences, { pooling, weights: byFunction }));
      const byMap = new Map([['w1', 0], ['w2', 2.5], ['w3', 0.25]]);
      expectMatches(await model.embed(sequences, { pooling, weights: byMap }), reference(model, sequences, { pooling, weights: byMap }));
      const normalized = await model.embed(sequences, { pooling, normalize: true, threads: 3 });
      expectMatches(normalized, reference(model, sequences, { pooling, normalize: true }));
    });
  }

  it('mean is the default pooling; without weights every token weighs 1', async () => {
    const got = await model.embed([['w1', 'w2', 'w2']]);
    const want = Array.from({ length: DIM }, (_, j) => (model.vectors[1 * DIM + j]! + 2 * model.vectors[2 * DIM + j]!) / 3);
    want.forEach((v, j) => expect(got.vectors[j]).toBeCloseTo(v, 6));
    expect(got.component).toBeUndefined();
  });

  it('sif: weights a / (a + p), the mean over known tokens, the first singular vector removed and returned', async () => {
    const got = await model.embed(sequences, { pooling: 'sif' });
    const want = reference(model, sequences, { pooling: 'sif' });
    expect(got.component).toBeInstanceOf(Float32Array);
    expect(got.component!.length).toBe(DIM);
    Array.from(got.component!).forEach((v, j) => expect(Math.abs(v - want.component![j]!)).toBeLessThan(1e-6));
    expectMatches(got, want, 1e-5);
    // The removed direction is gone from every row.
    for (let s = 0; s < got.count; s++) expect(Math.abs(dot(got.vectors.subarray(s * DIM, (s + 1) * DIM), got.component!))).toBeLessThan(1e-5);
    // sifA and user weights (which multiply SIF's) change the result as the reference says.
    const weights = (w: string): number => (w === 'w5' ? 0 : 2);
    const other = { pooling: 'sif', sifA: 0.05, weights, normalize: true } as const;
    expectMatches(await model.embed(sequences, other), reference(model, sequences, other), 1e-5);
  });

  it('sif: a given component is removed instead of one computed, and returned as given', async () => {
    const first = await model.embed(sequences, { pooling: 'sif' });
    const fresh = makeSequences(3, 50);
    const given = Float64Array.from(first.component!);
    const again = await model.embed(fresh, { pooling: 'sif', component: first.component! });
    expect(Array.from(again.component!)).toEqual(Array.from(first.component!));
    expectMatches(again, reference(model, fresh, { pooling: 'sif', given }), 1e-5);
    // Computed from the new batch instead, it differs: the option did something.
    const own = await model.embed(fresh, { pooling: 'sif' });
    expect(Array.from(own.component!)).not.toEqual(Array.from(first.component!));
    // The first batch embedded with its own component gives its own rows again, exactly; a
    // plain array works as well as a Float32Array.
    const same = await model.embed(sequences, { pooling: 'sif', component: Array.from(first.component!) });
    expect(Array.from(same.vectors)).toEqual(Array.from(first.vectors));
  });

  it('sif of a batch with no known token: zero rows and a zero component, which can be given back', async () => {
    const got = await model.embed([[], ['nope']], { pooling: 'sif' });
    expect(Array.from(got.vectors)).toEqual(new Array(2 * DIM).fill(0));
    expect(Array.from(got.component!)).toEqual(new Array(DIM).fill(0));
    const back = await model.embed([['w1']], { pooling: 'sif', component: got.component! });
    expectMatches(back, reference(model, [['w1']], { pooling: 'sif', given: new Float64Array(DIM) }));
  });
});

describe('unknown tokens and empty sequences', () => {
  const model = makeModel(4);

  it('unknown tokens are skipped (and never weighed); sequences without a known token are zero rows, listed in empty', async () => {
    const weights = (w: string): number => (w.startsWith('w') ? 1 : NaN);
    const got = await model.embed([['w1', 'nope', 'w2'], [], ['nope', 'nada'], ['w3']], { pooling: 'sum', weights });
    const plain = await model.embed([['w1', 'w2'], [], [], ['w3']], { pooling: 'sum' });
    expect(Array.from(got.vectors)).toEqual(Array.from(plain.vectors));
    expect(Array.from(got.vectors.subarray(DIM, 3 * DIM))).toEqual(new Array(2 * DIM).fill(0));
    expect(Array.from(got.empty)).toEqual([1, 2]);
  });

  it('no sequences: an empty result', async () => {
    const got = await model.embed([]);
    expect(got).toMatchObject({ count: 0, dim: DIM });
    expect(got.vectors.length).toBe(0);
    expect(got.empty.length).toBe(0);
  });

  it('normalize leaves zero rows zero, and zero-weight sequences are zero rows but not empty', async () => {
    const got = await model.embed([['w1'], ['nope'], ['w2']], { normalize: true, weights: new Map([['w2', 0]]) });
    expect(Math.hypot(...got.vectors.subarray(0, DIM))).toBeCloseTo(1, 6);
    expect(Array.from(got.vectors.subarray(DIM))).toEqual(new Array(2 * DIM).fill(0));
    expect(Array.from(got.empty)).toEqual([1]);
  });
});

describe('items.embed', () => {
  it('maps items (1 and "1" apart) to their rows and weighs by item', async () => {
    const model = makeModel(5);
    const items = Array.from({ length: SIZE }, (_, i): string | number => (i === 0 ? 1 : i === 1 ? '1' : `item${i}`));
    const embeddings = new ItemEmbeddings(model, items);
    const got = await embeddings.embed([[1, 'item7'], ['1'], [2, 'unknown']], { pooling: 'sum', weights: new Map([[1, 3]]) });
    const row = (id: number): number[] => Array.from(model.vectors.subarray(id * DIM, (id + 1) * DIM));
    got.vectors.subarray(0, DIM).forEach((v, j) => expect(v).toBeCloseTo(3 * row(0)[j]! + row(7)[j]!, 5));
    expect(Array.from(got.vectors.subarray(DIM, 2 * DIM))).toEqual(row(1));
    expect(Array.from(got.empty)).toEqual([2]);
    await expect(embeddings.embed([[true as unknown as number]])).rejects.toThrow('sequences[0][0] must be an item (a string or a number), got true');
    embeddings.dispose();
    await expect(embeddings.embed([[1]])).rejects.toThrow('model is disposed');
  });
});

describe('bad input', () => {
  const model = makeModel(6);
  const embed = (sequences: unknown, options?: unknown): Promise<EmbedResult> => model.embed(sequences as string[][], options as EmbedOptions);

  it('sequences that are not arrays of arrays of strings', async () => {
    await expect(embed('w1 w2')).rejects.toThrow(new TypeError('sequences must be an array of sequences (arrays of tokens), got "w1 w2"'));
    await expect(embed([['w1'], 'w2'])).rejects.toThrow(new TypeError('sequences[1] must be an array of tokens, got "w2"'));
    await expect(embed([['w1'], ['w2', 5]])).rejects.toThrow(new TypeError('sequences[1][1] must be a string, got 5'));
    await expect(embed([null])).rejects.toThrow('sequences[0] must be an array of tokens, got null');
    // A sparse array's length alone allocates nothing: its first hole is refused.
    await expect(embed(new Array(2 ** 26))).rejects.toThrow('sequences[0] must be an array of tokens, got undefined');
    // More rows than one result holds (sequences x dim over 2^31 - 1 values): refused up front.
    await expect(embed(new Array(2 ** 28))).rejects.toThrow(
      new RangeError('too many sequences for one call: 268435456 x dim 8 is over 2147483647 values; embed at most 268435455 at a time'),
    );
  });

  it('options: unknown pooling, unknown option, bad normalize, threads, weights', async () => {
    await expect(embed([['w1']], { pooling: 'median' })).rejects.toThrow(new TypeError('pooling must be "mean", "sum", "max" or "sif", got "median"'));
    await expect(embed([['w1']], { pool: 'mean' })).rejects.toThrow('unknown option "pool"');
    await expect(embed([['w1']], { normalize: 1 })).rejects.toThrow('normalize must be a boolean, got 1');
    await expect(embed([['w1']], { threads: 0 })).rejects.toThrow('threads must be an integer in [1, 256], got 0');
    await expect(embed([['w1']], { weights: [1, 2] })).rejects.toThrow('weights must be a function (token) => number or a Map, got an array');
  });

  it('NaN, negative, infinite and non-number weights, named with their word', async () => {
    for (const [value, shown] of [[NaN, 'NaN'], [-0.5, '-0.5'], [Infinity, 'Infinity'], ['2', '"2"']] as const) {
      const message = `weight of "w2" must be a finite number >= 0, got ${shown}`;
      await expect(embed([['w1', 'w2']], { weights: (w: string) => (w === 'w2' ? value : 1) })).rejects.toThrow(new RangeError(message));
      await expect(embed([['w1', 'w2']], { weights: new Map([['w2', value]]) })).rejects.toThrow(message);
      await expect(embed([['w1', 'w2']], { pooling: 'sif', weights: new Map([['w2', value]]) })).rejects.toThrow(message);
    }
  });

  it('sif without counts, sif options with another pooling, a bad component', async () => {
    const noCounts = makeModel(6, false);
    await expect(noCounts.embed([['w1']], { pooling: 'sif' })).rejects.toThrow('pooling "sif" needs the model\'s word counts, and this model has none');
    expect((await noCounts.embed([['w1']])).count).toBe(1);
    await expect(embed([['w1']], { sifA: 0.1 })).rejects.toThrow(new TypeError('sifA applies to pooling "sif" only, got pooling "mean"'));
    await expect(embed([['w1']], { pooling: 'max', component: new Float32Array(DIM) })).rejects.toThrow('component applies to pooling "sif" only');
    await expect(embed([['w1']], { pooling: 'sif', sifA: 0 })).rejects.toThrow('sifA must be a number in [5e-324, 1.7976931348623157e+308], got 0');
    await expect(embed([['w1']], { pooling: 'sif', component: new Float32Array(DIM - 1) })).rejects.toThrow(new RangeError(`component must have ${DIM} values (the model's dim), got ${DIM - 1}`));
    await expect(embed([['w1']], { pooling: 'sif', component: 'x' })).rejects.toThrow('component must be a Float32Array or an array of 8 numbers, got "x"');
    const nan = new Float32Array(DIM);
    nan[3] = NaN;
    await expect(embed([['w1']], { pooling: 'sif', component: nan })).rejects.toThrow('component[3] must be a finite number, got NaN');
    await expect(embed([['w1']], { pooling: 'sif', component: new Float32Array(DIM).fill(1) })).rejects.toThrow(/component must be a unit vector .* got one of length 2.828/);
  });

  it('a disposed model, before the call and during it', async () => {
    const doomed = makeModel(7);
    const pending = doomed.embed(makeSequences(8, 2000), { pooling: 'sif' });
    doomed.dispose();
    await expect(pending).rejects.toThrow(new Error('model is disposed'));
    await expect(doomed.embed([['w1']])).rejects.toThrow(new Error('model is disposed'));
  });
});

describe('the raw addon refuses what the core cannot take', () => {
  const matrix = new Float32Array(6);
  const ids = Int32Array.from([0, 2, 1]);
  const offsets = Int32Array.from([0, 1, 3]);
  const call = (over: Partial<{ matrix: unknown; dim: unknown; ids: unknown; offsets: unknown }> = {}, options: Record<string, unknown> = {}): Promise<unknown> =>
    native().embedSequencesAsync(
      (over.matrix ?? matrix) as Float32Array, (over.dim ?? 2) as number, (over.ids ?? ids) as Int32Array, (over.offsets ?? offsets) as Int32Array,
      { pooling: 'mean', threads: 2, ...options } as never,
    );

  it('arguments of the wrong type or shape throw at once', () => {
    expect(() => call({ matrix: [1, 2] })).toThrow(new TypeError('matrix must be a Float32Array, got an array'));
    expect(() => call({ dim: 4 })).toThrow(new RangeError('matrix length 6 is not a multiple of dim 4'));
    expect(() => call({ ids: new Float32Array(3) })).toThrow('ids must be a Int32Array, got a typed array');
    expect(() => call({ offsets: new Int32Array(0) })).toThrow('offsets must have sequences + 1 entries, got 0');
    expect(() => call({}, { pooling: 'sif' })).toThrow('pooling must be "mean", "sum" or "max", got "sif"');
    expect(() => call({}, { weights: new Float64Array(2) })).toThrow('weights must have one entry per id (3), got 2');
    expect(() => call({}, { component: new Float32Array(3) })).toThrow('component must have dim (2) values, got 3');
    expect(() => call({}, { component: Float32Array.from([0, Infinity]) })).toThrow('component[1] must be finite, got Infinity');
    expect(() => call({}, { component: new Float32Array(2), computeComponent: true })).toThrow('computeComponent and component exclude each other');
    expect(() => call({}, { threads: 1000 })).toThrow('threads must be an integer in [1, 256], got 1000');
    expect(() => call({ dim: 1, matrix: new Float32Array(1), offsets: { length: 2 } })).toThrow('offsets must be a Int32Array');
  });

  it('bad ids, offsets and weights reject, named by the core', async () => {
    await expect(call({ ids: Int32Array.from([0, 3, 1]) })).rejects.toThrow(new RangeError('ids[1] must be a row in [0, 3), got 3'));
    await expect(call({ offsets: Int32Array.from([0, 2, 1]) })).rejects.toThrow('offsets must rise from 0 to the id count 3, got 1 at index 2');
    await expect(call({ offsets: Int32Array.from([1, 1, 3]) })).rejects.toThrow('offsets[0] must be 0, got 1');
    await expect(call({ offsets: Int32Array.from([0, 1, 2]) })).rejects.toThrow('offsets must end at the id count 3, got 2');
    await expect(call({}, { weights: Float64Array.from([1, -1, 1]) })).rejects.toThrow('weights[1] must be a finite number >= 0, got -1');
    const ok = (await call()) as { vectors: Float32Array; component: null };
    expect(ok.vectors.length).toBe(4);
    expect(ok.component).toBeNull();
  });
});
