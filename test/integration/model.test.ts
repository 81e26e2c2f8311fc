import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_FORMATS } from '../../lib/formats/model-format';
import { loadModel, train, Word2Vec } from '../../lib/index';
import { quotedList } from '../../lib/util/validate';

const work = mkdtempSync(join(tmpdir(), 'w2v-model-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fixtures = join(__dirname, '../fixtures/original-c');

const bytesOf = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** Cosine top-k computed independently in float64, excluding `exclude`. */
function bruteTopK(m: Word2Vec, q: ArrayLike<number>, k: number, exclude: string[] = []): { word: string; score: number }[] {
  let qn = 0;
  for (let i = 0; i < m.dim; i++) qn += q[i]! * q[i]!;
  const out: { word: string; score: number }[] = [];
  for (let id = 0; id < m.size; id++) {
    const w = m.words[id]!;
    if (exclude.includes(w)) continue;
    let dot = 0;
    let n = 0;
    for (let i = 0; i < m.dim; i++) {
      const x = m.vectors[id * m.dim + i]!;
      dot += x * q[i]!;
      n += x * x;
    }
    out.push({ word: w, score: n > 0 && qn > 0 ? dot / Math.sqrt(n * qn) : 0 });
  }
  return out.sort((a, b) => b.score - a.score).slice(0, k);
}

/** A model from hand-made rows. */
function model(rows: Record<string, number[]>): Word2Vec {
  const words = Object.keys(rows);
  const dim = rows[words[0]!]!.length;
  return new Word2Vec({ words, dim, vectors: Float32Array.from(words.flatMap((w) => rows[w]!)) });
}

describe('save / load round trip', () => {
  let trained: Word2Vec;
  beforeAll(async () => {
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) lines.push(`le café ${i % 7} naïve 日本 w${i % 13} x${i % 5} ${i % 2 ? 'odd' : 'even'}`);
    trained = await train(lines, { dim: 12, epochs: 2, minCount: 1, threads: 1 });
  });

  it('binary: vectors equal bit for bit, words and order kept, format detected', async () => {
    const path = join(work, 'model.bin');
    await trained.save(path);
    const head = readFileSync(path).subarray(0, 20).toString('latin1');
    expect(head.startsWith(`${trained.size} 12\n`)).toBe(true);
    for (const options of [{}, { format: 'word2vec-binary' as const }]) {
      const back = await loadModel(path, options);
      expect(back.words).toEqual(trained.words);
      expect(back.dim).toBe(12);
      expect(back.size).toBe(trained.size);
      expect(Buffer.compare(bytesOf(back.vectors), bytesOf(trained.vectors))).toBe(0);
      expect(back.idOf('日本')).toBe(trained.idOf('日本'));
      expect(back.counts).toBeUndefined();
      expect(back.trainingStats).toBeUndefined();
    }
  });

  it('text: vectors within 1e-6, format detected', async () => {
    const path = join(work, 'model.txt');
    await trained.save(path, { format: 'word2vec-text' });
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith(`${trained.size} 12\n`)).toBe(true);
    expect(text).toContain('日本 ');
    for (const options of [{}, { format: 'word2vec-text' as const }]) {
      const back = await loadModel(path, options);
      expect(back.words).toEqual(trained.words);
      expect(back.vectors).toHaveLength(trained.vectors.length);
      let maxDiff = 0;
      for (let i = 0; i < trained.vectors.length; i++) maxDiff = Math.max(maxDiff, Math.abs(back.vectors[i]! - trained.vectors[i]!));
      expect(maxDiff).toBeLessThanOrEqual(1e-6);
    }
  });

  it('limit reads only the first N words', async () => {
    for (const [file, format] of [['limit.bin', 'word2vec-binary'], ['limit.txt', 'word2vec-text']] as const) {
      const path = join(work, file);
      await trained.save(path, { format });
      const back = await loadModel(path, { limit: 3 });
      expect(back.size).toBe(3);
      expect(back.words).toEqual(trained.words.slice(0, 3));
      for (let i = 0; i < 3 * 12; i++) expect(back.vectors[i]).toBeCloseTo(trained.vectors[i]!, 5);
      expect((await loadModel(path, { limit: 10000 })).size).toBe(trained.size);
    }
  });

  it('saving again overwrites the file', async () => {
    const path = join(work, 'overwrite.bin');
    await model({ a: [1, 2], b: [3, 4] }).save(path);
    await model({ c: [5, 6] }).save(path);
    const back = await loadModel(path);
    expect(back.words).toEqual(['c']);
    expect(Array.from(back.vectors)).toEqual([5, 6]);
  });

  it('a failed save leaves the previous file intact', async () => {
    const dir = join(work, 'as-dir.bin');
    mkdirSync(dir, { recursive: true });
    await expect(model({ a: [1] }).save(dir)).rejects.toThrow();
    expect(existsSync(dir)).toBe(true);
    const path = join(work, 'keep.bin');
    await model({ a: [1, 2] }).save(path);
    const before = readFileSync(path);
    await expect(model({ bad: [NaN, 1] }).save(path)).rejects.toThrow();
    expect(readFileSync(path)).toEqual(before);
  });

  it('bad arguments', async () => {
    const m = model({ a: [1, 2] });
    await expect(m.save(42 as never)).rejects.toThrow(new TypeError('path must be a non-empty string, got 42'));
    await expect(m.save('')).rejects.toThrow(new TypeError('path must be a non-empty string, got ""'));
    // The list is the registry's (formats are added there); it starts with the original's.
    expect(quotedList(MODEL_FORMATS)).toMatch(/^"word2vec-binary", "word2vec-text", "vec", "native", /);
    await expect(m.save(join(work, 'x'), { format: 'xyz' as never })).rejects.toThrow(
      new TypeError(`format must be ${quotedList(MODEL_FORMATS)}, got "xyz"`),
    );
    await expect(loadModel('')).rejects.toThrow(new TypeError('path must be a non-empty string, got ""'));
    await expect(loadModel(join(work, 'x'), { format: 'xyz' as never })).rejects.toThrow(
      new TypeError(`format must be ${quotedList(MODEL_FORMATS)}, got "xyz"`),
    );
    await expect(loadModel(join(work, 'model.bin'), { limit: 0 })).rejects.toThrow(
      new RangeError('limit must be an integer in [1, 2147483647], got 0'),
    );
    const missing = join(work, 'missing.bin');
    const err = await loadModel(missing).then(() => undefined, (e: Error) => e);
    expect(err?.message).toContain(missing);
  });
});

