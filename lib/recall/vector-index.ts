/**
 * An approximate nearest-neighbour index (an HNSW graph, or inverted lists) over a model's rows: built, searched and
 * changed on native threads, saved beside the model and loaded back (or memory-mapped) with a
 * check that it belongs to that model.
 * @module
 */
import { native, type NativeIndex, type NativeIndexInfo } from '../native/addon';
import { abortError, describeValue } from '../util/errors';
import { checkOptions, integerOption } from '../util/validate';
import { writeFileAtomicallyWith } from '../formats/atomic-write';
import {
  bitsetOf, idList, isGroupKey, resolveSearchOptions, MAX_THREADS,
  type GroupKey, type IndexFilter, type IndexRunOptions, type IndexSearchOptions, type ResolvedIndexOptions,
} from './index-options';

/** Which rows an index holds: a model's input or output vectors, or vectors given to it alone. */
export type IndexedVectors = 'input' | 'output' | 'given';

/** What an index records of the rows it was built from, to refuse serving another model. */
export interface IndexSource {
  vectors: IndexedVectors;
  /** Rows of the model at build time. */
  modelRows: number;
  /** A hash of those rows (16 hex digits). */
  fingerprint: string;
}

/** Result of {@link VectorIndex.search}: `queries x k` ids and scores, row-major, best first. */
export interface IndexSearchResult {
  /** Ids; -1 where a query has fewer than k admitted rows. */
  ids: Int32Array;
  /** Scores (cosine, or inner product for 'dot'); NaN where the id is -1. Approximate for f16 and i8. */
  scores: Float32Array;
  k: number;
  queries: number;
  /**
   * True when every result is exact (a filter narrow enough to scan its ids, or an 'ivf' search
   * that scanned every list); false for an approximate search.
   */
  exact: boolean;
}

const VECTOR_KIND: Record<IndexedVectors, number> = { input: 1, output: 2, given: 3 };
export const KIND_OF_CODE: readonly IndexedVectors[] = ['given', 'input', 'output', 'given'];
const EXTRA_FORMAT = 'word2vec-native index extra';

/** The groups of ids (for filters), kept densely by id. */
class GroupTable {
  names: GroupKey[] = [];
  private readonly index = new Map<GroupKey, number>();
  /** Group number + 1 by id (0: none). */
  of = new Int32Array(0);
  private members = new Map<number, Int32Array>();

  set(id: number, group: GroupKey | undefined): void {
    if (id >= this.of.length) {
      const grown = new Int32Array(Math.max(id + 1, this.of.length * 2, 1024));
      grown.set(this.of);
      this.of = grown;
    }
    let g = 0;
    if (group !== undefined) {
      let n = this.index.get(group);
      if (n === undefined) {
        n = this.names.length;
        this.names.push(group);
        this.index.set(group, n);
      }
      g = n + 1;
    }
    this.of[id] = g;
    this.members.clear();
  }

  /** Ids of a group, or undefined for a group never seen. */
  idsOf(group: GroupKey): Int32Array | undefined {
    const n = this.index.get(group);
    if (n === undefined) return undefined;
    let ids = this.members.get(n);
    if (!ids) {
      const found: number[] = [];
      for (let id = 0; id < this.of.length; id++) if (this.of[id] === n + 1) found.push(id);
      ids = Int32Array.from(found);
      this.members.set(n, ids);
    }
    return ids;
  }

  toJSON(): unknown {
    return { names: this.names, of: Buffer.from(this.of.buffer, this.of.byteOffset, this.of.byteLength).toString('base64') };
  }

  static fromJSON(value: unknown): GroupTable {
    const t = new GroupTable();
    const v = value as { names?: unknown; of?: unknown };
    if (!v || !Array.isArray(v.names) || !v.names.every(isGroupKey) || typeof v.of !== 'string') throw new Error('index file extra section: malformed groups');
    const names: GroupKey[] = v.names;
    const bytes = Buffer.from(v.of, 'base64');
    if (bytes.length % 4 !== 0) throw new Error('index file extra section: malformed groups');
    t.of = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    if (t.of.some((g) => g < 0 || g > names.length)) throw new Error('index file extra section: group number out of range');
    t.names = names;
    t.names.forEach((name, i) => t.index.set(name, i));
    return t;
  }
}

/**
 * An index over rows of a model (or over vectors given to it): an HNSW graph, or inverted lists ({@link IndexOptions.kind}): `search` returns the
 * nearest ids like {@link Word2Vec.nearest}, approximately and in well under a millisecond a
 * query. Made by `model.buildIndex()`, `items.buildIndex()` or {@link loadIndex}.
 */
