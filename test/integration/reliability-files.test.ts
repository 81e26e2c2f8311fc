/**
 * Model files from untrusted sources, through loadModel (the public surface), in every format:
 * each bad file is an Error naming the file and where it is wrong, never a crash, and never an
 * allocation larger than the file's size justifies. The readers' own unit tests
 * (test/unit/formats.test.ts, native-model.test.ts) cover the decoders; this adds what reaches
 * them from disk, garbage of every kind, and the allocation bound.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { loadModel, Word2Vec, type ModelFormat } from '../../lib/index';
import { encodeNativeModel } from '../../lib/formats/native-model';
import { encodeVec } from '../../lib/formats/vec';
import { encodeWord2Vec } from '../../lib/formats/word2vec';
import { rng } from '../helpers';
import { rejection } from './reliability-helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-reliability-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let fileNumber = 0;
function file(bytes: Buffer | string, name = `f${fileNumber++}`): string {
  const path = join(work, name);
  writeFileSync(path, typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  return path;
}

const keysOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `w${i}`);
function vectorsOf(n: number, dim: number, seed = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n * dim }, () => r() * 2 - 1);
}
const table = (n: number, dim: number) => ({ keys: keysOf(n), dim, vectors: vectorsOf(n, dim) });
const bytesOf = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** The formats of one self-contained file (the exports .npy and .onnx keep a vocabulary beside theirs). */
type SingleFileFormat = 'word2vec-binary' | 'word2vec-text' | 'vec' | 'native';

/** Good files of each format: 3 words of dim 4. */
const GOOD: Record<SingleFileFormat, Buffer> = {
  'word2vec-binary': encodeWord2Vec(table(3, 4), 'word2vec-binary'),
  'word2vec-text': encodeWord2Vec(table(3, 4), 'word2vec-text'),
  vec: encodeVec(table(3, 4)),
  native: encodeNativeModel(table(3, 4)),
};
const FORMATS = Object.keys(GOOD) as SingleFileFormat[];

/** loadModel's rejection for these bytes (format detected, or given). */
async function loadError(bytes: Buffer | string, format?: ModelFormat): Promise<{ path: string; error: Error }> {
  const path = file(bytes);
  const error = await rejection(loadModel(path, format ? { format } : {}));
  expect(error).toBeInstanceOf(Error);
  return { path, error };
}

describe('empty and truncated files', () => {
  it('an empty file: says it is empty, detected or not', async () => {
    const { path, error } = await loadError('');
    expect(error.message).toBe(`word2vec file is empty (file ${path})`);
    for (const format of ['word2vec-binary', 'word2vec-text', 'vec'] as const) {
      const e = await loadError('', format);
      expect(e.error.message).toBe(`word2vec file is empty (file ${e.path})`);
    }
    const native = await loadError('', 'native');
    expect(native.error.message).toBe(`native model file is empty (file ${native.path})`);
  });

  it('every truncation of a good file of each format is refused, naming the file', async () => {
    for (const format of FORMATS) {
      const good = GOOD[format];
      for (let n = 1; n < good.length; n++) {
        const path = file(good.subarray(0, n));
        if (format === 'word2vec-binary' && n === good.length - 1) {
          // Only the last row's '\n' is missing: every value is whole (gensim writes no '\n').
          expect((await loadModel(path)).size).toBe(3);
          continue;
        }
        // A text file cut inside its last value ("0.071429" -> "0.07") would still parse:
        // a last row without its newline is refused as cut.
        const error = await rejection(loadModel(path));
        expect(error.message, `${format} cut to ${n} bytes: ${error.message}`).toContain(`(file ${path}`);
        if (n > good.indexOf(0x0a) + 1 && format !== 'native') {
          expect(error.message, `${format} cut to ${n} bytes`).toMatch(/^file ended after \d of 3 rows|header declares 3 words/);
        }
      }
    }
  });

  it('truncated binary and text say where the data stops', async () => {
    const bin = GOOD['word2vec-binary'];
    const cut = await loadError(bin.subarray(0, bin.length - 5));
    expect(cut.error.message).toMatch(new RegExp(`^file ended after 2 of 3 rows \\(file ${cut.path}, byte \\d+\\)$`));
    const text = await loadError('3 2\nalpha 1 2\nbeta 3 4\ngam');
    expect(text.error.message).toBe(`file ended after 2 of 3 rows (line 4 has no newline at its end) (file ${text.path}, line 4)`);
    const native = await loadError(GOOD.native.subarray(0, 150));
    expect(native.error.message).toBe(
      `native model file is truncated: it has 150 bytes, the header declares ${GOOD.native.length} (file size at byte offset 32); ` +
        `the input vectors section (bytes 128 to 175) is cut short (file ${native.path})`,
    );
  });
});