describe('the original C tool\'s model (fixture)', () => {
  it('tiny.bin loads, matches tiny.txt, and mostSimilar agrees with a brute-force cosine', async () => {
    const bin = await loadModel(join(fixtures, 'tiny.bin'));
    expect(bin.size).toBe(138);
    expect(bin.dim).toBe(8);
    expect(bin.words.slice(0, 4)).toEqual(['</s>', 'the', 'of', 'a']);
    const txt = await loadModel(join(fixtures, 'tiny.txt'));
    expect(txt.words).toEqual(bin.words);
    for (let i = 0; i < bin.vectors.length; i++) expect(Math.abs(txt.vectors[i]! - bin.vectors[i]!)).toBeLessThanOrEqual(5e-7 + 1e-7);

    for (const word of ['the', 'was', 'and']) {
      const got = bin.mostSimilar(word, { topK: 10 });
      expect(got).toHaveLength(10);
      expect(got.map((g) => g.word)).not.toContain(word);
      const want = bruteTopK(bin, bin.vector(word)!, 10, [word]);
      for (let i = 0; i < 10; i++) {
        expect(got[i]!.score).toBeCloseTo(want[i]!.score, 5);
        // Words agree unless two scores tie to 1e-5.
        if (i + 1 < 10 && Math.abs(want[i]!.score - want[i + 1]!.score) > 1e-5 && (i === 0 || Math.abs(want[i]!.score - want[i - 1]!.score) > 1e-5)) {
          expect(got[i]!.word).toBe(want[i]!.word);
        }
      }
    }
  });

  it('limit on the original file', async () => {
    const m = await loadModel(join(fixtures, 'tiny.bin'), { limit: 5 });
    expect(m.words).toEqual(['</s>', 'the', 'of', 'a', 'and']);
  });
});

