import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { createGunzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train, Vocabulary, type Progress, type TrainOptions, type Word2Vec } from '../../lib/index';
import { rejection, rng } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-train-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));


const GROUPS = 4;
const GROUP_SIZE = 10;
const SENTENCE = 15;

/** Sentences of 15 words, each drawn from one of 4 groups of 10 words (`g<group>w<word>`). */
function planted(sentences: number, seed = 7): string[] {
  const r = rng(seed);
  const lines: string[] = [];
  for (let s = 0; s < sentences; s++) {
    const g = Math.floor(r() * GROUPS);
    const words: string[] = [];
    for (let k = 0; k < SENTENCE; k++) words.push(`g${g}w${Math.floor(r() * GROUP_SIZE)}`);
    lines.push(words.join(' '));
  }
  return lines;
}

const groupOf = (word: string): string => word.slice(0, word.indexOf('w'));

/** For every word, how many of its 9 nearest neighbours share its group; returns the worst word. */
function worstGroupRecall(m: Word2Vec): { word: string; inGroup: number } {
  let worst = { word: '', inGroup: Infinity };
  for (const w of m.words) {
    const neighbours = m.mostSimilar(w, { topK: GROUP_SIZE - 1 });
    expect(neighbours).toHaveLength(GROUP_SIZE - 1);
    const inGroup = neighbours.filter((n) => groupOf(n.word) === groupOf(w)).length;
    if (inGroup < worst.inGroup) worst = { word: w, inGroup };
  }
  return worst;
}

const PLANTED = planted(4000); // 60,000 tokens, 40 words
const PLANTED_TOKENS = 4000 * SENTENCE;
const BASE: TrainOptions = { dim: 16, window: 3, epochs: 5, minCount: 1, sample: 0, threads: 1, seed: 1 };

const bytesOf = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The error a promise rejects with (fails the test if it resolves). */

describe('planted structure is learned', () => {
  it.each([
    ['skip-gram, negative sampling', {}],
    ['CBOW, negative sampling', { model: 'cbow' as const }],
    ['skip-gram, hierarchical softmax', { hs: true, negative: 0 }],
    ['CBOW, hierarchical softmax', { model: 'cbow' as const, hs: true, negative: 0 }],
  ])('%s: every word has >= 7 of its 9 nearest neighbours in its group', async (_name, extra) => {
    const m = await train(PLANTED, { ...BASE, ...extra });
    expect(m.size).toBe(GROUPS * GROUP_SIZE);
    expect(m.dim).toBe(16);
    expect(m.vectors).toHaveLength(40 * 16);
    for (const v of m.vectors) expect(Number.isFinite(v)).toBe(true);
    const worst = worstGroupRecall(m);
    expect(worst.inGroup, `worst word ${worst.word}`).toBeGreaterThanOrEqual(7);
    expect(m.trainingStats!.epochs.map((e) => e.words)).toEqual([PLANTED_TOKENS, PLANTED_TOKENS, PLANTED_TOKENS, PLANTED_TOKENS, PLANTED_TOKENS]);
    expect(m.trainingStats!.wordsPerEpoch).toBe(PLANTED_TOKENS);
  });

  it('negative sampling gives output vectors of the same shape', async () => {
    const m = await train(PLANTED, { ...BASE, epochs: 1 });
    expect(m.outputVectors).toBeInstanceOf(Float32Array);
    expect(m.outputVectors).toHaveLength(m.vectors.length);
  });

  it('loss decreases from the first to the last epoch', async () => {
    const m = await train(PLANTED, BASE);
    const epochs = m.trainingStats!.epochs;
    expect(epochs).toHaveLength(5);
    for (const e of epochs) {
      expect(e.predictions).toBeGreaterThan(0);
      expect(Number.isFinite(e.loss)).toBe(true);
    }
    expect(epochs[4]!.loss).toBeLessThan(epochs[0]!.loss);
  });
});

describe('determinism', () => {
  it('seeded single-thread runs are bit-for-bit identical; another seed differs', async () => {
    const opts: TrainOptions = { ...BASE, epochs: 2, sample: 1e-3 };
    const a = await train(PLANTED, opts);
    const b = await train(PLANTED, opts);
    expect(Buffer.compare(bytesOf(a.vectors), bytesOf(b.vectors))).toBe(0);
    expect(Buffer.compare(bytesOf(a.outputVectors!), bytesOf(b.outputVectors!))).toBe(0);
    expect(a.words).toEqual(b.words);
    const c = await train(PLANTED, { ...opts, seed: 2 });
    expect(Buffer.compare(bytesOf(a.vectors), bytesOf(c.vectors))).not.toBe(0);
  });

  it('identical for CBOW + hierarchical softmax too', async () => {
    const opts: TrainOptions = { ...BASE, epochs: 1, model: 'cbow', hs: true, negative: 3, seed: 42 };
    const a = await train(PLANTED, opts);
    const b = await train(PLANTED, opts);
    expect(Buffer.compare(bytesOf(a.vectors), bytesOf(b.vectors))).toBe(0);
  });
});

