/**
 * The raw addon, described by one interface and loaded once with node-gyp-build
 * (prebuilds first, then build/Release). Nothing outside lib/ sees it.
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Training configuration as the native trainer takes it (already validated in TS). */
export interface NativeTrainerConfig {
  dim: number;
  window: number;
  negative: number;
  cbow: boolean;
  hs: boolean;
  alpha: number;
  minAlpha: number;
  epochs: number;
  threads: number;
  seed: number;
  wordsPerEpoch: number;
  queueCapacity: number;
  progressIntervalMs: number;
  sharedNegatives?: boolean;
  /** item2vec set mode: the whole sentence is every word's context. */
  wholeSentenceWindow?: boolean;
  /** Negatives per prediction drawn from the target's own group (needs tables.groupOf). */
  groupNegative?: number;
  /** Where to train: 'cpu' (the default) or 'cuda' (a CUDA build with a visible device). */
  device?: 'cpu' | 'cuda';
  /**
   * EGES side information (CPU, skip-gram with negative sampling only): each node's hidden vector
   * is a weighted mean of its id embedding and its attributes' embeddings, the weights learned per
   * node ('eges') or uniform ('ges'). Absent: plain word2vec. Needs attributeSlots,
   * attributeCount and tables.attributeOf.
   */
  sideInfo?: 'eges' | 'ges';
  /** Attribute slots per node (e.g. 2 for category and brand), in [1, limits.maxAttributeSlots]. */
  attributeSlots?: number;
  /** Distinct attribute values: ids in [0, attributeCount), attributeCount <= limits.maxAttributeValues. */
  attributeCount?: number;
}

/** Per-word tables computed in TS from the vocabulary. */
export interface NativeTrainerTables {
  keepProbability: Float32Array;
  negativeWeights?: Float64Array;
  huffmanCodes?: Uint8Array;
  huffmanPoints?: Int32Array;
  huffmanOffsets?: Int32Array;
  /** Group of each word in [0, groups), or -1. */
  groupOf?: Int32Array;
  /**
   * With sideInfo: vocabSize x attributeSlots attribute ids, node v's at [v * slots, (v + 1) * slots),
   * each in [0, attributeCount) or -1 (no value in that slot).
   */
  attributeOf?: Int32Array;
}

/** What Trainer.takeVectors() hands over (the arrays are the trainer's own, no copy). */
export interface NativeTrainedVectors {
  /** vocabSize x dim input vectors; with sideInfo, each node's hidden vector (its embedding). */
  input: Float32Array;
  /** vocabSize x dim output (context) vectors, when negative > 0. */
  output?: Float32Array;
  /** With sideInfo: attributeCount x dim embeddings of the attribute values (cold start). */
  attributes?: Float32Array;
  /** With sideInfo: vocabSize x (attributeSlots + 1) logits, slot 0 the node's id; zero for 'ges'. */
  attributeLogits?: Float32Array;
}

/** A progress report from the native supervisor thread. */
export interface NativeProgress {
  wordsDone: number;
  wordsTotal: number;
  epoch: number;
  alpha: number;
  loss: number;
  elapsedSeconds: number;
  wordsPerSecond: number;
}

/** Per-epoch totals: words consumed, predictions made, mean loss per prediction. */
export interface NativeEpochStats {
  words: number;
  predictions: number;
  loss: number;
  /** GPU only (0 on the CPU): weight bytes the kernels read and wrote. */
  bytesMoved: number;
  /** GPU only (0 on the CPU): seconds the device spent on this epoch's batches. */
  deviceSeconds: number;
}

/** A CUDA device as cudaGetDeviceProperties describes it. */
export interface NativeCudaDevice {
  index: number;
  name: string;
  memoryBytes: number;
  computeMajor: number;
  computeMinor: number;
  multiprocessors: number;
  /** Peak memory bandwidth, bytes per second. */
  memoryBandwidth: number;
}

