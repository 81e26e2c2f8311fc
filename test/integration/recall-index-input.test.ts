/**
 * Bad input to the recall index: each refused with a TypeError, RangeError or Error whose
 * message names the value, never a crash; a disposed index; an emptied one. A model with
 * planted clusters (seeded), 3,000 x 16.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Word2Vec, type VectorIndex } from '../../lib/index';
import { failure, plantedModel, rowOf } from './recall-index-helpers';

const SIZE = 3000;
const DIM = 16;
const { model } = plantedModel(SIZE, DIM, 51);
const noOutputs = new Word2Vec({ words: model.words, dim: DIM, vectors: model.vectors });
const q = rowOf(model.vectors, DIM, 0).slice();

/** The error `f` throws or rejects with is a `type` whose message matches `message`. */
async function expectRefused(f: () => unknown, type: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor, message: RegExp): Promise<void> {
  const err = await failure(f);
  expect(err).toBeInstanceOf(type);
  expect(err.message).toMatch(message);
}

let index: VectorIndex;
let plain: VectorIndex;
beforeAll(async () => {
  index = await model.buildIndex({ groups: (id) => `g${id % 2}` });
  plain = await model.buildIndex({ threads: 1 });
});
afterAll(() => {
  index.dispose();
  plain.dispose();
});

describe('queries and k', () => {
  it('queries that are not a Float32Array, or not n x dim values', async () => {
    for (const search of [(x: unknown) => index.search(x as Float32Array, 3), (x: unknown) => index.searchOne(x as Float32Array, 3)]) {
      await expectRefused(() => search(Float64Array.from(q)), TypeError, /queries must be a Float32Array of n x 16 values \(n >= 1\), got a Float64Array/);
      await expectRefused(() => search(Array.from(q)), TypeError, /got an array/);
      await expectRefused(() => search(null), TypeError, /got null/);
      await expectRefused(() => search(new Float32Array(17)), TypeError, /got a Float32Array of length 17/);
      await expectRefused(() => search(new Float32Array(0)), TypeError, /of length 0/);
    }
    await expectRefused(() => index.searchOne(new Float32Array(32), 3), TypeError, /searchOne takes one query of 16 values, got 32/);
  });

  it('NaN and Infinity in queries, named by query and position', async () => {
    const bad = new Float32Array(3 * DIM);
    bad[DIM + 5] = NaN;
    await expectRefused(() => index.search(bad, 3), RangeError, /query 1 value 5 must be finite, got NaN/);
    bad[DIM + 5] = 0;
    bad[2 * DIM] = -Infinity;
    await expectRefused(() => index.search(bad, 3), RangeError, /query 2 value 0 must be finite, got -Infinity/);
    const one = q.slice();
    one[15] = Infinity;
    await expectRefused(() => index.searchOne(one, 3), RangeError, /query 0 value 15 must be finite, got Infinity/);
  });

  it('k 0, 1.5, past the index size, not a number', async () => {
    for (const k of [0, 1.5, SIZE + 1, -1]) {
      await expectRefused(() => index.search(q, k), RangeError, new RegExp(`k must be an integer in \\[1, ${SIZE}\\], got ${k}`));
      await expectRefused(() => index.searchOne(q, k), RangeError, new RegExp(`got ${k}`));
    }
    await expectRefused(() => index.search(q, '3' as unknown as number), RangeError, /k must be an integer .*got "3"/);
    expect((await index.search(q, SIZE)).ids.length).toBe(SIZE);
  });

  it('unknown search options, exclude and filter of a wrong type or with bad ids', async () => {
    await expectRefused(() => index.search(q, 3, { limit: 3 } as object), TypeError, /unknown option "limit"/);
    await expectRefused(() => index.searchOne(q, 3, { exlude: [1] } as object), TypeError, /unknown option "exlude"/);
    await expectRefused(() => index.search(q, 3, null as unknown as object), TypeError, /options must be an object, got null/);
    await expectRefused(() => index.search(q, 3, { exclude: 5 as unknown as number[] }), TypeError, /exclude must be an array of ids, got 5/);
    await expectRefused(() => index.search(q, 3, { exclude: [1, -2] }), RangeError, /exclude\[1\] must be an id .*got -2/);
    await expectRefused(() => index.search(q, 3, { exclude: [2 ** 31] }), RangeError, /exclude\[0\] .*got 2147483648/);
    await expectRefused(() => index.search(q, 3, { filter: [0, 2.5] }), RangeError, /filter\[1\] must be an id .*got 2.5/);
    await expectRefused(() => index.search(q, 3, { filter: [NaN] }), RangeError, /filter\[0\] .*got NaN/);
    for (const filter of ['g0', 7, null, { group: '' }, { group: 1.5 }, { groups: 'g0' }, { groups: ['g0', null] }, { group: 'g0', groups: ['g1'] }, { ids: [1] }]) {
      await expectRefused(() => index.search(q, 3, { filter: filter as never }), TypeError, /filter must be an array of ids, \{ group \} or \{ groups: \[\.\.\.\] \}, got/);
    }
  });

  it('a filter by group on an index built without groups', async () => {
    await expectRefused(() => plain.search(q, 3, { filter: { group: 'g0' } }), Error, /filter by group needs an index built with the groups option/);
    await expectRefused(() => plain.searchOne(q, 3, { filter: { groups: ['g0'] } }), Error, /needs an index built with the groups option/);
  });
});

