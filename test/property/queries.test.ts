// Word2Vec queries on random arguments: mostSimilar, nearest, analogy, similarity and
// doesntMatch with words in and out of the vocabulary, values that are not words at all,
// query vectors of the wrong length or full of NaN and infinities, k and topK of every kind,
// exclusion lists with duplicates and ids out of range; over models whose vectors hold
// zeros, NaN and infinities too. Each call returns well-formed results (known words, best
// first, never a NaN score, never an excluded or query word, no more than asked) or throws
// (rejects) with an Error; the process never crashes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { Word2Vec } from '../../lib/model/model';
import { anyValue, checkIsError, rejection, runs, thrown } from './arbitraries';

/** Values of a model's vectors: mostly ordinary, sometimes the ones that break arithmetic. */
const vectorValue = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -64, max: 64 }).map((n) => n / 16) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 3e38, -3e38, 1e-45) },
);

const modelArb: fc.Arbitrary<Word2Vec> = fc
  .record({
    words: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3, unit: fc.constantFrom('a', 'b', 'c', 'é', '中', '😀') }), {
      minLength: 1,
      maxLength: 12,
    }),
    dim: fc.integer({ min: 1, max: 5 }),
    withOutput: fc.boolean(),
  })
  .chain(({ words, dim, withOutput }) =>
    fc.array(vectorValue, { minLength: words.length * dim * 2, maxLength: words.length * dim * 2 }).map((values) => {
      const n = words.length * dim;
      return new Word2Vec({
        words,
        dim,
        vectors: Float32Array.from(values.slice(0, n)),
        ...(withOutput ? { outputVectors: Float32Array.from(values.slice(n)) } : {}),
      });
    }),
  );

/** A model and arguments drawn against it: its words, unknown words, and anything else. */
function withArgs<T>(make: (model: Word2Vec) => fc.Arbitrary<T>): fc.Arbitrary<[Word2Vec, T]> {
  return modelArb.chain((model) => make(model).map((args) => [model, args] as [Word2Vec, T]));
}

const wordOf = (model: Word2Vec): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...model.words) },
    { weight: 1, arbitrary: fc.constantFrom('zz', '', ' ', 'A', '\u0000') },
    { weight: 1, arbitrary: anyValue },
  );

const count = (model: Word2Vec): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: model.size + 2 }) }, { weight: 1, arbitrary: anyValue });

const queryVector = (model: Word2Vec, rows: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.array(vectorValue, { minLength: rows * model.dim, maxLength: rows * model.dim }).map((v) => Float32Array.from(v)) },
    { weight: 1, arbitrary: fc.array(vectorValue, { maxLength: 7 }).map((v) => Float32Array.from(v)) },
    { weight: 1, arbitrary: anyValue },
  );

/** Throws unless `results` are well formed for `model`: known words, best first, no NaN, at most `limit`. */
function checkScored(model: Word2Vec, results: unknown, limit: number, excluded: readonly unknown[]): void {
  if (!Array.isArray(results)) throw new Error(`results are not an array: ${String(results)}`);
  if (results.length > limit) throw new Error(`${results.length} results for at most ${limit}`);
  const words = new Set(model.words);
  let previous = Infinity;
  const seen = new Set<string>();
  for (const r of results as { word: unknown; score: unknown }[]) {
    if (typeof r.word !== 'string' || !words.has(r.word)) throw new Error(`result word ${String(r.word)} is not in the model`);
    if (seen.has(r.word)) throw new Error(`result word ${r.word} returned twice`);
    seen.add(r.word);
    if (typeof r.score !== 'number' || Number.isNaN(r.score)) throw new Error(`result ${r.word} has score ${String(r.score)}`);
    if (r.score > previous) throw new Error(`results out of order: ${previous} then ${r.score}`);
    previous = r.score;
    if (excluded.includes(r.word)) throw new Error(`query word ${r.word} returned`);
  }
}