export class VectorIndex {
  /** 'hnsw' (a graph) or 'ivf' (inverted lists). */
  readonly kind: 'hnsw' | 'ivf';
  readonly dim: number;
  readonly metric: 'cosine' | 'dot';
  readonly quantization: 'f32' | 'f16' | 'i8';
  readonly connectivity: number;
  /** Whether dot rows are searched through the dot transform ({@link IndexOptions.dotTransform}). */
  readonly dotTransform: boolean;
  /** What the rows were: the model's input or output vectors, its size and a fingerprint of them. */
  readonly source: IndexSource;
  private handle: NativeIndex | undefined;
  private groups: GroupTable | undefined;
  /** The model's rows this index was built or checked against (identity, for the model's queries). */
  private readonly sourceRows: Float32Array | undefined;

  /** @internal Made by buildIndex / loadIndex. */
  constructor(handle: NativeIndex, source: IndexSource, sourceRows: Float32Array | undefined, groups?: GroupTable) {
    const info = handle.info();
    this.handle = handle;
    this.kind = info.kind;
    this.dim = info.dim;
    this.metric = info.metric;
    this.quantization = info.quantization;
    this.connectivity = info.connectivity;
    this.dotTransform = info.dotTransform;
    this.source = source;
    this.sourceRows = sourceRows;
    this.groups = groups;
  }

  private live(): NativeIndex {
    if (!this.handle) throw new Error('index is disposed');
    return this.handle;
  }

  /** Rows in the index. */
  get size(): number {
    return this.live().size();
  }

  /** Bytes the index holds in memory (a view's mapped file not counted). */
  get memoryBytes(): number {
    return this.live().info().memoryBytes;
  }

  /** True when the index reads a memory-mapped file (loadIndex with `view`): read-only. */
  get isView(): boolean {
    return this.live().info().view;
  }

  get expansionAdd(): number {
    return this.live().info().expansionAdd;
  }

  /** Candidates kept while searching: higher is slower and finds more of the true neighbours. */
  get expansionSearch(): number {
    return this.live().info().expansionSearch;
  }

  set expansionSearch(value: number) {
    if (this.kind !== 'hnsw') throw new RangeError(`expansionSearch applies to kind "hnsw", not ${JSON.stringify(this.kind)}: set probes`);
    this.live().setExpansionSearch(integerOption('expansionSearch', value, 1, 2 ** 20));
  }

  /** 'ivf': the lists learnt (0 before any row, and for 'hnsw'). */
  get lists(): number {
    return this.live().info().lists;
  }

  /** 'ivf': lists a query scans: higher is slower and finds more of the true neighbours. Saved with the index. */
  get probes(): number {
    return this.live().info().probes;
  }

  set probes(value: number) {
    if (this.kind !== 'ivf') throw new RangeError(`probes applies to kind "ivf", not ${JSON.stringify(this.kind)}`);
    this.live().setProbes(integerOption('probes', value, 1, 2 ** 16));
  }

  /** @internal The state the native index reports. */
  info(): NativeIndexInfo {
    return this.live().info();
  }

  /** @internal Whether this index was built from (or checked against) exactly these rows. */
  servesRows(rows: Float32Array | undefined): boolean {
    return rows !== undefined && rows === this.sourceRows;
  }

  has(id: number): boolean {
    return this.live().contains(integerOption('id', id, 0, 2 ** 31 - 1));
  }

