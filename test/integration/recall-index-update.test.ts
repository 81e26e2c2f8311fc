/**
 * Changing a recall index (add, remove, has, groups of added ids, changes while searches run)
 * and building one (progress, AbortSignal, a throwing progress callback). Models with planted
 * clusters (seeded), 5,000 rows of dim 32; the abort cases use 100,000 rows.
 */
import { describe, expect, it } from 'vitest';

import { Word2Vec, type VectorIndex } from '../../lib/index';
import { rng } from '../helpers';
import { failure, gaussian, plantedModel, queriesNear, randomIds, rowOf } from './recall-index-helpers';

const SIZE = 5000;
const DIM = 32;
const { model } = plantedModel(SIZE, DIM, 21, { output: false });

/** `count` vectors in random directions (far from every cluster, for cosine). */
function randomVectors(count: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: count * DIM }, () => 3 * gaussian(r));
}

/**
 * Runs `f` on a fresh index of the model, built on one thread: a deterministic graph with
 * every row reachable (builds on several threads can strand a few rows, USearch issue #735).
 */
async function withIndex(f: (index: VectorIndex) => Promise<void>, options: Parameters<Word2Vec['buildIndex']>[0] = {}): Promise<void> {
  const index = await model.buildIndex({ threads: 1, ...options });
  try {
    await f(index);
  } finally {
    index.dispose();
  }
}

