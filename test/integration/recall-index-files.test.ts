/**
 * Index files: save and loadIndex (read whole or memory-mapped), atomic saves, and every
 * refusal of loadIndex (another model, a damaged or foreign file, a missing path), each with
 * a message that names the problem. Models with planted clusters (seeded), 10,000 x 32.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadIndex, Word2Vec, type VectorIndex } from '../../lib/index';
import { rng } from '../helpers';
import { failure, plantedModel, queriesNear, rowOf } from './recall-index-helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-recall-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SIZE = 10_000;
const DIM = 32;
const { model } = plantedModel(SIZE, DIM, 41);
const queries = queriesNear(model.vectors, DIM, 100, 42);
const groupOf = (id: number): string | undefined => (id % 3 === 0 ? undefined : `g${id % 3}`);

/** A copy of `file` at a new path in the work folder, changed by `edit`. */
function damaged(file: string, name: string, edit: (bytes: Buffer) => Buffer): string {
  const path = join(work, name);
  writeFileSync(path, edit(Buffer.from(readFileSync(file))));
  return path;
}

async function expectSameSearches(a: VectorIndex, b: VectorIndex): Promise<void> {
  const [ra, rb] = [await a.search(queries, 10), await b.search(queries, 10)];
  expect(rb.ids).toEqual(ra.ids);
  expect(rb.scores).toEqual(ra.scores);
  const [fa, fb] = [await a.search(queries, 10, { filter: { group: 'g2' } }), await b.search(queries, 10, { filter: { group: 'g2' } })];
  expect(fb.ids).toEqual(fa.ids);
  for (const id of fb.ids) expect(groupOf(id)).toBe('g2');
}