  private checkQueries(queries: unknown): number {
    if (!(queries instanceof Float32Array) || queries.length === 0 || queries.length % this.dim !== 0) {
      throw new TypeError(`queries must be a Float32Array of n x ${this.dim} values (n >= 1), got ${describeValue(queries)}${queries instanceof Float32Array ? ` of length ${queries.length}` : ''}`);
    }
    const bad = queries.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`query ${Math.floor(bad / this.dim)} value ${bad % this.dim} must be finite, got ${queries[bad]}`);
    return queries.length / this.dim;
  }

  private checkK(k: unknown): number {
    const size = this.size;
    if (size === 0) throw new Error('index is empty: add vectors before searching');
    return integerOption('k', k, 1, size);
  }

  private allowed(filter: IndexFilter | undefined): BigUint64Array | null {
    if (filter === undefined) return null;
    let ids: Iterable<number>;
    if ('group' in filter || 'groups' in filter) {
      const wanted = 'group' in filter ? [filter.group] : filter.groups;
      if (!this.groups) throw new Error('filter by group needs an index built with the groups option');
      const parts = wanted.map((g) => this.groups!.idsOf(g) ?? new Int32Array(0));
      ids = parts.length === 1 ? parts[0]! : parts.flatMap((p) => Array.from(p));
    } else {
      ids = idList('filter', filter);
    }
    let max = -1;
    for (const id of ids) if (id > max) max = id;
    return bitsetOf(ids, Math.max(max, 0));
  }

  /**
   * The k nearest rows of each query (`queries` holds n x dim values), by the index's metric,
   * on native threads off the event loop. `exclude` and `filter` apply inside the search.
   * Metric 'dot': when the k-th score found is negative (a query that prefers no row), the rows
   * of small norm that must beat it are scored exactly too (see README, "Dot queries that
   * prefer no row").
   */
  async search(queries: Float32Array, k: number, options: IndexSearchOptions = {}): Promise<IndexSearchResult> {
    const count = this.checkQueries(queries);
    const kk = this.checkK(k);
    const o = resolveSearchOptions(options, count);
    const { ids, scores, exact } = await this.live().search(queries, kk, o.exclude, this.allowed(o.filter), o.threads);
    return { ids, scores, k: kk, queries: count, exact };
  }

  /** One query on the calling thread (the hot path of a request handler): as {@link search}. */
  searchOne(query: Float32Array, k: number, options: IndexSearchOptions = {}): IndexSearchResult {
    if (this.checkQueries(query) !== 1) throw new TypeError(`searchOne takes one query of ${this.dim} values, got ${query.length}`);
    const kk = this.checkK(k);
    const o = resolveSearchOptions(options, 1);
    const { ids, scores, exact } = this.live().searchSync(query, kk, o.exclude, this.allowed(o.filter), o.threads);
    return { ids, scores, k: kk, queries: 1, exact };
  }

  /**
   * Adds rows (ids.length x dim values in `vectors`) under `ids`, e.g. new items' cold-start
   * vectors; an id already present gets the new row. Safe while searches run. `groups` gives
   * the new ids' groups for filters. All or nothing: an add that is aborted (or fails) leaves
   * the index as it was, rows it would have replaced included.
   */
  async add(ids: ArrayLike<number>, vectors: Float32Array, options: { groups?: readonly (GroupKey | undefined)[]; threads?: number } & IndexRunOptions = {}): Promise<void> {
    checkOptions(options, ['groups', 'threads', 'signal', 'onProgress']);
    const list = idList('ids', ids);
    if (!(vectors instanceof Float32Array) || vectors.length !== list.length * this.dim) {
      throw new RangeError(`vectors must be a Float32Array of ${list.length} x ${this.dim} values, got ${describeValue(vectors)}${vectors instanceof Float32Array ? ` of length ${vectors.length}` : ''}`);
    }
    const bad = vectors.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`vector ${Math.floor(bad / this.dim)} (id ${list[Math.floor(bad / this.dim)]}) value ${bad % this.dim} must be finite, got ${vectors[bad]}`);
    const groups = options.groups;
    if (groups !== undefined && (!Array.isArray(groups) || groups.length !== list.length || !groups.every((g) => g === undefined || isGroupKey(g)))) {
      throw new TypeError(`groups must be an array of ${list.length} groups (strings, integers or undefined), got ${describeValue(groups)}`);
    }
    if (this.isView) throw new Error('this index is a read-only view of its file: load it without view to add or remove rows');
    const threads = integerOption('threads', options.threads ?? 1, 1, MAX_THREADS);
    // A copy: the native add reads it on other threads while the caller may reuse its array.
    await addRows(this.live(), list, vectors.slice(), threads, options);
    if (groups !== undefined) {
      this.groups ??= new GroupTable();
      list.forEach((id, i) => this.groups!.set(id, groups[i]));
    }
  }

  /** Removes ids (retired items); every id must be in the index (an Error names the first that is not, and nothing is removed). */
  remove(ids: ArrayLike<number>): number {
    const list = idList('ids', ids);
    const handle = this.live();
    if (this.isView) throw new Error('this index is a read-only view of its file: load it without view to add or remove rows');
    const missing = list.findIndex((id) => !handle.contains(id));
    if (missing >= 0) throw new Error(`id ${list[missing]} is not in the index (ids[${missing}])`);
    const removed = handle.remove(list);
    if (this.groups) list.forEach((id) => this.groups!.set(id, undefined));
    return removed;
  }

  /**
   * Writes the index to `path` atomically (a temporary file beside it, fsynced and renamed),
   * with a header that records the model it belongs to.
   */
  async save(path: string): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError(`path must be a non-empty string, got ${describeValue(path)}`);
    const handle = this.live();
    const info = handle.info();
    const extra = Buffer.from(JSON.stringify({
      format: EXTRA_FORMAT, version: 1, expansionAdd: info.expansionAdd, expansionSearch: info.expansionSearch,
      groups: this.groups?.toJSON(),
    }));
    const header = { vectors: VECTOR_KIND[this.source.vectors], modelRows: this.source.modelRows, fingerprint: this.source.fingerprint };
    await writeFileAtomicallyWith(path, (temporary) => handle.save(temporary, header, extra));
  }

  /** Frees the index now (searches in flight finish first); afterwards every method throws. */
  dispose(): void {
    this.handle?.dispose();
    this.handle = undefined;
  }

  /** @internal Restores what the extra section of an index file kept. */
  static restoreExtra(handle: NativeIndex, extra: Uint8Array): GroupTable | undefined {
    if (extra.length === 0) return undefined;
    let parsed: { format?: unknown; version?: unknown; expansionAdd?: unknown; expansionSearch?: unknown; groups?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(extra).toString('utf8')) as typeof parsed;
    } catch {
      throw new Error('index file extra section is not JSON');
    }
    if (parsed.format !== EXTRA_FORMAT || parsed.version !== 1) throw new Error(`index file extra section has an unknown format ${describeValue(parsed.format)} / version ${describeValue(parsed.version)}`);
    if (typeof parsed.expansionAdd === 'number') handle.setExpansionAdd(parsed.expansionAdd);
    if (typeof parsed.expansionSearch === 'number') handle.setExpansionSearch(parsed.expansionSearch);
    return parsed.groups === undefined ? undefined : GroupTable.fromJSON(parsed.groups);
  }
}