describe('threads: 2', () => {
  it('finishes, counts every in-vocabulary token once per epoch, and finds the planted groups', async () => {
    // 'zz' occurs once and is dropped by minCount 2: it must not be counted.
    const corpus = [...PLANTED, 'zz'];
    const m = await train(corpus, { ...BASE, threads: 2, minCount: 2 });
    expect(m.size).toBe(40);
    expect(m.has('zz')).toBe(false);
    expect(m.trainingStats!.epochs.map((e) => e.words)).toEqual(Array(5).fill(PLANTED_TOKENS));
    expect(m.trainingStats!.wordsPerEpoch).toBe(PLANTED_TOKENS);
    const worst = worstGroupRecall(m);
    expect(worst.inGroup, `worst word ${worst.word}`).toBeGreaterThanOrEqual(7);
  });
});

describe('every corpus kind gives the same vocabulary and counts', () => {
  // A Zipf-like corpus with non-ASCII words, CRLF and blank lines.
  const r = rng(3);
  const vocab = Array.from({ length: 60 }, (_, i) => (i % 7 === 3 ? `wörd${i}` : i % 11 === 5 ? `日本${i}` : `w${i}`));
  const lines: string[] = [];
  for (let s = 0; s < 600; s++) {
    const n = 1 + Math.floor(r() * 12);
    const words: string[] = [];
    // Index -1 gives undefined, joined as an empty token: doubled separators, which are skipped.
    for (let k = 0; k < n; k++) words.push(vocab[Math.min(vocab.length - 1, Math.floor(1 / (r() + 0.02)) - 1)]!);
    lines.push(words.join(s % 5 === 0 ? '\t' : ' '));
  }
  const tokens = lines.reduce((s, l) => s + l.split(/[ \t]/).filter((w) => w !== '').length, 0);
  const text = lines.map((l, i) => (i % 9 === 0 ? `${l}\r\n\r\n` : `${l}\n`)).join('');
  const opts: TrainOptions = { dim: 8, epochs: 2, minCount: 2, threads: 1, sample: 0 };
  let reference: Word2Vec;
  let inVocabTokens = 0;

  beforeAll(async () => {
    writeFileSync(join(work, 'kinds.txt'), text);
    writeFileSync(join(work, 'kinds.txt.gz'), gzipSync(Buffer.from(text)));
    // A gzip file without the .gz name is detected by its magic bytes.
    writeFileSync(join(work, 'kinds-gzip.data'), gzipSync(Buffer.from(text)));
    reference = await train(lines, opts);
    inVocabTokens = 0;
    for (const l of lines) for (const w of l.split(/[ \t]/)) if (reference.has(w)) inVocabTokens++;
  });

  /** Splits text into string chunks at pseudo-random code unit positions (BMP only). */
  function stringChunks(): string[] {
    const cr = rng(11);
    const out: string[] = [];
    for (let i = 0; i < text.length; ) {
      const n = 1 + Math.floor(cr() * 200);
      out.push(text.slice(i, i + n));
      i += n;
    }
    return out;
  }

  const kinds: [string, () => unknown][] = [
    ['a file path', () => join(work, 'kinds.txt')],
    ['a .gz file path', () => join(work, 'kinds.txt.gz')],
    ['a gzip file without .gz', () => join(work, 'kinds-gzip.data')],
    ['fs.createReadStream (small chunks)', () => createReadStream(join(work, 'kinds.txt'), { highWaterMark: 97 })],
    ['Readable.from(strings)', () => Readable.from(stringChunks())],
    ['Readable.from(Buffers)', () => Readable.from(stringChunks().map((s) => Buffer.from(s)))],
    ['an async generator of lines', () => (async function* () { for (const l of lines) yield l; })()],
    ['a sync generator of token arrays', () => (function* () { for (const l of lines) yield l.split(/[ \t]/); })()],
    ['an array of lines', () => lines],
    ['an array of token arrays', () => lines.map((l) => l.split(/[ \t]/))],
    ['an async generator of Buffers (byte chunks, lines running across them)', () => (async function* () { for (const c of stringChunks()) yield Buffer.from(c); })()],
    ['a function returning a fresh stream per pass', () => () => createReadStream(join(work, 'kinds.txt.gz')).pipe(createGunzip())],
    ['a function returning a fresh generator per pass', () => () => (function* () { for (const l of lines) yield l; })()],
  ];

  it('the reference vocabulary is the one counted independently here', () => {
    const counts = new Map<string, number>();
    for (const l of lines) for (const w of l.split(/[ \t]/)) if (w !== '') counts.set(w, (counts.get(w) ?? 0) + 1);
    // Map keeps first-seen order and sort is stable: ties stay in first-seen order.
    const expected = [...counts].filter(([, c]) => c >= 2).sort((a, b) => b[1] - a[1]);
    expect(reference.words).toEqual(expected.map(([w]) => w));
    expect(Array.from(reference.counts!)).toEqual(expected.map(([, c]) => c));
    expect(reference.size).toBeGreaterThan(20);
    expect(reference.size).toBeLessThan(counts.size); // some words fall under minCount
    expect(reference.words).toContain('w0');
    expect(reference.counts!.reduce((s, c) => s + c, 0)).toBe(inVocabTokens);
    expect(inVocabTokens).toBeLessThanOrEqual(tokens);
    expect(reference.words.some((w) => w.startsWith('wörd'))).toBe(true);
    expect(reference.words.some((w) => w.startsWith('日本'))).toBe(true);
  });

  it.each(kinds)('%s', async (_name, make) => {
    const m = await train(make() as string, opts);
    expect(m.words).toEqual(reference.words);
    expect(Array.from(m.counts!)).toEqual(Array.from(reference.counts!));
    const stats = m.trainingStats!;
    expect(stats.epochs).toHaveLength(2);
    // A one-shot corpus is kept for later epochs: epoch 2 trains on every token again.
    expect(stats.epochs[0]!.words).toBe(inVocabTokens);
    expect(stats.epochs[1]!.words).toBe(inVocabTokens);
  });

  it('a plain file or an array trained by several threads is split into lanes at line starts: every token once per epoch', async () => {
    for (const threads of [2, 3, 7]) {
      for (const corpus of [join(work, 'kinds.txt'), lines]) {
        const m = await train(corpus, { ...opts, threads });
        expect(m.words).toEqual(reference.words);
        expect(m.trainingStats!.epochs.map((e) => e.words)).toEqual([inVocabTokens, inVocabTokens]);
      }
    }
    // More lanes than lines: the empty lanes end at once.
    const tiny = join(work, 'two-lines.txt');
    writeFileSync(tiny, 'a b a b\nb a b a\n');
    const m = await train(tiny, { ...opts, minCount: 1, threads: 8 });
    expect(m.trainingStats!.epochs.map((e) => e.words)).toEqual([8, 8]);
  });

  it('a corpus function is read once, for the vocabulary, and kept as ids; beyond cacheTokens it is called once per pass', async () => {
    let calls = 0;
    const source = () => {
      calls++;
      return Readable.from([text]);
    };
    const kept = await train(source, { ...opts, epochs: 3 });
    expect(calls).toBe(1);  // counted and kept
    expect(kept.trainingStats!.epochs.map((e) => e.words)).toEqual([inVocabTokens, inVocabTokens, inVocabTokens]);
    calls = 0;
    const m = await train(source, { ...opts, epochs: 3, cacheTokens: 10 });
    expect(calls).toBe(4);  // the vocabulary pass and each epoch
    expect(m.trainingStats!.epochs.map((e) => e.words)).toEqual([inVocabTokens, inVocabTokens, inVocabTokens]);
    // The same vectors either way (one thread, one seed).
    expect(Buffer.from(m.vectors.buffer, m.vectors.byteOffset, m.vectors.byteLength).equals(
      Buffer.from(kept.vectors.buffer, kept.vectors.byteOffset, kept.vectors.byteLength))).toBe(true);
    await expect(train(() => 42 as never, opts)).rejects.toThrow('a corpus function must return a Readable or an (async) iterable, got 42');
  });

  it('a file kept as ids in the vocabulary pass trains exactly as re-reading it: 2-byte ids under 65535 words, 4-byte ids above', async () => {
    // Over 65535 distinct words (minCount 1) takes the 4-byte path; the planted corpus the 2-byte one.
    const r = rng(5);
    const wide: string[] = [];
    for (let s = 0; s < 20000; s++) wide.push(Array.from({ length: 9 }, () => `v${Math.floor(r() * 90000)}`).join(' '));
    const widePath = join(work, 'wide.txt');
    writeFileSync(widePath, wide.join('\n'));
    const narrowPath = join(work, 'narrow.txt');
    writeFileSync(narrowPath, planted(300).join('\n'));
    for (const [path, minCount] of [[widePath, 1], [narrowPath, 1]] as const) {
      const o: TrainOptions = { dim: 4, epochs: 3, minCount, threads: 1, sample: 0, seed: 9 };
      const cachedRun = await train(path, o);
      const reread = await train(path, { ...o, cacheTokens: 0 });
      if (path === widePath) expect(cachedRun.size).toBeGreaterThan(65535);
      else expect(cachedRun.size).toBeLessThan(65535);
      const words = cachedRun.trainingStats!.epochs.map((e) => e.words);
      expect(words).toEqual(reread.trainingStats!.epochs.map((e) => e.words));
      expect(new Set(words).size).toBe(1);
      expect(Buffer.from(cachedRun.vectors.buffer, cachedRun.vectors.byteOffset, cachedRun.vectors.byteLength).equals(
        Buffer.from(reread.vectors.buffer, reread.vectors.byteOffset, reread.vectors.byteLength))).toBe(true);
    }
  });

  it('a kept file is cut into the same chunks as one read again: sentences longer than a chunk, or split at maxSentenceLength', async () => {
    // A 70000-word line (longer than a 65536-token chunk) among short ones; then the same
    // corpus split at 7 words. One thread: the chunks' boundaries show in the vectors (the
    // learning rate is updated at each chunk's end).
    const r = rng(11);
    const line = (n: number): string => Array.from({ length: n }, () => `w${Math.floor(r() * 300)}`).join(' ');
    const lines = [...Array.from({ length: 3000 }, () => line(12)), line(70000), ...Array.from({ length: 3000 }, () => line(9))];
    const path = join(work, 'long-line.txt');
    writeFileSync(path, lines.join('\n'));
    for (const maxSentenceLength of [100000, 7]) {
      const o: TrainOptions = { dim: 4, epochs: 2, minCount: 1, threads: 1, sample: 0, seed: 3, maxSentenceLength };
      const kept = await train(path, o);
      const reread = await train(path, { ...o, cacheTokens: 0 });
      expect(kept.trainingStats!.epochs.map((e) => e.predictions)).toEqual(reread.trainingStats!.epochs.map((e) => e.predictions));
      expect(Buffer.from(kept.vectors.buffer, kept.vectors.byteOffset, kept.vectors.byteLength).equals(
        Buffer.from(reread.vectors.buffer, reread.vectors.byteOffset, reread.vectors.byteLength))).toBe(true);
    }
  });

  it('a one-shot stream can be read only once per train(), but trains every epoch', async () => {
    const m = await train(Readable.from([text]), { ...opts, epochs: 3 });
    expect(m.trainingStats!.epochs.map((e) => e.words)).toEqual([inVocabTokens, inVocabTokens, inVocabTokens]);
  });
});