describe('queries on hand-made vectors', () => {
  // cat/dog/mouse close together, car/bus together, e a unit vector far from all.
  const m = model({
    cat: [1, 0.1, 0, 0],
    dog: [0.9, 0.3, 0, 0],
    mouse: [0.8, 0, 0.3, 0],
    car: [0, 0, 1, 0.2],
    bus: [0, 0.1, 0.9, 0.3],
    lone: [0, 0, 0, 1],
    café: [-1, 0, 0, 0],
  });

  it('similarity: symmetric, in [-1, 1], 1 with itself, equal to cosine', () => {
    for (const a of m.words) {
      expect(m.similarity(a, a)).toBeCloseTo(1, 6);
      for (const b of m.words) {
        const s = m.similarity(a, b);
        expect(s).toBeGreaterThanOrEqual(-1 - 1e-6);
        expect(s).toBeLessThanOrEqual(1 + 1e-6);
        expect(s).toBeCloseTo(m.similarity(b, a), 6);
        const va = m.vector(a)!;
        const vb = m.vector(b)!;
        let dot = 0, na = 0, nb = 0;
        for (let i = 0; i < 4; i++) {
          dot += va[i]! * vb[i]!;
          na += va[i]! ** 2;
          nb += vb[i]! ** 2;
        }
        expect(s).toBeCloseTo(dot / Math.sqrt(na * nb), 6);
      }
    }
    expect(m.similarity('cat', 'café')).toBeCloseTo(-1 / Math.sqrt(1.01), 6);
  });

  it('mostSimilar: sorted, excludes the query word, agrees with brute force', () => {
    const got = m.mostSimilar('cat');
    expect(got.map((g) => g.word)).toEqual(bruteTopK(m, m.vector('cat')!, 10, ['cat']).map((g) => g.word));
    expect(got).toHaveLength(6); // topK 10, 7 words, the query left out
    expect(got.map((g) => g.word)).not.toContain('cat');
    expect(got.slice(0, 2).map((g) => g.word).sort()).toEqual(['dog', 'mouse']);
    expect(got[got.length - 1]!.word).toBe('café');
    for (let i = 1; i < got.length; i++) expect(got[i]!.score).toBeLessThanOrEqual(got[i - 1]!.score);
  });

  it('topK', () => {
    expect(m.mostSimilar('car', { topK: 1 })).toEqual([{ word: 'bus', score: expect.closeTo(m.similarity('car', 'bus'), 6) }]);
    expect(m.mostSimilar('car', { topK: 3 })).toHaveLength(3);
    expect(m.mostSimilar('car', { topK: 0 })).toEqual([]);
    expect(() => m.mostSimilar('car', { topK: -1 })).toThrow(new RangeError('topK must be an integer in [0, 2147483647], got -1'));
    expect(() => m.mostSimilar('car', { topK: 2.5 })).toThrow(new RangeError('topK must be an integer in [0, 2147483647], got 2.5'));
  });

  it('several positive words and a negative list: all excluded, query = sum of unit rows', () => {
    const got = m.mostSimilar(['cat', 'dog'], { negative: ['car'] });
    const words = got.map((g) => g.word);
    expect(words).not.toContain('cat');
    expect(words).not.toContain('dog');
    expect(words).not.toContain('car');
    expect(got).toHaveLength(4);
    const unit = (w: string): number[] => {
      const v = Array.from(m.vector(w)!);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const q = [0, 1, 2, 3].map((i) => unit('cat')[i]! + unit('dog')[i]! - unit('car')[i]!);
    const want = bruteTopK(m, q, 10, ['cat', 'dog', 'car']);
    expect(words).toEqual(want.map((w) => w.word));
    got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i]!.score, 5));
    // Only negative words.
    expect(m.mostSimilar([], { negative: ['cat'], topK: 1 })[0]!.word).toBe('café');
  });

  it('a Float32Array query: nothing excluded, scores are cosines', () => {
    const got = m.mostSimilar(m.vector('bus')!, { topK: 2 });
    expect(got[0]!.word).toBe('bus');
    expect(got[0]!.score).toBeCloseTo(1, 6);
    expect(got[1]!.word).toBe('car');
    const scaled = m.vector('bus')!.map((x) => x * 7);
    expect(m.mostSimilar(scaled, { topK: 1 })[0]!.score).toBeCloseTo(1, 6);
    expect(() => m.mostSimilar(new Float32Array(3))).toThrow(new RangeError('query vector must have 4 values, got 3'));
  });

  it('unknown words give exact errors', () => {
    expect(() => m.mostSimilar('zzz')).toThrow(new Error('word not in vocabulary: "zzz"'));
    expect(() => m.mostSimilar(['cat', 'zzz'])).toThrow(new Error('word not in vocabulary: "zzz"'));
    expect(() => m.mostSimilar('cat', { negative: ['zzz'] })).toThrow(new Error('word not in vocabulary: "zzz"'));
    expect(() => m.similarity('cat', 'zzz')).toThrow(new Error('word not in vocabulary: "zzz"'));
    expect(() => m.analogy('cat', 'zzz', 'dog')).toThrow(new Error('word not in vocabulary: "zzz"'));
    expect(() => m.doesntMatch(['cat', 'zzz'])).toThrow(new Error('word not in vocabulary: "zzz"'));
    expect(() => m.similarity('cat', 5 as never)).toThrow(new TypeError('word must be a string, got 5'));
    expect(() => m.mostSimilar([])).toThrow(new TypeError('query must be a word, a non-empty array of words or a Float32Array, got an array'));
    expect(() => m.mostSimilar(5 as never)).toThrow(new TypeError('query must be a word, a non-empty array of words or a Float32Array, got 5'));
    expect(() => m.mostSimilar('cat', { negative: 'dog' as never })).toThrow(new TypeError('negative must be an array of words, got "dog"'));
    expect(m.vector('zzz')).toBeUndefined();
    expect(m.has('zzz')).toBe(false);
    expect(m.has('café')).toBe(true);
    expect(m.idOf('café')).toBe(6);
  });

  it('analogy: b - a + c equal to another word\'s vector comes first', () => {
    // Unit rows a, b, c; d = b - a + c exactly; e is close to d but not equal.
    const an = model({
      a: [1, 0, 0, 0],
      b: [0, 1, 0, 0],
      c: [0, 0, 1, 0],
      d: [-1, 1, 1, 0],
      e: [0, 1, 1, 0],
      f: [0, 0, 0, 1],
      g: [-1, 0, 0, 0],
    });
    const got = an.analogy('a', 'b', 'c');
    expect(got[0]!.word).toBe('d');
    expect(got[0]!.score).toBeCloseTo(1, 6);
    expect(got[1]!.word).toBe('e');
    expect(got[1]!.score).toBeCloseTo(2 / Math.sqrt(6), 5);
    expect(got.map((g) => g.word)).not.toContain('a');
    expect(got.map((g) => g.word)).not.toContain('b');
    expect(got.map((g) => g.word)).not.toContain('c');
    expect(an.analogy('a', 'b', 'c', { topK: 1 })).toHaveLength(1);
  });

  it('doesntMatch picks the odd one out', () => {
    expect(m.doesntMatch(['cat', 'dog', 'mouse', 'car'])).toBe('car');
    expect(m.doesntMatch(['car', 'bus', 'dog'])).toBe('dog');
    expect(m.doesntMatch(['cat', 'dog', 'café'])).toBe('café');
    expect(() => m.doesntMatch(['cat'])).toThrow(new TypeError('doesntMatch needs at least 2 words, got 1'));
  });

  it('constructor checks', () => {
    expect(() => new Word2Vec({ words: ['a', 'b'], dim: 2, vectors: new Float32Array(3) })).toThrow(
      new RangeError('vectors must be a Float32Array of 2 x 2 values, got a Float32Array of length 3'),
    );
    expect(() => new Word2Vec({ words: ['a'], dim: 0, vectors: new Float32Array(0) })).toThrow(
      new RangeError('dim must be an integer in [1, 100000], got 0'),
    );
    expect(() => new Word2Vec({ dim: 1, vectors: new Float32Array(0) })).toThrow(new TypeError('Word2Vec needs keys or words'));
  });
});

