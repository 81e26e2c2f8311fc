import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeWord2Vec,
  detectWord2VecFormat,
  encodeWord2Vec,
  readWord2Vec,
  writeWord2Vec,
  type VectorTable,
  type Word2VecFormat,
} from '../../lib/formats/word2vec';
import { itNeeds, needsOriginal, rng, runProcess } from '../helpers';

const root = resolve(__dirname, '../..');
const fixtures = join(root, 'test/fixtures/original-c');
const originalBin = readFileSync(join(fixtures, 'tiny.bin'));
const originalTxt = readFileSync(join(fixtures, 'tiny.txt'));
const originalVocab = readFileSync(join(fixtures, 'tiny.vocab'));
const cTools = join(root, 'node_modules/word2vec/src');
const distanceBin = join(cTools, 'distance');
const accuracyBin = join(cTools, 'compute-accuracy');

const work = mkdtempSync(join(tmpdir(), 'w2v-formats-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A word's UTF-8 bytes as a key (one char per byte). */
const utf8Key = (word: string): string => Buffer.from(word, 'utf8').toString('latin1');


function table(keys: string[], dim: number, values: number[] | ((i: number) => number)): VectorTable {
  const vectors = new Float32Array(keys.length * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = typeof values === 'function' ? values(i) : (values[i] as number);
  return { keys, dim, vectors };
}

function randomTable(n: number, dim: number, seed: number, extraKeys: string[] = []): VectorTable {
  const rand = rng(seed);
  const keys = [...extraKeys];
  while (keys.length < n) keys.push(`w${keys.length}_${Math.floor(rand() * 1e6)}`);
  return table(keys, dim, () => rand() * 2 - 1);
}

const bytesOf = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

const weirdKeys = ['</s>', '\xff\xfe', utf8Key('café'), utf8Key('日本語'), utf8Key('a\u00a0b'), '\x80', 'x\x0by'];

describe('files written by the original word2vec C tool', () => {
  const vocabWords = originalVocab
    .toString('latin1')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.slice(0, l.lastIndexOf(' ')));

  it.each([
    ['tiny.bin', originalBin],
    ['tiny.txt', originalTxt],
  ])('decodes %s: counts match the header, </s> first, finite values, vocab order', (name, data) => {
    const [words, dim] = data.toString('latin1', 0, data.indexOf(10)).split(' ').map(Number);
    const t = decodeWord2Vec(data, { source: name });
    expect(t.keys.length).toBe(words);
    expect(t.dim).toBe(dim);
    expect(t.dim).toBe(8);
    expect(t.vectors.length).toBe(t.keys.length * t.dim);
    expect(t.keys[0]).toBe('</s>');
    expect(t.vectors.every((v) => Number.isFinite(v))).toBe(true);
    expect(t.vectors.some((v) => v !== 0)).toBe(true);
    expect(t.keys).toEqual(vocabWords);
  });

  it('text and binary runs (deterministic, 1 thread) hold the same values to 6 decimals', () => {
    const b = decodeWord2Vec(originalBin);
    const t = decodeWord2Vec(originalTxt);
    expect(t.keys).toEqual(b.keys);
    for (let i = 0; i < b.vectors.length; i++) {
      expect(Math.abs((b.vectors[i] as number) - (t.vectors[i] as number))).toBeLessThan(1e-6);
    }
  });

  it('our binary encoding of tiny.bin is byte-identical to it', () => {
    const encoded = encodeWord2Vec(decodeWord2Vec(originalBin), 'word2vec-binary');
    expect(encoded.equals(originalBin)).toBe(true);
  });

  it("our text encoding of tiny.txt is byte-identical to it (same %lf formatting)", () => {
    const encoded = encodeWord2Vec(decodeWord2Vec(originalTxt), 'word2vec-text');
    expect(encoded.toString('latin1')).toBe(originalTxt.toString('latin1'));
  });

  it('readWord2Vec reads the fixtures from disk', async () => {
    const t = await readWord2Vec(join(fixtures, 'tiny.bin'));
    expect(bytesOf(t.vectors).equals(bytesOf(decodeWord2Vec(originalBin).vectors))).toBe(true);
    expect((await readWord2Vec(join(fixtures, 'tiny.txt'))).keys).toEqual(t.keys);
  });
});

describe('round trip', () => {
  const t = randomTable(200, 13, 42, weirdKeys);

  it('binary is exact, keys byte-exact (invalid and multi-byte UTF-8)', () => {
    const back = decodeWord2Vec(encodeWord2Vec(t, 'word2vec-binary'));
    expect(back.keys).toEqual(t.keys);
    expect(back.dim).toBe(13);
    expect(bytesOf(back.vectors).equals(bytesOf(t.vectors))).toBe(true);
    expect(Buffer.from(back.keys[1] as string, 'latin1')).toEqual(Buffer.from([0xff, 0xfe]));
    expect(Buffer.from(back.keys[3] as string, 'latin1').toString('utf8')).toBe('日本語');
  });

  it('text is within 1e-6, keys byte-exact', () => {
    const encoded = encodeWord2Vec(t, 'word2vec-text');
    expect(encoded.includes(Buffer.from([0x0a, 0xff, 0xfe, 0x20]))).toBe(true);
    expect(encoded.includes(Buffer.from('\ncafé ', 'utf8'))).toBe(true);
    const back = decodeWord2Vec(encoded);
    expect(back.keys).toEqual(t.keys);
    for (let i = 0; i < t.vectors.length; i++) {
      expect(Math.abs((back.vectors[i] as number) - (t.vectors[i] as number))).toBeLessThanOrEqual(1e-6);
    }
  });

  it('writeWord2Vec + readWord2Vec, both formats', async () => {
    for (const format of ['word2vec-binary', 'word2vec-text'] as Word2VecFormat[]) {
      const path = join(work, `roundtrip-${format}`);
      await writeWord2Vec(path, t, format);
      expect(readFileSync(path).equals(encodeWord2Vec(t, format))).toBe(true);
      const back = await readWord2Vec(path);
      expect(back.keys).toEqual(t.keys);
    }
  });

  it('an empty table', () => {
    const empty = { keys: [], dim: 5, vectors: new Float32Array(0) };
    expect(encodeWord2Vec(empty, 'word2vec-binary').toString()).toBe('0 5\n');
    expect(decodeWord2Vec(Buffer.from('0 5\n'))).toEqual(empty);
  });
});

describe('text values are formatted like C printf("%lf")', () => {
  // Expected strings printed by gcc/glibc: printf("%lf ", (double)v) for each float v.
  const cases: [number, string][] = [
    [-0, '-0.000000'],
    [0, '0.000000'],
    [0.0078125, '0.007812'], // exact tie: rounds to even
    [0.0234375, '0.023438'], // exact tie: rounds to even
    [0.5, '0.500000'],
    [1e30, '1000000015047466219876688855040.000000'],
    [-1e-9, '-0.000000'],
    [3.4028235e38, '340282346638528859811704183484516925440.000000'],
    [-2.5e-7, '-0.000000'],
    [1.5e-6, '0.000002'],
    [123456.789, '123456.789062'],
    [1e-45, '0.000000'],
    [9007199254, '9007199232.000000'],
    [16777217, '16777216.000000'],
    [5e-7, '0.000000'],
    [-1.5e-6, '-0.000002'],
  ];
  it('matches glibc for ties, -0, tiny and huge values', () => {
    const t = table(['v'], cases.length, cases.map((c) => c[0]));
    const expected = `1 ${cases.length}\nv ${cases.map((c) => `${c[1]} `).join('')}\n`;
    expect(encodeWord2Vec(t, 'word2vec-text').toString('latin1')).toBe(expected);
  });
  it('reads them back (exact where the text is exact)', () => {
    const back = decodeWord2Vec(encodeWord2Vec(table(['v'], 3, [-0, 1e30, 0.5]), 'word2vec-text'));
    expect(Object.is(back.vectors[0], -0)).toBe(true);
    expect(back.vectors[1]).toBe(Math.fround(1e30));
    expect(back.vectors[2]).toBe(0.5);
  });
});

describe('the original C tools read files we wrote', () => {
  const withDistance = itNeeds(existsSync(distanceBin) ? undefined : needsOriginal('distance'));
  const withAccuracy = itNeeds(existsSync(accuracyBin) ? undefined : needsOriginal('compute-accuracy'));

  withDistance('distance finds the neighbours of a word in our binary file', async () => {
    const t = table(['</s>', 'the', 'dog', utf8Key('café'), 'cat'], 4, [
      ...[0, 0, 1, 0],
      ...[1, 0, 0, 0],
      ...[0, 1, 0, 0],
      ...[0.5, 0.5, 0, 0],
      ...[0.9, 0.1, 0, 0],
    ]);
    const path = join(work, 'ours-distance.bin');
    await writeWord2Vec(path, t, 'word2vec-binary');
    const run = await runProcess(distanceBin, [path], { input: 'the\nEXIT\n', timeout: 20000 });
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out).toContain('Word: the  Position in vocabulary: 1');
    const rows = out
      .slice(out.lastIndexOf('-----') + 6)
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((p) => p.length === 2);
    expect(rows[0]).toEqual(['cat', '0.993884']);
    expect(rows[1]).toEqual([utf8Key('café'), '0.707107']);
  });

  withDistance('distance reads our re-encoding of the original tiny.bin', async () => {
    const path = join(work, 'ours-tiny.bin');
    await writeWord2Vec(path, decodeWord2Vec(originalBin), 'word2vec-binary');
    const run = await runProcess(distanceBin, [path], { input: 'the\nEXIT\n', timeout: 20000 });
    const out = run.stdout;
    expect(out).toContain('Word: the  Position in vocabulary: 1');
    const neighbours = out
      .slice(out.lastIndexOf('-----') + 6)
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((p) => p.length === 2 && Number(p[1]) > 0);
    expect(neighbours.length).toBeGreaterThan(10);
    expect(neighbours.map((p) => p[0])).not.toContain('the');
  });

  withAccuracy('compute-accuracy answers an analogy from our binary file', async () => {
    const s = Math.SQRT1_2;
    const t = table(['</s>', 'man', 'woman', 'king', 'queen', 'apple'], 4, [
      ...[0, 0, 0, 1],
      ...[1, 0, 0, 0],
      ...[0, 1, 0, 0],
      ...[s, 0, s, 0],
      ...[0, s, s, 0],
      ...[0, 0, 0.2, 1],
    ]);
    const path = join(work, 'ours-accuracy.bin');
    await writeWord2Vec(path, t, 'word2vec-binary');
    const run = await runProcess(accuracyBin, [path, '30000'], { input: ': family\nman woman king queen\n', timeout: 20000 });
    const out = run.stdout;
    expect(out).toContain('ACCURACY TOP1: 100.00 %  (1 / 1)');
    expect(out).toContain('Questions seen / total: 1 1');
  });
});

describe('format detection', () => {
  const t = randomTable(50, 7, 7, weirdKeys);
  const bin = encodeWord2Vec(t, 'word2vec-binary');
  const txt = encodeWord2Vec(t, 'word2vec-text');

  it('detects the original files and ours', () => {
    expect(detectWord2VecFormat(originalBin)).toBe('word2vec-binary');
    expect(detectWord2VecFormat(originalTxt)).toBe('word2vec-text');
    expect(detectWord2VecFormat(bin)).toBe('word2vec-binary');
    expect(detectWord2VecFormat(txt)).toBe('word2vec-text');
  });

  it('works on a head of the file', () => {
    expect(detectWord2VecFormat(originalBin.subarray(0, 200))).toBe('word2vec-binary');
    expect(detectWord2VecFormat(originalTxt.subarray(0, 200))).toBe('word2vec-text');
  });

  it('detects gensim-style binary (no newline after rows) and CRLF text', () => {
    const gensim = gensimBinary(t);
    expect(detectWord2VecFormat(gensim)).toBe('word2vec-binary');
    expect(detectWord2VecFormat(Buffer.from(txt.toString('latin1').replace(/ \n/g, '\r\n'), 'latin1'))).toBe(
      'word2vec-text',
    );
  });

  it('a binary file whose first row happens to contain "\\n" bytes is still binary', () => {
    const nl = new Float32Array(new Uint8Array([0x0a, 0x0a, 0x0a, 0x3a]).buffer)[0] as number;
    const u = table(['a', 'b'], 2, [nl, nl, 1, 2]);
    expect(detectWord2VecFormat(encodeWord2Vec(u, 'word2vec-binary'))).toBe('word2vec-binary');
    expect(bytesOf(decodeWord2Vec(encodeWord2Vec(u, 'word2vec-binary')).vectors)).toEqual(bytesOf(u.vectors));
  });

  it('refuses to guess on content that is neither', () => {
    expect(() => decodeWord2Vec(Buffer.from('2 8\nhello world, this is not a vector file at all\n'), { source: 'x' }))
      .toThrow(
        'could not detect the word2vec format: the first row is neither a word and 8 numbers (text) ' +
          'nor a word, a space and 32 bytes of float32 (binary) (file x, byte 4)',
      );
  });
});

/** Our binary encoding without the '\n' after each row, as gensim writes it. */
function gensimBinary(t: VectorTable): Buffer {
  const parts: Buffer[] = [Buffer.from(`${t.keys.length} ${t.dim}\n`)];
  t.keys.forEach((k, r) => {
    parts.push(Buffer.from(`${k} `, 'latin1'));
    parts.push(Buffer.from(bytesOf(t.vectors.subarray(r * t.dim, (r + 1) * t.dim))));
  });
  return Buffer.concat(parts);
}

describe('tolerant reading', () => {
  const t = randomTable(30, 5, 9, weirdKeys);

  it('binary rows without the trailing newline (gensim)', () => {
    const back = decodeWord2Vec(gensimBinary(t));
    expect(back.keys).toEqual(t.keys);
    expect(bytesOf(back.vectors).equals(bytesOf(t.vectors))).toBe(true);
  });

  it('binary with extra newlines before words', () => {
    const bin = encodeWord2Vec(t, 'word2vec-binary');
    const extra = Buffer.concat([bin.subarray(0, bin.indexOf(10) + 1), Buffer.from('\n\n'), bin.subarray(bin.indexOf(10) + 1)]);
    const back = decodeWord2Vec(extra, { format: 'word2vec-binary' });
    expect(back.keys).toEqual(t.keys);
    expect(bytesOf(back.vectors).equals(bytesOf(t.vectors))).toBe(true);
  });

  it('text with CRLF, trailing spaces, tabs, blank lines, and gensim-style (no trailing space, %g values)', () => {
    const text = '3 2\r\n\r\na 0.5 -1e-05   \r\nb\t2\t3.25\r\n\nc 1 -0.0\r\n';
    const back = decodeWord2Vec(Buffer.from(text));
    expect(back.keys).toEqual(['a', 'b', 'c']);
    expect(Array.from(back.vectors)).toEqual([0.5, Math.fround(-1e-5), 2, 3.25, 1, -0]);
    // Not tolerated: a last row without its newline may have been cut inside its last value
    // ("-0.0" from "-0.03"), so it is refused as a truncation.
    expect(() => decodeWord2Vec(Buffer.from(text.slice(0, -2)), { source: 'x.txt' })).toThrow(
      'file ended after 2 of 3 rows (line 6 has no newline at its end) (file x.txt, line 6)',
    );
  });

  it('parses numbers like Number() does (fast path and long ones)', () => {
    const values = ['0.1', '-123.456789', '1.5e3', '.25', '7.', '+3', '0.12345678901234567890', '1e-30', '3.4e38'];
    const back = decodeWord2Vec(Buffer.from(`1 ${values.length}\nw ${values.join(' ')}\n`));
    expect(Array.from(back.vectors)).toEqual(values.map((v) => Math.fround(Number(v))));
  });
});

describe('limit', () => {
  const t = randomTable(40, 6, 3);
  for (const format of ['word2vec-binary', 'word2vec-text'] as Word2VecFormat[]) {
    it(`decodes only the first rows (${format})`, () => {
      const data = encodeWord2Vec(t, format);
      const five = decodeWord2Vec(data, { limit: 5 });
      expect(five.keys).toEqual(t.keys.slice(0, 5));
      expect(five.vectors.length).toBe(30);
      const full = decodeWord2Vec(data);
      expect(Array.from(five.vectors)).toEqual(Array.from(full.vectors.subarray(0, 30)));
      expect(decodeWord2Vec(data, { limit: 0 }).keys).toEqual([]);
      expect(decodeWord2Vec(data, { limit: 1000 }).keys).toEqual(t.keys);
      // Rows after the limit are not read: a truncated tail does not matter.
      const cut = data.subarray(0, data.length - 20);
      expect(decodeWord2Vec(cut, { limit: 5 }).keys).toEqual(t.keys.slice(0, 5));
      expect(() => decodeWord2Vec(cut)).toThrow('file ended after 39 of 40 rows');
    });
  }

  it('readWord2Vec with a limit reads a prefix of a large file and grows it as needed', async () => {
    const big = randomTable(30000, 20, 5); // ~2.7 MB binary
    const path = join(work, 'big.bin');
    await writeWord2Vec(path, big, 'word2vec-binary');
    const few = await readWord2Vec(path, { limit: 3 });
    expect(few.keys).toEqual(big.keys.slice(0, 3));
    const many = await readWord2Vec(path, { limit: 25000 });
    expect(many.keys).toEqual(big.keys.slice(0, 25000));
    expect(bytesOf(many.vectors).equals(bytesOf(big.vectors.subarray(0, 25000 * 20)))).toBe(true);
    const all = await readWord2Vec(path, { limit: 30000 });
    expect(all.keys.length).toBe(30000);
    // A limit well inside a file whose tail is corrupt still succeeds.
    const file = readFileSync(path);
    writeFileSync(path, Buffer.concat([file.subarray(0, file.length - 100), Buffer.alloc(100, 0x41)]));
    expect((await readWord2Vec(path, { limit: 10 })).keys.length).toBe(10);
    await expect(readWord2Vec(path)).rejects.toThrow(`(file ${path}, byte`);
  });

  it('rejects a bad limit', () => {
    expect(() => decodeWord2Vec(originalBin, { limit: -1 })).toThrow('word2vec limit must be a non-negative integer, got -1');
    expect(() => decodeWord2Vec(originalBin, { limit: 1.5 })).toThrow('word2vec limit must be a non-negative integer');
  });
});

describe('bad input errors', () => {
  const dec = (text: string | Buffer, source = 'x.bin') =>
    () => decodeWord2Vec(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, { source });

  it('empty buffer', () => {
    expect(dec('')).toThrow('word2vec file is empty (file x.bin)');
  });

  it('header that is not two numbers', () => {
    expect(dec('abc\n')).toThrow('word2vec header must be "<words> <dim>", got "abc" (file x.bin, line 1)');
    expect(dec('abc')).toThrow('word2vec header must be "<words> <dim>", got "abc" (file x.bin, line 1)');
    expect(dec('1 2 3\n')).toThrow('word2vec header must be "<words> <dim>", got "1 2 3" (file x.bin, line 1)');
  });

  it('header declaring 10^12 words for a tiny file throws at once', () => {
    const start = performance.now();
    expect(dec('1000000000000 8\nthe 1 2 3 4 5 6 7 8\n')).toThrow(
      'word2vec header declares 1000000000000 words of dimension 8, which need at least 18000000000000 bytes, ' +
        'but only 20 bytes follow the header (file x.bin, line 1)',
    );
    // Checked before anything else looks at the rows, whatever they hold.
    expect(dec('1000000000000 8\nnot a vector row\n')).toThrow(
      'word2vec header declares 1000000000000 words of dimension 8, which need at least 18000000000000 bytes, ' +
        'but only 17 bytes follow the header (file x.bin, line 1)',
    );
    expect(performance.now() - start).toBeLessThan(100);
  });

  it('header rows that fit as text but not as binary', () => {
    const bin = encodeWord2Vec(table(['a', 'b'], 4, () => 1), 'word2vec-binary');
    const lie = Buffer.concat([Buffer.from('3 4\n'), bin.subarray(4)]);
    expect(dec(lie)).toThrow(
      'word2vec header declares 3 words of dimension 4, which need at least 54 bytes as word2vec-binary, ' +
        'but only 38 bytes follow the header (file x.bin, line 1)',
    );
    expect(() => decodeWord2Vec(lie, { format: 'word2vec-binary', source: 'f.bin' })).toThrow(
      'word2vec header declares 3 words of dimension 4, which need at least 54 bytes as word2vec-binary, ' +
        'but only 38 bytes follow the header (file f.bin, line 1)',
    );
  });

  it('zero, negative, non-integer and huge counts', () => {
    expect(dec('3 0\n')).toThrow('word2vec header dimension must be a positive integer, got "0" (file x.bin, line 1)');
    expect(dec('-5 8\n')).toThrow('word2vec header word count must be a non-negative integer, got "-5" (file x.bin, line 1)');
    expect(dec('5 -8\n')).toThrow('word2vec header dimension must be a positive integer, got "-8" (file x.bin, line 1)');
    expect(dec('2.5 8\n')).toThrow('word2vec header word count must be a non-negative integer, got "2.5" (file x.bin, line 1)');
    expect(dec('1 100001\n')).toThrow('word2vec header dimension 100001 exceeds the maximum of 100000 (file x.bin, line 1)');
  });

  it('truncated binary', () => {
    const bin = encodeWord2Vec(table(['alpha', 'beta', 'gamma'], 4, () => 0.25), 'word2vec-binary');
    expect(dec(bin.subarray(0, bin.length - 10))).toThrow('file ended after 2 of 3 rows (file x.bin, byte 49)');
  });

  it('truncated text', () => {
    expect(dec('3 2\nalpha 1 2\nbeta 3 4\n', 'x.txt')).toThrow('file ended after 2 of 3 rows (file x.txt, line 4)');
    // A last line cut short (no newline) is a truncation too.
    expect(dec('3 2\nalpha 1 2\nbeta 3 4\ngamma 5', 'x.txt')).toThrow(
      'file ended after 2 of 3 rows (line 4 has no newline at its end) (file x.txt, line 4)',
    );
    // Also when the cut falls inside the last value, which would still parse as a number.
    expect(dec('3 2\nalpha 1 2\nbeta 3 4\ngamma 5 6.2', 'x.txt')).toThrow(
      'file ended after 2 of 3 rows (line 4 has no newline at its end) (file x.txt, line 4)',
    );
  });

  it('text row with too few or too many values', () => {
    expect(dec('3 4\naa 1 2 3 4\nbb 1 2 3\ncc 1 2 3 4\n', 'x.txt')).toThrow(
      'line 3 has 3 values, expected 4 for word "bb" (file x.txt)',
    );
    expect(dec('2 4\na 1 2 3 4 5\nb 1 2 3 4\n', 'x.txt')).toThrow('line 2 has 5 values, expected 4 for word "a" (file x.txt)');
    expect(dec('2 4\nabc 1 2 3\nb 1 2 3 4\n', 'x.txt')).toThrow('line 2 has 3 values, expected 4 for word "abc" (file x.txt)');
  });

  it('text value that is not a number', () => {
    expect(dec('2 3\na 1 2 3\nb 1 x2 3\n', 'x.txt')).toThrow('line 3 value 2 for word "b" is not a number: "x2" (file x.txt)');
    expect(dec('2 3\na 1 2 3\nb 1 0x10 3\n', 'x.txt')).toThrow('line 3 value 2 for word "b" is not a number: "0x10" (file x.txt)');
  });

  it('NaN and infinities in text', () => {
    expect(dec('2 3\na 1 2 3\nb 1 nan 3\n', 'x.txt')).toThrow('line 3 value 2 for word "b" is not finite: "nan" (file x.txt)');
    expect(dec('2 3\na 1 2 3\nb 1 2 -inf\n', 'x.txt')).toThrow('line 3 value 3 for word "b" is not finite: "-inf" (file x.txt)');
    expect(dec('2 3\na 1 2 3\nb 1e999 2 3\n', 'x.txt')).toThrow('line 3 value 1 for word "b" is not finite: "1e999" (file x.txt)');
    expect(dec('2 3\na 1 2 3\nb 1e39 2 3\n', 'x.txt')).toThrow('line 3 value 1 for word "b" is not finite: "1e39" (file x.txt)');
  });

  it('NaN in binary', () => {
    const bin = encodeWord2Vec(table(['a', 'b'], 2, [1, 2, 3, 4]), 'word2vec-binary');
    const at = bin.indexOf('b ') + 2;
    bin.writeFloatLE(NaN, at);
    expect(dec(bin)).toThrow(`row 2 value 1 for word "b" is not finite (NaN) (file x.bin, byte ${at})`);
  });

  it('data after the declared rows', () => {
    expect(dec('1 2\na 1 2\nb 3 4\n', 'x.txt')).toThrow('file has data after the 1 rows declared in the header (file x.txt, byte 10)');
  });

  it('readWord2Vec names the path', async () => {
    const path = join(work, 'bad-header.bin');
    writeFileSync(path, 'abc\n');
    await expect(readWord2Vec(path)).rejects.toThrow(`word2vec header must be "<words> <dim>", got "abc" (file ${path}, line 1)`);
  });
});

describe('encoding errors', () => {
  it.each(['word2vec-binary', 'word2vec-text'] as Word2VecFormat[])('non-finite values name the word (%s)', (format) => {
    expect(() => encodeWord2Vec(table(['a', 'b'], 2, [1, 2, 3, NaN]), format)).toThrow(
      'word2vec value 2 of word "b" (row 2) is not finite (NaN)',
    );
    expect(() => encodeWord2Vec(table(['a', 'b'], 2, [Infinity, 2, 3, 4]), format)).toThrow(
      'word2vec value 1 of word "a" (row 1) is not finite (Infinity)',
    );
  });

  it('keys that would break the format', () => {
    for (const key of ['a b', 'a\nb', 'a\tb', '', 'a\rb', 'a\0b', '\u65e5']) {
      expect(() => encodeWord2Vec(table([key], 1, [0]), 'word2vec-binary')).toThrow(/word2vec key 0/);
    }
  });

  it('a table whose sizes do not agree', () => {
    expect(() => encodeWord2Vec({ keys: ['a'], dim: 2, vectors: new Float32Array(3) }, 'word2vec-text')).toThrow(
      'word2vec table has 3 values, expected 1 keys * 2 = 2',
    );
    expect(() => encodeWord2Vec({ keys: [], dim: 0, vectors: new Float32Array(0) }, 'word2vec-text')).toThrow(
      'word2vec dimension must be an integer from 1 to 100000, got 0',
    );
  });
});

describe('atomic write', () => {
  const t = randomTable(20, 4, 11);

  it('a directory that does not exist: rejects and leaves nothing', async () => {
    const dir = join(work, 'missing-dir');
    await expect(writeWord2Vec(join(dir, 'out.bin'), t, 'word2vec-binary')).rejects.toThrow(/ENOENT/);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('replaces an existing file whole', async () => {
    const dir = mkdtempSync(join(work, 'replace-'));
    const path = join(dir, 'vectors.txt');
    writeFileSync(path, Buffer.alloc(100000, 0x41));
    await writeWord2Vec(path, t, 'word2vec-text');
    expect(readFileSync(path).equals(encodeWord2Vec(t, 'word2vec-text'))).toBe(true);
    expect(readdirSync(dir)).toEqual(['vectors.txt']);
  });

  it.each(['word2vec-binary', 'word2vec-text'] as Word2VecFormat[])(
    'a NaN found while encoding leaves the previous file intact and no temp file (%s)',
    async (format) => {
      const dir = mkdtempSync(join(work, 'nan-'));
      const path = join(dir, 'vectors');
      await writeWord2Vec(path, t, format);
      const before = readFileSync(path);
      // Large enough to be written in several blocks before the NaN is reached.
      const bad = randomTable(60000, 10, 12);
      bad.vectors[bad.vectors.length - 1] = NaN;
      await expect(writeWord2Vec(path, bad, format)).rejects.toThrow(
        `word2vec value 10 of word "${bad.keys[59999]}" (row 60000) is not finite (NaN)`,
      );
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(readdirSync(dir)).toEqual(['vectors']);
    },
  );

  it('a failing rename (target is a directory) removes the temp file', async () => {
    const dir = mkdtempSync(join(work, 'rename-'));
    const target = join(dir, 'is-a-dir');
    rmSync(target, { force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(join(target, 'child'), { recursive: true }));
    await expect(writeWord2Vec(target, t, 'word2vec-binary')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['is-a-dir']);
  });
});

describe('performance', () => {
  it('decodes a 70k x 100 binary in well under a second', () => {
    const big = randomTable(70000, 100, 13);
    const data = encodeWord2Vec(big, 'word2vec-binary');
    const start = performance.now();
    const back = decodeWord2Vec(data);
    const ms = performance.now() - start;
    expect(back.keys.length).toBe(70000);
    expect(ms).toBeLessThan(500);
  });
});