describe('vocabulary options of train()', () => {
  const corpus = ['a b a c', '', 'a b', 'd a b b', 'e'];
  const opts: TrainOptions = { dim: 4, epochs: 1, minCount: 1, threads: 1, sample: 0 };

  it('minCount and maxVocab', async () => {
    const m = await train(corpus, { ...opts, minCount: 2 });
    expect(m.words).toEqual(['a', 'b']);
    expect(Array.from(m.counts!)).toEqual([4, 4]);
    expect(m.trainingStats!.epochs[0]!.words).toBe(8);
    const capped = await train(corpus, { ...opts, maxVocab: 3 });
    expect(capped.words).toEqual(['a', 'b', 'c']);
    expect(capped.trainingStats!.epochs[0]!.words).toBe(9);
  });

  it('sentenceToken: </s> first, counted once per line (blank lines too, as the original), and not trained on', async () => {
    const m = await train(corpus, { ...opts, sentenceToken: true });
    expect(m.words).toEqual(['</s>', 'a', 'b', 'c', 'd', 'e']);
    expect(Array.from(m.counts!)).toEqual([5, 4, 4, 1, 1, 1]);
    expect(m.trainingStats!.wordsPerEpoch).toBe(11);
    expect(m.trainingStats!.epochs[0]!.words).toBe(11);
  });

  it('control.vocabulary replaces counting: its words, order and counts; other tokens skipped', async () => {
    const vocabulary = Vocabulary.parse(Buffer.from('b 50\na 30\nzz 1\n'));
    const m = await train(corpus, opts, { vocabulary });
    expect(m.words).toEqual(['b', 'a', 'zz']);
    expect(Array.from(m.counts!)).toEqual([50, 30, 1]);
    expect(m.trainingStats!.epochs[0]!.words).toBe(8);
  });
});

