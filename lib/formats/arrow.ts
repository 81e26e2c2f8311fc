/**
 * Arrow IPC files (`.arrow`, the file format: `ARROW1` magic, record batches, a footer that
 * indexes them), written and read with `apache-arrow`. The table is the one of
 * formats/embedding-table.ts: `id` int32, `word` utf8, `count` float64 (null where unknown),
 * `vector` fixed_size_list<item: float32>[dim].
 *
 * Written in record batches of at most {@link MAX_BATCH_ROWS} rows, straight to the temporary
 * file: a batch's vector column is a view of the model's vectors (no copy), its ids and words
 * are built per batch, so a 1M-word model is never held twice. Read back batch by batch from
 * the file (see arrow-read.ts).
 *
 * @module
 */

import type * as Arrow from 'apache-arrow';

import { loadArrow, type ArrowModule } from './arrow-library';
import { ARROW_MAGIC, readArrowModel } from './arrow-read';
import { writeFileAtomically } from './atomic-write';
import { batchRanges, checkEmbeddingTable, MAX_BATCH_ROWS, wordUtf8 } from './embedding-table';
import type { ModelFormatModule, ModelTable } from './format-module';

/**
 * Whether `head` is the Arrow file magic or, for a file shorter than it, a prefix of it (so
 * that the reader says a file cut that short is truncated).
 */
export function startsLikeArrowFile(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  const n = Math.min(head.length, ARROW_MAGIC.length);
  for (let i = 0; i < n; i++) if (head[i] !== ARROW_MAGIC[i]) return false;
  return true;
}

/** The schema of formats/embedding-table.ts for vectors of `dim` values. */
function embeddingSchema(A: ArrowModule, dim: number): Arrow.Schema {
  return new A.Schema([
    new A.Field('id', new A.Int32(), false),
    new A.Field('word', new A.Utf8(), false),
    new A.Field('count', new A.Float64(), true),
    new A.Field('vector', new A.FixedSizeList(dim, new A.Field('item', new A.Float32(), false)), false),
  ]);
}

/** Rows [start, end) of `table` as a record batch; the vector column views the table's vectors. */
function recordBatch(A: ArrowModule, schema: Arrow.Schema, table: ModelTable, start: number, end: number): Arrow.RecordBatch {
  const rows = end - start;
  const { dim } = table;
  const ids = new Int32Array(rows);
  for (let i = 0; i < rows; i++) ids[i] = start + i;
  const words = table.keys.slice(start, end).map(wordUtf8);
  const offsets = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i]! + words[i]!.length;
  const [, , countField, vectorField] = schema.fields as [Arrow.Field, Arrow.Field, Arrow.Field<Arrow.Float64>, Arrow.Field<Arrow.FixedSizeList<Arrow.Float32>>];
  const count = table.counts
    ? A.makeData({ type: countField.type, length: rows, data: table.counts.subarray(start, end) })
    : A.makeData({ type: countField.type, length: rows, nullCount: rows, nullBitmap: new Uint8Array(Math.ceil(rows / 8)), data: new Float64Array(rows) });
  const values = A.makeData({ type: vectorField.type.children[0]!.type, length: rows * dim, data: table.vectors.subarray(start * dim, end * dim) });
  const children = [
    A.makeData({ type: new A.Int32(), length: rows, data: ids }),
    A.makeData({ type: new A.Utf8(), length: rows, valueOffsets: offsets, data: Buffer.concat(words) }),
    count,
    A.makeData({ type: vectorField.type, length: rows, child: values }),
  ];
  return new A.RecordBatch(schema, A.makeData({ type: new A.Struct(schema.fields), length: rows, nullCount: 0, children }));
}

/**
 * The file as blocks, one record batch at a time. The writer's sink is an AsyncByteQueue of
 * ours (the one kind of sink it keeps as it is) whose chunks are taken after each batch, so
 * they go to the file before the next batch is built.
 */
async function* arrowFileBlocks(table: ModelTable): AsyncGenerator<Uint8Array> {
  checkEmbeddingTable(table, 'arrow');
  const A = await loadArrow();
  class TakenQueue extends A.AsyncByteQueue {
    take(): Uint8Array[] {
      return this._values.splice(0);
    }
  }
  const schema = embeddingSchema(A, table.dim);
  const sink = new TakenQueue();
  const writer = new A.RecordBatchFileWriter();
  writer.reset(sink, schema); // writes the magic and the schema
  yield* sink.take();
  for (const [start, end] of batchRanges(table.keys.length, MAX_BATCH_ROWS)) {
    writer.write(recordBatch(A, schema, table, start, end));
    yield* sink.take();
  }
  writer.close(); // writes the footer
  yield* sink.take();
}

/** Arrow IPC file export (and reader): see the module comment. */
export const arrowFormat: ModelFormatModule<'arrow'> = {
  name: 'arrow',
  extension: '.arrow',
  help: 'Arrow IPC file: id, word, count, vector (fixed-size list of float32)',
  magic: startsLikeArrowFile,
  read: (path, options) => readArrowModel(path, options),
  write: (path, table) => writeFileAtomically(path, arrowFileBlocks(table)),
};
