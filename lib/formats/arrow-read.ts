/**
 * Reading an Arrow IPC file (or stream) holding the table of formats/embedding-table.ts back
 * into a model, record batch by record batch (apache-arrow's reader over the open file):
 * `word` (utf8) and `vector` (fixed_size_list<float32>[dim]) are required; `id` (any integer
 * type), when present, must number the rows 0, 1, 2, ... in order (the model's ids are its
 * row numbers); `count` (any numeric type), when present and not null throughout, gives the
 * counts. Other columns are ignored. Each problem is an Error naming the column, the row where
 * there is one, and the file.
 *
 * @module
 */

import { open, type FileHandle } from 'node:fs/promises';

import type * as Arrow from 'apache-arrow';

import { loadArrow, type ArrowModule } from './arrow-library';
import type { FormatReadOptions, ModelTable } from './format-module';

/** The 6 bytes an Arrow IPC file starts and ends with: "ARROW1". */
export const ARROW_MAGIC: Readonly<Buffer> = Buffer.from('ARROW1', 'latin1');

/** Where the columns are, and the vectors' length. */
interface ColumnLayout {
  word: number;
  vector: number;
  id: number | undefined;
  count: number | undefined;
  dim: number;
}

/** What the batches gave so far. */
interface Collected {
  keys: string[];
  vectorParts: Float32Array[];
  counts: number[];
  /** Rows whose count was null. */
  nullCounts: number;
  firstNullCount: number;
}

const fail = (path: string, message: string): never => {
  throw new Error(`${message} (file ${path})`);
};

/** Checks the schema and finds the columns. */
function columnLayout(A: ArrowModule, schema: Arrow.Schema, path: string): ColumnLayout {
  const find = (name: string): number | undefined => {
    const i = schema.fields.findIndex((f) => f.name === name);
    return i < 0 ? undefined : i;
  };
  const columns = `the columns are ${schema.fields.map((f) => JSON.stringify(f.name)).join(', ') || 'none'}`;
  const word = find('word') ?? fail(path, `Arrow table has no "word" column (${columns})`);
  const vector = find('vector') ?? fail(path, `Arrow table has no "vector" column (${columns})`);
  const wordType = schema.fields[word]!.type;
  if (!A.DataType.isUtf8(wordType)) fail(path, `Arrow column "word" must be utf8, got ${String(wordType)}`);
  const vectorType = schema.fields[vector]!.type;
  const item = A.DataType.isFixedSizeList(vectorType) ? vectorType.children[0]?.type : undefined;
  if (!item || !A.DataType.isFloat(item) || item.precision !== A.Precision.SINGLE) {
    fail(path, `Arrow column "vector" must be a fixed-size list of float32 (FixedSizeList[dim]<Float32>), got ${String(vectorType)}`);
  }
  const dim = (vectorType as Arrow.FixedSizeList).listSize;
  if (!(dim >= 1)) fail(path, `Arrow column "vector" must hold at least 1 value per row, got FixedSizeList[${dim}]`);
  const id = find('id');
  if (id !== undefined && !A.DataType.isInt(schema.fields[id]!.type)) {
    fail(path, `Arrow column "id" must be an integer type, got ${String(schema.fields[id]!.type)}`);
  }
  const count = find('count');
  if (count !== undefined && !A.DataType.isInt(schema.fields[count]!.type) && !A.DataType.isFloat(schema.fields[count]!.type)) {
    fail(path, `Arrow column "count" must be a numeric type, got ${String(schema.fields[count]!.type)}`);
  }
  return { word, vector, id, count, dim };
}

