/**
 * Corpora that are empty, degenerate or hostile: each trains or is an Error naming the
 * problem; a stream that fails half way rejects train() with its error, stops the native
 * threads and frees the weights.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';

import { loadModel, train, trainItems, type TrainOptions } from '../../lib/index';
import { rng } from '../helpers';
import { IS_LINUX, rejection, threadCount, threadsBackTo } from './reliability-helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-reliability-corpora-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const OPTS: TrainOptions = { dim: 8, window: 2, epochs: 1, minCount: 1, threads: 1, seed: 1, sample: 0 };
const bytesOf = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

function lines(count: number, seed: number, words = 50): string[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => Array.from({ length: 12 }, () => `t${Math.floor(r() * words)}`).join(' '));
}

describe('empty and degenerate corpora', () => {
  it('empty in every shape: "holds no tokens", naming the corpus', async () => {
    const empty = join(work, 'empty.txt');
    writeFileSync(empty, '');
    const blank = join(work, 'blank.txt');
    writeFileSync(blank, '\n \t\r\n\n\0\0\n');
    const cases: [unknown, string][] = [
      [[], 'corpus array holds no tokens'],
      [['', '   ', '\t'], 'corpus array holds no tokens'],
      [[[], []], 'corpus array holds no tokens'],
      [empty, `corpus file ${JSON.stringify(empty)} holds no tokens`],
      [blank, `corpus file ${JSON.stringify(blank)} holds no tokens`],
      [Readable.from([]), 'corpus stream holds no tokens'],
      [(function* () {})(), 'corpus iterable holds no tokens'],
      [() => Readable.from(['\n\n']), 'corpus function holds no tokens'],
    ];
    for (const [corpus, message] of cases) {
      expect(await rejection(train(corpus as never, OPTS))).toEqual(new Error(message));
    }
    expect(await rejection(trainItems([[], []]))).toEqual(new Error('the sequences hold no items (2 sequences)'));
  });

  it('every word under minCount: says how many words and tokens there were', async () => {
    expect(await rejection(train(['a b c', 'a d'], { ...OPTS, minCount: 3 }))).toEqual(
      new Error('no word of corpus array occurs at least minCount (3) times (4 distinct words, 5 tokens)'),
    );
    expect(await rejection(trainItems([['a', 'b']], { minCount: 2 }))).toEqual(new Error('no item occurs at least minCount (2) times (2 distinct items)'));
  });

  it('one distinct word: trains (its only neighbour is nobody); hierarchical softmax needs two', async () => {
    const m = await train(['x x x', 'x x'], OPTS);
    expect(m.words).toEqual(['x']);
    expect(m.vectors.every(Number.isFinite)).toBe(true);
    expect(m.mostSimilar('x')).toEqual([]);
    expect(await rejection(train(['x x x'], { ...OPTS, hs: true }))).toEqual(new Error('hs needs at least 2 words in the vocabulary, got 1'));
    const cbow = await train(['x x x'], { ...OPTS, model: 'cbow' });
    expect(cbow.size).toBe(1);
    const items = await trainItems([[7, 7, 7]], { dim: 4 });
    expect(items.items).toEqual([7]);
  });
});

describe('hostile bytes', () => {
  it('NUL bytes separate tokens, so the model saves in every format', async () => {
    const m = await train(['a\0b a b\0\0a', 'b a\0'], OPTS);
    expect([...m.words].sort()).toEqual(['a', 'b']);
    expect(m.trainingStats!.wordsPerEpoch).toBe(7);
    for (const format of ['word2vec-binary', 'word2vec-text', 'vec', 'native'] as const) {
      const path = join(work, `nul-${format}`);
      await m.save(path, { format });
      expect((await loadModel(path)).words).toEqual(m.words);
    }
  });

  it('invalid UTF-8 trains, keys keep the bytes, words show U+FFFD, a save round-trips the bytes', async () => {
    const corpus = Buffer.from([0xff, 0xfe, 0x20, 0xc3, 0x28, 0x20, 0x61, 0x0a, 0xc3, 0x28, 0x20, 0xff, 0xfe, 0x20, 0xe2, 0x82, 0x0a]);
    const m = await train(Readable.from([corpus]), OPTS);
    expect([...m.keys].sort()).toEqual(['\xc3(', '\xe2\x82', '\xff\xfe', 'a'].sort());
    expect(m.words).toContain('\ufffd(');
    const path = join(work, 'utf8.bin');
    await m.save(path);
    expect((await loadModel(path)).keys).toEqual(m.keys);
  });

  it('CRLF line ends give the same vocabulary and bit-identical vectors as LF', async () => {
    const text = lines(300, 3);
    const lf = join(work, 'lf.txt');
    const crlf = join(work, 'crlf.txt');
    writeFileSync(lf, text.join('\n') + '\n');
    writeFileSync(crlf, text.join('\r\n') + '\r\n');
    const a = await train(lf, OPTS);
    const b = await train(crlf, OPTS);
    expect(b.words).toEqual(a.words);
    expect(b.words.some((w) => w.includes('\r'))).toBe(false);
    expect(bytesOf(b.vectors).equals(bytesOf(a.vectors))).toBe(true);
    // And from a stream whose chunks split the \r from the \n.
    const c = await train(Readable.from(Buffer.from(text.join('\r\n') + '\r\n').toString('latin1').match(/[\s\S]{1,7}/g)!.map((s) => Buffer.from(s, 'latin1'))), OPTS);
    expect(bytesOf(c.vectors).equals(bytesOf(a.vectors))).toBe(true);
  });

  it('a 10 kB token is one word like any other', async () => {
    const long = 'y'.repeat(10_000);
    const m = await train([`a ${long} b`, `${long} a b`], OPTS);
    expect(m.has(long)).toBe(true);
    expect(m.vector(long)).toHaveLength(8);
    // From a stream in 1 kB chunks: the token is joined across them.
    const streamed = await train(Readable.from(Buffer.from(`a ${long} b\n${long} a b\n`).toString().match(/[\s\S]{1,1000}/g)!), OPTS);
    expect(streamed.words).toEqual(m.words);
  });

  it('a single line of 10^6 tokens: split at maxSentenceLength (or trained whole), every token counted', async () => {
    const r = rng(5);
    const tokens = Array.from({ length: 1_000_000 }, () => `u${Math.floor(r() * 1000)}`);
    const line = tokens.join(' ');
    const fromStream = await train(Readable.from([Buffer.from(line)]), { ...OPTS, dim: 4, window: 1, negative: 1 });
    expect(fromStream.trainingStats!.epochs[0]!.words).toBe(1_000_000);
    const whole = await train([tokens], { ...OPTS, dim: 4, window: 1, negative: 1, maxSentenceLength: 1_000_000 });
    expect(whole.trainingStats!.epochs[0]!.words).toBe(1_000_000);
    expect(whole.size).toBe(fromStream.size);
  });
});

/** A Readable that yields `good` chunks of text, then fails with `error`. */
function failingStream(good: string[], error: Error): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < good.length) this.push(`${good[i++]}\n`);
      else this.destroy(error);
    },
  });
}