describe('headers that lie', () => {
  it('10^12 words: refused from the header, before any row is read', async () => {
    const bin = await loadError('1000000000000 4\nthe \x00\x00\x80\x3f\x00\x00\x80\x3f\x00\x00\x80\x3f\x00\x00\x80\x3f\n');
    expect(bin.error.message).toBe(
      'word2vec header declares 1000000000000 words of dimension 4, which need at least 10000000000000 bytes, ' +
        `but only 21 bytes follow the header (file ${bin.path}, line 1)`,
    );
    const native = Buffer.from(GOOD.native);
    native.writeBigUInt64LE(10n ** 12n, 16);
    const n = await loadError(native);
    expect(n.error.message).toBe(`native model word count 1000000000000 at byte offset 16 exceeds the maximum of 2147483647 (file ${n.path})`);
  });

  it('a dimension of 2^31 (and of 2^32 + 4, which wraps to 4 in 32 bits)', async () => {
    for (const dim of ['2147483648', '4294967300']) {
      const e = await loadError(`1 ${dim}\na 1\n`);
      expect(e.error.message).toBe(`word2vec header dimension ${dim} exceeds the maximum of 100000 (file ${e.path}, line 1)`);
    }
    const native = Buffer.from(GOOD.native);
    native.writeUInt32LE(2 ** 31, 24);
    const n = await loadError(native);
    expect(n.error.message).toBe(`native model dimension 2147483648 at byte offset 24 must be from 1 to 100000 (file ${n.path})`);
  });

  it('negative, fractional, hexadecimal and missing sizes', async () => {
    const cases: [string, string][] = [
      ['-3 4\n', 'word2vec header word count must be a non-negative integer, got "-3"'],
      ['3 -4\n', 'word2vec header dimension must be a positive integer, got "-4"'],
      ['3 0\n', 'word2vec header dimension must be a positive integer, got "0"'],
      ['1.5 4\n', 'word2vec header word count must be a non-negative integer, got "1.5"'],
      ['0x10 4\n', 'word2vec header word count must be a non-negative integer, got "0x10"'],
      ['3\n', 'word2vec header must be "<words> <dim>", got "3"'],
      ['3 4 5\n', 'word2vec header must be "<words> <dim>", got "3 4 5"'],
      ['1e3 4\n', 'word2vec header word count must be a non-negative integer, got "1e3"'],
    ];
    for (const [bytes, message] of cases) {
      const e = await loadError(bytes);
      expect(e.error.message).toBe(`${message} (file ${e.path}, line 1)`);
    }
  });

  it('a header line with no newline in its first 1024 bytes', async () => {
    const e = await loadError('1'.repeat(5000));
    expect(e.error.message).toBe(`word2vec header must be "<words> <dim>", got "${'1'.repeat(60)}" (file ${e.path}, line 1)`);
  });
});