describe('evaluateAnalogies', () => {
  // dim 7: e0..e4 are the words' own directions, e5 the country->capital offset and e6 the
  // adjective->adverb offset. italy and rome come last so that restrictVocab can drop them.
  const e = (...ones: number[]): number[] => Array.from({ length: 7 }, (_, i) => (ones.includes(i) ? 1 : 0));
  const m = model({
    france: e(0),
    paris: e(0, 5),
    germany: e(1),
    berlin: e(1, 5),
    quick: e(3),
    quickly: e(3, 6),
    slow: e(4),
    slowly: e(4, 6),
    italy: e(2),
    rome: e(2, 5),
  });
  const questions = [
    ': capital-common-countries',
    'france paris germany berlin', // correct
    'GERMANY Berlin italy ROME', // correct, case-insensitive
    'france paris germany rome', // wrong: the model answers berlin
    'france paris spain madrid', // skipped: unknown words
    '',
    ': gram1-adjective-to-adverb',
    'quick quickly slow slowly', // correct
    'slow slowly quick quickly', // correct
    'not four words', // ignored
  ].join('\n');
  let file: string;
  beforeAll(() => {
    file = join(work, 'questions.txt');
    writeFileSync(file, questions + '\n');
  });

  it('counts correct, seen and total, and splits semantic / syntactic by the "gram" prefix', async () => {
    const r = await m.evaluateAnalogies(file);
    expect(r.total).toBe(6);
    expect(r.seen).toBe(5);
    expect(r.correct).toBe(4);
    expect(r.accuracy).toBeCloseTo(0.8, 12);
    expect(r.semantic).toEqual({ correct: 2, seen: 3, accuracy: 2 / 3 });
    expect(r.syntactic).toEqual({ correct: 2, seen: 2, accuracy: 1 });
    expect(r.sections).toEqual([
      { name: 'capital-common-countries', correct: 2, seen: 3, total: 4, accuracy: 2 / 3 },
      { name: 'gram1-adjective-to-adverb', correct: 2, seen: 2, total: 2, accuracy: 1 },
    ]);
  });

  it('restrictVocab drops questions with a word outside the most frequent N', async () => {
    const r = await m.evaluateAnalogies(file, { restrictVocab: 8 });
    expect(r.total).toBe(6);
    expect(r.seen).toBe(3);
    expect(r.correct).toBe(3);
    expect(r.semantic).toEqual({ correct: 1, seen: 1, accuracy: 1 });
    expect(r.syntactic).toEqual({ correct: 2, seen: 2, accuracy: 1 });
  });

  it('restrictVocab also restricts the candidate answers', async () => {
    // berlin (the best answer) is last; near (a poorer one) is within the first 4 words.
    const m2 = model({ france: e(0), paris: e(0, 5), germany: e(1), near: [0, 1, 1, 0, 0, 0.5, 0], berlin: e(1, 5) });
    const path = join(work, 'q2.txt');
    writeFileSync(path, ': capital\nfrance paris germany near\n');
    const all = await m2.evaluateAnalogies(path);
    expect([all.seen, all.correct]).toEqual([1, 0]);
    const restricted = await m2.evaluateAnalogies(path, { restrictVocab: 4 });
    expect([restricted.seen, restricted.correct]).toEqual([1, 1]);
    const tooFew = await m2.evaluateAnalogies(path, { restrictVocab: 3 });
    expect([tooFew.seen, tooFew.correct, tooFew.total, tooFew.accuracy]).toEqual([0, 0, 1, 0]);
  });

  it('a missing file rejects', async () => {
    await expect(m.evaluateAnalogies(join(work, 'nope.txt'))).rejects.toThrow(/ENOENT/);
  });
});