/** Numbers the adds, so that aborting one stops that one only. */
let nextJob = 1;

/** Adds rows with progress and abort; rejects with the signal's reason when aborted. */
export async function addRows(handle: NativeIndex, ids: Int32Array, rows: Float32Array, threads: number, run: IndexRunOptions): Promise<void> {
  const { signal, onProgress } = run;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${describeValue(signal)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError(`onProgress must be a function, got ${describeValue(onProgress)}`);
  if (signal?.aborted) throw abortError(signal);
  const job = nextJob++;
  const cancel = (): void => handle.cancel(job);
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    const report = onProgress
      ? (done: number, total: number): void => {
          try {
            onProgress({ done, total, fraction: total > 0 ? done / total : 1 });
          } catch {
            // a throwing callback must not break the build
          }
        }
      : null;
    const finished = await handle.add(ids, rows, threads, report, job);
    if (!finished) throw signal?.aborted ? abortError(signal) : new Error('index was disposed while rows were being added');
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

/** @internal Builds an index over `rows` (ids 0..n-1). */
export async function buildVectorIndex(rows: Float32Array, dim: number, source: Omit<IndexSource, 'fingerprint'>, o: ResolvedIndexOptions, run: IndexRunOptions): Promise<VectorIndex> {
  checkOptions(run, ['signal', 'onProgress']);
  const handle = native().createIndex({
    kind: o.kind, dim, metric: o.metric, quantization: o.quantization, connectivity: o.connectivity, expansionAdd: o.expansionAdd,
    expansionSearch: o.expansionSearch, dotTransform: o.dotTransform, lists: o.lists, probes: o.probes,
  });
  try {
    const count = rows.length / dim;
    const fingerprint = await native().fingerprintRowsAsync(rows, dim, o.threads);
    await addRows(handle, Int32Array.from({ length: count }, (_, i) => i), rows, o.threads, run);
    let groups: GroupTable | undefined;
    if (o.groups !== undefined) {
      groups = new GroupTable();
      const g = o.groups;
      for (let id = 0; id < count; id++) {
        const key = typeof g === 'function' ? g(id) : g[id];
        if (key !== undefined && !isGroupKey(key)) throw new TypeError(`groups: the group of id ${id} must be a non-empty string or an integer, got ${describeValue(key)}`);
        groups.set(id, key);
      }
    }
    return new VectorIndex(handle, { ...source, fingerprint }, rows, groups);
  } catch (e) {
    handle.dispose();
    throw e;
  }
}
