/**
 * fastText's .vec: values printed as fastText's `operator<<(ostream, Vector)` prints them
 * (setprecision(5), i.e. %.5g), rows in its exact byte layout, read back by the word2vec text
 * reader.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { encodeVec, formatVecValue, writeVec } from '../../lib/formats/vec';
import { readWord2Vec, type VectorTable } from '../../lib/formats/word2vec';
import { loadModel } from '../../lib/model/load';
import { rng } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-vec-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('formatVecValue is C++ ostream << float with setprecision(5)', () => {
  // Expected strings printed by g++/glibc: std::cout << std::setprecision(5) << (float)v.
  const cases: [number, string][] = [
    [0, '0'], [-0, '-0'], [1, '1'], [-1, '-1'], [0.1, '0.1'], [-0.2, '-0.2'], [3e-5, '3e-05'],
    [0.00012345678, '0.00012346'], [0.0001, '0.0001'], [123456, '1.2346e+05'], [99999, '99999'],
    [99999.5, '1e+05'], [1.03125, '1.0312'], [1.09375, '1.0938'], [12345.5, '12346'], [0.5, '0.5'],
    [1e10, '1e+10'], [3.4028235e38, '3.4028e+38'], [1.4e-45, '1.4013e-45'], [0.017523, '0.017523'],
    [-0.10077, '-0.10077'], [2.5e-5, '2.5e-05'], [100000, '1e+05'], [0.33333334, '0.33333'],
  ];
  it.each(cases)('%s -> %s', (v, want) => {
    expect(formatVecValue(Math.fround(v))).toBe(want);
  });

  it('ties go to even, as glibc rounds the exact binary value (JS toPrecision would go up)', () => {
    expect(formatVecValue(1.03125)).toBe('1.0312');
    expect((1.03125).toPrecision(5)).toBe('1.0313');
    expect(formatVecValue(-1.03125)).toBe('-1.0312');
    expect(formatVecValue(0.000244140625 * 5)).toBe('0.0012207'); // 0.001220703125: not a tie at 5 digits
  });
});

describe('encodeVec writes what fastText writes', () => {
  it('header "N dim\\n", then "word v1 ... vd \\n" with a space after every value', () => {
    const t: VectorTable = {
      keys: ['</s>', 'the', '\xff\xfe'],
      dim: 3,
      vectors: Float32Array.of(0.1, -0.2, 3e-5, 1, 123456, -0.10077, 0, -0, 0.33333334),
    };
    expect(encodeVec(t).toString('latin1')).toBe(
      '3 3\n</s> 0.1 -0.2 3e-05 \nthe 1 1.2346e+05 -0.10077 \n\xff\xfe 0 -0 0.33333 \n',
    );
  });

  it('refuses non-finite values and keys that would break rows', () => {
    expect(() => encodeVec({ keys: ['a'], dim: 1, vectors: Float32Array.of(NaN) })).toThrow('word2vec value 1 of word "a" (row 1) is not finite (NaN)');
    expect(() => encodeVec({ keys: ['a b'], dim: 1, vectors: Float32Array.of(1) })).toThrow('word2vec key 0 "a b" contains a space');
  });
});

describe('reading .vec', () => {
  // A file byte for byte as fastText 0.9 writes it (`fasttext skipgram ... -dim 4`): the
  // words in frequency order, "</s>" first, values %.5g each followed by a space.
  const fastTextFile = Buffer.from(
    '4 4\n' +
      '</s> 0.0017523 -0.0016419 0.0034 -0.10077 \n' +
      'the -0.12346 0.5 1.2346e+05 3e-05 \n' +
      'caf\xc3\xa9 0.33333 -0 0 1 \n' +
      '\xff\xfe -2.5e-05 99999 -1e+05 0.1 \n',
    'latin1',
  );

  it('the word2vec text reader and loadModel read fastText bytes, words as bytes, values as float32', async () => {
    const path = join(work, 'fasttext.vec');
    writeFileSync(path, fastTextFile);
    const want = [0.0017523, -0.0016419, 0.0034, -0.10077, -0.12346, 0.5, 123460, 3e-5, 0.33333, -0, 0, 1, -2.5e-5, 99999, -1e5, 0.1].map(Math.fround);
    const table = await readWord2Vec(path);
    expect(table.keys).toEqual(['</s>', 'the', 'caf\xc3\xa9', '\xff\xfe']);
    expect(Array.from(table.vectors)).toEqual(want);
    for (const options of [{}, { format: 'vec' as const }]) {
      const m = await loadModel(path, options);
      expect(m.words).toEqual(['</s>', 'the', 'café', '\ufffd\ufffd']);
      expect(m.keys[3]).toBe('\xff\xfe');
      expect(Array.from(m.vectors)).toEqual(want);
    }
    expect((await loadModel(path, { limit: 2 })).words).toEqual(['</s>', 'the']);
    // Writing the same values again gives fastText's bytes back.
    expect(encodeVec(table).equals(fastTextFile)).toBe(true);
  });

  it('writeVec + loadModel: 5 significant digits, atomic', async () => {
    const rand = rng(3);
    const keys = ['\x80', 'x\x0by', ...Array.from({ length: 98 }, (_, i) => `w${i}`)];
    const t: VectorTable = { keys, dim: 10, vectors: Float32Array.from({ length: 1000 }, () => (rand() - 0.5) * 10 ** Math.floor(rand() * 8 - 4)) };
    const path = join(work, 'round.vec');
    await writeVec(path, t);
    const back = await loadModel(path);
    expect(back.keys).toEqual(keys);
    for (let i = 0; i < t.vectors.length; i++) {
      const v = t.vectors[i]!;
      expect(Math.abs(back.vectors[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 5e-5 + 1e-45);
    }
    const before = readFileSync(path);
    await expect(writeVec(path, { keys: ['a'], dim: 1, vectors: Float32Array.of(Infinity) })).rejects.toThrow('is not finite');
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