describe('add, remove, has', () => {
  it('adds new ids: each is found first for its own vector, with score 1', () => withIndex(async (index) => {
    const ids = Array.from({ length: 100 }, (_, i) => SIZE + 5000 + i);
    const vectors = randomVectors(100, 1);
    expect(index.has(ids[0]!)).toBe(false);
    const progress: number[] = [];
    await index.add(ids, vectors, { threads: 1, onProgress: ({ done }) => progress.push(done) });
    expect(progress.at(-1)).toBe(100);
    expect(index.size).toBe(SIZE + 100);
    ids.forEach((id, i) => {
      expect(index.has(id)).toBe(true);
      const res = index.searchOne(rowOf(vectors, DIM, i), 5);
      expect(res.ids[0]).toBe(id);
      expect(res.scores[0]).toBeCloseTo(1, 5);
    });
    // The caller's array may change after add resolves: the index kept its own rows.
    const first = rowOf(vectors, DIM, 0).slice();
    vectors.fill(1);
    expect(index.searchOne(first, 1).ids[0]).toBe(ids[0]);
  }));

  it('an id already present gets its new vector (the size stays)', () => withIndex(async (index) => {
    const old = rowOf(model.vectors, DIM, 7).slice();
    expect(index.searchOne(old, 1).ids[0]).toBe(7);
    const fresh = randomVectors(1, 2);
    await index.add([7], fresh);
    expect(index.size).toBe(SIZE);
    const found = index.searchOne(fresh, 3);
    expect(found.ids[0]).toBe(7);
    expect(found.scores[0]).toBeCloseTo(1, 5);
    expect(Array.from(index.searchOne(old, 10).ids)).not.toContain(7);
  }));

  it('remove returns the count; removed ids are gone for good', () => withIndex(async (index) => {
    const gone = [3, 333, 3333, 4999];
    expect(index.remove(gone)).toBe(4);
    expect(index.size).toBe(SIZE - 4);
    for (const id of gone) {
      expect(index.has(id)).toBe(false);
      const own = index.searchOne(rowOf(model.vectors, DIM, id).slice(), 50);
      expect(Array.from(own.ids)).not.toContain(id);
    }
    const filtered = await index.search(rowOf(model.vectors, DIM, 3).slice(), 6, { filter: [...gone, 4, 5] });
    expect(Array.from(filtered.ids).sort((a, b) => a - b)).toEqual([-1, -1, -1, -1, 4, 5]);
    expect(index.has(4)).toBe(true);
  }));

  it('remove of an id not in the index throws an Error naming it, and removes nothing', () => withIndex(async (index) => {
    const err = await failure(() => index.remove([1, 2, 999_999]));
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/id 999999 is not in the index \(ids\[2\]\)/);
    expect(index.has(1) && index.has(2)).toBe(true);
    expect(index.size).toBe(SIZE);
    expect(index.remove([1])).toBe(1);
    expect((await failure(() => index.remove([1]))).message).toMatch(/id 1 is not in the index/);
    expect(index.size).toBe(SIZE - 1);
  }));

  it('added ids with groups are found by a filter on their group; removal takes them out of it', () => withIndex(async (index) => {
    const ids = Array.from({ length: 20 }, (_, i) => SIZE + i);
    await index.add(ids, queriesNear(model.vectors, DIM, 20, 3), { groups: ids.map((id) => (id % 2 === 0 ? 'new-even' : 'new-odd')) });
    const q = rowOf(model.vectors, DIM, 0).slice();
    const even = await index.search(q, 10, { filter: { group: 'new-even' } });
    expect(Array.from(even.ids).sort((a, b) => a - b)).toEqual(ids.filter((id) => id % 2 === 0));
    const both = await index.search(q, 20, { filter: { groups: ['new-even', 'new-odd'] } });
    expect(Array.from(both.ids).sort((a, b) => a - b)).toEqual(ids);
    const old = await index.search(q, 10, { filter: { group: 'old' } });
    for (const id of old.ids) expect(id).toBeLessThan(SIZE);
    index.remove([SIZE]);
    const after = await index.search(q, 10, { filter: { group: 'new-even' } });
    expect(Array.from(after.ids).filter((id) => id >= 0).sort((a, b) => a - b)).toEqual(ids.filter((id) => id % 2 === 0 && id !== SIZE));
    // Re-added in another group: it moves.
    await index.add([SIZE + 2], rowOf(model.vectors, DIM, 5).slice(), { groups: ['new-odd'] });
    expect(Array.from((await index.search(q, 11, { filter: { group: 'new-odd' } })).ids)).toContain(SIZE + 2);
    expect(Array.from((await index.search(q, 10, { filter: { group: 'new-even' } })).ids)).not.toContain(SIZE + 2);
  }, { groups: () => 'old' }));

  it('add with groups to an index built without them: filters by group work from then on', () => withIndex(async (index) => {
    await index.add([SIZE], randomVectors(1, 4), { groups: ['late'] });
    const res = index.searchOne(rowOf(model.vectors, DIM, 0).slice(), 3, { filter: { group: 'late' } });
    expect(Array.from(res.ids)).toEqual([SIZE, -1, -1]);
  }));

  it('adds and removes while 200 searches are in flight: every search resolves with valid ids', () => withIndex(async (index) => {
    const added = Array.from({ length: 1000 }, (_, i) => SIZE + i);
    const addedRows = queriesNear(model.vectors, DIM, 1000, 5);
    const removed = randomIds(SIZE, 500, 6);
    const queries = queriesNear(model.vectors, DIM, 200, 7);
    const search = (q: number): Promise<{ ids: Int32Array }> => index.search(queries.subarray(q * DIM, (q + 1) * DIM), 10);
    const searches = Array.from({ length: 100 }, (_, q) => search(q));
    // Two adds at once (500 rows each), then a removal, then more searches, all before any settles.
    const adds = [index.add(added.slice(0, 500), addedRows.subarray(0, 500 * DIM), { threads: 2 }), index.add(added.slice(500), addedRows.subarray(500 * DIM), { threads: 2 })];
    searches.push(...Array.from({ length: 50 }, (_, q) => search(100 + q)));
    expect(index.remove(removed)).toBe(500);
    searches.push(...Array.from({ length: 50 }, (_, q) => search(150 + q)));
    const settled = await Promise.allSettled([...searches, ...adds]);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    for (const s of settled.slice(0, 200)) {
      const { ids } = (s as PromiseFulfilledResult<{ ids: Int32Array }>).value;
      for (const id of ids) expect(id >= 0 && id < SIZE + 1000).toBe(true);
      expect(new Set(ids).size).toBe(10);
    }
    expect(index.size).toBe(SIZE + 1000 - 500);
    const gone = new Set(removed);
    const after = await index.search(queries, 10);
    for (const id of after.ids) expect(gone.has(id)).toBe(false);
    for (const id of removed.slice(0, 50)) expect(index.has(id)).toBe(false);
    for (const id of added) expect(index.has(id)).toBe(true);
    // Each added row is found first for its own vector (a margin for rows that concurrent adds
    // may strand: USearch issue #735).
    const own = await index.search(addedRows, 1);
    expect(added.filter((id, i) => own.ids[i] === id).length).toBeGreaterThanOrEqual(970);
  }));
});

