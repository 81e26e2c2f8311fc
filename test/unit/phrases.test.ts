import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { phrases, type Phrases } from '../../lib/corpus/phrases';

/**
 * A corpus whose counts are easy to follow by hand (lines in this order):
 *   20 x "i love new york", 30 x "i like tea", 30 x "we love tea", 40 x "the cat sat on the mat"
 * totalWords = 80 + 90 + 90 + 240 = 500
 * i 50, love 50, new 20, york 20, the 80, cat 40, sat 40, on 40
 * i_love 20, love_new 20, new_york 20, cat_sat 40, sat_on 40
 * (pairs across lines also count, as in the original: york_i 20, tea_i 29, tea_we 30, ...)
 * Score as the original word2phrase, in float: (pab - minCount) / pa / pb * totalWords
 *   new york: 15 / 20 / 20 * 500 = 18.75
 *   love new: 15 / 50 / 20 * 500 = 7.5 in double, 7.500000476837158 in float
 *   i love:   15 / 50 / 50 * 500 = 3
 *   cat sat, sat on: 35 / 40 / 40 * 500 = 10.9375
 */
function synthetic(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 20; i++) lines.push('i love new york');
  for (let i = 0; i < 30; i++) lines.push('i like tea');
  for (let i = 0; i < 30; i++) lines.push('we love tea');
  for (let i = 0; i < 40; i++) lines.push('the cat sat on the mat');
  return lines;
}

const SYN = synthetic();
const f = Math.fround;
/** The original's float arithmetic, spelled out. */
const cScore = (pab: number, pa: number, pb: number, total: number, minCount = 5): number =>
  f(f(f(f(pab - minCount) / f(pa)) / f(pb)) * f(total));

async function collect(it: AsyncIterable<string[]>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const line of it) out.push(line);
  return out;
}

