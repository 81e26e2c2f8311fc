/**
 * Parquet export (`.parquet`), written with `hyparquet-writer` (pure JavaScript, ES module
 * only: loaded through util/esm-import.ts). Export only: this package reads no Parquet.
 *
 * The table is the one of formats/embedding-table.ts, with this Parquet schema:
 *
 * ```
 * message root {
 *   required int32 id;
 *   required binary word (STRING);
 *   optional double count;
 *   required group vector (LIST) { repeated group list { required float element; } }
 * }
 * ```
 *
 * Parquet has no fixed-size list: the vectors are the standard three-level LIST of FLOAT,
 * each of exactly dim values (the key-value metadata `word2vec-native:dim` says how many).
 * Arrow-based readers see `list<element: float>`; DuckDB sees `FLOAT[]` (cast it to
 * `FLOAT[dim]` for its array functions). Snappy compression, data pages v2, statistics on
 * `id`, `word` and `count`.
 *
 * Row groups hold at most {@link MAX_BATCH_ROWS} rows and about {@link GROUP_VALUES} vector
 * values; each is encoded and handed to the temporary file before the next is built. The
 * column chunks are written with hyparquet-writer's `writeColumn`, given the vector column's
 * repetition and definition levels directly (every row a list of dim values: levels known in
 * advance), rather than through `ParquetWriter.write`, whose general nesting encoder visits
 * each value as a JavaScript object and is ~3x slower; `ParquetWriter` still writes the
 * header, the page indexes and the footer. (`writeColumn` is in the package's exports map,
 * `hyparquet-writer/src/*.js`; the dependency's range, ^0.17, keeps its signature.) Even so
 * the writer encodes value by value: some 3-5 million values a second on a CI core, a minute
 * or two for a 1M x 300 model, several times what the Arrow export takes.
 *
 * @module
 */

import type * as Hyparquet from 'hyparquet-writer';
import type * as HyparquetColumn from 'hyparquet-writer/types/column';

import { wordOf } from '../util/bytes';
import { importEsm } from '../util/esm-import';
import { writeFileAtomically } from './atomic-write';
import { batchRanges, checkEmbeddingTable, MAX_BATCH_ROWS } from './embedding-table';
import type { ModelFormatModule, ModelTable } from './format-module';

type ParquetWriter = Hyparquet.ParquetWriter;
type SchemaElement = ParquetWriter['schema'][number];
type WriteColumn = typeof HyparquetColumn.writeColumn;
type ColumnEncoder = Parameters<WriteColumn>[0]['column'];
type PageData = Parameters<WriteColumn>[0]['pageData'];

/** Vector values per row group, about (16 MiB of float32). */
const GROUP_VALUES = 1 << 22;
/** Target size of a data page, uncompressed. */
const PAGE_BYTES = 1 << 20;