/** Whether the addon was built with CUDA and what cudaGetDeviceCount found. */
export interface NativeCudaStatus {
  compiled: boolean;
  deviceCount: number;
  /** Why no device is usable, e.g. "cudaGetDeviceCount returned cudaErrorNoDevice (...)". */
  error?: string;
  devices: NativeCudaDevice[];
}

/** The native trainer object. */
export interface NativeTrainer {
  start(): void;
  /** Copies the chunk into the queue; false when the queue is full (wait for 'space'). */
  push(tokens: Int32Array, sentenceEnds: Int32Array, epoch: number, sentenceContext?: Int32Array): boolean;
  /**
   * Trains every epoch on the corpus kept as ids (takeIds()'s handle), fed from a native thread
   * in chunks cut as ChunkEncoder cuts them, `lanes` taken in turn (one part: cut into lanes at
   * sentence ends; several: a lane each); the input is closed at its end, so push() and close()
   * are not called.
   */
  replay(kept: NativeKeptIds['handle'], lanes: number, maxSentenceLength: number, epochs: number): void;
  close(): void;
  cancel(): void;
  progress(): NativeProgress;
  epochStats(): NativeEpochStats[];
  takeVectors(): NativeTrainedVectors;
}

/**
 * The corpus kept as final ids (TokenScanner.takeIds): a part per thread of the count, each
 * its blocks of ids (2-byte when `narrow`, 0xffff ending each sentence; else 4-byte, -1),
 * native memory seen through the blocks; `handle` is what Trainer.replay takes.
 */
export interface NativeKeptIds {
  readonly handle: { readonly __keptIds: unique symbol };
  readonly narrow: boolean;
  readonly parts: ReadonlyArray<{ readonly blocks: ReadonlyArray<Uint16Array | Int32Array>; readonly length: number }>;
}

/**
 * The native byte tokenizer (native/core/token_scanner.h): one stream's state over a counting
 * table (ids in first-seen order, counted) or a fixed one (a vocabulary's keys). Every call
 * writes ids to `out`, -1 after each sentence, and returns how many it wrote.
 */
export interface NativeTokenScanner {
  /** `out` holds at least bytes.length + 2 ids. A token cut by the end waits for the next call. */
  scan(bytes: Uint8Array, out: Int32Array): number;
  /** Ends the input: a pending token and an open sentence count (`out` holds 2 ids). */
  finish(out: Int32Array): number;
  /** One whole token given apart (token arrays). */
  token(key: Uint8Array, out: Int32Array): number;
  endSentence(out: Int32Array): number;
  totals(): { bytes: number; tokens: number; sentences: number; lines: number };
  /** Distinct keys in the table. */
  size(): number;
  /**
   * A counting table's keys counted at least minCount times, most counted first, ties in id
   * (first-seen) order; key i is bytes[offsets[i], offsets[i + 1]).
   */
  keys(minCount: number): { bytes: Buffer; offsets: Float64Array; counts: Float64Array; ids: Int32Array };
  /** Id (-1: absent) and count of each key, packed as keys() packs them. */
  lookup(keyBytes: Uint8Array, offsets: Float64Array): { ids: Int32Array; counts: Float64Array };
  /** Frees the scanner (and its table when no other scanner shares it); later calls throw. */
  release(): void;
  /**
   * A new counting scanner only: counts path's parts [starts[i], starts[i + 1]) on a thread
   * each, off the event loop, then holds their merged counts. Resolves to false when cancelled;
   * rejects with code 'W2V_CANNOT_OPEN' when the C library cannot open the path. After
   * keepIds(), each part's ids are kept apart.
   */
  countFile(path: string, starts: Float64Array): Promise<boolean>;
  /**
   * A new counting scanner only: keeps the ids its scans (or a countFile()) write, while they
   * come to at most `limit` values (ids and sentence ends) in all; past it, keeps none.
   */
  keepIds(limit: number): void;
  /**
   * The kept ids as final ids, one list a part (a file's parts, else one): provisional id p
   * becomes finalId[p], left out when negative; sentences end with 0xffff in Uint16Array blocks
   * of 2^21 ids when `narrow`, else -1 in Int32Array blocks of 2^20 (the last block as long as
   * used). Rewritten off the event loop, handed over once; undefined when none were kept.
   * They stay native memory (the blocks are views), freed when neither JS nor a replay holds them.
   */
  takeIds(finalId: Int32Array, narrow: boolean): Promise<NativeKeptIds> | undefined;
  /** Tokens counted so far by the running countFile(). */
  countProgress(): number;
  cancelCount(): void;
}