describe('bad corpora', () => {
  const opts: TrainOptions = { dim: 8, epochs: 1, minCount: 1, threads: 1 };

  it('a nonexistent path: the message names the path', async () => {
    const path = join(work, 'does-not-exist.txt');
    const err = await rejection(train(path, opts));
    expect(err.message).toBe(`cannot read corpus file ${JSON.stringify(path)}: ENOENT: no such file or directory, stat '${path}'`);
  });

  it('a directory', async () => {
    const dir = join(work, 'a-directory');
    mkdirSync(dir, { recursive: true });
    const err = await rejection(train(dir, opts));
    expect(err.message).toBe(`corpus path ${JSON.stringify(dir)} is not a file`);
  });

  it('a number, null, undefined, a plain object', async () => {
    const tail = 'corpus must be a file path, a Readable, or an (async) iterable of lines or token arrays, got';
    expect((await rejection(train(42 as never, opts))).message).toBe(`${tail} 42`);
    expect((await rejection(train(null as never, opts))).message).toBe(`${tail} null`);
    expect((await rejection(train(undefined as never, opts))).message).toBe(`${tail} undefined`);
    expect((await rejection(train({ lines: [] } as never, opts))).message).toBe(`${tail} an object`);
  });

  it('an empty file, a blank file, an empty array: holds no tokens', async () => {
    const empty = join(work, 'empty.txt');
    writeFileSync(empty, '');
    expect((await rejection(train(empty, opts))).message).toBe(`corpus file ${JSON.stringify(empty)} holds no tokens`);
    const blank = join(work, 'blank.txt');
    writeFileSync(blank, '\n \t\r\n\n');
    expect((await rejection(train(blank, opts))).message).toBe(`corpus file ${JSON.stringify(blank)} holds no tokens`);
    const emptyGz = join(work, 'empty.txt.gz');
    writeFileSync(emptyGz, gzipSync(Buffer.alloc(0)));
    expect((await rejection(train(emptyGz, opts))).message).toBe(`corpus file ${JSON.stringify(emptyGz)} holds no tokens`);
    expect((await rejection(train([], opts))).message).toBe('corpus array holds no tokens');
    expect((await rejection(train([[], ['']], opts))).message).toBe('corpus array holds no tokens');
    expect((await rejection(train(Readable.from([]), opts))).message).toBe('corpus stream holds no tokens');
  });

  it('every word under minCount', async () => {
    const err = await rejection(train(['a b c', 'a'], { ...opts, minCount: 5 }));
    expect(err.message).toBe('no word of corpus array occurs at least minCount (5) times (3 distinct words, 4 tokens)');
    const path = join(work, 'rare.txt');
    writeFileSync(path, 'x y\n');
    expect((await rejection(train(path, { ...opts, minCount: 2 }))).message).toBe(
      `no word of corpus file ${JSON.stringify(path)} occurs at least minCount (2) times (2 distinct words, 2 tokens)`,
    );
  });

  it('hs with a single word', async () => {
    const err = await rejection(train(['a a a'], { ...opts, hs: true }));
    expect(err.message).toBe('hs needs at least 2 words in the vocabulary, got 1');
  });

  it('a stream that errors half way rejects with that error and does not hang', async () => {
    const boom = new Error('boom');
    const stream = new Readable({ read() {} });
    stream.push('a b c\nd e f\n');
    setTimeout(() => {
      stream.push('g h\n');
      stream.destroy(boom);
    }, 20);
    const err = await rejection(train(stream, opts));
    expect(err).toBe(boom);
  });

  it('a stream that errors at once', async () => {
    const stream = new Readable({ read() { this.destroy(new Error('no data for you')); } });
    expect((await rejection(train(stream, opts))).message).toBe('no data for you');
  });

  it('an iterable yielding a number, or a token array holding one', async () => {
    expect((await rejection(train(['a b', 42] as never, opts))).message).toBe(
      'corpus item 1 is 42; expected a line (string), an array of token strings or a Buffer',
    );
    expect((await rejection(train((function* () { yield 'a'; yield 'b'; yield null; })() as never, opts))).message).toBe(
      'corpus item 2 is null; expected a line (string), an array of token strings or a Buffer',
    );
    expect((await rejection(train([['a', 5]] as never, opts))).message).toBe('corpus sentence 0 holds 5; tokens must be strings');
  });

  it('a stream yielding objects', async () => {
    const err = await rejection(train(Readable.from([{ a: 1 }]), opts));
    expect(err.message).toBe('corpus stream yielded an object; a corpus stream must yield Buffers or strings');
  });

  it('corrupt gzip data names the file', async () => {
    const path = join(work, 'corrupt.gz');
    writeFileSync(path, Buffer.concat([gzipSync(Buffer.from('a b c\n'.repeat(1000))).subarray(0, 12), Buffer.from('garbage garbage garbage')]));
    const err = await rejection(train(path, opts));
    expect(err.message.startsWith(`corpus file ${JSON.stringify(path)} is not valid gzip: `)).toBe(true);
  });

  it('after all those failures, training still works', async () => {
    const m = await train(['a b c', 'b c'], opts);
    expect(m.words).toEqual(['b', 'c', 'a']);
  });
});

