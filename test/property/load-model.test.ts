// loadModel on bytes from nowhere: random bytes, and valid files of every format (written by
// our writers) with random damage (truncation, overwritten and inserted bytes, header fields
// replaced by huge, negative or odd numbers). Every case must either load a model that holds
// together or reject with an Error naming the file and where in it the problem is (line,
// byte or byte offset); never crash, never hang, never throw something that is not an Error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import type { ModelFormat } from '../../lib/formats/model-format';
import { encodeNativeModel } from '../../lib/formats/native-model';
import { encodeVec } from '../../lib/formats/vec';
import { encodeWord2Vec, type VectorTable } from '../../lib/formats/word2vec';
import { loadModel } from '../../lib/model/load';
import { checkIsError, checkModelConsistent, runs, vectorTable } from './arbitraries';

const work = mkdtempSync(join(tmpdir(), 'w2v-property-load-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let fileCount = 0;

/** The formats of one self-contained file (the exports .npy and .onnx keep a vocabulary beside theirs). */
type SingleFileFormat = 'word2vec-binary' | 'word2vec-text' | 'vec' | 'native';
const FORMATS: readonly SingleFileFormat[] = ['word2vec-binary', 'word2vec-text', 'vec', 'native'];

function encode(table: VectorTable, format: SingleFileFormat, extras: { output: boolean; counts: boolean }): Buffer {
  switch (format) {
    case 'word2vec-binary':
    case 'word2vec-text':
      return encodeWord2Vec(table, format);
    case 'vec':
      return encodeVec(table);
    case 'native':
      return encodeNativeModel({
        ...table,
        ...(extras.output ? { outputVectors: table.vectors.map((v) => -v) } : {}),
        ...(extras.counts ? { counts: Float64Array.from(table.keys, (_, i) => 100 - i) } : {}),
      });
  }
}

/** Values a corrupt header may hold: huge, negative, fractional, not numbers at all. */
const headerNumber = fc.oneof(
  fc.constantFrom('0', '-1', '-3', '1e12', '1000000000000', '2147483648', '4294967296', '18446744073709551616', '1.5', 'nan', '+2', '0x10', ''),
  fc.integer({ min: 0, max: 20 }).map(String),
);

/** Little-endian field values for the native header: the limits and just past them. */
const nativeFieldValue = fc.oneof(
  fc.constantFrom(0n, 1n, 127n, 128n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, 10n ** 12n, 100001n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'header'; words: string; dim: string }
  | { kind: 'nativeField'; field: number; width: 4 | 8; value: bigint }
  | { kind: 'textValue'; at: number; token: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('header' as const), words: headerNumber, dim: headerNumber }),
  fc.record({
    kind: fc.constant('nativeField' as const),
    // The header's fields: version, flags, words, dim, reserved, size, then the sections.
    field: fc.constantFrom(8, 12, 16, 24, 28, 32, 40, 48, 56, 64, 72, 80, 88, 96),
    width: fc.constantFrom(4 as const, 8 as const),
    value: nativeFieldValue,
  }),
  fc.record({
    kind: fc.constant('textValue' as const),
    at: fc.nat(),
    token: fc.constantFrom('nan', '-nan', 'inf', '-inf', 'NaN', '1e999', '1e-999', '0x1p3', '1,5', '--1', '.', '', ' ', '\t', '\r', '\0', '\xff'),
  }),
);

function applyMutation(file: Buffer, m: Mutation): Buffer {
  const at = (n: number): number => (file.length === 0 ? 0 : n % (file.length + 1));
  switch (m.kind) {
    case 'truncate':
      return file.subarray(0, at(m.at));
    case 'overwrite': {
      const out = Buffer.from(file);
      const start = at(m.at);
      for (let i = 0; i < m.bytes.length && start + i < out.length; i++) out[start + i] = m.bytes[i]!;
      return out;
    }
    case 'insert': {
      const p = at(m.at);
      return Buffer.concat([file.subarray(0, p), m.bytes, file.subarray(p)]);
    }
    case 'delete': {
      const p = at(m.at);
      return Buffer.concat([file.subarray(0, p), file.subarray(p + m.count)]);
    }
    case 'header': {
      const nl = file.indexOf(0x0a);
      return Buffer.concat([Buffer.from(`${m.words} ${m.dim}`, 'latin1'), nl < 0 ? Buffer.of(0x0a) : file.subarray(nl)]);
    }
    case 'nativeField': {
      if (file.length < m.field + m.width) return file;
      const out = Buffer.from(file);
      if (m.width === 8) out.writeBigUInt64LE(m.value % 2n ** 64n, m.field);
      else out.writeUInt32LE(Number(m.value % 2n ** 32n), m.field);
      return out;
    }
    case 'textValue': {
      // Replaces one space-separated token of the text with the given one.
      const text = file.toString('latin1');
      const spaces: number[] = [];
      for (let i = 0; i < text.length; i++) if (text[i] === ' ' || text[i] === '\n') spaces.push(i);
      if (spaces.length < 2) return file;
      const k = m.at % (spaces.length - 1);
      return Buffer.from(text.slice(0, spaces[k]! + 1) + m.token + text.slice(spaces[k + 1]!), 'latin1');
    }
  }
}

/** Where a message may say the problem is. */
const LOCATION = /\bline \d+|\bbyte \d+|\bbyte offset \d+|\bbytes \d+ to |\bhas \d+ bytes\b|\bis empty\b/;

/**
 * Loads `bytes` from a file with `options`; fails the property unless it loads a model that
 * holds together or rejects with an Error naming the file and a place in it.
 */
async function loadChecked(bytes: Uint8Array, options: { format?: ModelFormat; limit?: number }): Promise<'loaded' | 'rejected'> {
  const path = join(work, `model-${fileCount++}`);
  writeFileSync(path, bytes);
  try {
    const model = await loadModel(path, options);
    checkModelConsistent(model);
    if (options.limit !== undefined && model.size > options.limit) {
      throw new Error(`limit ${options.limit} gave ${model.size} words`);
    }
    return 'loaded';
  } catch (e) {
    checkIsError(e, `loadModel of ${bytes.length} bytes`);
    if (e.message.startsWith('limit must') || e.message.startsWith('format must')) return 'rejected';
    if (!e.message.includes(path)) throw new Error(`the error does not name the file: ${e.message}`);
    if (!LOCATION.test(e.message)) throw new Error(`the error does not say where: ${e.message}`);
    return 'rejected';
  } finally {
    rmSync(path, { force: true });
  }
}

const loadOptions = fc.record(
  { format: fc.constantFrom(...FORMATS), limit: fc.integer({ min: 1, max: 8 }) },
  { requiredKeys: [] },
);

describe('loadModel on untrusted bytes', () => {
  it('a file of one byte that begins a magic number of an export (parquet\'s "PAR1") is refused saying where', async () => {
    // Found by the property below (counterexample [80]): the error named neither file nor place.
    expect(await loadChecked(Uint8Array.of(0x50), {})).toBe('rejected');
  });

  it('a file of one byte that begins the Arrow magic ("ARROW1") is refused saying where', async () => {
    // Found by the property below (counterexample [65], seed 1492370361): the error gave the size
    // in a form the location check did not know.
    expect(await loadChecked(Uint8Array.of(0x41), {})).toBe('rejected');
  });

  it('random bytes load or reject with an Error that says where', async () => {
    const header = fc.tuple(fc.constantFrom('', '3 2\n', '1 1\n', '2 3\r\n', '\x89W2VN\r\n\x1a'), fc.uint8Array({ maxLength: 300 }));
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), header.map(([h, b]) => Buffer.concat([Buffer.from(h, 'latin1'), b])));
    await fc.assert(
      fc.asyncProperty(bytes, loadOptions, async (b, options) => {
        await loadChecked(b, options);
      }),
      { numRuns: runs(1000), timeout: 5000 },
    );
  });

  for (const format of FORMATS) {
    it(`valid ${format} files load back exactly; damaged ones load or reject with an Error that says where`, async () => {
      let loaded = 0;
      let rejected = 0;
      await fc.assert(
        fc.asyncProperty(
          vectorTable,
          fc.record({ output: fc.boolean(), counts: fc.boolean() }),
          fc.array(mutation, { maxLength: 3 }),
          loadOptions,
          async (table, extras, mutations, options) => {
            const file = encode(table, format, extras);
            if (mutations.length === 0) {
              // Undamaged: what was written comes back, to the precision the format prints
              // (binary and native exactly; word2vec text 6 decimals as C's %lf; .vec 5
              // significant digits as fastText's %.5g).
              const model = await loadModel(writeTemp(file), { format, ...(options.limit ? { limit: options.limit } : {}) });
              const rows = Math.min(table.keys.length, options.limit ?? Infinity);
              expect(model.keys).toEqual(table.keys.slice(0, rows));
              expect(model.dim).toBe(table.dim);
              const expected = table.vectors.subarray(0, rows * table.dim);
              expect(model.vectors.length).toBe(expected.length);
              const tolerance = (v: number): number =>
                format === 'word2vec-text' ? 5.000001e-7 + 1.2e-7 * Math.abs(v) : format === 'vec' ? 6e-5 * Math.abs(v) + 2e-45 : 0;
              expected.forEach((v, i) => {
                const got = model.vectors[i]!;
                if (!(Math.abs(got - v) <= tolerance(v))) throw new Error(`value ${i} written as ${v} came back as ${got}`);
              });
              return;
            }
            const damaged = mutations.reduce(applyMutation, file);
            if ((await loadChecked(damaged, options)) === 'loaded') loaded++;
            else rejected++;
          },
        ),
        { numRuns: runs(600), timeout: 5000 },
      );
      // Both outcomes were reached: the damage is neither always fatal nor always harmless.
      expect(rejected).toBeGreaterThan(0);
      expect(loaded).toBeGreaterThan(0);
    });
  }
});

function writeTemp(bytes: Uint8Array): string {
  const path = join(work, `model-${fileCount++}`);
  writeFileSync(path, bytes);
  return path;
}
