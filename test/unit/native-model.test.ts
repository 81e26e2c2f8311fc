/**
 * The native model format: byte layout, round trips (output vectors, counts, invalid UTF-8
 * words), limit, memory mapping, and corrupt files refused with errors that say what is wrong
 * and where.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import {
  canMapNativeModels,
  decodeNativeModel,
  encodeNativeModel,
  isNativeModel,
  readNativeModel,
  writeNativeModel,
  type NativeModelTable,
} from '../../lib/formats/native-model';
import { rng } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-native-model-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bytesOf = (v: Float32Array | Float64Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const utf8Key = (word: string): string => Buffer.from(word, 'utf8').toString('latin1');
/** Words as byte keys: invalid UTF-8, multi-byte UTF-8, control bytes other than the forbidden ones. */
const weirdKeys = ['</s>', '\xff\xfe', utf8Key('café'), utf8Key('日本語'), '\x80', 'x\x0by', '\x01'];

function randomTable(n: number, dim: number, seed: number, options: { output?: boolean; counts?: boolean } = {}): NativeModelTable {
  const rand = rng(seed);
  const keys = [...weirdKeys];
  while (keys.length < n) keys.push(`w${keys.length}`);
  keys.length = n;
  const vectors = Float32Array.from({ length: n * dim }, () => rand() * 2 - 1);
  return {
    keys,
    dim,
    vectors,
    ...(options.output ? { outputVectors: Float32Array.from({ length: n * dim }, () => rand() - 0.5) } : {}),
    ...(options.counts ? { counts: Float64Array.from({ length: n }, (_, i) => (n - i) * 1000 + 0.5) } : {}),
  };
}

function expectSameTable(got: NativeModelTable, want: NativeModelTable, rows = want.keys.length): void {
  expect(got.dim).toBe(want.dim);
  expect(got.keys).toEqual(want.keys.slice(0, rows));
  expect(bytesOf(got.vectors).equals(bytesOf(want.vectors.subarray(0, rows * want.dim)))).toBe(true);
  if (want.outputVectors) expect(bytesOf(got.outputVectors!).equals(bytesOf(want.outputVectors.subarray(0, rows * want.dim)))).toBe(true);
  else expect(got.outputVectors).toBeUndefined();
  if (want.counts) expect(Array.from(got.counts!)).toEqual(Array.from(want.counts.subarray(0, rows)));
  else expect(got.counts).toBeUndefined();
}