describe('abort', () => {
  let bigFile: string;
  beforeAll(() => {
    // 600,000 tokens; 50 epochs of it take far longer than any test here waits.
    bigFile = join(work, 'big.txt');
    writeFileSync(bigFile, planted(40000, 9).join('\n') + '\n');
  });
  const longOpts: TrainOptions = { dim: 50, epochs: 50, minCount: 1, threads: 2 };

  it('aborting 100 ms into a long training rejects with an AbortError promptly', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const scheduledAt = performance.now();
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 100);
    const err = await rejection(train(bigFile, longOpts, { signal: controller.signal }));
    const latency = performance.now() - abortedAt;
    console.log(`abort: timer fired ${(abortedAt - scheduledAt).toFixed(0)} ms after scheduling; rejected ${latency.toFixed(1)} ms after abort()`);
    expect(abortedAt).toBeGreaterThan(0);
    expect(err.name).toBe('AbortError');
    expect(latency).toBeLessThan(1000);
  });

  it('an abort reason that is an Error is what train() rejects with', async () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    setTimeout(() => controller.abort(reason), 50);
    expect(await rejection(train(bigFile, longOpts, { signal: controller.signal }))).toBe(reason);
  });

  it('an already-aborted signal rejects before any work', async () => {
    let touched = false;
    function* corpus(): Generator<string> {
      touched = true;
      yield 'a b c';
    }
    const progress: Progress[] = [];
    const err = await rejection(train(corpus(), { minCount: 1 }, { signal: AbortSignal.abort(), onProgress: (p) => progress.push(p) }));
    expect(err.name).toBe('AbortError');
    expect(touched).toBe(false);
    expect(progress).toEqual([]);
    // Also for a path that does not exist: the abort wins, nothing is opened.
    const err2 = await rejection(train(join(work, 'nope'), {}, { signal: AbortSignal.abort() }));
    expect(err2.name).toBe('AbortError');
  });

  it('an abort at the vocabulary pass\'s last report stops the training before any epoch', async () => {
    // The last vocabulary report carries the whole count (600,000 tokens): aborting there
    // leaves the counting done and the trainer not yet listening; the replay must not run.
    const controller = new AbortController();
    let abortedAt = 0;
    const err = await rejection(train(bigFile, longOpts, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'vocabulary' && p.wordsDone === 600000 && abortedAt === 0) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    }));
    const latency = performance.now() - abortedAt;
    console.log(`abort at the vocabulary's end: rejected ${latency.toFixed(1)} ms after abort()`);
    expect(abortedAt).toBeGreaterThan(0);
    expect(err.name).toBe('AbortError');
    expect(latency).toBeLessThan(1000);
  });

  it('20 train/abort cycles in a row all reject cleanly, then training works', async () => {
    for (let i = 0; i < 20; i++) {
      const controller = new AbortController();
      const delay = (i % 4) * 15; // 0 ms: during the vocabulary pass; later: during training
      setTimeout(() => controller.abort(), delay);
      const started = performance.now();
      const err = await rejection(train(bigFile, longOpts, { signal: controller.signal }));
      expect(err.name, `cycle ${i}`).toBe('AbortError');
      expect(performance.now() - started, `cycle ${i}`).toBeLessThan(5000);
    }
    const m = await train(PLANTED, { ...BASE, epochs: 1 });
    expect(m.size).toBe(40);
  });

  it('aborting after training finished changes nothing', async () => {
    const controller = new AbortController();
    const m = await train(PLANTED, { ...BASE, epochs: 1 }, { signal: controller.signal });
    controller.abort();
    expect(m.size).toBe(40);
  });

  // BUG: see "event loop responsiveness" below. With an in-memory corpus whose JS side sets the
  // pace, train() never yields to the event loop, so a timer that calls abort() only runs after
  // training has finished, and train() resolves instead of rejecting.
  it('a timer can abort a training on an in-memory array corpus', async () => {
    const r = rng(5);
    const lines = Array.from({ length: 40000 }, () => Array.from({ length: 15 }, () => `a${Math.floor(r() * 40)}`).join(' '));
    const controller = new AbortController();
    const started = performance.now();
    let firedAfter = 0;
    setTimeout(() => {
      firedAfter = performance.now() - started;
      controller.abort();
    }, 100);
    // 400 epochs: about 1 s uninterrupted (16 took ~140 ms once the kept ids were replayed
    // natively, and could end before the timer).
    const err = await rejection(
      train(lines, { dim: 4, window: 1, negative: 1, sample: 1e-6, epochs: 400, minCount: 1, threads: 2 }, { signal: controller.signal }),
    );
    const settledAfter = performance.now() - started;
    console.log(`array-corpus abort: the 100 ms timer fired after ${firedAfter.toFixed(0)} ms; train() settled after ${settledAfter.toFixed(0)} ms`);
    expect(err.name).toBe('AbortError');
    expect(firedAfter).toBeLessThan(600);
    expect(settledAfter).toBeLessThan(1100);
  });
});

