/**
 * The table exports (issue 16), 'parquet' and 'arrow' (id, word, count, vector), read back by
 * readers other than our writers: hyparquet reads the Parquet file, apache-arrow's
 * tableFromIPC (and pyarrow, where installed) the Arrow file, loadModel the Arrow file too.
 * Equality is exact (float32 values compared as bytes, -0 and subnormals included). Also the
 * rows save picks (vectors, limit), a model without counts, more rows than one batch, the Arrow
 * reader's messages for tables it cannot take, and bad input: Errors naming the value, and no
 * file (or temporary file) left under the target name by a failed export.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';

import { arrowFormat } from '../../lib/formats/arrow';
import { modelFormatOfPath, MODEL_FORMATS, READABLE_MODEL_FORMATS } from '../../lib/formats/model-format';
import { parquetFormat } from '../../lib/formats/parquet';
import { detectModelFormat, loadModel, Word2Vec } from '../../lib/index';
import { itNeeds, rejection, rng, runProcess } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-table-exports-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let fileNumber = 0;
/** A new directory under the work directory. */
function freshDir(): string {
  const dir = join(work, `d${fileNumber++}`);
  mkdirSync(dir);
  return dir;
}

const WORDS = ['</s>', 'the', 'café', '東京', 'a_b', 'x'];
const DIM = 3;
const VECTORS = Float32Array.from([0, -0, 1e-40, -1, 2.5, 3.4e38, 0.1, -0.2, 0.3, 7, 8, 9, -1e-8, 1e8, 42, -3.25, 1 / 3, -2e-45]);
const OUTPUT = VECTORS.map((v) => v * 2 + 1);
const COUNTS = Float64Array.from([60, 50, 40, 30, 20, 10]);

function smallModel(withCounts = true): Word2Vec {
  return new Word2Vec({ words: WORDS, dim: DIM, vectors: VECTORS, outputVectors: OUTPUT, ...(withCounts ? { counts: COUNTS } : {}) });
}

/** A model with more rows than one Arrow batch or Parquet row group (65,536). */
function largeModel(): Word2Vec {
  const random = rng(16);
  const rows = 70_000;
  const dim = 4;
  const words = Array.from({ length: rows }, (_, i) => (i % 1000 === 7 ? `mot${i}é` : `w${i}`));
  const vectors = Float32Array.from({ length: rows * dim }, () => random() * 2 - 1);
  return new Word2Vec({ words, dim, vectors, counts: Float64Array.from({ length: rows }, (_, i) => rows - i) });
}

const floatBytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
/** Bitwise equality of float32 arrays (a mismatch is reported at its first index). */
function expectSameFloats(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  if (!floatBytes(got).equals(floatBytes(want))) {
    const i = got.findIndex((v, k) => !Object.is(v, want[k]));
    expect({ index: i, value: got[i] }).toEqual({ index: i, value: want[i] });
  }
}

/** Doubles that must each be a float32 value exactly: compared as doubles, then as floats. */
function expectExactFloat32(got: ArrayLike<number>, want: Float32Array): void {
  const doubles = Float64Array.from(got);
  expect(Buffer.from(doubles.buffer).equals(Buffer.from(Float64Array.from(want).buffer))).toBe(true);
  expectSameFloats(Float32Array.from(doubles), want);
}