describe('build options', () => {
  it('unknown options; bad vectors, metric, quantization', async () => {
    await expectRefused(() => model.buildIndex({ dims: 3 } as object), TypeError, /unknown option "dims"/);
    await expectRefused(() => model.buildIndex({}, { progress: () => 0 } as object), TypeError, /unknown option "progress"/);
    await expectRefused(() => model.buildIndex({ vectors: 'both' as 'input' }), TypeError, /vectors must be .*got "both"/);
    await expectRefused(() => model.buildIndex({ metric: 'euclidean' as 'dot' }), TypeError, /metric must be .*got "euclidean"/);
    await expectRefused(() => model.buildIndex({ quantization: 'f8' as 'f16' }), TypeError, /quantization must be .*got "f8"/);
  });

  it('dotTransform: a boolean, for metric dot over f32 or f16 only', async () => {
    await expectRefused(() => model.buildIndex({ vectors: 'output', dotTransform: 1 as unknown as boolean }), TypeError, /dotTransform must be a boolean, got 1/);
    await expectRefused(() => model.buildIndex({ dotTransform: true }), RangeError, /dotTransform applies to metric 'dot' over 'f32' or 'f16' rows, got metric "cosine" and quantization "f32"/);
    await expectRefused(() => model.buildIndex({ vectors: 'output', quantization: 'i8', dotTransform: true }), RangeError, /got metric "dot" and quantization "i8"/);
  });

  it('connectivity 1 and 257, expansionSearch and expansionAdd 0, threads 0', async () => {
    await expectRefused(() => model.buildIndex({ connectivity: 1 }), RangeError, /connectivity must be an integer in \[2, 256\], got 1/);
    await expectRefused(() => model.buildIndex({ connectivity: 257 }), RangeError, /connectivity must be an integer in \[2, 256\], got 257/);
    await expectRefused(() => model.buildIndex({ connectivity: 8.5 }), RangeError, /connectivity .*got 8.5/);
    await expectRefused(() => model.buildIndex({ expansionSearch: 0 }), RangeError, /expansionSearch must be an integer in \[1, \d+\], got 0/);
    await expectRefused(() => model.buildIndex({ expansionAdd: 0 }), RangeError, /expansionAdd must be an integer in \[1, \d+\], got 0/);
    await expectRefused(() => model.buildIndex({ threads: 0 }), RangeError, /threads must be an integer in \[1, 256\], got 0/);
    expect(() => {
      index.expansionSearch = 0;
    }).toThrow(/expansionSearch must be an integer in \[1, \d+\], got 0/);
    expect(index.expansionSearch).toBe(64);
    const edge = await model.buildIndex({ connectivity: 2, expansionAdd: 1, expansionSearch: 1, threads: 1 });
    expect(edge.connectivity).toBe(2);
    edge.dispose();
  });

  it('groups of a wrong type, or a function giving a bad group', async () => {
    await expectRefused(() => model.buildIndex({ groups: 'g' as never }), TypeError, /groups must be an array of groups by id or a function of the id, got "g"/);
    await expectRefused(() => model.buildIndex({ groups: () => ({}) as never }), TypeError, /the group of id 0 must be a non-empty string or an integer, got an object/);
    await expectRefused(() => model.buildIndex({ groups: (id) => (id === 17 ? 1.5 : 'x') }), TypeError, /the group of id 17 .*got 1.5/);
  });

  it("output vectors of a model that has none; a model with no rows; signal and onProgress", async () => {
    await expectRefused(() => noOutputs.buildIndex({ vectors: 'output' }), Error, /this model has no output vectors/);
    const empty = new Word2Vec({ words: [], dim: DIM, vectors: new Float32Array(0) });
    await expectRefused(() => empty.buildIndex(), Error, /the model has no rows to index/);
    await expectRefused(() => model.buildIndex({}, { signal: {} as AbortSignal }), TypeError, /signal must be an AbortSignal, got an object/);
    await expectRefused(() => model.buildIndex({}, { onProgress: 'log' as never }), TypeError, /onProgress must be a function, got "log"/);
  });
});