describe('progress', () => {
  it('phases vocabulary then training; fraction non-decreasing, ending at 1; epoch in range', async () => {
    const reports: Progress[] = [];
    const epochs = 3;
    const m = await train(PLANTED, { ...BASE, epochs, progressInterval: 1 }, { onProgress: (p) => reports.push({ ...p }) });
    expect(m.size).toBe(40);
    expect(reports.length).toBeGreaterThan(1);
    const firstTraining = reports.findIndex((p) => p.phase === 'training');
    expect(firstTraining).toBeGreaterThan(0);
    const vocabulary = reports.slice(0, firstTraining);
    const training = reports.slice(firstTraining);
    for (const p of vocabulary) {
      expect(p.phase).toBe('vocabulary');
      expect(p.epoch).toBe(0);
      expect(p.fraction).toBe(0);
    }
    let previous = 0;
    for (const p of training) {
      expect(p.phase).toBe('training');
      expect(p.fraction).toBeGreaterThanOrEqual(previous);
      expect(p.fraction).toBeLessThanOrEqual(1);
      expect(p.epoch).toBeGreaterThanOrEqual(0);
      expect(p.epoch).toBeLessThan(epochs);
      expect(p.epochs).toBe(epochs);
      expect(p.wordsTotal).toBe(epochs * PLANTED_TOKENS);
      expect(Number.isFinite(p.loss)).toBe(true);
      expect(p.alpha).toBeGreaterThan(0);
      expect(p.alpha).toBeLessThanOrEqual(0.025);
      previous = p.fraction;
    }
    const last = training[training.length - 1]!;
    expect(last.fraction).toBe(1);
    expect(last.wordsDone).toBe(epochs * PLANTED_TOKENS);
    // The learning rate decays linearly to minAlpha (0.025 * 1e-4) over all epochs.
    expect(last.alpha).toBeLessThan(0.025 * 1e-3);
    expect(training[0]!.alpha).toBeGreaterThan(last.alpha);
  });
});

