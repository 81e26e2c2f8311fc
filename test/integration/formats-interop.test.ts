/**
 * Models across formats: vectors written by the original word2vec C tool, the same vectors as
 * fastText's .vec and as our native format, each loaded and asked the same questions; save /
 * load of every format through the model API (output vectors and counts in native), limit on
 * every reader, words that are not valid UTF-8.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { itNeeds, needsOriginal, originalTool, runProcess } from '../helpers';
import { detectModelFormat, loadModel, train, Word2Vec, type ModelFormat, type ScoredWord } from '../../lib/index';

const ROOT = resolve(__dirname, '../..');
const fixtures = join(ROOT, 'test/fixtures/original-c');
const ORIGINAL_WORD2VEC = originalTool('word2vec');
// The corpus the package ships (the demo's), so this runs wherever the original C is built.
const CORPUS = join(ROOT, 'lib/data/default-corpus.txt.gz');

const work = mkdtempSync(join(tmpdir(), 'w2v-interop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bytesOf = (v: Float32Array | Float64Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** Same words in the same order, scores within `tolerance`. */
function expectSameAnswer(got: ScoredWord[], want: ScoredWord[], tolerance = 1e-5): void {
  expect(got.map((r) => r.word)).toEqual(want.map((r) => r.word));
  got.forEach((r, i) => expect(Math.abs(r.score - want[i]!.score)).toBeLessThanOrEqual(tolerance));
}

/** The original model, its .vec and native copies, loaded back, with the formats detected. */
async function threeWays(original: string): Promise<Record<'binary' | 'vec' | 'native', Word2Vec>> {
  const binary = await loadModel(original);
  const vecPath = join(work, `${original.replace(/\W/g, '_')}.vec`);
  const nativePath = join(work, `${original.replace(/\W/g, '_')}.w2vn`);
  await binary.save(vecPath, { format: 'vec' });
  await binary.save(nativePath, { format: 'native' });
  expect(await detectModelFormat(original)).toBe('word2vec-binary');
  expect(await detectModelFormat(vecPath)).toBe('vec');
  expect(await detectModelFormat(nativePath)).toBe('native');
  return { binary, vec: await loadModel(vecPath), native: await loadModel(nativePath) };
}

function queries(m: Word2Vec): (string | string[])[] {
  // A spread of frequent and rare words, and two-word queries.
  const w = m.words;
  return [w[1]!, w[2]!, w[5]!, w[17]!, w[Math.floor(w.length / 2)]!, w[w.length - 1]!, [w[3]!, w[8]!], [w[10]!, w[4]!]];
}

describe('a binary written by the original word2vec C, its .vec and our native format answer alike', () => {
  it('the fixture tiny.bin (138 words x 8)', async () => {
    const models = await threeWays(join(fixtures, 'tiny.bin'));
    expect(models.binary.size).toBe(138);
    expect(bytesOf(models.native.vectors).equals(bytesOf(models.binary.vectors))).toBe(true);
    expect(models.native.words).toEqual(models.binary.words);
    expect(models.vec.words).toEqual(models.binary.words);
    for (const q of queries(models.binary)) {
      const want = models.binary.mostSimilar(q, { topK: 10 });
      expect(want).toHaveLength(10);
      expectSameAnswer(models.native.mostSimilar(q, { topK: 10 }), want, 0);
      expectSameAnswer(models.vec.mostSimilar(q, { topK: 10 }), want);
    }
    // The original's text output of the same run reads the same too.
    const text = await loadModel(join(fixtures, 'tiny.txt'));
    expectSameAnswer(text.mostSimilar('the', { topK: 10 }), models.binary.mostSimilar('the', { topK: 10 }));
  });

  itNeeds(ORIGINAL_WORD2VEC ? undefined : needsOriginal('word2vec'))('a fresh model from the original binary (about 1,000 words x 50)', async () => {
    const corpus = join(work, 'corpus.txt');
    writeFileSync(corpus, gunzipSync(readFileSync(CORPUS)).subarray(0, 1_000_000));
    const out = join(work, 'original.bin');
    const run = await runProcess(
      ORIGINAL_WORD2VEC!,
      ['-train', corpus, '-output', out, '-size', '50', '-window', '5', '-negative', '5', '-iter', '3', '-min-count', '20', '-threads', '1', '-binary', '1', '-cbow', '0'],
    );
    expect(run.status, run.stderr).toBe(0);
    const models = await threeWays(out);
    expect(models.binary.size).toBeGreaterThan(500);
    for (const q of queries(models.binary)) {
      const want = models.binary.mostSimilar(q, { topK: 10 });
      expectSameAnswer(models.native.mostSimilar(q, { topK: 10 }), want, 0);
      expectSameAnswer(models.vec.mostSimilar(q, { topK: 10 }), want);
    }
  });
});

