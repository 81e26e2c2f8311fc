/**
 * The .npy export's layout (NumPy format 1.0, data 64-byte aligned), its reader's checks, and
 * the vocabulary file beside it. NumPy itself reads the files in test/integration/exports.test.ts.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { detectModelFormatOfBytes, modelFormatOfPath } from '../../lib/formats/model-format';
import { NPY_MAX_HEADER_BYTES, npyHeader, npyVocabularyPath, parseNpyHeader, readNpy, startsLikeNpy, writeNpy } from '../../lib/formats/npy';
import { encodeVocabulary, readVocabulary, vocabularyPathBeside } from '../../lib/formats/vocabulary-file';
import { rejection } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-npy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));


/** A header dict padded as the writer pads it (NumPy's own layout), for hand-made files. */
function npyWithDict(dict: string, data: Uint8Array = new Uint8Array(0), version = 1): Buffer {
  const preamble = version === 1 ? 10 : 12;
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const head = Buffer.alloc(total, 0x20);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) head.writeUInt16LE(total - preamble, 8);
  else head.writeUInt32LE(total - preamble, 8);
  head.write(dict, preamble, 'latin1');
  head[total - 1] = 0x0a;
  return Buffer.concat([head, data]);
}

describe('npyHeader', () => {
  it.each([
    [3, 4],
    [1, 1],
    [2_000_000, 300],
    [123456789, 100000],
  ])('%i x %i: version 1.0, the dict NumPy writes, padded with spaces to a multiple of 64 ending in a newline', (rows, dim) => {
    const h = npyHeader(rows, dim);
    expect(h.length % 64).toBe(0);
    expect([...h.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(h.readUInt16LE(8)).toBe(h.length - 10);
    expect(h.toString('latin1', 10)).toMatch(new RegExp(`^\\{'descr': '<f4', 'fortran_order': False, 'shape': \\(${rows}, ${dim}\\), \\} *\\n$`));
    expect(parseNpyHeader(h, 'x')).toEqual({ rows, dim, dataOffset: h.length });
  });

  it('is the magic number the registry detects; .npy names the format', () => {
    expect(startsLikeNpy(npyHeader(1, 1))).toBe(true);
    expect(startsLikeNpy(Buffer.from([0x93, 0x4e]))).toBe(true);
    expect(startsLikeNpy(Buffer.from('\x93NUMPZ', 'latin1'))).toBe(false);
    expect(startsLikeNpy(new Uint8Array(0))).toBe(false);
    expect(detectModelFormatOfBytes(npyHeader(2, 3))).toBe('npy');
    expect(modelFormatOfPath('dir/M.NPY')).toBe('npy');
  });
});

describe('writeNpy and readNpy', () => {
  const table = {
    keys: ['</s>', 'the', '\xc3\xa9t\xc3\xa9'],
    dim: 2,
    vectors: Float32Array.from([1, -0, 0.5, 3.4e38, -1e-45, 7]),
    counts: Float64Array.from([9, 8, 7]),
  };

  it('the file is the header then the little-endian float32 rows; the vocabulary beside it', async () => {
    const path = join(work, 'm.npy');
    await writeNpy(path, table);
    const file = readFileSync(path);
    const header = npyHeader(3, 2);
    expect(file.subarray(0, header.length).equals(header)).toBe(true);
    expect(file.length).toBe(header.length + 24);
    expect(file.readFloatLE(header.length + 4 * 3)).toBe(Math.fround(3.4e38));
    expect(readFileSync(join(work, 'm.vocab.tsv'), 'latin1')).toBe('</s>\t9\nthe\t8\n\xc3\xa9t\xc3\xa9\t7\n');
    expect(await readNpy(path)).toEqual({ ...table, keys: [...table.keys] });
    const first = await readNpy(path, { limit: 2 });
    expect(first.keys).toEqual(['</s>', 'the']);
    expect(first.vectors).toEqual(table.vectors.subarray(0, 4));
    expect(first.counts).toEqual(table.counts.subarray(0, 2));
    expect(await readNpy(path, { limit: 10 })).toEqual({ ...table, keys: [...table.keys] });
  });

  it('reads a NumPy format 2.0 header too', async () => {
    const path = join(work, 'v2.npy');
    writeFileSync(path, npyWithDict("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", Buffer.from(Float32Array.of(1, 2).buffer), 2));
    writeFileSync(npyVocabularyPath(path), 'w\n');
    expect(await readNpy(path)).toEqual({ keys: ['w'], dim: 2, vectors: Float32Array.of(1, 2), counts: undefined });
  });

  it('reads a version 2.0 header longer than its first 64 KiB read, and refuses one past the bound', async () => {
    const path = join(work, 'v2-long.npy');
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }" + ' '.repeat(70_000);
    writeFileSync(path, npyWithDict(dict, Buffer.from(Float32Array.of(5, 6).buffer), 2));
    writeFileSync(npyVocabularyPath(path), 'w\n');
    expect(statSync(path).size).toBeGreaterThan(1 << 16);
    expect(await readNpy(path)).toEqual({ keys: ['w'], dim: 2, vectors: Float32Array.of(5, 6), counts: undefined });
    const huge = join(work, 'v2-huge.npy');
    const hugeDict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }" + ' '.repeat(NPY_MAX_HEADER_BYTES);
    writeFileSync(huge, npyWithDict(hugeDict, Buffer.from(Float32Array.of(5, 6).buffer), 2));
    writeFileSync(npyVocabularyPath(huge), 'w\n');
    const declared = Buffer.from(readFileSync(huge).subarray(8, 12)).readUInt32LE(0);
    expect((await rejection(readNpy(huge))).message).toBe(
      `npy header is ${declared} bytes (declared at byte 8), more than the ${NPY_MAX_HEADER_BYTES} this reader accepts (file ${huge})`,
    );
  });

  it('refuses other arrays and truncated files, naming the file and what it holds', async () => {
    const cases: Array<[string, Buffer, string]> = [
      ['f8', npyWithDict("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", new Uint8Array(8)), `npy dtype must be '<f4' (little-endian float32), got "<f8"`],
      ['be', npyWithDict("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1), }", new Uint8Array(4)), `npy dtype must be '<f4' (little-endian float32), got ">f4"`],
      ['fortran', npyWithDict("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", new Uint8Array(4)), 'npy matrix must be in C order (fortran_order False), got "True"'],
      ['1d', npyWithDict("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(12)), 'npy shape must be (words, dim), got "(3,)"'],
      ['3d', npyWithDict("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1), }", new Uint8Array(4)), 'npy shape must be (words, dim), got "(1, 1, 1)"'],
      ['dim0', npyWithDict("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 0), }"), 'npy shape must have a dim of at least 1, got (1, 0)'],
      ['short', npyWithDict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array(12)), 'npy file has 12 bytes of data, its shape (2, 2) needs 16'],
      ['version', Buffer.from('\x93NUMPY\x04\x00\x10\x00', 'latin1'), 'npy format version 4.0 at byte 6 is not supported (1.0 to 3.0)'],
      ['magic', Buffer.from('\x93NUMPZ\x01\x00\x10\x00', 'latin1'), 'not an .npy file: no \\x93NUMPY magic at bytes 0 to 5'],
      // The property test's counterexample: one byte, the magic's first, says where too.
      ['one byte', Buffer.from([0x93]), 'not an .npy file: it has 1 bytes, fewer than the 10-byte preamble'],
      ['header', Buffer.from('\x93NUMPY\x01\x00\xff\x00{', 'latin1'), 'npy header is truncated: 255 bytes declared at byte 8, 1 read'],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(work, `bad-${name}.npy`);
      writeFileSync(path, bytes);
      writeFileSync(npyVocabularyPath(path), 'a\nb\n');
      expect((await rejection(readNpy(path))).message).toBe(`${message} (file ${path})`);
    }
    const long = join(work, 'long.npy');
    await writeNpy(long, table);
    appendFileSync(long, Buffer.alloc(1));
    expect((await rejection(readNpy(long))).message).toBe(`npy file has 25 bytes of data, its shape (3, 2) needs 24 (file ${long})`);
  });

  it('a table the format cannot hold', async () => {
    const path = join(work, 'never.npy');
    await expect(writeNpy(path, { keys: ['a'], dim: 0, vectors: new Float32Array(0) })).rejects.toThrow(new RangeError('npy dim must be a positive integer, got 0'));
    await expect(writeNpy(path, { keys: ['a'], dim: 2, vectors: new Float32Array(3) })).rejects.toThrow(
      new RangeError('npy vectors must be a Float32Array of 1 x 2 values, got length 3'),
    );
    await expect(writeNpy(path, { keys: ['a\nb'], dim: 1, vectors: new Float32Array(1) })).rejects.toThrow(
      'vocabulary word 0 "a\\nb" is empty or contains a tab, newline, carriage return or a char above \\xff',
    );
    expect(() => statSync(path)).toThrow();
  });
});

describe('the vocabulary file', () => {
  it.each([
    ['X.npy', '.npy', 'X.vocab.tsv'],
    ['dir/X.NPY', '.npy', 'dir/X.vocab.tsv'],
    ['X', '.npy', 'X.vocab.tsv'],
    ['m.onnx', '.onnx', 'm.vocab.tsv'],
    ['dir.npy/m', '.npy', 'dir.npy/m.vocab.tsv'],
  ])('%s (%s) -> %s', (path, extension, want) => {
    expect(vocabularyPathBeside(path, extension)).toBe(want);
  });

  it('encodes words as bytes, with counts when given', () => {
    expect(encodeVocabulary(['a', '\xe9'], Float64Array.of(3, 0)).toString('latin1')).toBe('a\t3\n\xe9\t0\n');
    expect(encodeVocabulary(['a', 'b']).toString('latin1')).toBe('a\nb\n');
    expect(encodeVocabulary([]).length).toBe(0);
    expect(() => encodeVocabulary([''])).toThrow('vocabulary word 0 "" is empty');
    expect(() => encodeVocabulary(['a', '\u0100'])).toThrow('vocabulary word 1 "\u0100" is empty or contains');
    expect(() => encodeVocabulary(['a'], Float64Array.of(NaN))).toThrow('vocabulary count of word 0 "a" must be a finite number >= 0, got NaN');
  });

  it('reading refuses lines that disagree, naming both files and the line', async () => {
    const vocab = join(work, 'v.tsv');
    const where = `(vocabulary ${JSON.stringify(vocab)} of "m.npy")`;
    const cases: Array<[string, string]> = [
      ['a\t1\nb\n', `line 2 has no count, unlike line 1 ${where}`],
      ['a\nb\t1\n', `line 2 has a tab, unlike line 1 ${where}`],
      ['a\t1\nb\tx\n', `line 2: count must be a number >= 0, got "x" ${where}`],
      ['a\t1\nb\t\n', `line 2: count must be a number >= 0, got "" ${where}`],
      ['a\t1\n\t2\n', `line 2 has an empty word ${where}`],
    ];
    for (const [text, message] of cases) {
      writeFileSync(vocab, text);
      expect((await rejection(readVocabulary(vocab, 'm.npy', 2, 2))).message).toBe(message);
    }
    writeFileSync(vocab, 'a\t1\nb\t2');
    expect(await readVocabulary(vocab, 'm.npy', 2, 1)).toEqual({ keys: ['a'], counts: Float64Array.of(1) });
  });
});
