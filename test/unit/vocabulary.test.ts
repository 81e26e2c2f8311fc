import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeTokenCounter } from '../../lib/native/token-scanner';
import { Tokenizer } from '../../lib/corpus/tokenizer';
import { SENTENCE_TOKEN, Vocabulary, type CountedTokens } from '../../lib/corpus/vocabulary';
import { itNeeds, keptIds, needsShared, sharedData } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-vocab-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Counts a text the way train() does (the tokenizer into the native counter). */
function countWith(text: string | Buffer): NativeTokenCounter {
  const counter = new NativeTokenCounter();
  const t = new Tokenizer(counter);
  t.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  t.end();
  return counter;
}
const count = (text: string | Buffer): CountedTokens => countWith(text).frequent(0);

const utf8Key = (w: string): string => Buffer.from(w, 'utf8').toString('latin1');

describe('NativeTokenCounter', () => {
  it('counts tokens, sentences and distinct keys; frequent() lists them most counted first, ties first seen first', () => {
    const counter = countWith('b a b\nc b a\n\nd\n');
    const c = counter.frequent(0);
    expect(c.keys).toEqual(['b', 'a', 'c', 'd']);
    expect(Array.from(c.counts)).toEqual([3, 2, 1, 1]);
    expect(Array.from(c.ids)).toEqual([0, 1, 2, 3]);
    expect(c.lines).toBe(4);
    expect(counter.tokens).toBe(7);
    expect(counter.sentences).toBe(3);
    const later = countWith('x y y z z z\n').frequent(0);
    expect(later.keys).toEqual(['z', 'y', 'x']);
    expect(Array.from(later.ids)).toEqual([2, 1, 0]);
  });

  it('gives provisional ids past the table\'s first size', async () => {
    const counter = new NativeTokenCounter(1e6);
    const t = new Tokenizer(counter);
    for (let i = 0; i < 50000; i++) t.push(Buffer.from(`w${i} `));
    for (let i = 0; i < 50000; i += 7) t.push(Buffer.from(`w${i} `));
    t.end();
    const c = counter.frequent(0);
    expect(c.keys.length).toBe(50000);
    // The twice-seen words first (w0, w7, w14...), then the others, each group in first-seen order.
    expect(c.keys.slice(0, 3)).toEqual(['w0', 'w7', 'w14']);
    expect(Array.from(c.counts.subarray(0, 3))).toEqual([2, 2, 2]);
    expect(c.keys[Math.ceil(50000 / 7)]).toBe('w1');
    expect(counter.tokens).toBe(50000 + Math.ceil(50000 / 7));
    const ids = (await keptIds(counter))!;
    expect(ids.slice(0, 50000)).toEqual(Array.from({ length: 50000 }, (_, i) => i));
    expect(ids[50001]).toBe(7);
    expect(ids.length).toBe(50000 + Math.ceil(50000 / 7) + 1);
    expect(ids.at(-1)).toBe(-1);
  });
});

