/**
 * The inverted-lists kind of index (`kind: 'ivf'`) on a model of 20,000 rows of dim 32 with 50
 * planted clusters (seeded): recall against model.nearest at the default probes, exact answers
 * when every list is scanned, filters and exclusions, the memory it saves against the graph,
 * options that belong to the other kind refused, add / remove, save / loadIndex (read and
 * mapped) keeping the probes, and `w2v index build -kind ivf`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadIndex, loadModel, type VectorIndex } from '../../lib/index';
import { runCliInProcess as w2v } from '../helpers';
import { bruteTopK, expectSortedBestFirst, failure, plantedModel, queriesNear, randomIds, recall } from './recall-index-helpers';

const SIZE = 20_000;
const DIM = 32;
const K = 10;
const QUERIES = 200;
const { model, outputModel } = plantedModel(SIZE, DIM, 5);
const inputQueries = queriesNear(model.vectors, DIM, QUERIES, 6);
const outputQueries = queriesNear(model.vectors, DIM, QUERIES, 7);
const work = mkdtempSync(join(tmpdir(), 'w2v-recall-ivf-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let cosine: VectorIndex;
beforeAll(async () => {
  cosine = await model.buildIndex({ kind: 'ivf' });
});
afterAll(() => cosine.dispose());

describe("kind 'ivf': results against the exact top-k", () => {
  it('defaults: 4 sqrt(rows) lists learnt, 32 probes, recall@10 >= 0.9 (f32 cosine), sorted, approximate', async () => {
    expect(cosine.kind).toBe('ivf');
    expect(cosine.lists).toBe(Math.round(4 * Math.sqrt(SIZE)));
    expect(cosine.probes).toBe(32);
    const res = await cosine.search(inputQueries, K);
    expect(res.exact).toBe(false);
    const exact = await model.nearest(inputQueries, K);
    expect(recall(res.ids, exact.ids, K)).toBeGreaterThanOrEqual(0.9);
    expectSortedBestFirst(res.scores, K);
    // f32 scores are model.nearest's where the ids agree.
    for (let i = 0; i < res.ids.length; i++) if (res.ids[i] === exact.ids[i]) expect(res.scores[i]).toBeCloseTo(exact.scores[i]!, 4);
  });

  it.each([
    { vectors: 'input' as const, quantization: 'i8' as const, min: 0.85 },
    { vectors: 'output' as const, quantization: 'f32' as const, min: 0.9 },
    { vectors: 'output' as const, quantization: 'i8' as const, min: 0.85 },
  ])('$vectors vectors, $quantization: recall@10 >= $min at the default probes', async ({ vectors, quantization, min }) => {
    const index = await model.buildIndex({ kind: 'ivf', vectors, quantization });
    try {
      expect(index.metric).toBe(vectors === 'input' ? 'cosine' : 'dot');
      const queries = vectors === 'input' ? inputQueries : outputQueries;
      const res = await index.search(queries, K);
      const exact = await (vectors === 'input' ? model : outputModel).nearest(queries, K, { metric: index.metric });
      expect(recall(res.ids, exact.ids, K)).toBeGreaterThanOrEqual(min);
      expectSortedBestFirst(res.scores, K);
    } finally {
      index.dispose();
    }
  });

  it('probes = lists: every list scanned, exact, the ids of model.nearest; fewer probes find less', async () => {
    const index = await model.buildIndex({ kind: 'ivf', lists: 64, probes: 1 });
    try {
      expect(index.lists).toBe(64);
      const exact = await model.nearest(inputQueries, K);
      const one = await index.search(inputQueries, K);
      index.probes = 64;
      const all = await index.search(inputQueries, K);
      expect(all.exact).toBe(true);
      expect(recall(all.ids, exact.ids, K)).toBe(1);
      expect(recall(one.ids, exact.ids, K)).toBeLessThan(1);
      expect(index.searchOne(inputQueries.subarray(0, DIM), K).ids).toEqual(all.ids.subarray(0, K));
    } finally {
      index.dispose();
    }
  });

  it('exclude and a 1% filter apply inside the search: only admitted ids, the filtered exact top-k', async () => {
    const allowed = randomIds(SIZE, SIZE / 100, 8);
    const queries = inputQueries.subarray(0, 20 * DIM);
    const res = await cosine.search(queries, K, { filter: allowed });
    expect(res.exact).toBe(true);  // 32 probes / 1% of the rows: every list
    const admitted = new Set(allowed);
    for (let q = 0; q < 20; q++) {
      const want = bruteTopK(model.vectors, DIM, queries.subarray(q * DIM, (q + 1) * DIM), 'cosine', K, allowed).ids;
      expect(Array.from(res.ids.subarray(q * K, (q + 1) * K))).toEqual(want);
    }
    const first = res.ids.subarray(0, 5);
    const without = await cosine.search(queries.subarray(0, DIM), K, { exclude: first, filter: allowed });
    for (const id of without.ids) {
      expect(admitted.has(id)).toBe(true);
      expect(Array.from(first)).not.toContain(id);
    }
  });

  it('i8 lists take under half the memory of the i8 graph', async () => {
    const lists = await model.buildIndex({ kind: 'ivf', quantization: 'i8' });
    const graph = await model.buildIndex({ quantization: 'i8' });
    try {
      expect(lists.memoryBytes).toBeLessThan(graph.memoryBytes / 2);
    } finally {
      lists.dispose();
      graph.dispose();
    }
  });
});

describe("kind 'ivf': options", () => {
  it('refuses the options of the other kind, and bad lists, probes and kinds, naming them', async () => {
    expect((await failure(() => model.buildIndex({ kind: 'ivf', connectivity: 8 }))).message).toBe('connectivity applies to kind "hnsw", not "ivf"');
    expect((await failure(() => model.buildIndex({ kind: 'ivf', expansionSearch: 8 }))).message).toBe('expansionSearch applies to kind "hnsw", not "ivf"');
    expect((await failure(() => model.buildIndex({ probes: 4 }))).message).toBe('probes applies to kind "ivf", not "hnsw"');
    expect((await failure(() => model.buildIndex({ kind: 'ivf', lists: 0 }))).message).toMatch(/^lists must be an integer in \[1, 65536\], got 0/);
    expect((await failure(() => model.buildIndex({ kind: 'ivf', probes: 1.5 }))).message).toMatch(/^probes must be an integer in \[1, 65536\], got 1\.5/);
    expect((await failure(() => model.buildIndex({ kind: 'flat' as 'ivf' }))).message).toBe('kind must be "hnsw" or "ivf", got "flat"');
    expect(() => { cosine.expansionSearch = 10; }).toThrow('expansionSearch applies to kind "hnsw", not "ivf": set probes');
    expect(() => { cosine.probes = 0; }).toThrow(/probes must be an integer in \[1, 65536\], got 0/);
    const graph = await model.buildIndex({});
    try {
      expect(graph.kind).toBe('hnsw');
      expect(graph.lists).toBe(0);
      expect(() => { graph.probes = 3; }).toThrow('probes applies to kind "ivf", not "hnsw"');
    } finally {
      graph.dispose();
    }
  });
});

describe("kind 'ivf': changes and files", () => {
  it('add puts new rows in their nearest list, replaces a row, remove hides ids; mostSimilar uses it', async () => {
    const index = await model.buildIndex({ kind: 'ivf', vectors: 'input' });
    try {
      const fresh = Float32Array.from(model.vectors.subarray(0, DIM), (v) => -v);
      await index.add([SIZE + 5], fresh);
      expect(index.size).toBe(SIZE + 1);
      expect(index.searchOne(fresh, 1).ids[0]).toBe(SIZE + 5);
      await index.add([3], fresh);  // id 3 now points the same way
      expect(Array.from(index.searchOne(fresh, 2).ids).sort((a, b) => a - b)).toEqual([3, SIZE + 5]);
      expect(index.remove([SIZE + 5, 3])).toBe(2);
      expect(index.has(3)).toBe(false);
      const after = index.searchOne(fresh, K);
      expect(Array.from(after.ids)).not.toContain(3);
      const word = model.words[100]!;
      const approx = model.mostSimilar(word, { topK: 5, index: cosine });
      const exact = model.mostSimilar(word, { topK: 5 });
      expect(approx.map((r) => r.word).filter((w) => exact.some((e) => e.word === w)).length).toBeGreaterThanOrEqual(4);
    } finally {
      index.dispose();
    }
  });

  it.each([false, true])('save and loadIndex (view %s): kind, lists and probes kept, the same results; a view refuses adds', async (view) => {
    const path = join(work, `ivf-${view}.idx`);
    const index = await model.buildIndex({ kind: 'ivf', quantization: 'i8', probes: 9 });
    try {
      await index.save(path);
      const loaded = await loadIndex(path, model, { view });
      try {
        expect(loaded).toMatchObject({ kind: 'ivf', quantization: 'i8', lists: index.lists, probes: 9, isView: view });
        const want = await index.search(inputQueries, K);
        const got = await loaded.search(inputQueries, K);
        expect(got.ids).toEqual(want.ids);
        expect(got.scores).toEqual(want.scores);
        if (view) await expect(loaded.add([SIZE], inputQueries.subarray(0, DIM))).rejects.toThrow(/read-only view/);
      } finally {
        loaded.dispose();
      }
    } finally {
      index.dispose();
    }
  });

  it('w2v index build -kind ivf -lists -probes, then index query with -probes', async () => {
    const modelPath = join(work, 'model.bin');
    const indexPath = join(work, 'cli-ivf.idx');
    const small = plantedModel(3000, 16, 9).model;
    await small.save(modelPath);
    const built = await w2v('index', 'build', modelPath, '-output', indexPath, '-kind', 'ivf', '-quantization', 'i8', '-lists', '40', '-probes', '6', '-threads', '1');
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/^3000 input vectors of dimension 16 \(cosine, i8, 40 lists, 6 probes\) -> /);
    const query = await w2v('index', 'query', indexPath, modelPath, '-words', 'w0,w7', '-k', '3', '-probes', '40');
    expect(query.code, query.stderr).toBe(0);
    const saved = await loadModel(modelPath);
    const lines = query.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(lines.length).toBe(6);
    // All 40 lists scanned: model.mostSimilar's neighbours (i8 scores, so compared as sets).
    const want = saved.mostSimilar('w0', { topK: 3 }).map((r) => r.word).sort();
    expect(lines.filter((l) => l[0] === 'w0').map((l) => l[2]).sort()).toEqual(want);
    const wrong = await w2v('index', 'build', modelPath, '-output', join(work, 'x.idx'), '-kind', 'ivf', '-connectivity', '8');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/connectivity applies to kind "hnsw", not "ivf"/);
  });
});