describe('Word2Vec queries on random arguments', () => {
  it('mostSimilar: well-formed results or an Error', () => {
    const args = withArgs((model) =>
      fc.record({
        query: fc.oneof(wordOf(model), fc.array(wordOf(model), { maxLength: 3 }), queryVector(model, 1)),
        options: fc.oneof(
          { weight: 6, arbitrary: fc.record({ topK: count(model), negative: fc.oneof(fc.array(wordOf(model), { maxLength: 2 }), anyValue), metric: fc.oneof(fc.constantFrom('cosine', 'dot'), anyValue) }, { requiredKeys: [] }) },
          { weight: 1, arbitrary: anyValue },
        ),
      }),
    );
    let answered = 0;
    fc.assert(
      fc.property(args, ([model, { query, options }]) => {
        let results: unknown;
        const e = thrown(() => (results = model.mostSimilar(query as string, options as never)));
        if (e !== undefined) return checkIsError(e, 'mostSimilar');
        answered++;
        const o = (options ?? {}) as { topK?: number; negative?: unknown[] };
        const queryWords = [...(typeof query === 'string' ? [query] : Array.isArray(query) ? query : []), ...(Array.isArray(o.negative) ? o.negative : [])];
        checkScored(model, results, Math.min(o.topK ?? 10, model.size), queryWords);
      }),
      { numRuns: runs(3000) },
    );
    expect(answered).toBeGreaterThan(0);
  });

  it('analogy, similarity, doesntMatch: results or an Error', () => {
    const args = withArgs((model) =>
      fc.record({
        a: wordOf(model),
        b: wordOf(model),
        c: wordOf(model),
        options: fc.oneof(fc.record({ topK: count(model), method: fc.oneof(fc.constantFrom('add', 'mul'), anyValue) }, { requiredKeys: [] }), anyValue),
        group: fc.oneof(fc.array(wordOf(model), { maxLength: 4 }), anyValue),
      }),
    );
    let answered = 0;
    fc.assert(
      fc.property(args, ([model, { a, b, c, options, group }]) => {
        let results: unknown;
        const e = thrown(() => (results = model.analogy(a as string, b as string, c as string, options as never)));
        if (e === undefined) {
          answered++;
          const topK = ((options ?? {}) as { topK?: number }).topK ?? 10;
          checkScored(model, results, Math.min(topK, model.size), [a, b, c]);
        } else {
          checkIsError(e, 'analogy');
        }
        let similarity: unknown;
        const es = thrown(() => (similarity = model.similarity(a as string, b as string)));
        if (es === undefined) expect(typeof similarity).toBe('number');
        else checkIsError(es, 'similarity');
        let odd: unknown;
        const ed = thrown(() => (odd = model.doesntMatch(group as string[])));
        if (ed === undefined) expect(group as unknown[]).toContain(odd);
        else checkIsError(ed, 'doesntMatch');
      }),
      { numRuns: runs(3000) },
    );
    expect(answered).toBeGreaterThan(0);
  });

  it('nearest: well-formed id and score arrays or a rejection with an Error', async () => {
    const args = withArgs((model) =>
      fc.integer({ min: 0, max: 4 }).chain((rows) =>
        fc.record({
          queries: queryVector(model, rows),
          k: count(model),
          options: fc.oneof(
            {
              weight: 6,
              arbitrary: fc.record(
                {
                  metric: fc.oneof(fc.constantFrom('cosine', 'dot'), anyValue),
                  exclude: fc.oneof(fc.array(fc.integer({ min: -3, max: model.size + 3 }), { maxLength: 6 }), anyValue),
                  threads: fc.oneof(fc.integer({ min: 1, max: 4 }), anyValue),
                },
                { requiredKeys: [] },
              ),
            },
            { weight: 1, arbitrary: anyValue },
          ),
        }),
      ),
    );
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(args, async ([model, { queries, k, options }]) => {
        let result: Awaited<ReturnType<Word2Vec['nearest']>> | undefined;
        const e = await rejection(
          (async () => {
            result = await model.nearest(queries as Float32Array, k as number, options as never);
          })(),
        );
        if (e !== undefined) return checkIsError(e, 'nearest');
        answered++;
        const r = result!;
        const n = (queries as Float32Array).length / model.dim;
        if (r.queries !== n || r.ids.length !== n * r.k || r.scores.length !== n * r.k) {
          throw new Error(`${r.queries} queries, k ${r.k}: ${r.ids.length} ids and ${r.scores.length} scores for ${n} queries`);
        }
        const exclude = ((options ?? {}) as { exclude?: unknown }).exclude;
        if (exclude !== undefined && !Array.isArray(exclude) && !ArrayBuffer.isView(exclude)) throw new Error(`exclude ${String(exclude)} was accepted`);
        const excluded = new Set(Array.from((exclude ?? []) as ArrayLike<number>));
        for (let q = 0; q < n; q++) {
          let tail = false;
          for (let i = 0; i < r.k; i++) {
            const id = r.ids[q * r.k + i]!;
            const score = r.scores[q * r.k + i]!;
            if (id === -1) {
              tail = true;
              if (!Number.isNaN(score)) throw new Error(`id -1 with score ${score}`);
              continue;
            }
            if (tail) throw new Error('an id after the -1 tail');
            if (id < 0 || id >= model.size) throw new Error(`id ${id} of ${model.size}`);
            if (excluded.has(id)) throw new Error(`excluded id ${id} returned`);
            if (Number.isNaN(score)) throw new Error(`NaN score for id ${id}`);
            if (i > 0 && score > r.scores[q * r.k + i - 1]!) throw new Error('scores out of order');
          }
        }
      }),
      { numRuns: runs(2000) },
    );
    expect(answered).toBeGreaterThan(0);
  });
});