/** What hyparquet reads back: the columns, in row order. */
async function readParquet(path: string): Promise<{ ids: number[]; words: string[]; counts: (number | null)[]; vectors: number[] }> {
  const bytes = readFileSync(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const rows = (await parquetReadObjects({ file })) as { id: number; word: string; count: number | null; vector: number[] }[];
  return { ids: rows.map((r) => r.id), words: rows.map((r) => r.word), counts: rows.map((r) => r.count), vectors: rows.flatMap((r) => r.vector) };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('registry', () => {
  it('names both formats; arrow is read back, parquet is an export; extensions map to them', () => {
    expect(MODEL_FORMATS).toEqual(expect.arrayContaining(['arrow', 'parquet']));
    expect(READABLE_MODEL_FORMATS).toContain('arrow');
    expect(READABLE_MODEL_FORMATS).not.toContain('parquet');
    expect(modelFormatOfPath('x/model.ARROW')).toBe('arrow');
    expect(modelFormatOfPath('model.parquet')).toBe('parquet');
  });
});

describe('parquet, read by hyparquet', () => {
  it('ids, words (UTF-8), counts and float32 vectors come back exactly; the schema is int32, string, double, LIST<FLOAT>', async () => {
    const path = join(freshDir(), 'm.parquet');
    await smallModel().save(path, { format: 'parquet' });
    const got = await readParquet(path);
    expect(got.ids).toEqual(range(WORDS.length));
    expect(got.words).toEqual(WORDS);
    expect(got.counts).toEqual(Array.from(COUNTS));
    expectExactFloat32(got.vectors, VECTORS);

    const bytes = readFileSync(path);
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const [id, word, count, vector] = parquetSchema(metadata).children;
    expect([id!.element.type, id!.element.repetition_type]).toEqual(['INT32', 'REQUIRED']);
    expect([word!.element.type, word!.element.converted_type, word!.element.repetition_type]).toEqual(['BYTE_ARRAY', 'UTF8', 'REQUIRED']);
    expect([count!.element.type, count!.element.repetition_type]).toEqual(['DOUBLE', 'OPTIONAL']);
    expect([vector!.element.name, vector!.element.converted_type]).toEqual(['vector', 'LIST']);
    expect(vector!.children[0]!.children[0]!.element).toMatchObject({ name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' });
    expect(metadata.key_value_metadata).toContainEqual({ key: 'word2vec-native:dim', value: '3' });

    // Its magic number is known: loadModel says it is an export instead of misreading it.
    expect(await detectModelFormat(path)).toBe('parquet');
    expect((await rejection(loadModel(path))).message).toMatch(/^format "parquet" is an export: loadModel reads "word2vec-binary", .*"arrow"/);
  });

  it("vectors: 'output' and limit pick the rows; a model without counts has a null count in every row", async () => {
    const dir = freshDir();
    await smallModel().save(join(dir, 'out.parquet'), { format: 'parquet', vectors: 'output', limit: 4 });
    const out = await readParquet(join(dir, 'out.parquet'));
    expect(out.words).toEqual(WORDS.slice(0, 4));
    expect(out.counts).toEqual(Array.from(COUNTS.subarray(0, 4)));
    expectExactFloat32(out.vectors, OUTPUT.subarray(0, 4 * DIM));

    await smallModel(false).save(join(dir, 'nocounts.parquet'), { format: 'parquet' });
    const bare = await readParquet(join(dir, 'nocounts.parquet'));
    expect(bare.counts).toEqual(WORDS.map(() => null));
    expectExactFloat32(bare.vectors, VECTORS);
  });
});

describe('arrow, read by apache-arrow and by loadModel', () => {
  it('tableFromIPC gives the schema and values; loadModel (format detected) gives the model back', async () => {
    const path = join(freshDir(), 'm.arrow');
    const model = smallModel();
    await model.save(path, { format: 'arrow' });
    expect(readFileSync(path).subarray(0, 6).toString()).toBe('ARROW1');
    const table = arrow.tableFromIPC(readFileSync(path));
    expect(table.schema.fields.map((f) => `${f.name}: ${String(f.type)}${f.nullable ? '?' : ''}`)).toEqual([
      'id: Int32',
      'word: Utf8',
      'count: Float64?',
      'vector: FixedSizeList[3]<Float32>',
    ]);
    expect(Array.from(table.getChild('id')!.toArray() as Int32Array)).toEqual(range(WORDS.length));
    expect(table.getChild('word')!.toArray()).toEqual(WORDS);
    expect(Array.from(table.getChild('count')!.toArray() as Float64Array)).toEqual(Array.from(COUNTS));
    const vectors = table.getChild('vector')!;
    expectSameFloats(Float32Array.from({ length: WORDS.length * DIM }, (_, k) => (vectors.get(Math.floor(k / DIM)) as arrow.Vector<arrow.Float32>).get(k % DIM)!), VECTORS);

    expect(await detectModelFormat(path)).toBe('arrow');
    const back = await loadModel(path);
    expect(back.keys).toEqual(model.keys);
    expect(back.words).toEqual(WORDS);
    expect(back.dim).toBe(DIM);
    expectSameFloats(back.vectors, VECTORS);
    expect(Array.from(back.counts!)).toEqual(Array.from(COUNTS));
    expect(back.outputVectors).toBeUndefined();
    const limited = await loadModel(path, { limit: 2 });
    expect(limited.words).toEqual(WORDS.slice(0, 2));
    expectSameFloats(limited.vectors, VECTORS.subarray(0, 2 * DIM));
  });

  it("vectors: 'output' and limit pick the rows; a model without counts has null counts and loads without them", async () => {
    const dir = freshDir();
    await smallModel().save(join(dir, 'out.arrow'), { format: 'arrow', vectors: 'output', limit: 5 });
    const out = await loadModel(join(dir, 'out.arrow'));
    expect(out.words).toEqual(WORDS.slice(0, 5));
    expectSameFloats(out.vectors, OUTPUT.subarray(0, 5 * DIM));

    await smallModel(false).save(join(dir, 'bare.arrow'), { format: 'arrow' });
    const table = arrow.tableFromIPC(readFileSync(join(dir, 'bare.arrow')));
    expect(table.getChild('count')!.nullCount).toBe(WORDS.length);
    expect((await loadModel(join(dir, 'bare.arrow'))).counts).toBeUndefined();
  });
});

describe('more rows than one batch (70,000 words)', () => {
  it('arrow writes two record batches, parquet two row groups; every reader gets every row back', async () => {
    const dir = freshDir();
    const model = largeModel();
    await model.save(join(dir, 'big.arrow'), { format: 'arrow' });
    await model.save(join(dir, 'big.parquet'), { format: 'parquet' });

    const table = arrow.tableFromIPC(readFileSync(join(dir, 'big.arrow')));
    expect(table.batches.map((b) => b.numRows)).toEqual([65_536, 70_000 - 65_536]);
    const back = await loadModel(join(dir, 'big.arrow'));
    expect(back.keys).toEqual(model.keys);
    expectSameFloats(back.vectors, model.vectors);
    expect(Buffer.from(back.counts!.buffer).equals(Buffer.from(model.counts!.buffer))).toBe(true);

    const bytes = readFileSync(join(dir, 'big.parquet'));
    expect(parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)).row_groups.map((g) => Number(g.num_rows))).toEqual([65_536, 70_000 - 65_536]);
    const got = await readParquet(join(dir, 'big.parquet'));
    expect(got.ids).toEqual(range(70_000));
    expect(got.words).toEqual(model.words);
    expect(got.counts).toEqual(Array.from(model.counts!));
    expectExactFloat32(got.vectors, model.vectors);
  }, 30_000);
});

/** Writes an Arrow file of `columns` (name -> Vector) and returns loadModel's rejection of it. */
async function arrowRejection(columns: Record<string, arrow.Vector>): Promise<{ path: string; error: Error }> {
  const path = join(freshDir(), 'bad.arrow');
  writeFileSync(path, arrow.tableToIPC(new arrow.Table(columns), 'file'));
  return { path, error: await rejection(loadModel(path)) };
}

const words = (...w: string[]): arrow.Vector => arrow.vectorFromArray(w, new arrow.Utf8());
const fixedVectors = (rows: number[][], item: arrow.Float = new arrow.Float32()): arrow.Vector =>
  arrow.vectorFromArray(rows, new arrow.FixedSizeList(rows[0]!.length, new arrow.Field('item', item)));

describe('the Arrow reader names what is wrong', () => {
  it('a missing column, a vector column of the wrong type or element type', async () => {
    const noVector = await arrowRejection({ word: words('a', 'b') });
    expect(noVector.error.message).toBe(`Arrow table has no "vector" column (the columns are "word") (file ${noVector.path})`);
    const noWord = await arrowRejection({ vector: fixedVectors([[1, 2]]) });
    expect(noWord.error.message).toMatch(/^Arrow table has no "word" column \(the columns are "vector"\)/);
    const list = await arrowRejection({ word: words('a'), vector: arrow.vectorFromArray([[1, 2]], new arrow.List(new arrow.Field('item', new arrow.Float32()))) });
    expect(list.error.message).toBe(`Arrow column "vector" must be a fixed-size list of float32 (FixedSizeList[dim]<Float32>), got List<Float32> (file ${list.path})`);
    const doubles = await arrowRejection({ word: words('a'), vector: fixedVectors([[1, 2]], new arrow.Float64()) });
    expect(doubles.error.message).toMatch(/^Arrow column "vector" must be a fixed-size list of float32 \(FixedSizeList\[dim\]<Float32>\), got FixedSizeList\[2\]<Float64>/);
    const numericWords = await arrowRejection({ word: arrow.vectorFromArray([1]), vector: fixedVectors([[1, 2]]) });
    expect(numericWords.error.message).toMatch(/^Arrow column "word" must be utf8, got Float64/);
  });

  it('ids out of order, a null vector, an empty word, counts null in some rows only, a truncated file', async () => {
    const ids = await arrowRejection({ id: arrow.vectorFromArray([0, 2], new arrow.Int32()), word: words('a', 'b'), vector: fixedVectors([[1], [2]]) });
    expect(ids.error.message).toBe(`Arrow column "id" must number the rows 0, 1, 2, ... in order: row 1 has id 2 (file ${ids.path})`);
    const nullVector = await arrowRejection({
      word: words('a', 'b'),
      vector: arrow.vectorFromArray([[1], null], new arrow.FixedSizeList(1, new arrow.Field('item', new arrow.Float32()))),
    });
    expect(nullVector.error.message).toMatch(/^Arrow column "vector" is null \(or has a null value\) at row 1 /);
    const empty = await arrowRejection({ word: words('a', ''), vector: fixedVectors([[1], [2]]) });
    expect(empty.error.message).toMatch(/^Arrow column "word" is empty at row 1 /);
    const counts = await arrowRejection({ word: words('a', 'b', 'c'), count: arrow.vectorFromArray([3, null, 1], new arrow.Float64()), vector: fixedVectors([[1], [2], [3]]) });
    expect(counts.error.message).toMatch(/^Arrow column "count" must be null in every row or in none: 1 of 3 rows are null \(the first at row 1\)/);

    const whole = join(freshDir(), 'm.arrow');
    await smallModel().save(whole, { format: 'arrow' });
    const truncated = join(freshDir(), 'cut.arrow');
    writeFileSync(truncated, readFileSync(whole).subarray(0, 200));
    expect((await rejection(loadModel(truncated))).message).toBe(
      `Arrow file is truncated: the file has 200 bytes and does not end with the ARROW1 magic (bytes 194 to 200) (file ${truncated})`,
    );
    // Cut inside its magic: still recognised, so the message is the same.
    writeFileSync(truncated, 'ARR');
    expect(await detectModelFormat(truncated)).toBe('arrow');
    expect((await rejection(loadModel(truncated))).message).toBe(
      `Arrow file is truncated: the file has 3 bytes and does not end with the ARROW1 magic (it needs at least 12) (file ${truncated})`,
    );
  });
});

describe('bad input', () => {
  it('a directory that cannot be written (its parent is a regular file): the Error names the path', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'plain-file'), 'x');
    for (const format of ['arrow', 'parquet'] as const) {
      const path = join(dir, 'plain-file', `m.${format}`);
      const error = await rejection(smallModel().save(path, { format }));
      expect(error.message).toBe(`cannot write ${JSON.stringify(path)}: ENOTDIR: not a directory`);
    }
    expect(readdirSync(dir)).toEqual(['plain-file']);
  });

  it('a disposed model, limit out of range', async () => {
    const dir = freshDir();
    for (const format of ['arrow', 'parquet'] as const) {
      const path = join(dir, `m.${format}`);
      const disposed = smallModel();
      disposed.dispose();
      await expect(disposed.save(path, { format })).rejects.toThrow(/^model is disposed$/);
      await expect(smallModel().save(path, { format, limit: 0 })).rejects.toThrow(`limit must be an integer in [1, ${WORDS.length}], got 0`);
      await expect(smallModel().save(path, { format, limit: WORDS.length + 1 })).rejects.toThrow(`limit must be an integer in [1, ${WORDS.length}], got ${WORDS.length + 1}`);
      await expect(smallModel().save(path, { format, limit: 1.5 })).rejects.toThrow(`limit must be an integer in [1, ${WORDS.length}], got 1.5`);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a failed export leaves no file, temporary or not, and a previous file as it was', async () => {
    const dir = freshDir();
    // A table the writers refuse once the temporary file is open (save() never hands them one).
    const bad = { keys: ['a', 'b'], dim: 2, vectors: new Float32Array(3) };
    for (const module of [arrowFormat, parquetFormat]) {
      const path = join(dir, `m${module.extension!}`);
      const error = await rejection(module.write(path, bad, {}));
      expect(error.message).toBe(`${module.name} export: vectors must be a Float32Array of 2 x 2 values, got length 3`);
      expect(existsSync(path)).toBe(false);
      writeFileSync(path, 'previous');
      await rejection(module.write(path, bad, {}));
      expect(readFileSync(path, 'utf8')).toBe('previous');
    }
    expect(readdirSync(dir).sort()).toEqual(['m.arrow', 'm.parquet']);
  });
});