describe('save and loadIndex', () => {
  let built: VectorIndex;
  let file: string;
  beforeAll(async () => {
    built = await model.buildIndex({ groups: groupOf, connectivity: 12, expansionAdd: 40, threads: 1 });
    built.expansionSearch = 77;
    file = join(work, 'input.idx');
    await built.save(file);
  });

  it.each([false, true])('view %s: the same searches, settings, size, groups and source', async (view) => {
    const loaded = await loadIndex(file, model, { view });
    expect(loaded.isView).toBe(view);
    // A view's rows stay in the mapped file: not counted in memoryBytes.
    if (view) expect(loaded.memoryBytes).toBeLessThan(built.memoryBytes / 4);
    else expect(loaded.memoryBytes).toBeGreaterThan(SIZE * DIM * 4);
    expect(loaded.expansionSearch).toBe(77);
    expect(loaded.expansionAdd).toBe(40);
    expect(loaded.connectivity).toBe(12);
    expect(loaded.metric).toBe('cosine');
    expect(loaded.quantization).toBe('f32');
    expect(loaded.size).toBe(SIZE);
    expect(loaded.source).toEqual(built.source);
    await expectSameSearches(built, loaded);
    expect(model.mostSimilar('w5', { index: loaded }).every((r) => r.approximate === true)).toBe(true);
    loaded.dispose();
  });

  it('a build without settings gets the documented defaults (M 16, efConstruction 112, ef 64), kept by save and load', async () => {
    const index = await model.buildIndex({ threads: 1 });
    expect([index.connectivity, index.expansionAdd, index.expansionSearch]).toEqual([16, 112, 64]);
    const path = join(work, 'defaults.idx');
    await index.save(path);
    index.dispose();
    const loaded = await loadIndex(path, model, { view: true });
    expect([loaded.connectivity, loaded.expansionAdd, loaded.expansionSearch]).toEqual([16, 112, 64]);
    loaded.dispose();
  });

  it('an output-vector i8 dot index loads back with the same scores (its i8 scale kept)', async () => {
    const out = await model.buildIndex({ vectors: 'output', quantization: 'i8', groups: groupOf });
    const path = join(work, 'output-i8.idx');
    await out.save(path);
    for (const view of [false, true]) {
      const loaded = await loadIndex(path, model, { view });
      expect(loaded).toMatchObject({ metric: 'dot', quantization: 'i8', source: { vectors: 'output', modelRows: SIZE } });
      await expectSameSearches(out, loaded);
      loaded.dispose();
    }
    out.dispose();
  });

  it('an output-vector dot index through the dot transform loads back the same (the transform and its R kept)', async () => {
    const out = await model.buildIndex({ vectors: 'output', quantization: 'f16', dotTransform: true, groups: groupOf });
    expect(out.dotTransform).toBe(true);
    const path = join(work, 'output-transform.idx');
    await out.save(path);
    for (const view of [false, true]) {
      const loaded = await loadIndex(path, model, { view });
      expect(loaded).toMatchObject({ metric: 'dot', quantization: 'f16', dotTransform: true, source: { vectors: 'output', modelRows: SIZE } });
      expect(loaded.info().normBound).toBe(out.info().normBound);
      await expectSameSearches(out, loaded);
      loaded.dispose();
    }
    out.dispose();
  });

  it('f16 and i8 files are smaller than f32 files', async () => {
    const sizes: Record<string, number> = {};
    for (const quantization of ['f32', 'f16', 'i8'] as const) {
      const index = await model.buildIndex({ quantization });
      const path = join(work, `size-${quantization}.idx`);
      await index.save(path);
      sizes[quantization] = statSync(path).size;
      index.dispose();
    }
    // Rows take 128, 64 and 32 bytes; the graph's links are the same in all three.
    expect(sizes['f32']! - sizes['f16']!).toBeGreaterThan(0.9 * SIZE * 64);
    expect(sizes['f16']! - sizes['i8']!).toBeGreaterThan(0.9 * SIZE * 32);
  });

  it('save is atomic: nothing left beside the file, and an existing file is replaced', async () => {
    const dir = mkdtempSync(join(work, 'atomic-'));
    const path = join(dir, 'index.idx');
    writeFileSync(path, 'an older file');
    await built.save(path);
    expect(readdirSync(dir)).toEqual(['index.idx']);
    expect(readFileSync(path).equals(readFileSync(file))).toBe(true);
    const loaded = await loadIndex(path, model);
    expect(loaded.size).toBe(SIZE);
    loaded.dispose();
  });

  it('a failed save leaves no temporary file and no target', async () => {
    const dir = mkdtempSync(join(work, 'failed-'));
    const err = await failure(() => built.save(join(dir, 'missing-folder', 'index.idx')));
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('missing-folder');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a view is read-only: add and remove throw, searches work', async () => {
    const view = await loadIndex(file, model, { view: true });
    expect((await failure(() => view.add([SIZE], rowOf(model.vectors, DIM, 0).slice()))).message).toMatch(/read-only view/);
    expect((await failure(() => view.remove([1]))).message).toMatch(/read-only view/);
    expect(view.has(1)).toBe(true);
    expect(view.size).toBe(SIZE);
    expect(view.searchOne(rowOf(model.vectors, DIM, 1).slice(), 1).ids[0]).toBe(1);
    view.dispose();
  });

  it('an index loaded without view can be changed and saved again', async () => {
    const loaded = await loadIndex(file, model);
    await loaded.add([SIZE], rowOf(model.vectors, DIM, 0).map((v) => -v), { groups: ['g1'] });
    loaded.remove([1]);
    const path = join(work, 'changed.idx');
    await loaded.save(path);
    const again = await loadIndex(path, model);
    expect(again.size).toBe(SIZE);
    expect(again.has(SIZE) && !again.has(1)).toBe(true);
    await expectSameSearches(loaded, again);
    loaded.dispose();
    again.dispose();
  });
});