describe('byte layout', () => {
  it('header, 64-byte aligned sections, vocabulary of newline-terminated words', () => {
    const t: NativeModelTable = {
      keys: ['a', 'bc', '\xff'],
      dim: 2,
      vectors: Float32Array.of(1, 2, 3, 4, 5, 6),
      outputVectors: Float32Array.of(-1, -2, -3, -4, -5, -6),
      counts: Float64Array.of(30, 20, 10),
    };
    const b = encodeNativeModel(t);
    expect([...b.subarray(0, 8)]).toEqual([0x89, 0x57, 0x32, 0x56, 0x4e, 0x0d, 0x0a, 0x1a]);
    expect(b.readUInt32LE(8)).toBe(1); // version
    expect(b.readUInt32LE(12)).toBe(3); // output vectors + counts
    expect(b.readBigUInt64LE(16)).toBe(3n);
    expect(b.readUInt32LE(24)).toBe(2);
    expect(b.readBigUInt64LE(32)).toBe(BigInt(b.length));
    const section = (at: number): [number, number] => [Number(b.readBigUInt64LE(at)), Number(b.readBigUInt64LE(at + 8))];
    expect(section(40)).toEqual([128, 24]);
    expect(section(56)).toEqual([192, 24]); // 152 padded to 192
    expect(section(72)).toEqual([256, 24]); // 216 padded to 256
    expect(section(88)).toEqual([280, 7]);
    expect(b.subarray(104, 128).every((x) => x === 0)).toBe(true);
    expect([...new Float32Array(b.buffer.slice(b.byteOffset + 128, b.byteOffset + 152))]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(b.subarray(152, 192).every((x) => x === 0)).toBe(true);
    expect([...new Float64Array(b.buffer.slice(b.byteOffset + 256, b.byteOffset + 280))]).toEqual([30, 20, 10]);
    expect(b.subarray(280).toString('latin1')).toBe('a\nbc\n\xff\n');
    expect(b.length).toBe(287);
    expect(isNativeModel(b)).toBe(true);
    expect(isNativeModel(Buffer.from('3 2\n'))).toBe(false);
  });

  it('without output vectors and counts: those sections are 0, 0 and absent', () => {
    const b = encodeNativeModel({ keys: ['a'], dim: 3, vectors: Float32Array.of(1, 2, 3) });
    expect(b.readUInt32LE(12)).toBe(0);
    expect(b.subarray(56, 88).every((x) => x === 0)).toBe(true);
    expect(Number(b.readBigUInt64LE(88))).toBe(140);
    expect(b.length).toBe(142);
  });
});

describe('round trip', () => {
  it.each([
    ['vectors only', {}],
    ['with output vectors', { output: true }],
    ['with counts', { counts: true }],
    ['with both', { output: true, counts: true }],
  ])('%s: exact, invalid UTF-8 words kept as bytes', (_, options) => {
    const t = randomTable(40, 7, 11, options);
    expectSameTable(decodeNativeModel(encodeNativeModel(t)), t);
  });

  it('an empty model', () => {
    const t: NativeModelTable = { keys: [], dim: 5, vectors: new Float32Array(0) };
    expectSameTable(decodeNativeModel(encodeNativeModel(t)), t);
  });

  it('writeNativeModel + readNativeModel (mapped where possible)', async () => {
    const t = randomTable(300, 16, 3, { output: true, counts: true });
    const path = join(work, 'round.w2vn');
    await writeNativeModel(path, t);
    expect(readFileSync(path).equals(encodeNativeModel(t))).toBe(true);
    expectSameTable(await readNativeModel(path), t);
  });

  it('limit on a file: the first N words of every section', async () => {
    const t = randomTable(300, 16, 4, { output: true, counts: true });
    const path = join(work, 'limit.w2vn');
    await writeNativeModel(path, t);
    for (const n of [0, 1, 7, 299, 300]) expectSameTable(await readNativeModel(path, { limit: n }), t, n);
    expectSameTable(await readNativeModel(path, { limit: 5000 }), t);
    expectSameTable(decodeNativeModel(encodeNativeModel(t), { limit: 9 }), t, 9);
    expect(() => decodeNativeModel(encodeNativeModel(t), { limit: -1 })).toThrow(
      new RangeError('native model limit must be a non-negative integer, got -1'),
    );
  });

  it('refuses words it could not store, and malformed tables', async () => {
    const vectors = Float32Array.of(1, 2);
    for (const key of ['a b', 'a\nb', 'a\tb', 'a\rb', '\0', '', 'é\u0100']) {
      expect(() => encodeNativeModel({ keys: ['ok', key], dim: 1, vectors })).toThrow(
        `native model word 1 ${JSON.stringify(key)} is empty or contains a space, tab, newline, carriage return, NUL or a char above \\xff`,
      );
    }
    expect(() => encodeNativeModel({ keys: ['a'], dim: 2, vectors })).not.toThrow();
    expect(() => encodeNativeModel({ keys: ['a', 'b'], dim: 2, vectors })).toThrow(
      new RangeError('native model vectors must be a Float32Array of 2 x 2 values, got length 2'),
    );
    expect(() => encodeNativeModel({ keys: ['a'], dim: 0, vectors })).toThrow(
      new RangeError('native model dim must be an integer from 1 to 100000, got 0'),
    );
    expect(() => encodeNativeModel({ keys: ['a'], dim: 2, vectors, counts: Float64Array.of(1, 2) })).toThrow(
      new RangeError('native model counts must be a Float64Array of 1 values, got length 2'),
    );
    // A failed write leaves the previous file whole and no temporary file behind.
    const path = join(work, 'keep.w2vn');
    await writeNativeModel(path, { keys: ['a'], dim: 2, vectors });
    const before = readFileSync(path);
    await expect(writeNativeModel(path, { keys: ['a b'], dim: 2, vectors })).rejects.toThrow('native model word 0');
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe.runIf(canMapNativeModels())('memory mapping', () => {
  it('vectors are views of the mapped file, not copies; writes to them stay in this process', async () => {
    const t = randomTable(50, 8, 5, { output: true, counts: true });
    const path = join(work, 'mapped.w2vn');
    await writeNativeModel(path, t);
    const size = readFileSync(path).length;
    const m = await readNativeModel(path);
    // One ArrayBuffer spanning the whole file backs every section.
    expect(m.vectors.buffer.byteLength).toBe(size);
    expect(m.vectors.byteOffset).toBe(128);
    expect(m.outputVectors!.buffer).toBe(m.vectors.buffer);
    expect(m.counts!.buffer).toBe(m.vectors.buffer);
    m.vectors[0] = 12345;
    expect(m.vectors[0]).toBe(12345);
    expect(readFileSync(path).equals(encodeNativeModel(t))).toBe(true);
    // A second open sees the file, not the first one's private write.
    expect((await readNativeModel(path)).vectors[0]).toBe(t.vectors[0]);
  });

  it('saving over a mapped file is safe: the open model keeps the old data, a new open sees the new', async () => {
    const path = join(work, 'replaced.w2vn');
    const first = randomTable(30, 4, 21);
    const second = randomTable(40, 4, 22, { counts: true });
    await writeNativeModel(path, first);
    const open = await readNativeModel(path);
    await writeNativeModel(path, second); // renamed over the mapped file
    expectSameTable(open, first);
    expectSameTable(await readNativeModel(path), second);
    // and writing a mapped model's own views out again
    await writeNativeModel(path, open);
    expectSameTable(await readNativeModel(path), first);
  });

  it('file system errors name the path and carry the code', async () => {
    const missing = join(work, 'missing.w2vn');
    await expect(readNativeModel(missing)).rejects.toMatchObject({
      message: `cannot open "${missing}": No such file or directory`,
      code: 'ENOENT',
    });
    await expect(readNativeModel(work)).rejects.toMatchObject({ message: `cannot map "${work}": Is a directory`, code: 'EISDIR' });
  });
});

describe('corrupt files', () => {
  const t = randomTable(20, 4, 9, { output: true, counts: true });
  const good = encodeNativeModel(t);
  const sections = {
    input: [Number(good.readBigUInt64LE(40)), Number(good.readBigUInt64LE(48))],
    output: [Number(good.readBigUInt64LE(56)), Number(good.readBigUInt64LE(64))],
    counts: [Number(good.readBigUInt64LE(72)), Number(good.readBigUInt64LE(80))],
    vocabulary: [Number(good.readBigUInt64LE(88)), Number(good.readBigUInt64LE(96))],
  } as const;
  const decode = (b: Buffer): NativeModelTable => decodeNativeModel(b, { source: 'm.w2vn' });
  const patched = (write: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(good);
    write(b);
    return b;
  };

  it('empty', () => {
    expect(() => decode(Buffer.alloc(0))).toThrow(new Error('native model file is empty (file m.w2vn)'));
  });

  it('bad magic', () => {
    expect(() => decode(Buffer.from('20 4\nthe 1 2 3 4\n'))).toThrow(
      new Error('native model magic bytes at byte offset 0 are 32 30 20 34 0a 74 68 65, expected 89 57 32 56 4e 0d 0a 1a (file m.w2vn)'),
    );
    // A text-mode transfer turned "\r\n" into "\n".
    const mangled = Buffer.concat([good.subarray(0, 5), good.subarray(6)]);
    expect(() => decode(mangled)).toThrow('native model magic bytes at byte offset 0 are 89 57 32 56 4e 0a 1a 01');
  });

  it('bad version and unknown flags', () => {
    expect(() => decode(patched((b) => b.writeUInt32LE(2, 8)))).toThrow(
      new Error('native model version 2 at byte offset 8 is not supported (this reader knows version 1) (file m.w2vn)'),
    );
    expect(() => decode(patched((b) => b.writeUInt32LE(7, 12)))).toThrow(
      new Error('native model flags 0x00000007 at byte offset 12 have unknown bits 0x00000004 (file m.w2vn)'),
    );
  });

  it('huge declared counts: an error naming the field, never an allocation', () => {
    expect(() => decode(patched((b) => b.writeBigUInt64LE(10n ** 12n, 16)))).toThrow(
      new Error('native model word count 1000000000000 at byte offset 16 exceeds the maximum of 2147483647 (file m.w2vn)'),
    );
    expect(() => decode(patched((b) => b.writeUInt32LE(2 ** 31, 24)))).toThrow(
      new Error('native model dimension 2147483648 at byte offset 24 must be from 1 to 100000 (file m.w2vn)'),
    );
    expect(() => decode(patched((b) => b.writeBigUInt64LE(2n ** 31n - 1n, 16)))).toThrow(
      'native model input vectors section (offset at byte offset 40, length at byte offset 48) has length 320, ' +
        'expected 34359738352 for 2147483647 words of dimension 4',
    );
    expect(() => decode(patched((b) => b.writeBigUInt64LE(2n ** 62n, 32)))).toThrow(
      `native model file is truncated: it has ${good.length} bytes, the header declares 4611686018427387904 (file size at byte offset 32)`,
    );
    expect(() => decode(patched((b) => b.writeBigUInt64LE(2n ** 63n, 96)))).toThrow(
      'native model vocabulary section (offset at byte offset 88, length at byte offset 96) (bytes',
    );
  });

  it('truncated at every section: says which section is cut', () => {
    expect(() => decode(good.subarray(0, 100))).toThrow(
      new Error('native model header is truncated: the file has 100 bytes, the header needs 128 (file m.w2vn)'),
    );
    const cases: [string, number][] = [
      ['input vectors', sections.input[0] + 10],
      ['output vectors', sections.output[0] + 4],
      ['counts', sections.counts[0] + sections.counts[1] - 1],
      ['vocabulary', sections.vocabulary[0] + 5],
    ];
    for (const [name, at] of cases) {
      expect(() => decode(good.subarray(0, at))).toThrow(
        `native model file is truncated: it has ${at} bytes, the header declares ${good.length} (file size at byte offset 32); the ${name} section (`,
      );
    }
    // Every length short of the whole file is refused.
    for (let n = 0; n < good.length; n++) expect(() => decode(good.subarray(0, n))).toThrow('(file m.w2vn)');
  });

  it('trailing data, a misplaced section, a broken vocabulary', () => {
    expect(() => decode(Buffer.concat([good, Buffer.from('x')]))).toThrow(
      `native model file has ${good.length + 1} bytes, but the header declares ${good.length} (file size at byte offset 32): 1 bytes of trailing data`,
    );
    expect(() => decode(patched((b) => b.writeBigUInt64LE(BigInt(sections.output[0] + 4), 56)))).toThrow(
      `native model output vectors section (offset at byte offset 56, length at byte offset 64) starts at ${sections.output[0] + 4}, which is not a multiple of 64`,
    );
    const vocabAt = sections.vocabulary[0];
    expect(() => decode(patched((b) => (b[vocabAt + 1] = 0x20)))).toThrow(
      `native model vocabulary word 0 contains a space at byte offset ${vocabAt + 1} (file m.w2vn)`,
    );
  });

  it('readNativeModel names the path', async () => {
    const path = join(work, 'cut.w2vn');
    writeFileSync(path, good.subarray(0, good.length - 3));
    await expect(readNativeModel(path)).rejects.toThrow(`(file ${path})`);
  });
});