/** A byte range of a native model file. */
export interface NativeModelSection {
  offset: number;
  length: number;
}

/** The header of a native model file, validated against the file's bytes by the core. */
export interface NativeModelLayout {
  ok: true;
  version: number;
  /** Bit 0: output vectors present; bit 1: counts present. */
  flags: number;
  words: number;
  dim: number;
  fileSize: number;
  inputVectors: NativeModelSection;
  outputVectors: NativeModelSection;
  counts: NativeModelSection;
  vocabulary: NativeModelSection;
}

/** Options of {@link NativeAddon.embedSequencesAsync}. */
export interface NativeEmbedOptions {
  pooling: 'mean' | 'sum' | 'max';
  /** One finite weight >= 0 per id; absent: every token weighs 1. */
  weights?: Float64Array | null;
  /** Remove the pooled rows' first singular vector, and return it. */
  computeComponent?: boolean;
  /** Or remove this one (dim values). */
  component?: Float32Array | null;
  /** Unit-length rows at the end (rows of zeros stay zero). */
  normalize?: boolean;
  threads: number;
}

/** The addon's exports. */
/** How an index stores and compares rows (native/index/ann_index.h). */
export interface NativeIndexSettings {
  /** 'hnsw': the graph; 'ivf': inverted lists (native/index/ivf_lists.h). */
  kind: 'hnsw' | 'ivf';
  dim: number;
  metric: 'cosine' | 'dot';
  quantization: 'f32' | 'f16' | 'i8';
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  /** Dot over f32 or f16 only: rows stored through the dot transform (native/index/ann_index.h). */
  dotTransform: boolean;
  /** 'ivf': lists to learn (0: 4 sqrt(rows of the first add)); info(): the lists learnt. */
  lists: number;
  /** 'ivf': lists a query scans. */
  probes: number;
}

/** An index's state, as info() reports it. */
export interface NativeIndexInfo extends NativeIndexSettings {
  size: number;
  memoryBytes: number;
  view: boolean;
  /** The distance kernels in use ("avx2+fma+f16c" or "scalar"). */
  kernel: string;
  /** Rows inserted again because a multi-threaded add left them unreachable. */
  relinkedRows: number;
  /** Rows the last multi-threaded add found unreachable and left (too many to insert again). */
  unreachableRows: number;
  /** The dot transform's R: the largest norm of the first add (0 before it, or without the transform). */
  normBound: number;
}

/** What the index file's header records of the vectors (native/index/index_file.h). */
export interface NativeIndexHeader {
  version: number;
  dim: number;
  /** 1 input, 2 output, 3 given. */
  vectors: number;
  modelRows: number;
  /** 16 hex digits. */
  fingerprint: string;
}

/** The native HNSW index (native/binding/index_wrap.h). Searches and adds run off the JS thread. */
export interface NativeIndex {
  /**
   * Adds (or replaces) rows as the caller's job number `job`; resolves false when cancel(job)
   * or dispose() stopped it. `vectors` is read in place.
   */
  add(ids: Int32Array, vectors: Float32Array, threads: number, onProgress: ((done: number, total: number) => void) | null, job: number): Promise<boolean>;
  /** Stops the add `job` at its next row. */
  cancel(job: number): void;
  remove(ids: Int32Array): number;
  contains(id: number): boolean;
  /** allow: bit i of word i / 64 admits id i. */
  search(queries: Float32Array, k: number, exclude: Int32Array | null, allow: BigUint64Array | null, threads: number): Promise<{ ids: Int32Array; scores: Float32Array; exact: boolean }>;
  searchSync(queries: Float32Array, k: number, exclude: Int32Array | null, allow: BigUint64Array | null, threads: number): { ids: Int32Array; scores: Float32Array; exact: boolean };
  save(path: string, header: { vectors: number; modelRows: number; fingerprint: string }, extra: Uint8Array | null): Promise<void>;
  info(): NativeIndexInfo;
  /** The rows the index holds (cheaper than info(), which also measures memory). */
  size(): number;
  setExpansionSearch(expansion: number): void;
  setExpansionAdd(expansion: number): void;
  setProbes(probes: number): void;
  /** Releases this handle; searches in flight finish first. */
  dispose(): void;
}