const SCHEMA: readonly SchemaElement[] = [
  { name: 'root', num_children: 4 },
  { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'word', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' },
  { name: 'count', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'vector', repetition_type: 'REQUIRED', converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
];

/** Each leaf column: its path from the root (schema indexes), encoding and whether it keeps statistics. */
const LEAVES = {
  id: { path: [0, 1], encoding: 'PLAIN', statistics: true },
  word: { path: [0, 2], encoding: 'PLAIN', statistics: true },
  // Counts repeat (many words share small counts): the writer picks a dictionary when it pays.
  count: { path: [0, 3], encoding: undefined, statistics: true },
  // Min/max over all of a list's floats help no query, and cost a pass over every value.
  vector: { path: [0, 4, 5, 6], encoding: 'PLAIN', statistics: false },
} as const;

/** The encoder settings of one leaf column. */
function encoder(file: ParquetWriter, leaf: keyof typeof LEAVES): ColumnEncoder {
  const { path, encoding, statistics } = LEAVES[leaf];
  const schemaPath = path.map((i) => SCHEMA[i]!);
  return {
    columnName: schemaPath.slice(1).map((s) => s.name).join('.'),
    element: schemaPath[schemaPath.length - 1]!,
    schemaPath,
    codec: file.codec,
    compressors: file.compressors,
    stats: statistics,
    pageSize: PAGE_BYTES,
    columnIndex: false,
    offsetIndex: true,
    ...(encoding ? { encoding } : {}),
  };
}

/**
 * Levels as the writer reads them: by index, and sliced per page. Typed arrays, a quarter of
 * the memory of a number[] of a row group's millions of levels; the writer types them as
 * number[] but uses nothing a typed array lacks.
 */
const levels = (values: Uint8Array): number[] => values as unknown as number[];

/** The vector column's levels for `rows` full rows: repetition 0 at each row's first value. */
function vectorLevels(rows: number, dim: number): { repetition: Uint8Array; definition: Uint8Array } {
  const repetition = new Uint8Array(rows * dim).fill(1);
  for (let r = 0; r < rows; r++) repetition[r * dim] = 0;
  return { repetition, definition: new Uint8Array(rows * dim).fill(1) };
}

/** The pages' data of rows [start, end), one entry per leaf column. */
function rowGroupPages(table: ModelTable, start: number, end: number, full: ReturnType<typeof vectorLevels>): Record<keyof typeof LEAVES, PageData> {
  const rows = end - start;
  const { dim } = table;
  const ids = new Int32Array(rows);
  for (let i = 0; i < rows; i++) ids[i] = start + i;
  const words = table.keys.slice(start, end).map(wordOf);
  const present = levels(new Uint8Array(rows).fill(table.counts ? 1 : 0));
  return {
    id: { values: ids, definitionLevels: [], repetitionLevels: [], maxDefinitionLevel: 0 },
    word: { values: words, definitionLevels: [], repetitionLevels: [], maxDefinitionLevel: 0 },
    count: { values: table.counts ? table.counts.subarray(start, end) : new Array<null>(rows).fill(null), definitionLevels: present, repetitionLevels: [], maxDefinitionLevel: 1 },
    vector: {
      values: table.vectors.subarray(start * dim, end * dim),
      definitionLevels: levels(full.definition.subarray(0, rows * dim)),
      repetitionLevels: levels(full.repetition.subarray(0, rows * dim)),
      maxDefinitionLevel: 1,
    },
  };
}

/** Writes one row group and records it in `file` (as ParquetWriter.write does for each group). */
function writeRowGroup(file: ParquetWriter, writeColumn: WriteColumn, pages: Record<keyof typeof LEAVES, PageData>, rows: number): void {
  const { writer } = file;
  const groupStart = writer.offset;
  const written = (Object.keys(LEAVES) as (keyof typeof LEAVES)[]).map((leaf) => writeColumn({ writer, column: encoder(file, leaf), pageData: pages[leaf] }));
  const columns = written.map((w) => w.chunk);
  file.pendingIndexes.push(...written);
  let uncompressed = 0n;
  for (const column of columns) uncompressed += column.meta_data?.total_uncompressed_size ?? 0n;
  file.num_rows += BigInt(rows);
  file.row_groups.push({ columns, total_byte_size: uncompressed, num_rows: BigInt(rows), total_compressed_size: BigInt(writer.offset - groupStart) });
}

/**
 * The bytes written since the last call (a view of the writer's buffer, which the writer then
 * reuses: writeFileAtomically writes each block before it asks for the next).
 */
function takeBytes(writer: Hyparquet.ByteWriter): Uint8Array {
  const bytes = new Uint8Array(writer.buffer, 0, writer.index);
  writer.index = 0;
  return bytes;
}

/** The file as blocks: the header, each row group, then the indexes and the footer. */
async function* parquetFileBlocks(table: ModelTable): AsyncGenerator<Uint8Array> {
  checkEmbeddingTable(table, 'parquet');
  const [{ ByteWriter, ParquetWriter }, { writeColumn }] = await Promise.all([
    importEsm<typeof Hyparquet>('hyparquet-writer'),
    importEsm<typeof HyparquetColumn>('hyparquet-writer/src/column.js'),
  ]);
  const writer = new ByteWriter(PAGE_BYTES);
  const file = new ParquetWriter({
    writer,
    schema: SCHEMA.slice(),
    codec: 'SNAPPY',
    createdBy: 'word2vec-native (hyparquet-writer)',
    kvMetadata: [{ key: 'word2vec-native:dim', value: String(table.dim) }],
  });
  yield takeBytes(writer);
  const perGroup = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(GROUP_VALUES / table.dim)));
  const full = vectorLevels(Math.min(perGroup, table.keys.length), table.dim);
  for (const [start, end] of batchRanges(table.keys.length, perGroup)) {
    writeRowGroup(file, writeColumn, rowGroupPages(table, start, end, full), end - start);
    yield takeBytes(writer);
  }
  await file.finish();
  yield takeBytes(writer);
}

/** The 4 bytes a Parquet file starts (and ends) with. */
const PARQUET_MAGIC = Buffer.from('PAR1', 'latin1');

/**
 * Parquet export: see the module comment. Its magic number is known so that loadModel, handed
 * a Parquet file, says it is an export rather than failing to read it as word2vec.
 */
export const parquetFormat: ModelFormatModule<'parquet'> = {
  name: 'parquet',
  extension: '.parquet',
  help: 'Parquet table: id, word, count, vector (list of float); export only',
  // Like the other magics: a non-empty prefix of it counts, for a file shorter than it.
  magic: (head) => head.length > 0 && PARQUET_MAGIC.subarray(0, head.length).equals(head.subarray(0, PARQUET_MAGIC.length)),
  write: (path, table) => writeFileAtomically(path, parquetFileBlocks(table)),
};