describe('Vocabulary.fromCounter', () => {
  // counts: x 1, y 3, z 2, w 3, v 2, u 5
  const text = 'x y z w\ny w v u\nu u u u y w z v\n';

  it('orders by count descending, ties in first-seen order', () => {
    const v = Vocabulary.fromCounter(count(text), { minCount: 1 });
    expect(v.words).toEqual(['u', 'y', 'w', 'z', 'v', 'x']);
    expect(Array.from(v.counts)).toEqual([5, 3, 3, 2, 2, 1]);
    expect(v.size).toBe(6);
    expect(v.totalCount).toBe(16);
    expect(v.hasSentenceToken).toBe(false);
    expect(v.idOf('w')).toBe(2);
    expect(v.idOf('nope')).toBeUndefined();
  });

  it('drops words under minCount', () => {
    const v = Vocabulary.fromCounter(count(text), { minCount: 3 });
    expect(v.words).toEqual(['u', 'y', 'w']);
    expect(Array.from(v.counts)).toEqual([5, 3, 3]);
    expect(v.idOf('z')).toBeUndefined();
    expect(Vocabulary.fromCounter(count(text), { minCount: 6 }).size).toBe(0);
  });

  it('keeps at most maxVocab of the most frequent words (ties by first-seen order)', () => {
    expect(Vocabulary.fromCounter(count(text), { minCount: 1, maxVocab: 2 }).words).toEqual(['u', 'y']);
    expect(Vocabulary.fromCounter(count(text), { minCount: 1, maxVocab: 4 }).words).toEqual(['u', 'y', 'w', 'z']);
    expect(Vocabulary.fromCounter(count(text), { minCount: 2, maxVocab: 100 }).words).toEqual(['u', 'y', 'w', 'z', 'v']);
  });

  it('sentenceToken puts </s> first with the sentence count', () => {
    const v = Vocabulary.fromCounter(count(text), { minCount: 1, sentenceToken: true });
    expect(SENTENCE_TOKEN).toBe('</s>');
    expect(v.words).toEqual(['</s>', 'u', 'y', 'w', 'z', 'v', 'x']);
    expect(Array.from(v.counts)).toEqual([3, 5, 3, 3, 2, 2, 1]);
    expect(v.hasSentenceToken).toBe(true);
    expect(v.totalCount).toBe(19);
    // </s> stays even when the sentence count is under minCount, as in the original.
    const w = Vocabulary.fromCounter(count(text), { minCount: 4, sentenceToken: true });
    expect(w.words).toEqual(['</s>', 'u']);
    expect(Array.from(w.counts)).toEqual([3, 5]);
  });

  it('a literal </s> token in the corpus is not listed twice with sentenceToken', () => {
    const v = Vocabulary.fromCounter(count('a </s> b\na\n'), { minCount: 1, sentenceToken: true });
    expect(v.words.filter((w) => w === '</s>')).toHaveLength(1);
    expect(v.words[0]).toBe('</s>');
    expect(v.counts[0]).toBe(2);
  });

  it('selectFromCounter says where each word came from: its index in the counter\'s lists, -1 for </s>', () => {
    // Counted: a 2, </s> 1 (a literal token), b 1, c 3; the counter lists them as counted.
    const counted = count('a </s> b a\nc c c\n');
    const { vocabulary, sources } = Vocabulary.selectFromCounter(counted, { minCount: 1, sentenceToken: true, maxVocab: 3 });
    expect(vocabulary.words).toEqual(['</s>', 'c', 'a']);
    expect(Array.from(sources)).toEqual([-1, counted.keys.indexOf('c'), counted.keys.indexOf('a')]);
    expect(Array.from(sources).slice(1).map((s) => counted.counts[s])).toEqual([3, 2]);
    expect(Vocabulary.fromCounter(counted, { minCount: 1, sentenceToken: true, maxVocab: 3 }).words).toEqual(vocabulary.words);
  });

  it('selectFromCounter takes lists already in order whole, with the word-by-word result', () => {
    // The native counter's frequent() lists are the vocabulary already (most counted first, all
    // at least minCount): they take a shortcut that must give what the general path gives. The
    // reference: filter, stable sort by count, cap, </s> first with the line count.
    const reference = (c: CountedTokens, o: { minCount: number; maxVocab?: number; sentenceToken?: boolean }) => {
      const order = c.keys.map((_, i) => i).filter((i) => c.counts[i]! >= o.minCount);
      order.sort((a, b) => c.counts[b]! - c.counts[a]!);
      const kept = order.slice(0, o.maxVocab ?? Infinity).filter((i) => !(o.sentenceToken && c.keys[i] === SENTENCE_TOKEN));
      const head = o.sentenceToken ? [-1] : [];
      return {
        keys: [...(o.sentenceToken ? [SENTENCE_TOKEN] : []), ...kept.map((i) => c.keys[i]!)],
        counts: [...(o.sentenceToken ? [c.lines] : []), ...kept.map((i) => c.counts[i]!)],
        sources: [...head, ...kept],
      };
    };
    let state = 7;
    const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + Math.floor(next() * 40);
      const counts = Float64Array.from({ length: n }, () => 1 + Math.floor(next() * 6)).sort().reverse();
      const keys = Array.from({ length: n }, (_, i) => `w${i}`);
      if (trial % 3 === 0) keys[Math.floor(next() * n)] = SENTENCE_TOKEN;  // a literal </s> token
      const counted: CountedTokens = { keys, counts, lines: 11 };
      for (const options of [
        { minCount: 1, sentenceToken: true },
        { minCount: 1 },
        { minCount: 3, sentenceToken: true },  // some under minCount: the general path
        { minCount: 1, sentenceToken: true, maxVocab: Math.max(1, n - 2) },  // capped: the general path
      ]) {
        const { vocabulary, sources } = Vocabulary.selectFromCounter(counted, options);
        const want = reference(counted, options);
        expect(vocabulary.keys).toEqual(want.keys);
        expect(Array.from(vocabulary.counts)).toEqual(want.counts);
        expect(Array.from(sources)).toEqual(want.sources);
        expect(vocabulary.hasSentenceToken).toBe(options.sentenceToken === true);
      }
    }
  });

  it('idOf works for non-ASCII words (looked up by their UTF-8 bytes)', () => {
    const v = Vocabulary.fromCounter(count('café café 日本 naïve\nnaïve café\n'), { minCount: 1 });
    expect(v.words).toEqual(['café', 'naïve', '日本']);
    expect(v.keys).toEqual([utf8Key('café'), utf8Key('naïve'), utf8Key('日本')]);
    expect(v.idOf('café')).toBe(0);
    expect(v.idOf('naïve')).toBe(1);
    expect(v.idOf('日本')).toBe(2);
    expect(v.idOfKey(utf8Key('日本'))).toBe(2);
    expect(v.idOf('cafe')).toBeUndefined();
  });
});