/** Why the pyarrow check cannot run here, or undefined when it can. */
async function pyarrowMissing(): Promise<string | undefined> {
  const r = await runProcess('python3', ['-c', 'import pyarrow']).catch(() => undefined);
  return r?.status === 0 ? undefined : 'needs python3 with pyarrow (python3 -c "import pyarrow" fails here)';
}

describe('pyarrow, where installed', async () => {
  itNeeds(await pyarrowMissing())('reads the .arrow file and the .parquet file to the same table', async () => {
    const dir = freshDir();
    await smallModel().save(join(dir, 'm.arrow'), { format: 'arrow' });
    await smallModel().save(join(dir, 'm.parquet'), { format: 'parquet' });
    const script = [
      'import sys, json, pyarrow as pa, pyarrow.parquet as pq',
      'a = pa.ipc.open_file(sys.argv[1]).read_all()',
      'p = pq.read_table(sys.argv[2])',
      'out = {"types": [str(f.type) for f in a.schema], "arrow": a.to_pydict(), "parquet": p.to_pydict()}',
      'print(json.dumps(out))',
    ].join('\n');
    const r = await runProcess('python3', ['-c', script, join(dir, 'm.arrow'), join(dir, 'm.parquet')]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(Buffer.from(r.stdout, 'latin1').toString('utf8')) as {
      types: string[];
      arrow: Record<string, unknown[]>;
      parquet: Record<string, unknown[]>;
    };
    expect(out.types).toEqual(['int32', 'string', 'double', 'fixed_size_list<item: float not null>[3]']);
    for (const t of [out.arrow, out.parquet]) {
      expect(t['id']).toEqual(range(WORDS.length));
      expect(t['word']).toEqual(WORDS);
      expect(t['count']).toEqual(Array.from(COUNTS));
      expectExactFloat32((t['vector'] as number[][]).flat(), VECTORS);
    }
  });
});