/** A built graph's shape (native/binding/graph_wrap.h). */
export interface NativeGraphInfo {
  nodes: number;
  /** Stored directed edges: an undirected edge between two nodes counts twice. */
  arcs: number;
  /** Edges after merging duplicates: an undirected edge once. */
  edges: number;
  maxDegree: number;
  memoryBytes: number;
  directed: boolean;
  weighted: boolean;
  keepSelfLoops: boolean;
}

/**
 * A native graph: a builder taking chunks of edges over dense node ids, then (after build) a
 * CSR graph that walks read.
 */
export interface NativeGraph {
  /** Appends edges src[i] -> dst[i] (copied); returns the edges taken so far. Throws a RangeError naming a bad edge by index. */
  add(src: Int32Array, dst: Int32Array, weight: Float32Array | null): number;
  /** Merges the edges over nodes [0, nodeCount) on a worker thread; the builder is spent either way. */
  build(nodeCount: number, options: { directed: boolean; weighted: boolean; keepSelfLoops: boolean }): Promise<void>;
  info(): NativeGraphInfo;
  /** Frees the graph; walks in flight keep it until they end. */
  dispose(): void;
}

/** How walks are made (native/core/random_walks.h) and how many (native/core/walk_plan.h). */
export interface NativeWalkConfig {
  walkLength: number;
  p: number;
  q: number;
  /** Steps in proportion to the edges' weights (needs a weighted graph). */
  weighted: boolean;
  seed: number;
  walksPerNode: number;
  maxProposals?: number;
}

/** A walk plan over a built graph, made a chunk at a time or written to a file. */
export interface NativeGraphWalks {
  /**
   * The plan's next walks, as many whole ones as maxTokens ids hold, made on `threads` native
   * threads; walk i is lengths[i] ids of `tokens`, in order. No walks at the end of the plan;
   * none and `cancelled` after cancel().
   */
  next(maxTokens: number, threads: number): Promise<{ tokens: Int32Array; lengths: Int32Array; cancelled: boolean }>;
  /**
   * Writes every walk left to `path`, a line each (node names when given: node v is
   * names[nameOffsets[v], nameOffsets[v + 1]); else node indices). False when cancelled.
   */
  writeAll(
    path: string, threads: number, names: Uint8Array | null, nameOffsets: Float64Array | null,
    onProgress: ((done: number, total: number) => void) | null,
  ): Promise<boolean>;
  /** Stops the running call at its next walk; later calls make none. */
  cancel(): void;
  position(): { done: number; total: number };
}