describe('onProgress that throws', () => {
  it('during the vocabulary pass: train() rejects with that error', async () => {
    const err = new Error('callback failed');
    const got = await rejection(train(PLANTED, { ...BASE, progressInterval: 1 }, {
      onProgress: (p) => {
        if (p.phase === 'vocabulary') throw err;
      },
    }));
    expect(got).toBe(err);
  });

  // BUG (lib/training/train.ts, the onEvent callback passed to new addon.Trainer, 'progress' branch, and
  // native/binding/trainer_wrap.cc Deliver): an exception thrown by onProgress during the
  // training phase propagates into the N-API thread-safe-function callback, where Node (without
  // --force-node-api-uncaught-exceptions-policy) only prints a DEP0168 warning: the error is
  // lost and train() resolves as if nothing happened (during the vocabulary pass the same throw
  // rejects train()). Expected: train() rejects with the callback's error (and stops training).
  it('during training: train() rejects with that error', async () => {
    const err = new Error('callback failed in training');
    const got = await rejection(train(PLANTED, { ...BASE, epochs: 2, progressInterval: 1 }, {
      onProgress: (p) => {
        if (p.phase === 'training') throw err;
      },
    }));
    expect(got).toBe(err);
  });
});

describe('long lines', () => {
  const LONG = 50000;
  const r = rng(21);
  const words = Array.from({ length: LONG }, () => `t${Math.floor(r() * 100)}`);

  it('a 50,000-token line is split at maxSentenceLength, not dropped', async () => {
    const m = await train([words.join(' ')], { dim: 8, epochs: 2, minCount: 1, threads: 1, sample: 0 });
    expect(m.trainingStats!.epochs.map((e) => e.words)).toEqual([LONG, LONG]);
    expect(m.counts!.reduce((s, c) => s + c, 0)).toBe(LONG);
  });

  it('the same from a file, and with a small maxSentenceLength', async () => {
    const path = join(work, 'long-line.txt');
    writeFileSync(path, words.join(' ')); // no newline at all
    const m = await train(path, { dim: 8, epochs: 1, minCount: 1, threads: 2, sample: 0, maxSentenceLength: 7 });
    expect(m.trainingStats!.epochs[0]!.words).toBe(LONG);
  });

  it('as a single token array', async () => {
    const m = await train([words], { dim: 8, epochs: 1, minCount: 1, threads: 1, sample: 0, maxSentenceLength: 1000 });
    expect(m.trainingStats!.epochs[0]!.words).toBe(LONG);
  });
});