describe('Vocabulary file format', () => {
  it('toFile writes the original `word count\\n` lines in id order', () => {
    const v = Vocabulary.fromCounter(count('b a b\nc b a\n'), { minCount: 1, sentenceToken: true });
    expect(v.toFile().toString('latin1')).toBe('</s> 2\nb 3\na 2\nc 1\n');
  });

  it('toFile writes non-ASCII words as their UTF-8 bytes', () => {
    const v = Vocabulary.fromCounter(count('日本 x 日本\n'), { minCount: 1 });
    expect(v.toFile()).toEqual(Buffer.from('日本 2\nx 1\n', 'utf8'));
  });

  it('toFile / parse round trip (words, counts, sentence token, UTF-8 and raw bytes)', () => {
    const bytes = Buffer.concat([
      Buffer.from('the the of the café café naïve 日本 of ', 'utf8'),
      Buffer.from([0xff, 0xfe, 0x20, 0xc3, 0x28, 0x0a]),
      Buffer.from('x y z\n', 'utf8'),
    ]);
    for (const sentenceToken of [false, true]) {
      const v = Vocabulary.fromCounter(count(bytes), { minCount: 1, sentenceToken });
      const back = Vocabulary.parse(v.toFile());
      expect(back.keys).toEqual(v.keys);
      expect(back.words).toEqual(v.words);
      expect(Array.from(back.counts)).toEqual(Array.from(v.counts));
      expect(back.hasSentenceToken).toBe(sentenceToken);
      expect(back.idOf('café')).toBe(v.idOf('café'));
      expect(back.idOfKey('\xff\xfe')).toBe(v.idOfKey('\xff\xfe'));
    }
  });

  // BUG (lib/corpus/vocabulary.ts, Vocabulary.parse): `line.trim()` strips JS white space, which
  // includes U+00A0, i.e. the byte 0xA0 in a latin1 key. A word whose bytes start with 0xA0
  // (a Latin-1 no-break space, common in legacy corpora; the tokenizer keeps it in the token)
  // loses that byte, and a word that is only 0xA0 makes the file unparseable. The original
  // tool splits only on space, tab and newline.
  it('toFile / parse round trip keeps a word that starts with the byte 0xA0', () => {
    const v = new Vocabulary(['\xa0km', 'a'], Float64Array.from([3, 2]));
    expect(Vocabulary.parse(v.toFile()).keys).toEqual(['\xa0km', 'a']);
  });

  it('parse accepts a word that is the single byte 0xA0', () => {
    const v = new Vocabulary(['a', '\xa0'], Float64Array.from([3, 1]));
    expect(Vocabulary.parse(v.toFile()).keys).toEqual(['a', '\xa0']);
  });

  it('parse reads the original tool\'s vocabulary file (fixture)', async () => {
    const v = await Vocabulary.read(join(__dirname, '../fixtures/original-c/tiny.vocab'));
    expect(v.words[0]).toBe('</s>');
    expect(v.hasSentenceToken).toBe(true);
    expect(v.words.slice(1, 4)).toEqual(['the', 'of', 'a']);
    expect(Array.from(v.counts.subarray(0, 4))).toEqual([1541, 3766, 1712, 1339]);
    expect(v.size).toBe(138);
  });

  it('parse accepts CRLF, tabs and blank lines', () => {
    const v = Vocabulary.parse(Buffer.from('a 3\r\n\r\nb\t2\n\n  c 1  \n'));
    expect(v.words).toEqual(['a', 'b', 'c']);
    expect(Array.from(v.counts)).toEqual([3, 2, 1]);
  });

  it('parse errors name the line (1-based) and its text', () => {
    expect(() => Vocabulary.parse(Buffer.from('a 3\nb\n'))).toThrow(
      new Error('vocabulary file line 2 must be "word count", got "b"'),
    );
    expect(() => Vocabulary.parse(Buffer.from('a 3\n\nb x\n'))).toThrow(
      new Error('vocabulary file line 3 must be "word count", got "b x"'),
    );
    expect(() => Vocabulary.parse(Buffer.from('a 3 4\n'))).toThrow(
      new Error('vocabulary file line 1 must be "word count", got "a 3 4"'),
    );
    expect(() => Vocabulary.parse(Buffer.from('a -1\n'))).toThrow(
      new Error('vocabulary file line 1 must be "word count", got "a -1"'),
    );
    expect(() => Vocabulary.parse(Buffer.from('a 1.5\n'))).toThrow(
      new Error('vocabulary file line 1 must be "word count", got "a 1.5"'),
    );
    expect(() => Vocabulary.parse(Buffer.from('a 2\r\nb two\r\n'), 'vocab.txt')).toThrow(
      new Error('vocab.txt line 2 must be "word count", got "b two"'),
    );
  });

  it('parse rejects an empty file', () => {
    expect(() => Vocabulary.parse(Buffer.alloc(0))).toThrow(new Error('vocabulary file holds no words'));
    expect(() => Vocabulary.parse(Buffer.from('\n \n'))).toThrow(new Error('vocabulary file holds no words'));
  });

  it('duplicate words are rejected', () => {
    expect(() => Vocabulary.parse(Buffer.from('a 3\nb 2\na 1\n'))).toThrow(
      new Error('vocabulary lists the word "a" twice'),
    );
    expect(() => Vocabulary.parse(Buffer.from('日本 3\n日本 1\n', 'utf8'))).toThrow(
      new Error('vocabulary lists the word "日本" twice'),
    );
    expect(() => new Vocabulary(['x', 'y', 'x'], new Float64Array(3))).toThrow(
      new Error('vocabulary lists the word "x" twice'),
    );
  });

  it('the constructor checks counts against keys', () => {
    expect(() => new Vocabulary(['x', 'y'], new Float64Array(3))).toThrow(new Error('vocabulary has 2 words but 3 counts'));
  });

  it('Vocabulary.read names the file in its errors', async () => {
    const path = join(work, 'bad.vocab');
    writeFileSync(path, 'ok 1\nbad\n');
    await expect(Vocabulary.read(path)).rejects.toThrow(
      new Error(`vocabulary file ${JSON.stringify(path)} line 2 must be "word count", got "bad"`),
    );
  });
});

