import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lineStarts } from '../../lib/corpus/corpus';
import { native } from '../../lib/native/addon';
import { NativeTokenCounter, vocabularyEncoder } from '../../lib/native/token-scanner';
import { Tokenizer } from '../../lib/corpus/tokenizer';
import { Vocabulary } from '../../lib/corpus/vocabulary';
import { keptIds, rng } from '../helpers';

/** A random text over a small alphabet of tokens and separators (NUL, \r\n, \v... included). */
function randomText(seed: number, tokens: number): Buffer {
  const r = rng(seed);
  const alphabet = ['a', 'b', 'ab', 'ba', 'é', '\u00ff', '\x00', 'longer-token', 'x'.repeat(300)];
  const seps = [' ', ' ', ' ', '\n', '\t', '\r\n', '  ', '\v', '\f', '\n\n'];
  let text = '';
  for (let i = 0; i < tokens; i++) text += alphabet[Math.floor(r() * alphabet.length)]! + seps[Math.floor(r() * seps.length)]!;
  return Buffer.from(text, 'utf8');
}

/** Feeds `bytes` to a tokenizer over `sink` in random pieces (1 to 700 bytes). */
function feedInPieces(tok: Tokenizer, bytes: Buffer, seed: number): void {
  const r = rng(seed);
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(r() * 700);
    tok.push(bytes.subarray(at, at + n));
    at += n;
  }
  tok.end();
}

/** Every counted key and count, by provisional id (frequent() lists them most counted first). */
function byId(counter: NativeTokenCounter): { keys: string[]; counts: number[]; lines: number } {
  const f = counter.frequent(0);
  const keys: string[] = [];
  const counts: number[] = [];
  f.ids.forEach((id, i) => {
    keys[id] = f.keys[i]!;
    counts[id] = f.counts[i]!;
  });
  return { keys, counts, lines: f.lines };
}

/** Checks a counter against the reference counts of the same bytes. */
function expectCounted(counter: NativeTokenCounter, want: ReturnType<typeof referenceEvents>, bytes: Buffer): void {
  const got = byId(counter);
  expect(got.keys).toEqual(want.keys);
  expect(got.counts).toEqual(want.counts);
  expect(got.lines).toBe(want.lines);
  expect(counter.tokens).toBe(want.counts.reduce((a, b) => a + b, 0));
  expect(counter.sentences).toBe(want.events.filter((e) => e === 's').length);
  expect(counter.bytesRead).toBe(bytes.length);
  expect(counter.distinct).toBe(want.keys.length);
}

/** The JS tokenizer's events for the same bytes: the reference. */
function referenceEvents(bytes: Buffer): { events: string[]; keys: string[]; counts: number[]; lines: number } {
  const ids = new Map<string, number>();
  const counts: number[] = [];
  const events: string[] = [];
  let lines = 0;
  const tok = new Tokenizer({
    token: (k) => {
      if (!ids.has(k)) {
        ids.set(k, ids.size);
        counts.push(0);
      }
      counts[ids.get(k)!]!++;
      events.push(`t${ids.get(k)}`);
    },
    endSentence: () => events.push('s'),
    endLine: () => lines++,
  });
  tok.push(bytes);
  tok.end();
  return { events, keys: [...ids.keys()], counts, lines };
}

describe('NativeTokenCounter', () => {
  it('counts exactly what the JS tokenizer counts, whatever the buffer boundaries', async () => {
    for (const seed of [2, 3, 4]) {
      const bytes = randomText(seed, 20000);
      const want = referenceEvents(bytes);
      const counter = new NativeTokenCounter(1e9);
      feedInPieces(new Tokenizer(counter), bytes, seed + 100);
      expectCounted(counter, want, bytes);
      const events = (await keptIds(counter))!.map((id) => (id < 0 ? 's' : `t${id}`));
      expect(events).toEqual(want.events);
    }
  });

  it('counts tokens given apart (token arrays) with the same ids as scanned bytes', async () => {
    const counter = new NativeTokenCounter(100);
    const tok = new Tokenizer(counter);
    tok.push(Buffer.from('new york\n'));
    counter.token('york');
    counter.token('new york');  // white space inside a token given apart is kept
    counter.endSentence();
    counter.endLine();
    expect(byId(counter).keys).toEqual(['new', 'york', 'new york']);
    expect(counter.frequent(0).keys).toEqual(['york', 'new', 'new york']);  // most counted first
    expect(counter.lines).toBe(2);
    expect(await keptIds(counter)).toEqual([0, 1, -1, 1, 2, -1]);
  });

  it('lists only the tokens counted at least minCount times, looks keys up, and frees its table', () => {
    const counter = new NativeTokenCounter();
    const t = new Tokenizer(counter);
    t.push(Buffer.from('b a b\nc b a\n\nd d d d\n'));
    t.end();
    const f = counter.frequent(2);
    expect(f.keys).toEqual(['d', 'b', 'a']);
    expect(Array.from(f.counts)).toEqual([4, 3, 2]);
    expect(Array.from(f.ids)).toEqual([3, 0, 1]);
    expect(f.lines).toBe(4);
    const found = counter.lookup(['d', 'zz', 'c', 'b a']);
    expect(Array.from(found.ids)).toEqual([3, -1, 2, -1]);
    expect(Array.from(found.counts)).toEqual([4, 0, 1, 0]);
    counter.release();
    expect(counter.tokens).toBe(10);  // totals survive the release
    expect(counter.distinct).toBe(4);
    expect(() => counter.frequent(1)).toThrow(/released/);
  });

  it('rejects a too-small output buffer with a RangeError naming the sizes', async () => {
    const { native } = await import('../../lib/native/addon');
    const scanner = new (native().TokenScanner)();
    expect(() => scanner.scan(Buffer.from('abc def'), new Int32Array(3))).toThrow(/out must hold at least 9 ids, got 3/);
    expect(() => scanner.scan('abc' as unknown as Buffer, new Int32Array(9))).toThrow(TypeError);
    expect(() => new (native().TokenScanner)({} as never)).toThrow(/scanner must be a TokenScanner/);
    expect(() => new (native().TokenScanner)(Buffer.from('ab'), Float64Array.of(0, 3), new Int32Array(0))).toThrow(
      /offsets\[1\] must be an integer in \[0, 2\], got 3/,
    );
    expect(() => scanner.keys(-1)).toThrow(/minCount must be an integer in/);
  });
});