describe('aborting one add of several at once', () => {
  // Each add has its own cancel job (native/binding/index_wrap.cc): aborting add A must not stop
  // add B running beside it.
  it('leaves an add without a signal whole', () => withIndex(async (index) => {
    const n = 20_000;
    const idsA = Array.from({ length: n }, (_, i) => 100_000 + i);
    const idsB = Array.from({ length: n }, (_, i) => 200_000 + i);
    const controller = new AbortController();
    const a = index.add(idsA, randomVectors(n, 9), { signal: controller.signal, onProgress: () => controller.abort() });
    const b = index.add(idsB, randomVectors(n, 10));
    const [ra, rb] = await Promise.allSettled([a, b]);
    expect(ra.status).toBe('rejected');
    expect(rb.status).toBe('fulfilled');
    expect(idsB.filter((id) => index.has(id)).length).toBe(n);
    // All or nothing: none of the aborted add's rows stay.
    expect(idsA.filter((id) => index.has(id)).length).toBe(0);
    expect(index.size).toBe(SIZE + n);
  }));

  it('an add aborted halfway gives back the rows it was replacing', () => withIndex(async (index) => {
    // 20,000 rows: the model's 5,000 ids (new vectors for them) and 15,000 new ids.
    const n = 20_000;
    const ids = Array.from({ length: n }, (_, i) => (i < SIZE ? i : 300_000 + i));
    const own = model.vectors.slice(0, 50 * DIM);
    // Each of the first 50 ids' score for its own row, by an exact scan (a filter of that id).
    const ownScores = (): number[] => Array.from({ length: 50 }, (_, i) => {
      const r = index.searchOne(own.subarray(i * DIM, (i + 1) * DIM), 1, { filter: [i] });
      expect(r.exact).toBe(true);
      return r.ids[0] === i ? r.scores[0]! : Number.NaN;
    });
    const before = ownScores();
    expect(before.every(Number.isFinite)).toBe(true);
    const controller = new AbortController();
    const err = await failure(() => index.add(ids, randomVectors(n, 11), {
      threads: 2,
      signal: controller.signal,
      onProgress: (p) => { if (p.done > 0) controller.abort(); },
    }));
    expect(err.name).toBe('AbortError');
    expect(index.size).toBe(SIZE);
    expect(index.has(300_000 + SIZE)).toBe(false);
    // The first 50 ids have their own rows back: the same scores for them, bit for bit.
    expect(ownScores()).toEqual(before);
  }));
});

describe('building: progress and abort', () => {
  it('onProgress is monotonic and ends at { done: total, total, fraction: 1 }', async () => {
    const seen: Array<{ done: number; total: number; fraction: number }> = [];
    const index = await model.buildIndex({ threads: 2 }, { onProgress: (p) => seen.push({ ...p }) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toEqual({ done: SIZE, total: SIZE, fraction: 1 });
    seen.forEach((p, i) => {
      expect(p.total).toBe(SIZE);
      expect(p.fraction).toBeCloseTo(p.done / SIZE, 12);
      if (i > 0) expect(p.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
    });
    expect(index.size).toBe(SIZE);
    index.dispose();
  });

  it('a throwing onProgress does not break the build', async () => {
    let calls = 0;
    const index = await model.buildIndex({ threads: 1 }, {
      onProgress: () => {
        calls++;
        throw new Error('callback failed');
      },
    });
    expect(calls).toBeGreaterThan(0);
    expect(index.size).toBe(SIZE);
    expect(index.searchOne(rowOf(model.vectors, DIM, 42).slice(), 1).ids[0]).toBe(42);
    index.dispose();
  });

  const big = (() => {
    const r = rng(31);
    const n = 100_000;
    return new Word2Vec({ words: Array.from({ length: n }, (_, i) => `b${i}`), dim: 32, vectors: Float32Array.from({ length: n * 32 }, () => r() * 2 - 1) });
  })();

  it('an AbortSignal aborted during the build (100,000 x 32) rejects with its reason soon after', async () => {
    for (const reason of [undefined, new Error('stop building')]) {
      const controller = new AbortController();
      let abortedAt = 0;
      const started = Date.now();
      const err = await failure(() => big.buildIndex({ threads: 2 }, {
        signal: controller.signal,
        onProgress: ({ done }) => {
          if (abortedAt > 0) return;
          expect(done).toBeLessThan(100_000);
          abortedAt = Date.now();
          controller.abort(reason);
        },
      }));
      expect(abortedAt).toBeGreaterThan(0);
      expect(err).toBe(controller.signal.reason);
      if (reason === undefined) expect(err.name).toBe('AbortError');
      else expect(err.message).toBe('stop building');
      // A full build of these rows takes seconds on two threads; the abort lands within one progress step.
      expect(Date.now() - abortedAt).toBeLessThan(1000);
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  it('a signal aborted before the build starts rejects without building', async () => {
    const controller = new AbortController();
    controller.abort();
    let progress = 0;
    const started = Date.now();
    const err = await failure(() => big.buildIndex({}, { signal: controller.signal, onProgress: () => progress++ }));
    expect(err.name).toBe('AbortError');
    expect(progress).toBe(0);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an aborted add rejects and leaves the index as it was', () => withIndex(async (index) => {
    const controller = new AbortController();
    controller.abort();
    const err = await failure(() => index.add([SIZE], randomVectors(1, 8), { signal: controller.signal }));
    expect(err.name).toBe('AbortError');
    expect(index.has(SIZE)).toBe(false);
    expect(index.size).toBe(SIZE);
  }));
});