// The fixture tiny.vocab was written by the original tool from the first 300,000 bytes of the
// shared corpus (see test/fixtures/original-c/README.md).
const sharedCorpus = sharedData('corpus/en-8m.txt.gz');
describe('agreement with the original tool', () => {
  itNeeds(sharedCorpus ? undefined : needsShared('corpus/en-8m.txt.gz'))('same words, order and counts as the original -save-vocab, min-count 40', async () => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stream = createReadStream(sharedCorpus!).pipe(createGunzip());
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= 300000) break;
    }
    stream.destroy();
    const text = Buffer.concat(chunks).subarray(0, 300000);
    const ours = Vocabulary.fromCounter(count(text), { minCount: 40, sentenceToken: true });
    const original = Vocabulary.parse(readFileSync(join(__dirname, '../fixtures/original-c/tiny.vocab')));
    expect(ours.words).toEqual(original.words);
    expect(Array.from(ours.counts.subarray(1))).toEqual(Array.from(original.counts.subarray(1)));
    // </s>: one per "\n" (1541 here), blank lines included, as the original counts it.
    let newlines = 0;
    for (const b of text) if (b === 0x0a) newlines++;
    expect(original.counts[0]).toBe(newlines);
    expect(ours.counts[0]).toBe(newlines);
  });
});