describe('evaluateWordPairs', () => {
  // Unit vectors at growing angles from w0: cosine with w0 falls monotonically w1 > w2 > ... > w5.
  const angles = [0, 10, 30, 60, 100, 150];
  const m = model(Object.fromEntries(angles.map((a, i) => [`w${i}`, [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)]])));
  const pairs = [
    ['w0', 'w1', 10],
    ['w0', 'w2', 8],
    ['w0', 'w3', 5.5],
    ['w0', 'w4', 3],
    ['w0', 'w5', 1],
  ] as const;

  it('a monotone relation gives Spearman 1; reversed, -1; coverage counts unknown words', async () => {
    const path = join(work, 'pairs.txt');
    writeFileSync(
      path,
      [
        '# a comment line',
        ...pairs.map(([a, b, s], i) => (i % 2 ? `${a}\t${b}\t${s}` : `${a} ${b} ${s}`)),
        'w0 unknown 5', // counted, not seen
        'W0 W1 9.5', // found lower-cased: counted and seen
        'w0 w1 notanumber', // not a pair
        '',
      ].join('\n'),
    );
    const r = await m.evaluateWordPairs(path);
    expect(r.total).toBe(7);
    expect(r.seen).toBe(6);
    const clean = join(work, 'pairs-clean.txt');
    writeFileSync(clean, pairs.map(([a, b, s]) => `${a} ${b} ${s}`).join('\n') + '\nw0 unknown 5\nzz w1 1\n');
    const c = await m.evaluateWordPairs(clean);
    expect(c.spearman).toBeCloseTo(1, 12);
    expect(c.pearson).toBeGreaterThan(0.9);
    expect(c.pearson).toBeLessThanOrEqual(1 + 1e-12);
    expect(c.seen).toBe(5);
    expect(c.total).toBe(7);

    const reversed = join(work, 'pairs-reversed.txt');
    writeFileSync(reversed, pairs.map(([a, b, s]) => `${a} ${b} ${-s}`).join('\n') + '\n');
    const rv = await m.evaluateWordPairs(reversed);
    expect(rv.spearman).toBeCloseTo(-1, 12);
    expect(rv.pearson).toBeLessThan(-0.9);
    expect(rv.seen).toBe(5);
    expect(rv.total).toBe(5);
  });

  it('upper-case words are looked up lower-cased', async () => {
    const path = join(work, 'pairs-upper.txt');
    writeFileSync(path, 'W0 W1 3\nW0 W5 1\nw0 w3 2\n');
    const r = await m.evaluateWordPairs(path);
    expect(r.seen).toBe(3);
    expect(r.spearman).toBeCloseTo(1, 12);
  });

  it('fewer than 2 known pairs gives NaN correlations', async () => {
    const path = join(work, 'pairs-one.txt');
    writeFileSync(path, 'w0 w1 3\nfoo bar 1\n');
    const r = await m.evaluateWordPairs(path);
    expect(r.seen).toBe(1);
    expect(r.total).toBe(2);
    expect(Number.isNaN(r.spearman)).toBe(true);
  });
});
