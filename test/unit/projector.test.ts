/** exportProjector: vectors.tsv and metadata.tsv as TensorFlow's Embedding Projector loads them. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { exportProjector, formatFloat32 } from '../../lib/formats/projector';
import { Word2Vec } from '../../lib/model/model';
import { rng } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-projector-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('exportProjector', () => {
  const model = new Word2Vec({
    keys: ['</s>', 'caf\xc3\xa9', '\xff\xfe'],
    dim: 3,
    vectors: Float32Array.of(0.5, -0.25, 1, 0.1, 2e-7, -3, 100000, 1.5, -0),
  });

  it('one row of tab-separated values per word, one word per line, no header for one column', async () => {
    const dir = join(work, 'plain');
    const files = await exportProjector(model, dir);
    expect(files).toEqual({ vectors: join(dir, 'vectors.tsv'), metadata: join(dir, 'metadata.tsv'), rows: 3 });
    expect(readFileSync(files.vectors, 'latin1')).toBe('0.5\t-0.25\t1\n0.1\t2e-7\t-3\n100000\t1.5\t-0\n');
    // Words as their bytes: UTF-8 stays UTF-8, invalid bytes stay as they were.
    expect(readFileSync(files.metadata).equals(Buffer.from('</s>\ncaf\xc3\xa9\n\xff\xfe\n', 'latin1'))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['metadata.tsv', 'vectors.tsv']); // no temporary files left
  });

  it('with counts: a header line and a count column', async () => {
    const withCounts = new Word2Vec({ words: ['a', 'b'], dim: 1, vectors: Float32Array.of(1, 2), counts: Float64Array.of(50, 7) });
    const files = await exportProjector(withCounts, join(work, 'counts'));
    expect(readFileSync(files.metadata, 'latin1')).toBe('word\tcount\na\t50\nb\t7\n');
    expect(readFileSync(files.vectors, 'latin1')).toBe('1\n2\n');
  });

  it('limit: the first N words, in both files', async () => {
    const files = await exportProjector(model, join(work, 'limit'), { limit: 2 });
    expect(files.rows).toBe(2);
    expect(readFileSync(files.vectors, 'latin1').split('\n')).toHaveLength(3);
    expect(readFileSync(files.metadata, 'latin1')).toBe('</s>\ncaf\xc3\xa9\n');
    await expect(exportProjector(model, join(work, 'bad'), { limit: 0 })).rejects.toThrow(
      new RangeError('limit must be a positive integer, got 0'),
    );
    expect(existsSync(join(work, 'bad'))).toBe(false);
  });

  it('non-finite values are refused, naming the word', async () => {
    const bad = new Word2Vec({ words: ['ok', 'nan'], dim: 1, vectors: Float32Array.of(1, NaN) });
    await expect(exportProjector(bad, join(work, 'nan'))).rejects.toThrow('value 1 of word "nan" (row 2) is not finite (NaN)');
  });
});

describe('formatFloat32', () => {
  it('the shortest text that reads back as the same float32', () => {
    const rand = rng(1);
    for (let i = 0; i < 20000; i++) {
      const v = Math.fround((rand() - 0.5) * 10 ** Math.floor(rand() * 20 - 10));
      const s = formatFloat32(v);
      expect(Math.fround(parseFloat(s))).toBe(v);
      expect(s.replace(/^-|e.*$|\./g, '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
    }
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(1 / 3))).toBe('0.33333334'); // as numpy's str(np.float32(1/3))
    expect(formatFloat32(Math.fround(0.123456789))).toBe('0.12345679');
  });
});
