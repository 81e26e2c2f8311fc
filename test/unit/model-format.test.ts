/** Format detection from content (all four formats) and from file names. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { detectModelFormat, detectModelFormatOfBytes, modelFormatOfPath, type ModelFormat } from '../../lib/formats/model-format';
import { encodeNativeModel } from '../../lib/formats/native-model';
import { encodeVec } from '../../lib/formats/vec';
import { encodeWord2Vec, type VectorTable } from '../../lib/formats/word2vec';

const work = mkdtempSync(join(tmpdir(), 'w2v-model-format-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fixtures = join(__dirname, '../fixtures/original-c');

const table: VectorTable = { keys: ['</s>', 'the', '\xff'], dim: 3, vectors: Float32Array.of(0.5, -0.25, 1, 0.1, 0.2, 0.3, 3e-5, -7, 12) };

// Its first row prints as %lf would (checked below); its second does not.
const smallFirstRow: VectorTable = { keys: ['</s>', 'the'], dim: 3, vectors: Float32Array.of(0.012345, -0.034567, 0.021234, 0.5, -0.25, 1) };

describe('detectModelFormat (content, never the name)', () => {
  it("the .vec file whose first row reads as %lf: that row alone sniffs as word2vec text", () => {
    const bytes = encodeVec(smallFirstRow);
    const firstRow = bytes.subarray(0, bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1) + 1);
    expect(firstRow.toString()).toBe('2 3\n</s> 0.012345 -0.034567 0.021234 \n');
    expect(detectModelFormatOfBytes(firstRow)).toBe('word2vec-text');
  });

  const files: [string, Buffer, ModelFormat][] = [
    ['a.txt', encodeWord2Vec(table, 'word2vec-binary'), 'word2vec-binary'],
    ['b.bin', encodeWord2Vec(table, 'word2vec-text'), 'word2vec-text'],
    ['c.w2vn', encodeVec(table), 'vec'],
    ['d.vec', encodeNativeModel(table), 'native'],
    ['original.bin', readFileSync(join(fixtures, 'tiny.bin')), 'word2vec-binary'],
    ['original.txt', readFileSync(join(fixtures, 'tiny.txt')), 'word2vec-text'],
    // gensim's text: shortest repr floats, no trailing space
    ['gensim.txt', Buffer.from('2 2\nthe 0.1 -0.25\nof 1.5 2\n'), 'vec'],
    ['empty-text.txt', Buffer.from('0 5\n'), 'word2vec-text'],
    // %.5g prints values in [0.01, 0.1) with 6 decimals, as %lf: a first row of only such values
    // (an untrained row at a small dim) is not enough to call a .vec file word2vec text
    ['small-first-row.vec', encodeVec(smallFirstRow), 'vec'],
    // a native file cut inside its magic is still native, so that its reader says it is cut
    ['cut.w2vn', encodeNativeModel(table).subarray(0, 5), 'native'],
  ];
  it.each(files)('%s is %s', async (name, bytes, want) => {
    expect(detectModelFormatOfBytes(bytes)).toBe(want);
    const path = join(work, name);
    writeFileSync(path, bytes);
    expect(await detectModelFormat(path)).toBe(want);
  });

  it('content that is no model: an error naming the file', async () => {
    const path = join(work, 'junk.bin');
    writeFileSync(path, 'hello\n');
    await expect(detectModelFormat(path)).rejects.toThrow(`word2vec header must be "<words> <dim>", got "hello" (file ${path}, line 1)`);
    const empty = join(work, 'empty.bin');
    writeFileSync(empty, '');
    await expect(detectModelFormat(empty)).rejects.toThrow(`word2vec file is empty (file ${empty})`);
  });
});

describe('modelFormatOfPath', () => {
  it.each([
    ['m.bin', 'word2vec-binary'],
    ['dir.x/M.BIN', 'word2vec-binary'],
    ['m.txt', 'word2vec-text'],
    ['wiki.en.vec', 'vec'],
    ['m.w2vn', 'native'],
    ['m', undefined],
    ['m.npy', 'npy'],
    ['m.ONNX', 'onnx'],
    ['m.tfjs', undefined],
    ['m.xyz', undefined],
    ['dir.bin/m', undefined],
  ])('%s -> %s', (path, want) => {
    expect(modelFormatOfPath(path)).toBe(want);
  });
});