describe('rows', () => {
  it('text rows with too few or too many columns name the line', async () => {
    const few = await loadError('2 3\na 1 2 3\nb 1.5 2.5\n');
    expect(few.error.message).toBe(`line 3 has 2 values, expected 3 for word "b" (file ${few.path})`);
    const many = await loadError('2 3\na 1 2 3 4\nb 1 2 3\n');
    expect(many.error.message).toBe(`line 2 has 4 values, expected 3 for word "a" (file ${many.path})`);
    // The same for a text file with \r\n line ends and a .vec (format given).
    const crlf = await loadError('2 3\r\na 1 2 3\r\nb 1.5 2.5\r\n', 'vec');
    expect(crlf.error.message).toBe(`line 3 has 2 values, expected 3 for word "b" (file ${crlf.path})`);
  });

  it('NaN and infinities: text, .vec and binary are refused where they are', async () => {
    for (const token of ['nan', 'NaN', '-nan', 'inf', '-Infinity', '1e39']) {
      const e = await loadError(`2 2\na 1 2\nb 1 ${token}\n`);
      expect(e.error.message).toBe(`line 3 value 2 for word "b" is not finite: "${token}" (file ${e.path})`);
    }
    const bin = Buffer.from(GOOD['word2vec-binary']);
    const at = bin.indexOf('w1 ') + 3 + 4;
    bin.writeFloatLE(Infinity, at);
    const b = await loadError(bin);
    expect(b.error.message).toBe(`row 2 value 2 for word "w1" is not finite (Infinity) (file ${b.path}, byte ${at})`);
  });

  it('native files: values are not scanned (the vectors are mapped, not read); a NaN row loads and is never a result', async () => {
    // Decision: checking every value would read the whole file at open, which the native
    // format exists to avoid. A NaN scores NaN, and top-k never takes a NaN score.
    const t = table(3, 4);
    t.vectors[4] = NaN; // w1
    const m = await loadModel(file(encodeNativeModel(t)));
    expect(m.size).toBe(3);
    expect(m.mostSimilar('w0', { topK: 5 }).map((s) => s.word)).toEqual(['w2']);
    expect(m.mostSimilar('w0', { topK: 5, metric: 'dot' }).map((s) => s.word)).toEqual(['w2']);
    m.dispose();
  });

  it('garbage where a binary row should be: an empty word, a newline inside a word', async () => {
    const e = await loadError('2 1\n \x00\x00\x80\x3f\n \x00\x00\x80\x3f\n', 'word2vec-binary');
    expect(e.error.message).toBe(`row 1 has an empty word (file ${e.path}, byte 4)`);
    const nl = await loadError('1 1\nab\ncd \x00\x00\x80\x3f\n', 'word2vec-binary');
    expect(nl.error.message).toBe(`row 1 word contains a newline (corrupt file or not word2vec-binary) (file ${nl.path}, byte 6)`);
  });

  it('data after the declared rows, in each word2vec format', async () => {
    for (const format of ['word2vec-binary', 'word2vec-text', 'vec'] as const) {
      const e = await loadError(Buffer.concat([GOOD[format], Buffer.from('extra 1 2 3 4\n')]));
      expect(e.error.message).toBe(`file has data after the 3 rows declared in the header (file ${e.path}, byte ${GOOD[format].length})`);
    }
    const n = await loadError(Buffer.concat([GOOD.native, Buffer.from('x')]));
    expect(n.error.message).toContain('1 bytes of trailing data');
  });
});

describe('words', () => {
  // Decision: words longer than the original's 100 bytes (its MAX_STRING; its `distance`
  // keeps 50) are accepted whole, in every format. A word costs what its bytes cost in the
  // file, so a long word cannot make a reader allocate more than the file holds; the
  // original tools would cut it when they read our file, which is their limit, not ours.
  it('a 10 kB word loads whole and saves byte-exact in every format', async () => {
    const long = 'x'.repeat(10_000);
    const keys = ['a', long, 'b'];
    for (const format of FORMATS) {
      const m = new Word2Vec({ keys, dim: 4, vectors: vectorsOf(3, 4) });
      const path = join(work, `long-${format}`);
      await m.save(path, { format });
      const back = await loadModel(path);
      expect(back.keys).toEqual(keys);
      expect(back.has(long)).toBe(true);
      if (format === 'word2vec-binary' || format === 'native') expect(bytesOf(back.vectors).equals(bytesOf(m.vectors))).toBe(true);
      back.dispose();
    }
  });

  // Decision: invalid UTF-8 in a word is accepted, as the original writes it (it cuts words
  // at 100 bytes, inside a multi-byte character if need be). Keys keep the exact bytes;
  // `words` shows U+FFFD for what does not decode; saving writes the original bytes back.
  it('invalid UTF-8 words load in every format, keys byte-exact', async () => {
    const keys = ['\xff\xfe', 'caf\xc3', '\xc3\xa9t\xc3\xa9', '\x80abc'];
    for (const format of FORMATS) {
      const m = new Word2Vec({ keys, dim: 2, vectors: vectorsOf(4, 2) });
      const path = join(work, `utf8-${format}`);
      await m.save(path, { format });
      const back = await loadModel(path);
      expect(back.keys).toEqual(keys);
      expect(back.words).toEqual(['\ufffd\ufffd', 'caf\ufffd', 'été', '\ufffdabc']);
      expect(back.mostSimilar('été', { topK: 1 })).toHaveLength(1);
      back.dispose();
    }
  });
});