describe('a stream that fails half way', () => {
  it('during the vocabulary pass: train() rejects with the stream\'s own error', async () => {
    const error = new Error('disk on fire');
    expect(await rejection(train(failingStream(lines(500, 7), error), OPTS))).toBe(error);
    expect(await rejection(trainItems((async function* () {
      yield ['a', 'b'];
      throw error;
    })()))).toBe(error);
  });

  // That the weights are freed when a run stops (cancelled or failed alike) is checked on the
  // trainer itself in reliability-memory.test.ts; a training's own garbage hides it here.
  it.skipIf(!IS_LINUX)('during training (a fresh stream per pass): rejects with its error, every native thread joined', async () => {
    await train(lines(100, 8), OPTS); // warm up the thread pools
    const baselineThreads = threadCount();
    const error = new Error('network gone');
    let pass = 0;
    let trainingThreads = 0;
    // Pass 1 counts the vocabulary; the training pass fails after 2,000 of 40,000 lines
    // (cacheTokens 0: the corpus is read again for training instead of kept as ids).
    const corpus = () => (++pass === 1 ? Readable.from(lines(40_000, 9, 5000).map((l) => `${l}\n`)) : failingStream(lines(2000, 9, 5000), error));
    const got = await rejection(train(corpus, { ...OPTS, dim: 200, threads: 4, epochs: 3, progressInterval: 1, cacheTokens: 0 }, {
      onProgress: (p) => {
        if (p.phase === 'training') trainingThreads = Math.max(trainingThreads, threadCount());
      },
    }));
    expect(got).toBe(error);
    expect(pass).toBe(2);
    expect(trainingThreads).toBeGreaterThanOrEqual(baselineThreads + 5); // 4 workers, 1 supervisor
    expect(await threadsBackTo(baselineThreads)).toBe(baselineThreads);
  });

  it('an async iterable that throws in the training pass, and a corpus function that throws', async () => {
    const error = new Error('iterator broke');
    let pass = 0;
    const corpus = () =>
      (async function* () {
        pass++;
        for (const [i, l] of lines(3000, 10).entries()) {
          if (pass === 2 && i === 1500) throw error;
          yield l;
        }
      })();
    expect(await rejection(train(corpus, { ...OPTS, cacheTokens: 0 }))).toBe(error);
    const thrower = () => {
      throw error;
    };
    expect(await rejection(train(thrower as never, OPTS))).toBe(error);
    expect(await rejection(train((() => 42) as never, OPTS))).toEqual(
      new TypeError('a corpus function must return a Readable or an (async) iterable, got 42'),
    );
  });
});