// Failing inputs the properties above found, kept as explicit cases.
describe('query regressions found by the properties', () => {
  const model = new Word2Vec({
    words: ['a', 'b', 'c'],
    dim: 2,
    vectors: Float32Array.of(1, 0, 0, 1, -1, 0),
  });

  it('mostSimilar: negative words apply to a vector query too (they were ignored and could be returned)', () => {
    const results = model.mostSimilar(Float32Array.of(1, 0.5), { negative: ['a'] });
    // (1, 0.5) minus a's unit vector is (0, 0.5): b, then c; a itself is left out.
    expect(results.map((r) => r.word)).toEqual(['b', 'c']);
  });

  it('mostSimilar: a vector query with an infinity or NaN is an Error (it returned NaN scores)', () => {
    expect(() => model.mostSimilar(Float32Array.of(0, -Infinity))).toThrow(
      new RangeError('query vector value 1 must be finite, got -Infinity'),
    );
    expect(() => model.mostSimilar(Float32Array.of(NaN, 0))).toThrow(new RangeError('query vector value 0 must be finite, got NaN'));
  });

  it('nearest: an exclude that is not an array is an Error (0 was taken as an empty list)', async () => {
    await expect(model.nearest(Float32Array.of(1, 0), 1, { exclude: 0 as never })).rejects.toThrow(
      new TypeError('exclude must be an array of row ids, got 0'),
    );
    await expect(model.nearest(Float32Array.of(1, 0), 1, { exclude: null as never })).rejects.toThrow(
      new TypeError('exclude must be an array of row ids, got null'),
    );
  });

  it('options null is an Error naming options (it was "Cannot read properties of null")', async () => {
    const refused = new TypeError('options must be an object, got null');
    expect(() => model.mostSimilar('a', null as never)).toThrow(refused);
    expect(() => model.analogy('a', 'b', 'c', null as never)).toThrow(refused);
    await expect(model.nearest(Float32Array.of(1, 0), 1, null as never)).rejects.toThrow(refused);
  });
});
