/**
 * The recall index's results and search options, on a model of 20,000 rows of dim 32 with 50
 * planted clusters (seeded): recall against the exact top-k of model.nearest, scores against
 * float64, exclude, filters by ids and by groups, padding, searchOne and threads.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import type { VectorIndex } from '../../lib/index';
import {
  bruteTopK, exactScore, expectSortedBestFirst, failure, plantedModel, queriesNear, randomIds, recall, rowOf,
} from './recall-index-helpers';

const SIZE = 20_000;
const DIM = 32;
const K = 10;
const QUERIES = 200;
const planted = plantedModel(SIZE, DIM, 1);
const { model, outputModel } = planted;
const inputQueries = queriesNear(model.vectors, DIM, QUERIES, 2);
const outputQueries = queriesNear(model.vectors, DIM, QUERIES, 3);
const query = (qs: Float32Array, q: number): Float32Array => qs.subarray(q * DIM, (q + 1) * DIM);
const squaredNorm = (v: Float32Array): number => v.reduce((s, x) => s + x * x, 0);
/** The exact cosine top-K ids of each query over the ids `admitted`, row-major. */
const bruteLists = (qs: Float32Array, admitted: number[]): Int32Array =>
  Int32Array.from(Array.from({ length: qs.length / DIM }, (_, q) => bruteTopK(model.vectors, DIM, query(qs, q), 'cosine', K, admitted).ids).flat());

type Kind = { vectors: 'input' | 'output'; metric: 'cosine' | 'dot' };
const KINDS: Kind[] = [{ vectors: 'input', metric: 'cosine' }, { vectors: 'output', metric: 'dot' }];
const CASES = [
  ...KINDS.flatMap((kind) => (['f32', 'f16', 'i8'] as const).map((quantization) => ({ ...kind, quantization, dotTransform: false }))),
  // Dot through the dot transform: the graph differs, the scores must not.
  ...(['f32', 'f16'] as const).map((quantization) => ({ vectors: 'output' as const, metric: 'dot' as const, quantization, dotTransform: true })),
];
// Recall@10 bounds at the default expansionSearch (64, asserted below).
const MIN_RECALL = { f32: 0.95, f16: 0.95, i8: 0.85 };
// Through the dot transform: on these planted clusters (output norms scaled by 0.5-1.5) its
// graph recalls less than the inner product's (0.86 and 0.82 for f32 and f16 when written, against 1.0); the
// bound checks the graph works, the scores are checked as for the others.
const MIN_RECALL_DOT_TRANSFORM = 0.7;
// How far an approximate score may be from the exact one, in cosine units (a dot score's error
// over the norms of its two vectors), at worst and on average. f32: float rounding only; i8:
// one scale for the whole index, its 0.01% largest values clipped, hence a larger worst case.
const SCORE_TOLERANCE = { f32: [1e-4, 1e-5], f16: [0.01, 1e-3], i8: [0.1, 0.01] };