describe('garbage bytes', () => {
  it('2,000 random files (raw, after a valid header, after the native magic): each an Error naming the file, or a model', async () => {
    const r = rng(2024);
    const randomBytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
    let errors = 0;
    for (let i = 0; i < 2000; i++) {
      const size = Math.floor(r() ** 2 * 3000);
      const body = randomBytes(size);
      const kind = i % 4;
      const bytes =
        kind === 0 ? body
        : kind === 1 ? Buffer.concat([Buffer.from(`${1 + Math.floor(r() * 20)} ${1 + Math.floor(r() * 8)}\n`), body])
        : kind === 2 ? Buffer.concat([GOOD.native.subarray(0, 8 + Math.floor(r() * 120)), body])
        : mutate(GOOD[FORMATS[i % FORMATS.length]!], r);
      const path = file(bytes, 'garbage');
      try {
        const m = await loadModel(path);
        // Rarely, a mutation still leaves a valid file: it must then be a usable model.
        expect(m.vectors.length).toBe(m.size * m.dim);
        m.dispose();
      } catch (e) {
        expect(e, `case ${i}`).toBeInstanceOf(Error);
        expect((e as Error).message, `case ${i}`).toContain(`(file ${path}`);
        errors++;
      }
    }
    // Random bytes are (almost) never a model; a few changed bytes of a good file often are.
    expect(errors).toBeGreaterThan(1400);
  });
});

/** A copy of `good` with 1 to 4 random bytes changed. */
function mutate(good: Buffer, r: () => number): Buffer {
  const out = Buffer.from(good);
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) out[Math.floor(r() * out.length)] = Math.floor(r() * 256);
  return out;
}

describe('allocations stay within what the file size justifies', () => {
  /**
   * Runs `load` while recording the largest typed array, ArrayBuffer and Buffer it asks for
   * (the globals are wrapped: the readers allocate through them).
   */
  async function largestAllocation(load: () => Promise<unknown>): Promise<number> {
    let largest = 0;
    const note = (bytes: unknown): void => {
      if (typeof bytes === 'number' && bytes > largest) largest = bytes;
    };
    const saved = { Float32Array, Float64Array, ArrayBuffer, alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe };
    const wrap = <T extends new (...args: never[]) => object>(C: T, width: number): T =>
      new Proxy(C, {
        construct(target, args: unknown[]) {
          if (typeof args[0] === 'number') note(args[0] * width);
          return Reflect.construct(target, args) as object;
        },
      });
    const g = globalThis as unknown as Record<string, unknown>;
    g.Float32Array = wrap(Float32Array, 4);
    g.Float64Array = wrap(Float64Array, 8);
    g.ArrayBuffer = wrap(ArrayBuffer, 1);
    Buffer.alloc = ((size: number, ...rest: never[]) => (note(size), saved.alloc(size, ...rest))) as typeof Buffer.alloc;
    Buffer.allocUnsafe = ((size: number) => (note(size), saved.allocUnsafe(size))) as typeof Buffer.allocUnsafe;
    try {
      await load().catch(() => undefined);
    } finally {
      g.Float32Array = saved.Float32Array;
      g.Float64Array = saved.Float64Array;
      g.ArrayBuffer = saved.ArrayBuffer;
      Buffer.alloc = saved.alloc;
      Buffer.allocUnsafe = saved.allocUnsafe;
    }
    return largest;
  }

  it('the recorder sees a reader allocate (a good 2,000 x 50 file: its vectors)', async () => {
    const path = file(encodeWord2Vec(table(2000, 50), 'word2vec-binary'));
    expect(await largestAllocation(() => loadModel(path))).toBeGreaterThanOrEqual(2000 * 50 * 4);
  });

  it('lying headers of every kind allocate at most a few times the file size', async () => {
    const native = (patch: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(GOOD.native);
      patch(b);
      return b;
    };
    const liars: [string, Buffer | string][] = [
      ['binary, 2^31 - 1 words of dim 100000', '2147483647 100000\nthe xxxx\n'],
      ['text, 10^6 words of dim 1000', '1000000 1000\nthe 1 2 3\n'],
      ['text, 0 words of dim 100000 then rows', '0 100000\n'],
      ['binary forced, 50,000 words of dim 500', '50000 500\n' + 'a '.repeat(2000)],
      ['native, 2^31 - 1 words', native((b) => b.writeBigUInt64LE(2n ** 31n - 1n, 16))],
      ['native, dim 100000', native((b) => b.writeUInt32LE(100000, 24))],
      ['native, vocabulary length 2^62', native((b) => b.writeBigUInt64LE(2n ** 62n, 96))],
      ['native, file size 2^50', native((b) => b.writeBigUInt64LE(2n ** 50n, 32))],
    ];
    for (const [name, bytes] of liars) {
      const path = file(bytes);
      const size = typeof bytes === 'string' ? bytes.length : bytes.length;
      for (const format of [undefined, 'word2vec-binary', 'word2vec-text'] as const) {
        const largest = await largestAllocation(() => loadModel(path, format ? { format } : {}));
        expect(largest, `${name} (${format ?? 'detected'})`).toBeLessThanOrEqual(Math.max(64 << 10, 4 * size));
      }
    }
  });
});
