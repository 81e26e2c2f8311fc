/**
 * The recall index inside the model's queries (mostSimilar, items.similar, items.recommend
 * with { index }, cold-start items added to an index) and mergeTopK over sharded results. A
 * model with planted clusters (seeded): 6,000 rows of dim 32, 50 clusters of 120 rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ItemEmbeddings, loadIndex, mergeTopK, Word2Vec, type ScoredItem, type VectorIndex } from '../../lib/index';
import { failure, plantedModel, queriesNear, recall, rowOf } from './recall-index-helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-recall-model-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SIZE = 6000;
const DIM = 32;
const planted = plantedModel(SIZE, DIM, 61);
const { model } = planted;
const WORDS = Array.from({ length: 50 }, (_, i) => `w${i * 113}`);

/** How many of `a`'s first 10 are among `b`'s first 10. */
const overlap = <T>(a: T[], b: T[]): number => a.slice(0, 10).filter((x) => b.slice(0, 10).includes(x)).length;

describe('model.mostSimilar with { index }', () => {
  let index: VectorIndex;
  beforeAll(async () => {
    // One thread: every row reachable (builds on several threads can strand a few, USearch issue #735).
    index = await model.buildIndex({ threads: 1 });
  });

  it('gives mostly the words of the exact search (>= 8 of 10 each, >= 9.5 on average), scores close, all approximate', () => {
    let total = 0;
    for (const word of WORDS) {
      const exact = model.mostSimilar(word, { topK: 10 });
      const approx = model.mostSimilar(word, { topK: 10, index });
      expect(approx).toHaveLength(10);
      expect(approx.map((r) => r.word)).not.toContain(word);
      for (const r of approx) expect(r.approximate).toBe(true);
      for (const r of exact) expect(r.approximate).toBeUndefined();
      const common = overlap(approx.map((r) => r.word), exact.map((r) => r.word));
      expect(common).toBeGreaterThanOrEqual(8);
      total += common;
      for (const r of approx) {
        const same = exact.find((e) => e.word === r.word);
        if (same) expect(Math.abs(same.score - r.score)).toBeLessThan(1e-4);
        expect(Math.abs(model.similarity(word, r.word) - r.score)).toBeLessThan(1e-4);
      }
    }
    expect(total / WORDS.length).toBeGreaterThanOrEqual(9.5);
  });

  it('several words, negative words and a vector query go through the index too', () => {
    const res = model.mostSimilar(['w0', 'w50'], { negative: ['w1'], topK: 5, index });
    expect(res.map((r) => r.word)).not.toContain('w0');
    expect(res.map((r) => r.word)).not.toContain('w1');
    expect(res.every((r) => r.approximate)).toBe(true);
    const v = model.vector('w7')!;
    expect(model.mostSimilar(v, { topK: 1, index })[0]).toMatchObject({ word: 'w7', approximate: true });
    expect(model.mostSimilar('w7', { topK: 0, index })).toEqual([]);
    expect(model.mostSimilar('w7', { topK: SIZE + 10, index }).length).toBe(SIZE - 1);
  });

  it('refuses an index of another model, of its output vectors, or of another metric', async () => {
    const copy = new Word2Vec({ words: model.words, dim: DIM, vectors: model.vectors.slice() });
    const other = await copy.buildIndex();
    expect(() => model.mostSimilar('w1', { index: other })).toThrow(/this index was not built from \(or loaded for\) this model's input vectors/);
    const output = await model.buildIndex({ vectors: 'output' });
    expect(() => model.mostSimilar('w1', { index: output })).toThrow(/not built from .* input vectors/);
    expect(() => model.mostSimilar('w1', { index, metric: 'dot' })).toThrow(/metric "dot" differs from the index's metric "cosine"/);
    expect(model.mostSimilar('w1', { index, metric: 'cosine' }).length).toBe(10);
    expect(() => model.mostSimilar('w1', { index: {} as VectorIndex })).toThrow(/index must be a VectorIndex \(from buildIndex or loadIndex\), got an object/);
    expect(() => model.mostSimilar('w1', { index: null as unknown as VectorIndex })).toThrow(TypeError);
    other.dispose();
    output.dispose();
  });

  it('an index saved and loaded for the model serves it', async () => {
    const path = join(work, 'model.idx');
    await index.save(path);
    const loaded = await loadIndex(path, model, { view: true });
    expect(model.mostSimilar('w3', { index: loaded })).toEqual(model.mostSimilar('w3', { index }));
    loaded.dispose();
  });
});

describe.each(['hnsw', 'ivf'] as const)('items: similar and recommend with { index } of kind %s', (kind) => {
  const items = new ItemEmbeddings(model, Array.from({ length: SIZE }, (_, i) => `item${i}`));
  const idOf = (item: string | number): number => Number(String(item).slice(4));
  const histories = Array.from({ length: 30 }, (_, u) => [0, 50, 100].map((j) => `item${u * 7 + j}`));
  let input: VectorIndex;
  let output: VectorIndex;
  beforeAll(async () => {
    input = await items.buildIndex({ kind, groups: (item) => (idOf(item) % 2 === 0 ? 'even' : 'odd'), threads: 1 });
    output = await items.buildIndex({ kind, vectors: 'output' });
  });
  const names = (rs: ScoredItem[]): unknown[] => rs.map((r) => r.item);

  it('similar: mostly the exact neighbours, approximate, the item and exclude left out', () => {
    let total = 0;
    for (const word of WORDS) {
      const item = `item${word.slice(1)}`;
      const approx = items.similar(item, { index: input, exclude: ['item0'] });
      expect(names(approx)).not.toContain(item);
      expect(names(approx)).not.toContain('item0');
      expect(approx.every((r) => r.approximate === true)).toBe(true);
      total += overlap(names(approx), names(items.similar(item, { exclude: ['item0'] })));
    }
    expect(total / WORDS.length).toBeGreaterThanOrEqual(9.5);
    expect(() => items.similar('item1', { index: output })).toThrow(/not built from .* input vectors/);
    expect(() => items.similar('item1', { index: input, metric: 'dot' })).toThrow(/metric "dot" differs/);
  });

  it('groups given as a function of the item filter the index', async () => {
    const res = await input.search(items.vector('item3')!, 10, { filter: { group: 'odd' } });
    for (const id of res.ids) expect(id % 2).toBe(1);
    expect(res.ids[0]).toBe(3);
  });

  it('recommend with an input index: the exact candidates (cosine), history left out', () => {
    let total = 0;
    for (const history of histories) {
      const approx = items.recommend(history, { index: input });
      for (const item of history) expect(names(approx)).not.toContain(item);
      expect(approx.every((r) => r.approximate === true)).toBe(true);
      total += overlap(names(approx), names(items.recommend(history)));
    }
    expect(total / histories.length).toBeGreaterThanOrEqual(9);
  });

  it('recommend with an output (dot) index: candidates follow the index (output vectors, inner product)', () => {
    let total = 0;
    for (const history of histories) {
      const approx = items.recommend(history, { index: output, topK: 10 });
      const exact = items.recommend(history, { candidates: 'output', metric: 'dot', topK: 10 });
      for (const item of history) expect(names(approx)).not.toContain(item);
      total += overlap(names(approx), names(exact));
      for (const r of approx) {
        const same = exact.find((e) => e.item === r.item);
        if (same) expect(Math.abs(same.score - r.score)).toBeLessThan(1e-3 * Math.max(1, Math.abs(same.score)));
      }
    }
    expect(total / histories.length).toBeGreaterThanOrEqual(9);
    expect(() => items.recommend(histories[0]!, { index: output, candidates: 'input' })).toThrow(/not built from .* input vectors/);
    expect(() => items.recommend(histories[0]!, { index: output, metric: 'cosine' })).toThrow(/metric "cosine" differs from the index's metric "dot"/);
  });

  it('a cold-start item added to the index is recommended, as its numeric id', async () => {
    const history = ['item10', 'item60', 'item110'];
    const coldId = items.size + 5;
    const local = await items.buildIndex({ kind });
    await local.add([coldId], items.coldStart(history));
    const recs = items.recommend(history, { index: local, topK: 5 });
    // The user vector is the history's mean: exactly the cold-start vector.
    expect(recs[0]!.item).toBe(coldId);
    expect(recs[0]!.score).toBeCloseTo(1, 5);
    expect(items.recommend(history, { index: local, exclude: ['item10'] }).map((r) => r.item)).toContain(coldId);
    expect(names(items.recommend(history, { topK: 5 }))).not.toContain(coldId);
    local.remove([coldId]);
    expect(names(items.recommend(history, { index: local, topK: 5 }))).not.toContain(coldId);
    local.dispose();
  });

  it('loadIndex takes the ItemEmbeddings too', async () => {
    const path = join(work, `items-${kind}.idx`);
    await input.save(path);
    const loaded = await loadIndex(path, items);
    expect(items.similar('item4', { index: loaded })).toEqual(items.similar('item4', { index: input }));
    loaded.dispose();
  });
});

describe('mergeTopK over shards', () => {
  const K = 10;
  const queries = queriesNear(model.vectors, DIM, 30, 62);
  /** The rows of `ids` as a model of their own, and the map back to the full model's ids. */
  const shardOf = (ids: number[]): { shard: Word2Vec; back: (id: number) => number } => {
    const vectors = new Float32Array(ids.length * DIM);
    ids.forEach((id, i) => vectors.set(rowOf(model.vectors, DIM, id), i * DIM));
    return { shard: new Word2Vec({ words: ids.map((id) => `w${id}`), dim: DIM, vectors }), back: (i) => (i < 0 ? -1 : ids[i]!) };
  };
  const splits = {
    'id ranges': [0, 1, 2].map((s) => Array.from({ length: SIZE / 3 }, (_, i) => s * (SIZE / 3) + i)),
    'id mod 3': [0, 1, 2].map((s) => Array.from({ length: SIZE / 3 }, (_, i) => 3 * i + s)),
  };

  it.each(Object.entries(splits))('3 shards by %s: merged exact lists equal the exact top-k over all rows', async (_, parts) => {
    const all = await model.nearest(queries, K);
    const shards = await Promise.all(parts.map(async (ids) => {
      const { shard, back } = shardOf(ids);
      const res = await shard.nearest(queries, K);
      return { ids: Int32Array.from(res.ids, back), scores: res.scores };
    }));
    const merged = mergeTopK(shards, K, 30);
    expect(merged).toMatchObject({ k: K, queries: 30 });
    expect(merged.ids).toEqual(all.ids);
    merged.scores.forEach((s, i) => expect(Math.abs(s - all.scores[i]!)).toBeLessThan(1e-5));
  });

  it('3 shards searched with indexes: the merge keeps their recall', async () => {
    const all = await model.nearest(queries, K);
    const shards = [];
    for (const ids of splits['id mod 3']) {
      const { shard, back } = shardOf(ids);
      const index = await shard.buildIndex();
      const res = await index.search(queries, K);
      shards.push({ ids: Int32Array.from(res.ids, back), scores: res.scores, k: res.k });
      index.dispose();
    }
    expect(recall(mergeTopK(shards, K, 30).ids, all.ids, K)).toBeGreaterThanOrEqual(0.95);
  });

  it('an id in several shards counts once with its best score; padding in and out; shards of other k', () => {
    const merged = mergeTopK([
      { ids: [5, 7, -1], scores: [0.9, 0.8, NaN] },
      { ids: [9, 7], scores: [0.3, 0.05], k: 2 },
      { ids: [], scores: [] },
    ], 5);
    expect(Array.from(merged.ids)).toEqual([5, 7, 9, -1, -1]);
    expect(Array.from(merged.scores.subarray(0, 3))).toEqual([Math.fround(0.9), Math.fround(0.8), Math.fround(0.3)]);
    expect(Number.isNaN(merged.scores[3]!) && Number.isNaN(merged.scores[4]!)).toBe(true);
    // Two queries, shards of k 2 and 1; equal scores rank the lower id first.
    const two = mergeTopK([{ ids: [1, 2, 3, 4], scores: [0.5, 0.4, 0.3, 0.2] }, { ids: [0, 8], scores: [0.5, 0.9] }], 2, 2);
    expect(Array.from(two.ids)).toEqual([0, 1, 8, 3]);
    expect(mergeTopK([{ ids: [1], scores: [1] }], 0).ids.length).toBe(0);
  });

  it('bad input: named', async () => {
    const refused = async (f: () => unknown, type: ErrorConstructor, message: RegExp): Promise<void> => {
      const err = await failure(f);
      expect(err).toBeInstanceOf(type);
      expect(err.message).toMatch(message);
    };
    await refused(() => mergeTopK('x' as never, 3), TypeError, /shards must be an array of \{ ids, scores \} results, got "x"/);
    await refused(() => mergeTopK([{ ids: [1] }] as never, 3), TypeError, /shards\[0\] must have ids and scores of the same length, got an object/);
    await refused(() => mergeTopK([{ ids: [1], scores: [1] }, null] as never, 3), TypeError, /shards\[1\] must have ids and scores/);
    await refused(() => mergeTopK([{ ids: [1, 2], scores: [1] }], 3), TypeError, /shards\[0\] must have ids and scores of the same length/);
    await refused(() => mergeTopK([{ ids: [1, 2, 3], scores: [1, 2, 3] }], 3, 2), RangeError, /shards\[0\] holds 3 results, not 2 queries x k/);
    await refused(() => mergeTopK([{ ids: [1, 2], scores: [1, 2], k: 3 }], 3), RangeError, /shards\[0\] holds 2 results/);
    await refused(() => mergeTopK([], -1), RangeError, /k must be an integer in \[0, \d+\], got -1/);
    await refused(() => mergeTopK([], 1.5), RangeError, /k must be an integer .*got 1.5/);
    await refused(() => mergeTopK([], 3, 0), RangeError, /queries must be an integer in \[1, \d+\], got 0/);
  });
});