describe('search results against the exact top-k (20,000 x 32, expansionSearch 64)', () => {
  it.each(CASES)('$vectors vectors, $metric, $quantization, dot transform $dotTransform: recall, scores (f32: those of model.nearest within 1e-4), order', async ({ vectors, metric, quantization, dotTransform }) => {
    const index = await model.buildIndex({ vectors, quantization, ...(dotTransform ? { dotTransform } : {}) });
    try {
      expect(index.metric).toBe(metric);
      expect(index.dotTransform).toBe(dotTransform);
      // R: the largest norm of the output vectors, under the transform only.
      const norms = Array.from({ length: SIZE }, (_, id) => Math.sqrt(exactScore(model.outputVectors!, DIM, id, rowOf(model.outputVectors!, DIM, id), 'dot')));
      if (dotTransform) expect(index.info().normBound).toBeCloseTo(Math.max(...norms), 4);
      else expect(index.info().normBound).toBe(0);
      expect(index.quantization).toBe(quantization);
      expect(index.expansionSearch).toBe(64);
      expect(index.size).toBe(SIZE);
      expect(index.source).toMatchObject({ vectors, modelRows: SIZE });
      expect(index.source.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      const queries = vectors === 'input' ? inputQueries : outputQueries;
      const rows = vectors === 'input' ? model.vectors : model.outputVectors!;
      const exactModel = vectors === 'input' ? model : outputModel;
      const res = await index.search(queries, K);
      expect(res).toMatchObject({ k: K, queries: QUERIES, exact: false });
      expect(res.ids.length).toBe(QUERIES * K);
      const exact = await exactModel.nearest(queries, K, { metric });
      expect(recall(res.ids, exact.ids, K)).toBeGreaterThanOrEqual(dotTransform ? MIN_RECALL_DOT_TRANSFORM : MIN_RECALL[quantization]);
      expectSortedBestFirst(res.scores, K);
      let worst = 0;
      let sum = 0;
      for (let q = 0; q < QUERIES; q++) {
        const ids = res.ids.subarray(q * K, (q + 1) * K);
        expect(new Set(ids).size).toBe(K);
        ids.forEach((id, i) => {
          expect(id).toBeGreaterThanOrEqual(0);
          expect(id).toBeLessThan(SIZE);
          const want = exactScore(rows, DIM, id, query(queries, q), metric);
          const scale = metric === 'dot' ? Math.sqrt(exactScore(rows, DIM, id, rowOf(rows, DIM, id), 'dot') * squaredNorm(query(queries, q))) : 1;
          const error = Math.abs(res.scores[q * K + i]! - want) / scale;
          worst = Math.max(worst, error);
          sum += error;
        });
      }
      expect(worst).toBeLessThan(SCORE_TOLERANCE[quantization][0]!);
      if (quantization === 'f32') {
        // Where the index and model.nearest agree on the id, they agree on the score.
        const same = Array.from(res.ids.keys()).filter((j) => res.ids[j] === exact.ids[j]);
        expect(same.length).toBeGreaterThan((dotTransform ? 0.6 : 0.9) * res.ids.length);
        for (const j of same) expect(Math.abs(res.scores[j]! - exact.scores[j]!)).toBeLessThan(1e-4);
      }
      expect(sum / res.ids.length).toBeLessThan(SCORE_TOLERANCE[quantization][1]!);
    } finally {
      index.dispose();
    }
  });

  it('a higher expansionSearch finds at least as many of the true neighbours (i8, dot)', async () => {
    const index = await model.buildIndex({ vectors: 'output', quantization: 'i8', expansionSearch: 8 });
    const exact = await outputModel.nearest(outputQueries, K, { metric: 'dot' });
    const low = recall((await index.search(outputQueries, K)).ids, exact.ids, K);
    index.expansionSearch = 256;
    expect(index.expansionSearch).toBe(256);
    const high = recall((await index.search(outputQueries, K)).ids, exact.ids, K);
    expect(high).toBeGreaterThanOrEqual(low);
    expect(high).toBeGreaterThanOrEqual(0.85);
    index.dispose();
  });
});

describe('search options', () => {
  let index: VectorIndex;
  let byFunction: VectorIndex;
  const groupOf = (id: number): string => ['a', 'b', 'c', 'd'][id % 4]!;
  beforeAll(async () => {
    // One thread: a deterministic graph. Builds on several threads can leave a few rows
    // unreachable (USearch issue #735), and some checks here need given rows found first.
    index = await model.buildIndex({ groups: Array.from({ length: SIZE }, (_, id) => groupOf(id)), threads: 1 });
    byFunction = await model.buildIndex({ groups: (id) => (id % 4 === 3 ? undefined : groupOf(id)) });
  });
  const queries = inputQueries.subarray(0, 40 * DIM);

  it('exclude: excluded ids never come back, and the rest keep their recall', async () => {
    // Query with rows 0..39 themselves: each would find itself first.
    const own = model.vectors.slice(0, 40 * DIM);
    const plain = await index.search(own, K);
    expect(Array.from({ length: 40 }, (_, q) => plain.ids[q * K] === q).filter(Boolean).length).toBeGreaterThanOrEqual(38);
    const exclude = new Set<number>();
    for (let q = 0; q < 40; q++) for (const id of plain.ids.subarray(q * K, q * K + 3)) exclude.add(id);
    const res = await index.search(own, K, { exclude: [...exclude] });
    for (const id of res.ids) expect(exclude.has(id)).toBe(false);
    const exact = await model.nearest(own, K, { exclude: [...exclude] });
    expect(recall(res.ids, exact.ids, K)).toBeGreaterThanOrEqual(0.95);
  });

  it('filter by a few ids (1%): only those, scanned exactly, equal to brute force over them', async () => {
    const allowed = randomIds(SIZE, SIZE / 100, 4);
    const res = await index.search(queries, K, { filter: allowed });
    expect(res.exact).toBe(true);
    for (let q = 0; q < 40; q++) {
      const want = bruteTopK(model.vectors, DIM, query(queries, q), 'cosine', K, allowed);
      expect(Array.from(res.ids.subarray(q * K, (q + 1) * K))).toEqual(want.ids);
      want.scores.forEach((s, i) => expect(Math.abs(res.scores[q * K + i]! - s)).toBeLessThan(1e-4));
    }
  });

  it('filter by many ids (30%): only those, through the graph, with recall', async () => {
    const allowed = randomIds(SIZE, SIZE * 0.3, 5);
    const set = new Set(allowed);
    const res = await index.search(queries, K, { filter: Int32Array.from(allowed) });
    expect(res.exact).toBe(false);
    for (const id of res.ids) expect(set.has(id)).toBe(true);
    const want = bruteLists(queries, allowed);
    expect(recall(res.ids, want, K)).toBeGreaterThanOrEqual(0.95);
  });

  it('filter { group } and { groups } (groups given at build as an array by id)', async () => {
    const one = await index.search(queries, K, { filter: { group: 'b' } });
    for (const id of one.ids) expect(groupOf(id)).toBe('b');
    const bIds = Array.from({ length: SIZE / 4 }, (_, i) => 4 * i + 1);
    const want = bruteLists(queries, bIds);
    expect(recall(one.ids, want, K)).toBeGreaterThanOrEqual(0.95);
    const two = await index.search(queries, K, { filter: { groups: ['a', 'c'] } });
    for (const id of two.ids) expect(['a', 'c']).toContain(groupOf(id));
    expect(new Set(Array.from(two.ids, groupOf))).toEqual(new Set(['a', 'c']));
  });

  it('filter { group } with groups given at build as a function of the id (undefined: no group)', async () => {
    const res = await byFunction.search(queries, K, { filter: { groups: ['a', 'd'] } });
    for (const id of res.ids) expect(id % 4).toBe(0);
    const d = await byFunction.search(queries, K, { filter: { group: 'd' } });
    expect(Array.from(d.ids).every((id) => id === -1)).toBe(true);
  });

  it('pads with -1 and NaN when fewer rows are admitted than k', async () => {
    const q = query(queries, 0);
    const res = await index.search(q, K, { filter: [7, 70, 700] });
    expect(res.exact).toBe(true);
    const want = bruteTopK(model.vectors, DIM, q, 'cosine', 3, [7, 70, 700]);
    expect(Array.from(res.ids)).toEqual([...want.ids, ...Array<number>(K - 3).fill(-1)]);
    expect(Array.from(res.scores.subarray(3)).every((s) => Number.isNaN(s))).toBe(true);
    expect(Array.from(res.scores.subarray(0, 3)).some((s) => Number.isNaN(s))).toBe(false);
    const withExclude = await index.search(q, K, { filter: [7, 70, 700], exclude: [70] });
    expect(Array.from(withExclude.ids.subarray(0, 3)).sort((a, b) => a - b)).toEqual([-1, 7, 700]);
    const unknown = await index.search(q, K, { filter: { group: 'no such group' } });
    expect(Array.from(unknown.ids)).toEqual(Array<number>(K).fill(-1));
  });

  it('searchOne gives what search gives for that query (alone and in a batch)', async () => {
    const batch = await index.search(queries, K);
    for (let q = 0; q < 40; q++) {
      const one = index.searchOne(query(queries, q), K);
      const alone = await index.search(query(queries, q), K);
      expect(one).toMatchObject({ k: K, queries: 1, exact: false });
      expect(one.ids).toEqual(alone.ids);
      expect(one.scores).toEqual(alone.scores);
      expect(one.ids).toEqual(batch.ids.subarray(q * K, (q + 1) * K));
    }
    const filtered = index.searchOne(query(queries, 1), K, { filter: [1, 2, 3], exclude: [2] });
    expect(filtered.exact).toBe(true);
    expect(Array.from(filtered.ids).filter((id) => id >= 0).sort((a, b) => a - b)).toEqual([1, 3]);
  });

  it('threads: the same results on 1 thread and on 8; 0 and 257 refused by name', async () => {
    const one = await index.search(queries, K, { threads: 1 });
    const many = await index.search(queries, K, { threads: 8 });
    expect(many.ids).toEqual(one.ids);
    expect(many.scores).toEqual(one.scores);
    for (const threads of [0, 257, 1.5]) {
      const err = await failure(() => index.search(queries, K, { threads }));
      expect(err).toBeInstanceOf(RangeError);
      expect(err.message).toMatch(new RegExp(`threads must be an integer in \\[1, 256\\], got ${threads}`));
    }
  });

  it('a query that is a row finds that row first with score 1', async () => {
    for (const id of [0, 123, 19_999]) {
      const res = index.searchOne(rowOf(model.vectors, DIM, id).slice(), 3);
      expect(res.ids[0]).toBe(id);
      expect(res.scores[0]).toBeCloseTo(1, 5);
    }
  });
});
