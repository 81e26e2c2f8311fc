/**
 * The options of an index and of its searches, checked with the bad-input contract's messages,
 * and how a filter becomes the native allowed-id bitset.
 * @module
 */
import { availableParallelism } from 'node:os';

import { nativeLimits } from '../native/addon';
import { describeValue } from '../util/errors';
import { checkOptions, choiceOption, integerOption } from '../util/validate';

/** A group a filter names: the value `groups` gave an id. */
export type GroupKey = string | number;

/** Options of {@link Word2Vec.buildIndex} and {@link ItemEmbeddings.buildIndex}. */
export interface IndexOptions {
  /**
   * 'hnsw' (default): a graph (USearch's HNSW); fast at high recall, links cost 128 bytes a row
   * at connectivity 16. 'ivf': inverted lists (rows kept in the list of their nearest k-means
   * centroid, learnt from the build's rows; a query scans the `probes` nearest lists), which
   * store no links: with 'i8' a row of dim 100 takes about 104 bytes, 0.27x its f32 vector.
   * Slower per query than the graph at the same recall; the choice when memory binds.
   */
  kind?: 'hnsw' | 'ivf';
  /** Index the input vectors (default) or the output vectors (the softmax weights, YouTube-style). */
  vectors?: 'input' | 'output';
  /** 'cosine' (default for input vectors) or 'dot' (raw inner product; default for output vectors). */
  metric?: 'cosine' | 'dot';
  /** How rows are stored: 'f32' (default), 'f16' (half the memory) or 'i8' (a quarter; scores approximate). */
  quantization?: 'f32' | 'f16' | 'i8';
  /** 'hnsw': links per node (HNSW's M); default 16. More: better recall, more memory, slower build. */
  connectivity?: number;
  /** 'hnsw': candidates kept while inserting (efConstruction); default 112. */
  expansionAdd?: number;
  /** 'hnsw': candidates kept while searching (ef); default 64. Changeable later: `index.expansionSearch = n`. */
  expansionSearch?: number;
  /**
   * Metric 'dot' over 'f32' or 'f16' rows: build the graph through the transform of Bachrach et
   * al. (2014): rows stored as unit rows one value longer ([x / R, sqrt(1 - |x|^2 / R^2)], R the
   * largest norm of the build), queries as [q, 0]. Scores and their order stay the exact dot's;
   * the graph links rows as a cosine graph does instead of by the inner product. Which recalls
   * more depends on the vectors: on 1M item2vec output vectors the transform's (recall@10 0.85
   * against 0.57 at expansionSearch 64, bench/results/studies/index-dot-transform.md), on tight
   * planted clusters the inner product's; measure on yours. Rows added later with a norm above R
   * keep exact scores but may be linked poorly: rebuild when norms grow. Default false.
   */
  dotTransform?: boolean;
  /**
   * 'ivf': the number of lists (k-means centroids), learnt from the build's rows; default
   * 4 sqrt(rows), at most the rows and 65,536. More lists: more queries a second at the same
   * recall, a longer build (on 1M x 100, 8 sqrt(n) doubled the QPS and tripled the build to
   * 95 s: bench/results/studies/index-ivf-lists.md). Rows added later go to the nearest list;
   * the lists are not learnt again (rebuild when the items change much).
   */
  lists?: number;
  /**
   * 'ivf': lists a query scans; default 32. More: better recall, slower. Changeable later:
   * `index.probes = n`. A filter admitting a share s of the rows scans probes / s lists (all of
   * them, exactly, for a narrow filter).
   */
  probes?: number;
  /** Threads that build; default os.availableParallelism(). */
  threads?: number;
  /**
   * A group for each id, for filters `{ group }` (e.g. the item's market or category): an array
   * indexed by id, or a function of the id (undefined: no group).
   */
  groups?: ArrayLike<GroupKey | undefined> | ((id: number) => GroupKey | undefined);
}

/** What a search may return. */
export type IndexFilter = ArrayLike<number> | { group: GroupKey } | { groups: readonly GroupKey[] };

/** Options of {@link VectorIndex.search}. */
export interface IndexSearchOptions {
  /** Ids never to return (already seen items), applied inside the search. */
  exclude?: ArrayLike<number>;
  /**
   * Only ids in this set (an array of ids), or of this group / these groups (see
   * {@link IndexOptions.groups}), applied inside the search: results keep their recall.
   */
  filter?: IndexFilter;
  /** Threads the queries are split over; default os.availableParallelism() for several queries, 1 for one. */
  threads?: number;
}

/** Run control of a build or an add. */
export interface IndexRunOptions {
  signal?: AbortSignal;
  /** Called with rows done and the total, off the hot path (every 1,024 rows and at the end). */
  onProgress?: (progress: { done: number; total: number; fraction: number }) => void;
}

export const DEFAULT_CONNECTIVITY = 16;
// 112, not USearch's 128 nor hnswlib's 200: on 1M x 100 item vectors (bench/results/studies/
// index-settings-thp.md) it is the lowest that reaches recall@10 0.95 (by ef 160-192), at about
// 1.5x the build time of 64, which stays under 0.95 up to ef 384.
export const DEFAULT_EXPANSION_ADD = 112;
export const DEFAULT_EXPANSION_SEARCH = 64;
// 32 of 4 sqrt(n) lists (0.8% of the rows scanned): on 1M x 100 item vectors (i8, cosine) recall@10
// 0.949 at 10.6x the exact scan's queries/s, where 4 probes give 0.92 and 256 give 0.954
// (bench/results/current/index.md, on 851a41f).
export const DEFAULT_PROBES = 32;
const GRAPH_ONLY = ['connectivity', 'expansionAdd', 'expansionSearch', 'dotTransform'] as const;
const LISTS_ONLY = ['lists', 'probes'] as const;
export const MAX_THREADS = 256;