export interface NativeAddon {
  /** An empty graph builder. */
  Graph: new () => NativeGraph;
  /** A walk plan over a built graph; throws a RangeError naming a bad setting. */
  GraphWalks: new (graph: NativeGraph, config: NativeWalkConfig) => NativeGraphWalks;
  Trainer: new (
    config: NativeTrainerConfig,
    tables: NativeTrainerTables,
    vocabSize: number,
    onEvent: (kind: string, payload?: unknown) => void,
  ) => NativeTrainer;
  /** new TokenScanner(): counting; (keyBytes, offsets, droppedIds): fixed; (scanner): shares its table. */
  TokenScanner: {
    new (): NativeTokenScanner;
    new (shareTableOf: NativeTokenScanner): NativeTokenScanner;
    new (keyBytes: Uint8Array, offsets: Float64Array, droppedIds: Int32Array): NativeTokenScanner;
  };
  topK(matrix: Float32Array, dim: number, query: Float32Array, k: number, exclude: Int32Array): { ids: Int32Array; scores: Float32Array };
  /**
   * Top-k by inner product for queries.length / dim queries at once, rows split over
   * `threads`: ids and scores are queries x k, row-major, padded with id -1 / NaN.
   * `excludeOffsets` (queries + 1 entries) delimits each query's ids in `excludeIds`;
   * `exclude` applies to every query.
   */
  topKBatch(
    matrix: Float32Array, dim: number, queries: Float32Array, k: number, excludeOffsets: Int32Array | null,
    excludeIds: Int32Array | null, exclude: Int32Array | null, threads: number, rowScale?: Float32Array | null,
  ): { ids: Int32Array; scores: Float32Array };
  /**
   * topKBatch on a worker thread. `rowScale` (one entry per row) multiplies each row's
   * scores: inverse row norms turn inner products with unit queries into cosines.
   */
  topKBatchAsync(
    matrix: Float32Array, dim: number, queries: Float32Array, k: number, excludeOffsets: Int32Array | null,
    excludeIds: Int32Array | null, exclude: Int32Array | null, threads: number, rowScale?: Float32Array | null,
  ): Promise<{ ids: Int32Array; scores: Float32Array }>;
  /** 3CosMul over unit rows for unit queries a, b, c; the k best, best first. */
  topKCosMul(
    matrix: Float32Array, dim: number, a: Float32Array, b: Float32Array, c: Float32Array, k: number,
    exclude: Int32Array, epsilon: number, threads: number,
  ): { ids: Int32Array; scores: Float32Array };
  normalizeRows(matrix: Float32Array, dim: number): Float32Array;
  /** normalizeRows on a worker thread; the result is a native buffer counted as external memory. */
  normalizeRowsAsync(matrix: Float32Array, dim: number): Promise<Float32Array>;
  /** 1/|row| for every row (0 for a row of zeros), on a worker thread. */
  inverseRowNormsAsync(matrix: Float32Array, dim: number): Promise<Float32Array>;
  /**
   * Detaches `buffer`: its memory is freed now rather than at garbage collection, and every
   * view of it reads as empty. False when already detached or not detachable.
   */
  detachBuffer(buffer: ArrayBufferLike): boolean;
  /** The original word2vec's k-means word classes, on a worker thread. */
  kmeansClasses(vectors: Float32Array, dim: number, classes: number, iterations: number, threads: number): Promise<Int32Array>;
  /**
   * Pools token sequences (sequence s is ids[offsets[s], offsets[s + 1])) into one row each,
   * sequences x dim, on worker threads (native/core/pooling.h); then removes a component
   * (computed, or given) and normalises, as asked. Rejects with a RangeError naming a bad id,
   * offset or weight.
   */
  embedSequencesAsync(matrix: Float32Array, dim: number, ids: Int32Array, offsets: Int32Array, options: NativeEmbedOptions): Promise<{ vectors: Float32Array; component: Float32Array | null }>;
  /**
   * The whole file as an ArrayBuffer over a private (copy-on-write) memory mapping, unmapped
   * when the buffer is collected. Absent where the platform has no mmap. Throws an Error naming
   * the path and the system's reason, with `syscall` ('open', 'fstat', 'mmap' or 'none') and
   * `errno` set.
   */
  mapFile?: (path: string) => ArrayBuffer;
  /**
   * Parses and validates a whole native model file (header, section bounds, vocabulary) held
   * in `bytes`; the error names the field, its value and its byte offset.
   */
  parseNativeModel(bytes: Uint8Array): NativeModelLayout | { ok: false; error: string };
  /**
   * Bytes V8 counts as external memory for its collection heuristics: ArrayBuffer backing
   * stores (what process.memoryUsage().external shows) plus what the addon reports on its own,
   * such as a running trainer's weights.
   */
  externalMemory(): number;
  /** Which kernel set runs on this CPU. */
  simd: string;
  /** Probes CUDA (cudaGetDeviceCount, cudaGetDeviceProperties); never throws. */
  cudaStatus(): NativeCudaStatus;
  /** The bounds the native trainer checks (native/core/w2v_limits.h): the TS layer checks the same. */
  limits: NativeLimits;
  /** A new, empty nearest-neighbour index. */
  createIndex(settings: NativeIndexSettings): NativeIndex;
  /** Reads (or maps, with `view`) an index file, checking its header and hashes. */
  openIndex(path: string, view: boolean, threads: number): Promise<{ index: NativeIndex; header: NativeIndexHeader; extra: Uint8Array }>;
  /** The fingerprint an index file records of a model's rows: 16 hex digits. */
  fingerprintRowsAsync(rows: Float32Array, dim: number, threads: number): Promise<string>;
}

