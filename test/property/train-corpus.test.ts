// train() on small random corpora: bytes with NUL, invalid UTF-8, CR, CRLF, tabs, vertical
// tabs and form feeds, tokens of up to 20 kB, given as a file (plain or gzip), a byte stream
// cut at random points (inside UTF-8 sequences too), lines as strings, or token arrays; with
// 1 thread, tiny dims and random training options (the learning rate up to 10, which makes
// the weights diverge). Each training either resolves to a model that holds together, whose
// words are tokens of the corpus seen at least minCount times, or rejects with an Error; it
// never crashes the process, never hangs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import type { Corpus } from '../../lib/corpus/corpus';
import type { TrainOptions } from '../../lib/training/options';
import { train } from '../../lib/training/train';
import { checkIsError, checkModelConsistent, runs } from './arbitraries';

const work = mkdtempSync(join(tmpdir(), 'w2v-property-train-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let fileCount = 0;

/** Bytes that separate tokens (the tokenizer's ASCII white space); a newline ends a sentence. */
const SEPARATORS = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x00]);  // NUL too: no model format can hold it

/** Pieces of a corpus: common words (so that some reach minCount), separators, junk, long tokens. */
const piece: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('a', 'b', 'cc', 'dé', 'the', '\u00ff').map((w) => Buffer.from(w, 'utf8')) },
  { weight: 8, arbitrary: fc.constantFrom(' ', '\n', '\r\n', '\t', '  ', '\n\n', '\r', '\v', '\f').map((s) => Buffer.from(s, 'latin1')) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.of(0), Buffer.of(0xff, 0xfe), Buffer.of(0xc3), Buffer.of(0xe2, 0x82), Buffer.of(0xed, 0xa0, 0x80)) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20000 }).map((n) => Buffer.alloc(n, 0x78)) },
);

const corpusBytes: fc.Arbitrary<Buffer> = fc.array(piece, { maxLength: 200, size: 'medium' }).map((pieces) => Buffer.concat(pieces));

type Form = 'file' | 'gzip' | 'stream' | 'lines' | 'tokens';

/** The corpus in one of the forms train() accepts. */
function corpusOf(bytes: Buffer, form: Form, cuts: number[]): Corpus {
  switch (form) {
    case 'file':
    case 'gzip': {
      const path = join(work, `corpus-${fileCount++}`);
      writeFileSync(path, form === 'gzip' ? gzipSync(bytes) : bytes);
      return path;
    }
    case 'stream': {
      // Chunks cut at arbitrary byte offsets, through tokens and UTF-8 sequences alike.
      const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
      const chunks: Buffer[] = [];
      let from = 0;
      for (const c of [...at, bytes.length]) {
        chunks.push(bytes.subarray(from, c));
        from = c;
      }
      return Readable.from(chunks.filter((c) => c.length > 0));
    }
    case 'lines':
      return bytes.toString('utf8').split('\n');
    case 'tokens':
      return bytes
        .toString('utf8')
        .split('\n')
        .map((line) => line.split(/[ \t\r\v\f\0]+/));
  }
}

/** Every token of the corpus as a byte key, with its count, as the tokenizer splits bytes. */
function tokenCounts(bytes: Buffer): Map<string, number> {
  const counts = new Map<string, number>();
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const separator = i === bytes.length || SEPARATORS.has(bytes[i]!);
    if (!separator && start < 0) start = i;
    if (separator && start >= 0) {
      const key = bytes.toString('latin1', start, i);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      start = -1;
    }
  }
  return counts;
}

const trainingOptions: fc.Arbitrary<TrainOptions> = fc
  .record({
    model: fc.constantFrom('skipgram' as const, 'cbow' as const),
    dim: fc.integer({ min: 1, max: 8 }),
    window: fc.integer({ min: 1, max: 4 }),
    negative: fc.integer({ min: 0, max: 4 }),
    hs: fc.boolean(),
    minCount: fc.integer({ min: 1, max: 3 }),
    epochs: fc.integer({ min: 1, max: 2 }),
    sample: fc.constantFrom(0, 1e-3, 1),
    alpha: fc.constantFrom(0.025, 0.5, 10),
    sentenceToken: fc.boolean(),
    maxSentenceLength: fc.integer({ min: 1, max: 50 }),
    sharedNegatives: fc.boolean(),
    seed: fc.nat(),
  })
  .map((o) => ({ ...o, hs: o.hs || o.negative === 0, threads: 1, progressInterval: 1 }));

describe('train() on random corpora', () => {
  it('resolves to a model of the corpus words or rejects with an Error', async () => {
    let trained = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(
        corpusBytes,
        fc.constantFrom<Form>('file', 'gzip', 'stream', 'lines', 'tokens'),
        fc.array(fc.nat(), { maxLength: 5 }),
        trainingOptions,
        async (bytes, form, cuts, options) => {
          let model;
          try {
            model = await train(corpusOf(bytes, form, cuts), options);
          } catch (e) {
            checkIsError(e, `train on ${bytes.length} bytes as ${form}`);
            rejected++;
            return;
          }
          trained++;
          checkModelConsistent(model);
          // Lines and token arrays go through UTF-8 strings: their keys are of the decoded text.
          const counts = tokenCounts(form === 'lines' || form === 'tokens' ? Buffer.from(bytes.toString('utf8'), 'utf8') : bytes);
          for (const key of model.keys) {
            if (key === '</s>' && options.sentenceToken) continue;
            const n = counts.get(key);
            if (n === undefined) throw new Error(`model word ${JSON.stringify(key)} is not a token of the corpus`);
            if (n < options.minCount!) throw new Error(`model word ${JSON.stringify(key)} occurs ${n} times, minCount ${options.minCount}`);
          }
          if (new Set(model.keys).size !== model.size) throw new Error('model words are not distinct');
        },
      ),
      { numRuns: runs(600), timeout: 20000 },
    );
    expect(trained).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });

  // Regression: found by the trainer fuzz target (test/fuzz/regressions/trainer/
  // nan-weights-sigmoid-index). A learning rate of 1 or more drives the weights to infinity
  // and NaN; the kernels then indexed their sigmoid table with (int)NaN and the process died
  // of SIGSEGV. Now the training finishes (with diverged vectors) and the process lives.
  it('a diverging learning rate (alpha 10) finishes instead of crashing the process', async () => {
    const lines = Array.from({ length: 2000 }, () => 'a b c d e f g h a b c a b a');
    for (const extra of [{}, { model: 'cbow' as const }, { hs: true }, { sharedNegatives: false }]) {
      const model = await train(lines, { dim: 8, minCount: 1, epochs: 2, alpha: 10, threads: 1, sample: 0, ...extra });
      checkModelConsistent(model);
      expect(model.vectors.some((v) => Number.isNaN(v))).toBe(true);
    }
  });
});