describe('event loop responsiveness during training', () => {
  // Native work is made cheap (tiny dim, window 1, one negative, heavy subsampling keeps
  // ~1% of the tokens), so the JS side (reading, tokenizing, encoding) sets the pace: the
  // case where train() itself must take care to yield to the event loop.
  // One-letter words: as many tokens per byte read as possible.
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN';
  const r = rng(13);
  const lines = Array.from({ length: 40000 }, () => Array.from({ length: 15 }, () => letters[Math.floor(r() * 40)]!).join(' '));
  const opts: TrainOptions = { dim: 4, window: 1, negative: 1, sample: 1e-6, epochs: 3, minCount: 1, threads: 2 };
  let file: string;
  beforeAll(() => {
    file = join(work, 'event-loop.txt');
    writeFileSync(file, lines.join('\n') + '\n'); // 1.2 MB, 600,000 tokens
  });

  /** Event-loop delay while `run` runs: p99 and max in ms, and how many samples the monitor took. */
  async function measure(run: () => Promise<Word2Vec>, epochs = 3): Promise<{ p99: number; max: number; count: number; ms: number }> {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    // The monitor records the gap between two of its ticks: let it tick before the work starts,
    // or a loop blocked from the start would not be recorded at all.
    await sleep(30);
    const started = performance.now();
    const m = await run();
    const ms = performance.now() - started;
    await sleep(30);
    h.disable();
    expect(m.trainingStats!.epochs.map((e) => e.words)).toEqual(Array(epochs).fill(600000));
    return { p99: h.percentile(99) / 1e6, max: h.max / 1e6, count: h.count, ms };
  }

  function report(name: string, m: { p99: number; max: number; count: number; ms: number }): void {
    console.log(`event loop during training from ${name}: p99 ${m.p99.toFixed(1)} ms, max ${m.max.toFixed(1)} ms, ` +
      `${m.count} samples over ${m.ms.toFixed(0)} ms (goal: p99 < 20 ms)`);
  }

  // train() yields a macrotask every few milliseconds of JS work (tokenizing, encoding), so
  // timers and I/O keep running even when the JS side sets the pace. Each case may run 3
  // times: a delay also counts the time the thread waits for a core, which other jobs on a
  // loaded 2-core machine stretch past 20 ms now and then; a train() that stopped yielding
  // would fail every attempt.
  it('array-of-lines corpus: p99 delay < 20 ms', { retry: 2 }, async () => {
    const m = await measure(() => train(lines, opts));
    report('an array of lines', m);
    expect(m.p99).toBeLessThan(20);
  });

  it('file path corpus: p99 delay < 20 ms', { retry: 2 }, async () => {
    const m = await measure(() => train(file, opts));
    report('a file path', m);
    expect(m.p99).toBeLessThan(20);
  });

  it('fs.createReadStream corpus (ids replayed each epoch): p99 delay < 20 ms', { retry: 2 }, async () => {
    const m = await measure(() => train(createReadStream(file), { ...opts, epochs: 16 }), 16);
    report('fs.createReadStream', m);
    expect(m.p99).toBeLessThan(20);
  });
});

describe('concurrency', () => {
  it('two trainings at once in one process both succeed', async () => {
    const other = planted(2000, 99).map((l) => l.replace(/g/g, 'h'));
    const [a, b] = await Promise.all([
      train(PLANTED, { ...BASE, threads: 2, epochs: 2 }),
      train(other, { ...BASE, threads: 2, epochs: 2, model: 'cbow' }),
    ]);
    expect(a.size).toBe(40);
    expect(b.size).toBe(40);
    expect(a.words.every((w) => w.startsWith('g'))).toBe(true);
    expect(b.words.every((w) => w.startsWith('h'))).toBe(true);
    expect(a.trainingStats!.epochs.map((e) => e.words)).toEqual([PLANTED_TOKENS, PLANTED_TOKENS]);
    expect(b.trainingStats!.epochs.map((e) => e.words)).toEqual([2000 * SENTENCE, 2000 * SENTENCE]);
  });

  it('seeded single-thread results do not change when another training runs alongside', async () => {
    const opts: TrainOptions = { ...BASE, epochs: 1 };
    const alone = await train(PLANTED, opts);
    const [together] = await Promise.all([train(PLANTED, opts), train(planted(3000, 5), { ...BASE, threads: 2 })]);
    expect(Buffer.compare(bytesOf(alone.vectors), bytesOf(together.vectors))).toBe(0);
  });

  const distEntry = join(process.cwd(), 'dist/cjs/index.js');
  it.skipIf(!existsSync(distEntry))('a worker thread trains with the built package (skipped when dist/ is missing)', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { train } = require(workerData.entry);
      train(workerData.lines, { dim: 8, epochs: 1, minCount: 1, threads: 1 })
        .then((m) => parentPort.postMessage({ size: m.size, words: m.trainingStats.epochs[0].words }))
        .catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
    `;
    const lines = planted(300, 4);
    const worker = new Worker(code, { eval: true, workerData: { entry: distEntry, lines } });
    try {
      const result = await new Promise<{ size?: number; words?: number; error?: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (c) => reject(new Error(`worker exited with code ${c} before posting`)));
      });
      expect(result.error).toBeUndefined();
      expect(result.size).toBe(40);
      expect(result.words).toBe(300 * SENTENCE);
    } finally {
      await worker.terminate();
    }
  });
  if (!existsSync(distEntry)) console.warn(`worker_threads test skipped: ${distEntry} is missing (run npm run build:ts)`);
});