/** The native trainer's bounds, from native/core/w2v_limits.h (and the CUDA trainer's dim). */
export interface NativeLimits {
  maxDim: number;
  maxWindow: number;
  maxNegative: number;
  maxGroupNegative: number;
  maxThreads: number;
  maxEpochs: number;
  maxAlpha: number;
  minProgressIntervalMs: number;
  maxProgressIntervalMs: number;
  maxQueueCapacity: number;
  maxCodeLength: number;
  maxVocabSize: number;
  /** Attribute slots per node (sideInfo). */
  maxAttributeSlots: number;
  /** Distinct attribute values (sideInfo). */
  maxAttributeValues: number;
  /** Entries of tables.attributeOf (vocabSize x attributeSlots). */
  maxAttributeCells: number;
  /** The largest dim a model file or Word2Vec holds (training stops at maxDim). */
  maxModelDim: number;
  maxKMeansIterations: number;
  maxKMeansThreads: number;
  maxPoolingThreads: number;
  /** Values (sequences x dim) of one embed result. */
  maxPooledValues: number;
  maxCudaDim: number;
  /** Nodes of one graph. */
  maxGraphNodes: number;
  maxWalkLength: number;
  maxWalksPerNode: number;
  /** The range of node2vec's p and q. */
  minWalkBias: number;
  maxWalkBias: number;
  /** Node ids of one chunk of walks. */
  maxWalkChunkTokens: number;
  minIndexConnectivity: number;
  maxIndexConnectivity: number;
  maxIndexExpansion: number;
  maxIndexLists: number;
}

function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`word2vec-native: cannot find the package root (binding.gyp) above ${__dirname}`);
}

let cached: NativeAddon | undefined;

/**
 * Loads the addon on first use; the error says where it looked and how to build it. The
 * environment variable WORD2VEC_NATIVE_ADDON names another addon file to load instead (a
 * second build, e.g. a CUDA one, beside the default).
 */
export function native(): NativeAddon {
  if (cached) return cached;
  const override = process.env['WORD2VEC_NATIVE_ADDON'];
  if (override) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = require(override) as NativeAddon;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`word2vec-native: the addon named by WORD2VEC_NATIVE_ADDON (${override}) did not load (${reason})`);
    }
    return cached;
  }
  const root = packageRoot();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = require('node-gyp-build') as (dir: string) => unknown;
    cached = load(root) as NativeAddon;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `word2vec-native: the native addon did not load from ${root} (${reason}). ` +
        'Build it with `npm rebuild word2vec-native` where the package is installed, or `npm run build:native` in a ' +
        'checkout of it (either needs python3, make and a C++17 compiler).',
    );
  }
  return cached;
}

/**
 * The native trainer's bounds (native/core/w2v_limits.h), which the TS layer checks too; an addon
 * built before they were exported is refused by name.
 */
export function nativeLimits(): NativeLimits {
  const limits = native().limits;
  if (limits === undefined) {
    throw new Error('word2vec-native: the loaded addon does not export its limits: it is older than this package; rebuild it (npm run build:native)');
  }
  return limits;
}