describe('NativeTokenCounter.countFile', () => {
  const work = mkdtempSync(join(tmpdir(), 'w2v-native-tokens-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('counts a file in parts on threads exactly as the tokenizer counts it whole', async () => {
    const bytes = randomText(21, 30000);
    const path = join(work, 'parts.txt');
    writeFileSync(path, bytes);
    const want = referenceEvents(bytes);
    for (const parts of [1, 2, 5]) {
      const counter = new NativeTokenCounter(1e9);
      await counter.countFile(path, await lineStarts(path, parts), 1, async () => undefined);
      expectCounted(counter, want, bytes);
      // Each part's ids are kept apart, as ids of the merged table: joined, the whole file's.
      const events = (await keptIds(counter))!.map((id) => (id < 0 ? 's' : `t${id}`));
      expect(events).toEqual(want.events);
    }
  });

  it('keeps ids up to the limit exactly (all parts together), and none past it', async () => {
    const path = join(work, 'limit.txt');
    writeFileSync(path, 'a b c\nd e\n\nf\n');  // 6 tokens and 3 sentence ends: 9 values
    for (const [limit, parts, kept] of [[9, 1, true], [9, 3, true], [8, 1, false], [8, 3, false], [0, 2, false]] as const) {
      const counter = new NativeTokenCounter(limit);
      await counter.countFile(path, await lineStarts(path, parts), 1, async () => undefined);
      expect(counter.tokens).toBe(6);
      expect(await keptIds(counter)).toEqual(kept ? [0, 1, 2, -1, 3, 4, -1, 5, -1] : undefined);
    }
    // The same limit for bytes scanned on the main thread: past it, what was kept is dropped.
    for (const [limit, kept] of [[9, true], [8, false]] as const) {
      const counter = new NativeTokenCounter(limit);
      const t = new Tokenizer(counter);
      t.push(Buffer.from('a b c\nd e\n'));
      t.push(Buffer.from('\nf\n'));
      t.end();
      expect((await keptIds(counter))?.length).toBe(kept ? 9 : undefined);
    }
  });

  it('rewrites the kept ids as final ids: unknown words and emptied sentences left out, 2 or 4 bytes an id', async () => {
    const path = join(work, 'final.txt');
    writeFileSync(path, 'a b c\nc c\nb a\n');  // provisional ids a 0, b 1, c 2
    for (const parts of [1, 2, 3]) {
      for (const narrow of [true, false]) {
        const counter = new NativeTokenCounter(100);
        await counter.countFile(path, await lineStarts(path, parts), 1, async () => undefined);
        // a becomes 1, b 0, c is dropped: the second sentence is left empty and goes too.
        const got = (await counter.takeIds(Int32Array.of(1, 0, -2), narrow))!;
        expect(got.narrow).toBe(narrow);
        expect(got.parts).toHaveLength(parts);
        const end = narrow ? 0xffff : -1;
        const joined = got.parts.flatMap(({ blocks, length }) => blocks.flatMap((b) => Array.from(b)).slice(0, length));
        expect(joined).toEqual([1, 0, end, 0, 1, end]);
        for (const { blocks } of got.parts) for (const b of blocks) expect(b).toBeInstanceOf(narrow ? Uint16Array : Int32Array);
        expect(await counter.takeIds(Int32Array.of(1, 0, -2), narrow)).toBeUndefined();  // handed over once
      }
    }
    // Final ids that do not fit, or a table too short for the ids, are refused, naming the value.
    const wide = new NativeTokenCounter(100);
    await wide.countFile(path, [0, 14], 1, async () => undefined);
    await expect(wide.takeIds(Int32Array.of(0, 70000, 1), true)).rejects.toThrow('final id 70000 does not fit (at most 65534)');
    const short = new NativeTokenCounter(100);
    await short.countFile(path, [0, 14], 1, async () => undefined);
    await expect(short.takeIds(Int32Array.of(0, 1), false)).rejects.toThrow('id 2 is outside the 2 final ids');
  });

  it('a tick that throws cancels the count and rejects with its error; a missing file names the path', async () => {
    const path = join(work, 'big.txt');
    writeFileSync(path, randomText(22, 400000));
    const stop = new Error('stop here');
    const counter = new NativeTokenCounter();
    const started = performance.now();
    await expect(counter.countFile(path, await lineStarts(path, 2), 0, async () => { throw stop; })).rejects.toBe(stop);
    expect(performance.now() - started).toBeLessThan(1000);
    const failed = new NativeTokenCounter();
    await expect(failed.countFile(join(work, 'none.txt'), [0, 10], 5, async () => undefined)).rejects.toMatchObject({
      message: expect.stringMatching(/cannot open .*none\.txt/),
      code: 'W2V_CANNOT_OPEN',
    });
    // train() then reads the file with Node into the same counter (its fallback): it still counts.
    const t = new Tokenizer(failed);
    t.push(Buffer.from('a b a\n'));
    t.end();
    expect(Array.from(failed.frequent(1).counts)).toEqual([2, 1]);
    expect(failed.tokens).toBe(3);
  });

  it('refuses to scan while counting, and to count twice', async () => {
    const path = join(work, 'small.txt');
    writeFileSync(path, 'a b\nc\n');
    const scanner = new (native().TokenScanner)();
    const counting = scanner.countFile(path, Float64Array.of(0, 6));
    expect(() => scanner.scan(Buffer.from('x'), new Int32Array(3))).toThrow(/is counting a file/);
    await expect(counting).resolves.toBe(true);
    expect(scanner.totals()).toEqual({ bytes: 6, tokens: 3, sentences: 2, lines: 2 });
    expect(() => scanner.countFile(path, Float64Array.of(0, 6))).toThrow(/has counted already/);
    expect(() => new (native().TokenScanner)().countFile(path, Float64Array.of(4, 2))).toThrow(/starts\[1\] must be an integer offset, not below/);
    expect(() => scanner.keepIds(10)).toThrow(/keepIds\(\) is for a new counting scanner/);
    expect(() => new (native().TokenScanner)().keepIds(0)).toThrow(/limit must be an integer in \[1, /);
    expect(() => new (native().TokenScanner)().keepIds(1.5)).toThrow(/limit must be an integer/);
    expect(() => new (native().TokenScanner)().takeIds(new Float64Array(1) as never, false)).toThrow(/finalId must be a Int32Array/);
  });
});

describe('vocabularyEncoder', () => {
  it('gives the vocabulary id of every known token and leaves out unknown words and </s>', () => {
    const bytes = randomText(7, 5000);
    const vocab = new Vocabulary(['</s>', 'a', 'ab', 'é', 'x'.repeat(300)].map((w) => Buffer.from(w).toString('latin1')), Float64Array.of(9, 5, 4, 3, 2), true);
    const got: string[] = [];
    const target = { add: (id: number) => got.push(String(id)), endSentence: () => got.push('s') };
    feedInPieces(new Tokenizer(vocabularyEncoder(vocab)(target)), bytes, 8);
    // The reference: the JS tokenizer and the vocabulary's map.
    const want: string[] = [];
    const tok = new Tokenizer({
      token: (k) => {
        const id = vocab.idOfKey(k);
        if (id !== undefined && id !== 0) want.push(String(id));
      },
      endSentence: () => want.push('s'),
    });
    tok.push(bytes);
    tok.end();
    expect(got).toEqual(want);
    expect(got.filter((e) => e !== 's').length).toBeGreaterThan(1000);
  });

  it('gives each sink its own stream over one table', () => {
    const vocab = new Vocabulary(['cat', 'sat'], Float64Array.of(2, 1));
    const make = vocabularyEncoder(vocab);
    const a: number[] = [];
    const b: number[] = [];
    const ta = new Tokenizer(make({ add: (id) => a.push(id), endSentence: () => a.push(-1) }));
    const tb = new Tokenizer(make({ add: (id) => b.push(id), endSentence: () => b.push(-1) }));
    ta.push(Buffer.from('ca'));
    tb.push(Buffer.from('sat c'));
    ta.push(Buffer.from('t dog\n'));
    tb.push(Buffer.from('at'));
    ta.end();
    tb.end();
    expect(a).toEqual([0, -1]);
    expect(b).toEqual([1, 0, -1]);
  });
});