/** The first `rows` rows of one batch, added to `into`; `first` is the batch's first row number. */
function collectBatch(batch: Arrow.RecordBatch, rows: number, first: number, layout: ColumnLayout, into: Collected, path: string): void {
  const columns = batch.data.children;
  const words = columns[layout.word] as Arrow.Data<Arrow.Utf8>;
  const vectors = columns[layout.vector] as Arrow.Data<Arrow.FixedSizeList<Arrow.Float32>>;
  const values = vectors.children[0]!;
  const { dim } = layout;
  if (vectors.nullCount > 0 || values.nullCount > 0) {
    for (let i = 0; i < rows; i++) {
      let valid = vectors.getValid(i);
      for (let j = 0; valid && j < dim; j++) valid = values.getValid(i * dim + j);
      if (!valid) fail(path, `Arrow column "vector" is null (or has a null value) at row ${first + i}`);
    }
  }
  // Arrow slices a column's buffers with it (Data.slice): index 0 is the batch's first row.
  into.vectorParts.push(values.values.subarray(0, rows * dim));
  const offsets = words.valueOffsets;
  const bytes = Buffer.from(words.values.buffer, words.values.byteOffset, words.values.byteLength);
  for (let i = 0; i < rows; i++) {
    if (!words.getValid(i)) fail(path, `Arrow column "word" is null at row ${first + i}`);
    if (offsets[i + 1] === offsets[i]) fail(path, `Arrow column "word" is empty at row ${first + i}`);
    // The key is the word's bytes, one char per byte (util/bytes.ts): no UTF-8 decoding needed.
    into.keys.push(bytes.toString('latin1', offsets[i], offsets[i + 1]));
  }
  if (layout.id !== undefined) {
    const ids = batch.getChildAt(layout.id)!;
    for (let i = 0; i < rows; i++) {
      const id: unknown = ids.get(i);
      if (id === null || Number(id) !== first + i) {
        fail(path, `Arrow column "id" must number the rows 0, 1, 2, ... in order: row ${first + i} has id ${String(id)}`);
      }
    }
  }
  if (layout.count !== undefined) {
    const counts = batch.getChildAt(layout.count)!;
    for (let i = 0; i < rows; i++) {
      const count: unknown = counts.get(i);
      if (count === null && into.nullCounts++ === 0) into.firstNullCount = first + i;
      into.counts.push(count === null ? 0 : Number(count));
    }
  }
}

/**
 * One Float32Array of the parts, in order: always a copy, since the parts view buffers the
 * reader allocated (possibly from a shared pool), which the model must not own and detach.
 */
function concatenated(parts: Float32Array[], length: number): Float32Array {
  const out = new Float32Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The batches of the open file, checked and collected (the first `limit` rows). */
async function readBatches(A: ArrowModule, fh: FileHandle, path: string, limit: number): Promise<ModelTable> {
  let reader: Arrow.AsyncRecordBatchFileReader | Arrow.AsyncRecordBatchStreamReader;
  try {
    reader = await A.RecordBatchReader.from(fh);
    await reader.open();
  } catch (e) {
    return fail(path, `not a readable Arrow IPC file: ${(e as Error).message}`);
  }
  const layout = columnLayout(A, reader.schema, path);
  const into: Collected = { keys: [], vectorParts: [], counts: [], nullCounts: 0, firstNullCount: -1 };
  for await (const batch of reader) {
    const rows = Math.min(batch.numRows, limit - into.keys.length);
    collectBatch(batch, rows, into.keys.length, layout, into, path);
    if (into.keys.length >= limit) break;
  }
  const words = into.keys.length;
  if (into.nullCounts > 0 && into.nullCounts < words) {
    fail(path, `Arrow column "count" must be null in every row or in none: ${into.nullCounts} of ${words} rows are null (the first at row ${into.firstNullCount})`);
  }
  return {
    keys: into.keys,
    dim: layout.dim,
    vectors: concatenated(into.vectorParts, words * layout.dim),
    counts: layout.count !== undefined && into.nullCounts === 0 ? Float64Array.from(into.counts) : undefined,
  };
}

/**
 * Throws when a file that starts as an Arrow file lacks the magic it must end with (a
 * truncated copy): apache-arrow's own error for one says nothing of the kind.
 */
async function checkComplete(fh: FileHandle, path: string): Promise<void> {
  const size = (await fh.stat()).size;
  const magic = ARROW_MAGIC.length;
  const head = Buffer.alloc(Math.min(size, magic));
  const tail = Buffer.alloc(magic);
  await fh.read(head, 0, head.length, 0);
  // An Arrow stream, or not Arrow at all: the reader tells which.
  if (head.length === 0 || !head.equals(ARROW_MAGIC.subarray(0, head.length))) return;
  if (size >= 2 * magic) await fh.read(tail, 0, magic, size - magic);
  if (size < 2 * magic || !tail.equals(ARROW_MAGIC)) {
    fail(path, `Arrow file is truncated: the file has ${size} bytes and does not end with the ARROW1 magic` +
      (size >= magic ? ` (bytes ${size - magic} to ${size})` : ` (it needs at least ${2 * magic})`));
  }
}

/**
 * Reads an Arrow IPC file written by the `'arrow'` format (or by another tool, with the same
 * columns): see the module comment.
 *
 * @throws Error naming the file and what is wrong in it; or the file system's error.
 */
export async function readArrowModel(path: string, options: FormatReadOptions): Promise<ModelTable> {
  const A = await loadArrow();
  const fh = await open(path, 'r');
  try {
    await checkComplete(fh, path);
    return await readBatches(A, fh, path, options.limit ?? Number.POSITIVE_INFINITY);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