/** Fails the test instead of hanging when a promise never settles. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('phrases(): counts and score', () => {
  it('scores a pair with the original formula in float arithmetic', async () => {
    const p = await phrases(SYN, { minCount: 5, threshold: 10 });
    expect(p.totalWords).toBe(500);
    expect(p.minCount).toBe(5);
    expect(p.threshold).toBe(10);
    expect(p.score('new', 'york')).toBe(cScore(20, 20, 20, 500));
    expect(p.score('new', 'york')).toBe(18.75);
    // Float, not double: 7.5 in double arithmetic.
    expect(p.score('love', 'new')).toBe(cScore(20, 50, 20, 500));
    expect(p.score('love', 'new')).toBe(7.500000476837158);
    expect(p.score('i', 'love')).toBe(3);
    expect(p.score('cat', 'sat')).toBe(10.9375);
    // A pair never seen, a word never seen: 0.
    expect(p.score('york', 'new')).toBe(0);
    expect(p.score('new', 'zebra')).toBe(0);
  });

  it('defaults to minCount 5 and threshold 100 (as word2phrase)', async () => {
    const p = await phrases(SYN);
    expect(p.minCount).toBe(5);
    expect(p.threshold).toBe(100);
    expect(p.apply(['i', 'love', 'new', 'york'])).toEqual(['i', 'love', 'new', 'york']);
  });

  it('drops words and pairs under minCount from the score', async () => {
    // "we love" 30 times, "love tea" 30 times; with minCount 31 "we" (30) is too rare.
    const p = await phrases(SYN, { minCount: 31, threshold: 0 });
    expect(p.score('we', 'love')).toBe(0);
    // love 50, tea 60, love_tea 30 < 31: the pair itself is too rare.
    expect(p.score('love', 'tea')).toBe(0);
    // cat 40, sat 40, cat_sat 40: (40 - 31) / 40 / 40 * 500
    expect(p.score('cat', 'sat')).toBe(cScore(40, 40, 40, 500, 31));
  });
});

describe('Phrases.apply()', () => {
  it('joins a pair above the threshold', async () => {
    const p = await phrases(SYN, { minCount: 5, threshold: 10 });
    expect(p.apply(['i', 'love', 'new', 'york'])).toEqual(['i', 'love', 'new_york']);
    expect(p.apply(['new', 'york'])).toEqual(['new_york']);
  });

  it('does not join a pair under (or at) the threshold', async () => {
    const at10 = await phrases(SYN, { minCount: 5, threshold: 10 });
    expect(at10.apply(['love', 'new'])).toEqual(['love', 'new']); // 7.5 < 10
    expect(at10.apply(['i', 'love'])).toEqual(['i', 'love']); // 3 < 10
    const at7 = await phrases(SYN, { minCount: 5, threshold: 7 });
    expect(at7.apply(['love', 'new'])).toEqual(['love_new']);
    // The test is score > threshold, strictly.
    const exact = await phrases(SYN, { minCount: 5, threshold: 18.75 });
    expect(exact.apply(['new', 'york'])).toEqual(['new', 'york']);
    const below = await phrases(SYN, { minCount: 5, threshold: 18.7 });
    expect(below.apply(['new', 'york'])).toEqual(['new_york']);
  });

  // word2phrase keeps `real threshold` (float): -threshold 7.5000003 becomes 7.50000048 (float),
  // equal to the float score of "love new", so the original does NOT join them (checked against
  // the C word2phrase, see test/integration/cli.test.ts). Phrases compares the float score to the
  // double threshold 7.5000003 and joins.
  it('compares the score to the threshold rounded to float, as word2phrase', async () => {
    const p = await phrases(SYN, { minCount: 5, threshold: 7.5000003 });
    expect(f(7.5000003)).toBe(p.score('love', 'new'));
    expect(p.apply(['love', 'new'])).toEqual(['love', 'new']);
  });

  it('never lets a joined word join the next one (the original pb = 0 rule)', async () => {
    const p = await phrases(SYN, { minCount: 5, threshold: 7 });
    // love_new (7.5) and new_york (18.75) are both above 7, but "new" was taken by "love".
    expect(p.apply(['new', 'york'])).toEqual(['new_york']);
    expect(p.apply(['i', 'love', 'new', 'york'])).toEqual(['i', 'love_new', 'york']);
    const q = await phrases(SYN, { minCount: 5, threshold: 10 });
    // cat_sat and sat_on both score 10.9375.
    expect(q.apply(['sat', 'on'])).toEqual(['sat_on']);
    expect(q.apply(['the', 'cat', 'sat', 'on', 'the', 'mat'])).toEqual(['the', 'cat_sat', 'on', 'the', 'mat']);
    // After an unjoined word, joining resumes.
    expect(q.apply(['cat', 'sat', 'on', 'cat', 'sat'])).toEqual(['cat_sat', 'on', 'cat_sat']);
  });

  it('handles UTF-8 words', async () => {
    const lines = [...Array.from({ length: 30 }, () => 'un café crème'), ...Array.from({ length: 30 }, () => 'deux thés verts')];
    const p = await phrases(lines, { minCount: 5, threshold: 1 });
    expect(p.score('café', 'crème')).toBe(cScore(30, 30, 30, 180));
    expect(p.apply(['un', 'café', 'crème'])).toEqual(['un_café', 'crème']);
    expect(p.apply(['café', 'crème', 'x'])).toEqual(['café_crème', 'x']);
  });
});

describe('Phrases.transform()', () => {
  it('never joins a pair across a line boundary', async () => {
    // "new" ends every odd line, "york" starts every even line: the pair new_york is counted
    // 30 times (across lines, as the original counts) and scores (30 - 5) / 30 / 30 * 180 = 5;
    // d_a (29 times, across lines too) scores 4.8. Neither may join in transform().
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) lines.push('a b new', 'york c d');
    const p = await phrases(lines, { minCount: 5, threshold: 1 });
    expect(p.score('new', 'york')).toBe(cScore(30, 30, 30, 180));
    expect(p.apply(['new', 'york'])).toEqual(['new_york']);
    expect(p.score('d', 'a')).toBe(cScore(29, 30, 30, 180));
    expect(p.apply(['d', 'a'])).toEqual(['d_a']);
    const out = await collect(p.transform(lines));
    expect(out).toHaveLength(60);
    for (let i = 0; i < 60; i += 2) {
      expect(out[i]).toEqual(['a_b', 'new']);
      // york_c (5) is joined first, so c cannot join d.
      expect(out[i + 1]).toEqual(['york_c', 'd']);
    }
    // The same from a byte stream of the file's text.
    const fromStream = await collect(p.transform(Readable.from([Buffer.from(lines.join('\n') + '\n')])));
    expect(fromStream).toEqual(out);
  });

  it('yields one array per input line, empty lines included', async () => {
    const p = await phrases(SYN, { minCount: 5, threshold: 10 });
    expect(await collect(p.transform(['i love new york', '', 'new york', '']))).toEqual([
      ['i', 'love', 'new_york'],
      [],
      ['new_york'],
      [],
    ]);
    expect(await collect(p.transform(Readable.from([Buffer.from('i love new york\n\n\nnew york\n')])))).toEqual([
      ['i', 'love', 'new_york'],
      [],
      [],
      ['new_york'],
    ]);
    // A last line without a newline still comes out.
    expect(await collect(p.transform(Readable.from([Buffer.from('tea\nnew york')])))).toEqual([['tea'], ['new_york']]);
    // Token arrays: one line each.
    expect(await collect(p.transform([['new', 'york'], [], ['we', 'love', 'tea']]))).toEqual([['new_york'], [], ['we', 'love', 'tea']]);
  });

  it('yields every line of a corpus longer than its buffer, in order', async () => {
    const p = await phrases(SYN, { minCount: 5, threshold: 10 });
    const lines = Array.from({ length: 5000 }, (_, i) => (i % 2 === 0 ? `new york ${i}` : ''));
    const out = await collect(p.transform(lines));
    expect(out).toHaveLength(5000);
    for (let i = 0; i < 5000; i++) expect(out[i]).toEqual(i % 2 === 0 ? ['new_york', String(i)] : []);
  });

  it('stops its source when the consumer breaks out early', async () => {
    const p = await phrases(SYN, { minCount: 5, threshold: 10 });
    let pulled = 0;
    let closed = false;
    async function* source(): AsyncGenerator<string> {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++;
          yield 'i love new york';
        }
      } finally {
        closed = true;
      }
    }
    const firstThree = async (): Promise<string[][]> => {
      const got: string[][] = [];
      for await (const line of p.transform(source())) {
        got.push(line);
        if (got.length === 3) break;
      }
      return got;
    };
    const got = await within(firstThree(), 10_000, 'breaking out of transform()');
    expect(got).toEqual([
      ['i', 'love', 'new_york'],
      ['i', 'love', 'new_york'],
      ['i', 'love', 'new_york'],
    ]);
    // The generator's finally awaited the producer, which closed the source.
    expect(closed).toBe(true);
    expect(pulled).toBeLessThan(10_000);
  });

  it('can be left early on a rereadable corpus and run again', async () => {
    const p = await phrases(SYN, { minCount: 5, threshold: 10 });
    const lines = Array.from({ length: 3000 }, () => 'new york');
    const gen = p.transform(lines);
    const first = await within(gen.next(), 5000, 'first line');
    expect(first).toEqual({ done: false, value: ['new_york'] });
    await expect(within(gen.return(undefined), 5000, 'return()')).resolves.toEqual({ done: true, value: undefined });
    const all = await within(collect(p.transform(lines)), 10_000, 'a second transform');
    expect(all).toHaveLength(3000);
  });
});

describe('phrases(): options and abort', () => {
  it('rejects an unknown option', async () => {
    await expect(phrases(SYN, { minCount: 5, treshold: 1 } as never)).rejects.toThrow(new TypeError('unknown option "treshold"'));
  });

  it('rejects minCount 0 and a non-integer minCount', async () => {
    await expect(phrases(SYN, { minCount: 0 })).rejects.toThrow(
      new RangeError('minCount must be an integer in [1, 9007199254740991], got 0'),
    );
    await expect(phrases(SYN, { minCount: 2.5 })).rejects.toThrow(
      new RangeError('minCount must be an integer in [1, 9007199254740991], got 2.5'),
    );
  });

  it('rejects a NaN or infinite threshold', async () => {
    await expect(phrases(SYN, { threshold: NaN })).rejects.toThrow(
      new RangeError('threshold must be a number in [-1.7976931348623157e+308, 1.7976931348623157e+308], got NaN'),
    );
    await expect(phrases(SYN, { threshold: Infinity })).rejects.toThrow(
      'threshold must be a number in [-1.7976931348623157e+308, 1.7976931348623157e+308], got Infinity',
    );
  });

  it('rejects options that are not an object, and a bad corpus', async () => {
    await expect(phrases(SYN, null as never)).rejects.toThrow(new TypeError('options must be an object, got null'));
    await expect(phrases(42 as never)).rejects.toThrow(TypeError);
  });

  it('rejects with an AbortError for an already aborted signal', async () => {
    const err = await phrases(SYN, { signal: AbortSignal.abort() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('AbortError');
  });

  it('rejects with an AbortError when aborted while counting, and closes the source', async () => {
    const controller = new AbortController();
    let pulled = 0;
    let closed = false;
    async function* source(): AsyncGenerator<string> {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++;
          if (pulled === 500) controller.abort();
          yield 'i love new york';
        }
      } finally {
        closed = true;
      }
    }
    const err = await within(
      phrases(source(), { signal: controller.signal }).then(
        (p: Phrases) => p,
        (e: unknown) => e,
      ),
      10_000,
      'aborted phrases()',
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('AbortError');
    expect(pulled).toBeLessThan(2000);
    expect(closed).toBe(true);
  });
});