describe('loadIndex refuses', () => {
  let file: string;
  let outputFile: string;
  beforeAll(async () => {
    file = join(work, 'refuse.idx');
    outputFile = join(work, 'refuse-output.idx');
    const index = await model.buildIndex();
    await index.save(file);
    index.dispose();
    const out = await model.buildIndex({ vectors: 'output' });
    await out.save(outputFile);
    out.dispose();
  });

  const refusal = async (path: string, m: Word2Vec = model): Promise<string> => {
    const err = await failure(() => loadIndex(path, m));
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(path);
    return err.message;
  };

  it('a model of another dim', async () => {
    const other = new Word2Vec({ words: model.words, dim: 16, vectors: model.vectors.slice(0, SIZE * 16) });
    expect(await refusal(file, other)).toMatch(/dim 32, the model's have dim 16/);
  });

  it('a model with another number of rows', async () => {
    const other = new Word2Vec({ words: model.words.slice(0, 9000), dim: DIM, vectors: model.vectors.slice(0, 9000 * DIM) });
    expect(await refusal(file, other)).toMatch(/model of 10000 rows, this model has 9000/);
  });

  it('a model of the same shape with other vectors (fingerprint)', async () => {
    const vectors = model.vectors.slice();
    vectors[5 * DIM + 3]! += 1e-3;
    const other = new Word2Vec({ words: model.words, dim: DIM, vectors, outputVectors: model.outputVectors });
    expect(await refusal(file, other)).toMatch(/other input vectors than this model's \(fingerprint [0-9a-f]{16}, the model's [0-9a-f]{16}\)/);
    const outputs = model.outputVectors!.slice();
    outputs[SIZE * DIM - 1]! *= -1;
    const otherOutputs = new Word2Vec({ words: model.words, dim: DIM, vectors: model.vectors, outputVectors: outputs });
    expect(await refusal(outputFile, otherOutputs)).toMatch(/other output vectors/);
    // The same vectors in another array: accepted.
    const copy = new Word2Vec({ words: model.words, dim: DIM, vectors: model.vectors.slice() });
    (await loadIndex(file, copy)).dispose();
  });

  it('an output-vector index for a model without output vectors', async () => {
    const noOutputs = new Word2Vec({ words: model.words, dim: DIM, vectors: model.vectors });
    expect(await refusal(outputFile, noOutputs)).toMatch(/built from output vectors, and this model has none/);
  });

  it('a truncated file', async () => {
    const half = damaged(file, 'half.idx', (b) => b.subarray(0, b.length >> 1));
    expect(await refusal(half)).toMatch(/truncated/);
    const short = damaged(file, 'short.idx', (b) => b.subarray(0, 100));
    expect(await refusal(short)).toMatch(/100 bytes, shorter than the 128-byte header/);
    const empty = damaged(file, 'empty.idx', () => Buffer.alloc(0));
    expect(await refusal(empty)).toMatch(/not an index file|shorter than|empty/);
  });

  it('a file with one byte flipped in its middle (hash)', async () => {
    const flipped = damaged(file, 'flipped.idx', (b) => {
      b[b.length >> 1]! ^= 0x10;
      return b;
    });
    expect(await refusal(flipped)).toMatch(/corrupted: its index section does not match its hash/);
    const header = damaged(file, 'header.idx', (b) => {
      b[12]! ^= 1;  // the dim
      return b;
    });
    expect(await refusal(header)).toMatch(/header is corrupted/);
  });

  it('a file of another version: named, checked before the header hash (which covers it)', async () => {
    const v4 = damaged(file, 'v4.idx', (b) => {
      b.writeUInt32LE(4, 8);
      return b;
    });
    const message = await refusal(v4);
    expect(message).toMatch(/index file version 4 is not supported \(this build reads versions 1 to 3\)/);
    expect(message).not.toMatch(/corrupted/);
  });

  it('a file that is not an index: random bytes, a model file', async () => {
    const r = rng(43);
    const random = join(work, 'random.idx');
    writeFileSync(random, Uint8Array.from({ length: 4096 }, () => Math.floor(r() * 256)));
    expect(await refusal(random)).toMatch(/not an index file/);
    const modelFile = join(work, 'model.bin');
    await model.save(modelFile);
    expect(await refusal(modelFile)).toMatch(/not an index file/);
  });

  it('a missing path (the message names it)', async () => {
    const missing = join(work, 'no-such-dir', 'nothing.idx');
    expect(existsSync(missing)).toBe(false);
    expect(await refusal(missing)).toMatch(/No such file|ENOENT|cannot open/);
  });

  it('bad arguments: path, model and options', async () => {
    expect(await failure(() => loadIndex('', model))).toBeInstanceOf(TypeError);
    expect((await failure(() => loadIndex(42 as unknown as string, model))).message).toMatch(/path must be a non-empty string, got 42/);
    expect((await failure(() => loadIndex(file, {} as Word2Vec))).message).toMatch(/model must be a Word2Vec or ItemEmbeddings, got an object/);
    expect((await failure(() => loadIndex(file, model, { mmap: true } as object))).message).toMatch(/unknown option "mmap"/);
    expect((await failure(() => loadIndex(file, model, { view: 1 as unknown as boolean }))).message).toMatch(/view must be a boolean, got 1/);
    expect((await failure(() => loadIndex(file, model, { threads: 0 }))).message).toMatch(/threads must be an integer in \[1, 256\], got 0/);
  });
});