describe('add, remove, has', () => {
  it('negative and non-integer ids', async () => {
    const v = q.slice();
    for (const id of [-1, 1.5, 2 ** 31, NaN]) {
      await expectRefused(() => plain.add([id], v), RangeError, new RegExp(`ids\\[0\\] must be an id \\(an integer in \\[0, 2147483647\\]\\), got ${id}`));
      await expectRefused(() => plain.remove([id]), RangeError, new RegExp(`ids\\[0\\] must be an id .*got ${id}`));
      await expectRefused(() => plain.has(id), RangeError, new RegExp(`id must be an integer in \\[0, 2147483647\\], got ${id}`));
    }
    await expectRefused(() => plain.add('1' as never, v), TypeError, /ids must be an array of ids, got "1"/);
    await expectRefused(() => plain.remove(null as never), TypeError, /ids must be an array of ids, got null/);
    expect(plain.size).toBe(SIZE);
  });

  it('vectors of a wrong type or length, NaN and Infinity: named, and nothing added', async () => {
    await expectRefused(() => plain.add([SIZE], Float64Array.from(q) as never), RangeError, /vectors must be a Float32Array of 1 x 16 values, got a Float64Array/);
    await expectRefused(() => plain.add([SIZE, SIZE + 1], q), RangeError, /vectors must be a Float32Array of 2 x 16 values, got a Float32Array of length 16/);
    const bad = new Float32Array(2 * DIM);
    bad[DIM + 4] = NaN;
    await expectRefused(() => plain.add([SIZE, SIZE + 1], bad), RangeError, /vector 1 \(id 3001\) value 4 must be finite, got NaN/);
    bad[DIM + 4] = 0;
    bad[3] = Infinity;
    await expectRefused(() => plain.add([SIZE, SIZE + 1], bad), RangeError, /vector 0 \(id 3000\) value 3 must be finite, got Infinity/);
    expect(plain.has(SIZE) || plain.has(SIZE + 1)).toBe(false);
    expect(plain.size).toBe(SIZE);
  });

  it('the same id twice in one add: refused by name, nothing added or replaced', async () => {
    const two = new Float32Array(2 * DIM).fill(1);
    await expectRefused(() => plain.add([SIZE, SIZE], two), Error, /id 3000 appears more than once in one add/);
    await expectRefused(() => plain.add([4, 4], two, { threads: 2 }), Error, /id 4 appears more than once in one add/);
    expect(plain.has(SIZE)).toBe(false);
    expect(plain.size).toBe(SIZE);
    const own = plain.searchOne(rowOf(model.vectors, DIM, 4).slice(), 1);
    expect(own.ids[0]).toBe(4);
    expect(own.scores[0]).toBeCloseTo(1, 5);
  });

  it('add options: unknown, groups of a wrong length or type, threads', async () => {
    await expectRefused(() => plain.add([SIZE], q, { group: 'a' } as object), TypeError, /unknown option "group"/);
    await expectRefused(() => plain.add([SIZE], q, { groups: ['a', 'b'] }), TypeError, /groups must be an array of 1 groups .*got an array/);
    await expectRefused(() => plain.add([SIZE], q, { groups: [''] }), TypeError, /groups must be an array of 1 groups/);
    await expectRefused(() => plain.add([SIZE], q, { groups: 'a' as never }), TypeError, /groups must be an array .*got "a"/);
    await expectRefused(() => plain.add([SIZE], q, { threads: 0 }), RangeError, /threads must be an integer in \[1, 256\], got 0/);
    expect(plain.has(SIZE)).toBe(false);
  });

  it('save to a path that is not a non-empty string', async () => {
    await expectRefused(() => plain.save(''), TypeError, /path must be a non-empty string, got ""/);
    await expectRefused(() => plain.save(undefined as never), TypeError, /path must be a non-empty string, got undefined/);
  });
});

describe('a disposed or emptied index', () => {
  it('every method of a disposed index throws Error "index is disposed"; dispose twice is fine', async () => {
    const gone = await model.buildIndex();
    gone.dispose();
    gone.dispose();
    const calls: Array<() => unknown> = [
      () => gone.search(q, 1), () => gone.searchOne(q, 1), () => gone.add([SIZE], q), () => gone.remove([1]), () => gone.has(1),
      () => gone.size, () => gone.memoryBytes, () => gone.isView, () => gone.expansionSearch, () => gone.save('x.idx'),
      () => {
        gone.expansionSearch = 10;
      },
    ];
    for (const call of calls) await expectRefused(call, Error, /^index is disposed$/);
    expect(() => model.mostSimilar('w1', { index: gone })).toThrow(/index is disposed/);
  });

  it('a search in flight when the index is disposed still resolves with its results', async () => {
    const soon = await model.buildIndex({ threads: 1 });
    const pending = soon.search(model.vectors.subarray(0, 50 * DIM), 5);
    soon.dispose();
    const res = await pending;
    for (let i = 0; i < 50; i++) expect(res.ids[i * 5]).toBe(i);
  });

  it('an index with every row removed refuses searches by name', async () => {
    const small = new Word2Vec({ words: ['a', 'b'], dim: DIM, vectors: model.vectors.slice(0, 2 * DIM) });
    const emptied = await small.buildIndex();
    expect(emptied.remove([0, 1])).toBe(2);
    expect(emptied.size).toBe(0);
    await expectRefused(() => emptied.search(q, 1), Error, /index is empty: add vectors before searching/);
    await emptied.add([5], q);
    expect(emptied.searchOne(q, 1).ids[0]).toBe(5);
    emptied.dispose();
  });
});