const INDEX_OPTIONS = ['kind', 'vectors', 'metric', 'quantization', 'connectivity', 'expansionAdd', 'expansionSearch', 'dotTransform', 'lists', 'probes', 'threads', 'groups'];
const SEARCH_OPTIONS = ['exclude', 'filter', 'threads'];

/** IndexOptions with defaults, checked. */
export interface ResolvedIndexOptions {
  kind: 'hnsw' | 'ivf';
  vectors: 'input' | 'output';
  metric: 'cosine' | 'dot';
  quantization: 'f32' | 'f16' | 'i8';
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  dotTransform: boolean;
  /** 0: the default, chosen from the rows. */
  lists: number;
  probes: number;
  threads: number;
  groups: IndexOptions['groups'];
}

export function resolveIndexOptions(options: IndexOptions): ResolvedIndexOptions {
  checkOptions(options, INDEX_OPTIONS);
  const limits = nativeLimits();
  const kind = choiceOption('kind', options.kind ?? 'hnsw', ['hnsw', 'ivf']);
  const misplaced = (kind === 'hnsw' ? LISTS_ONLY : GRAPH_ONLY).find((name) => options[name] !== undefined);
  if (misplaced !== undefined) throw new RangeError(`${misplaced} applies to kind ${JSON.stringify(kind === 'hnsw' ? 'ivf' : 'hnsw')}, not ${JSON.stringify(kind)}`);
  const vectors = choiceOption('vectors', options.vectors ?? 'input', ['input', 'output']);
  const groups = options.groups;
  if (groups !== undefined && typeof groups !== 'function' && !isArrayLike(groups)) {
    throw new TypeError(`groups must be an array of groups by id or a function of the id, got ${describeValue(groups)}`);
  }
  const metric = choiceOption('metric', options.metric ?? (vectors === 'input' ? 'cosine' : 'dot'), ['cosine', 'dot']);
  const quantization = choiceOption('quantization', options.quantization ?? 'f32', ['f32', 'f16', 'i8']);
  const dotTransform = options.dotTransform ?? false;
  if (typeof dotTransform !== 'boolean') throw new TypeError(`dotTransform must be a boolean, got ${describeValue(dotTransform)}`);
  if (dotTransform && (metric !== 'dot' || quantization === 'i8')) {
    throw new RangeError(`dotTransform applies to metric 'dot' over 'f32' or 'f16' rows, got metric ${JSON.stringify(metric)} and quantization ${JSON.stringify(quantization)}`);
  }
  return {
    kind,
    vectors,
    metric,
    quantization,
    connectivity: integerOption('connectivity', options.connectivity ?? DEFAULT_CONNECTIVITY, limits.minIndexConnectivity, limits.maxIndexConnectivity),
    expansionAdd: integerOption('expansionAdd', options.expansionAdd ?? DEFAULT_EXPANSION_ADD, 1, limits.maxIndexExpansion),
    expansionSearch: integerOption('expansionSearch', options.expansionSearch ?? DEFAULT_EXPANSION_SEARCH, 1, limits.maxIndexExpansion),
    dotTransform,
    lists: options.lists === undefined ? 0 : integerOption('lists', options.lists, 1, limits.maxIndexLists),
    probes: integerOption('probes', options.probes ?? DEFAULT_PROBES, 1, limits.maxIndexLists),
    threads: integerOption('threads', options.threads ?? availableParallelism(), 1, MAX_THREADS),
    groups,
  };
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** Checks a list of ids: each an integer in [0, 2^31 - 1]. */
export function idList(name: string, ids: unknown): Int32Array {
  if (!isArrayLike(ids)) throw new TypeError(`${name} must be an array of ids, got ${describeValue(ids)}`);
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 2 ** 31 - 1) {
      throw new RangeError(`${name}[${i}] must be an id (an integer in [0, 2147483647]), got ${describeValue(id)}`);
    }
    out[i] = id;
  }
  return out;
}

/** Checks search options; `queries` is how many queries the call has. */
export function resolveSearchOptions(options: IndexSearchOptions, queries: number): { exclude: Int32Array | null; filter: IndexFilter | undefined; threads: number } {
  checkOptions(options, SEARCH_OPTIONS);
  const threads = integerOption('threads', options.threads ?? (queries > 1 ? availableParallelism() : 1), 1, MAX_THREADS);
  const exclude = options.exclude === undefined ? null : idList('exclude', options.exclude);
  const filter = options.filter;
  if (filter !== undefined && !isArrayLike(filter)) {
    const keys = filter !== null && typeof filter === 'object' ? Object.keys(filter) : [];
    const ok = keys.length === 1 && (('group' in filter && isGroupKey(filter.group)) || ('groups' in filter && Array.isArray(filter.groups) && filter.groups.every(isGroupKey)));
    if (!ok) throw new TypeError(`filter must be an array of ids, { group } or { groups: [...] }, got ${describeValue(filter)}`);
  }
  return { exclude, filter, threads };
}

export function isGroupKey(v: unknown): v is GroupKey {
  return (typeof v === 'string' && v.length > 0) || (typeof v === 'number' && Number.isSafeInteger(v));
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bitset (bit i of word i / 64) of the ids. */
export function bitsetOf(ids: Iterable<number>, maxId: number): BigUint64Array {
  const words = new BigUint64Array(Math.floor(maxId / 64) + 1);
  if (LITTLE_ENDIAN) {
    const halves = new Uint32Array(words.buffer);
    for (const id of ids) halves[id >>> 5]! |= 1 << (id & 31);
  } else {
    for (const id of ids) words[Math.floor(id / 64)]! |= 1n << BigInt(id % 64);
  }
  return words;
}