describe('save and load every format through the model API', () => {
  let trained: Word2Vec;
  beforeAll(async () => {
    // A corpus file of bytes: UTF-8 words and the invalid UTF-8 words \xff\xfe and \x80z.
    const lines: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      lines.push(Buffer.from(`le café ${i % 7} naïve 日本 w${i % 13} `, 'utf8'), Buffer.from(`\xff\xfe x${i % 5} ${i % 2 ? 'odd' : 'even'} \x80z\n`, 'latin1'));
    }
    const corpus = join(work, 'bytes.txt');
    writeFileSync(corpus, Buffer.concat(lines));
    trained = await train(corpus, { dim: 12, epochs: 1, minCount: 1, threads: 1 });
  });

  const formats: [ModelFormat, number][] = [
    ['word2vec-binary', 0],
    ['word2vec-text', 1e-6],
    ['vec', 5e-5],
    ['native', 0],
  ];

  it.each(formats)('%s: words byte-exact, vectors within %s, detected from the content', async (format, tolerance) => {
    const path = join(work, `all.${format}`);
    await trained.save(path, { format });
    expect(await detectModelFormat(path)).toBe(format);
    for (const options of [{}, { format }]) {
      const back = await loadModel(path, options);
      expect(back.keys).toEqual(trained.keys);
      expect(back.words).toEqual(trained.words);
      for (let i = 0; i < trained.vectors.length; i++) {
        const v = trained.vectors[i]!;
        expect(Math.abs(back.vectors[i]! - v)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(v)));
      }
      expect(back.idOf('日本')).toBe(trained.idOf('日本'));
      expect(back.mostSimilar('café', { topK: 3 }).map((r) => r.word)).toEqual(trained.mostSimilar('café', { topK: 3 }).map((r) => r.word));
    }
  });

  it('native keeps output vectors and counts; the others keep neither', async () => {
    expect(trained.outputVectors).toBeDefined();
    expect(trained.counts).toBeDefined();
    const path = join(work, 'full.w2vn');
    await trained.save(path, { format: 'native' });
    const back = await loadModel(path);
    expect(bytesOf(back.outputVectors!).equals(bytesOf(trained.outputVectors!))).toBe(true);
    expect(Array.from(back.counts!)).toEqual(Array.from(trained.counts!));
    expect((await loadModel(join(work, 'all.word2vec-binary'))).outputVectors).toBeUndefined();
  });

  it.each(formats)('limit on %s: the first N words', async (format) => {
    const path = join(work, `all.${format}`);
    await trained.save(path, { format });
    const back = await loadModel(path, { limit: 4 });
    expect(back.keys).toEqual(trained.keys.slice(0, 4));
    expect(back.vectors).toHaveLength(4 * 12);
    if (format === 'native') {
      expect(back.outputVectors).toHaveLength(4 * 12);
      expect(back.counts).toHaveLength(4);
    }
    expect((await loadModel(path, { limit: 100000 })).size).toBe(trained.size);
  });

  it('the invalid UTF-8 words are looked up by their bytes and shown with U+FFFD', async () => {
    const back = await loadModel(join(work, 'all.native'));
    const id = back.keys.indexOf('\xff\xfe');
    expect(id).toBeGreaterThanOrEqual(0);
    expect(back.words[id]).toBe('\ufffd\ufffd');
    expect(back.keys).toContain('\x80z');
  });

  it('a format the file is not: the reader says what is wrong', async () => {
    await expect(loadModel(join(work, 'all.word2vec-binary'), { format: 'native' })).rejects.toThrow(
      /^native model magic bytes at byte offset 0 are .*, expected 89 57 32 56 4e 0d 0a 1a \(file .*all\.word2vec-binary\)$/,
    );
    await expect(loadModel(join(work, 'all.native'), { format: 'word2vec-text' })).rejects.toThrow('word2vec header');
  });
});
