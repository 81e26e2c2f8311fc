/**
 * A graph held natively (CSR, built from streamed edges) with its node ids, and the random
 * walks over it, made on native threads: streamed a chunk at a time in bounded memory, or
 * written to a file for inspection. What trainGraph feeds to the trainer.
 * @module
 */
import { writeFileAtomicallyWith } from '../formats/atomic-write';
import { native, type NativeGraph, type NativeGraphWalks } from '../native/addon';
import { abortError, describeValue } from '../util/errors';
import { readEdges, isGraphology, type EdgeInput } from './edge-input';
import { resolveGraphOptions, resolveWalkOptions, type GraphOptions, type ResolvedWalkOptions, type WalkOptions } from './graph-options';
import { NodeIds, type NodeId } from './node-ids';

/** Edges per chunk handed to the native builder (768 KiB of arrays). */
const EDGE_CHUNK = 1 << 16;

/** Fills fixed arrays with edges and hands each full chunk to the native builder. */
class EdgeChunks {
  private readonly src = new Int32Array(EDGE_CHUNK);
  private readonly dst = new Int32Array(EDGE_CHUNK);
  private readonly weight: Float32Array | undefined;
  private used = 0;

  constructor(private readonly graph: NativeGraph, weighted: boolean) {
    this.weight = weighted ? new Float32Array(EDGE_CHUNK) : undefined;
  }

  readonly push = (source: number, target: number, weight: number): void => {
    this.src[this.used] = source;
    this.dst[this.used] = target;
    if (this.weight) this.weight[this.used] = weight;
    if (++this.used === EDGE_CHUNK) this.flush();
  };

  flush(): void {
    if (this.used === 0) return;
    const n = this.used;
    this.used = 0;
    this.graph.add(this.src.subarray(0, n), this.dst.subarray(0, n), this.weight?.subarray(0, n) ?? null);
  }
}

/** A chunk of walks: walk i is lengths[i] node indices of `tokens`, after the walks before it. */
export class WalkChunk {
  private offsets: Int32Array | undefined;

  /** @internal */
  constructor(
    /** The walks' node indices, end to end. */
    readonly tokens: Int32Array,
    /** Each walk's length (1 for a walk from a node with no out-edges). */
    readonly lengths: Int32Array,
    private readonly ids: readonly NodeId[],
  ) {}

  /** Walks in the chunk. */
  get count(): number {
    return this.lengths.length;
  }

  /** Walk i as node ids. */
  walk(i: number): NodeId[] {
    if (this.offsets === undefined) {
      this.offsets = new Int32Array(this.lengths.length + 1);
      for (let k = 0; k < this.lengths.length; k++) this.offsets[k + 1] = this.offsets[k]! + this.lengths[k]!;
    }
    if (!Number.isInteger(i) || i < 0 || i >= this.lengths.length) throw new RangeError(`walk must be an integer in [0, ${this.lengths.length - 1}], got ${i}`);
    return Array.from(this.tokens.subarray(this.offsets[i], this.offsets[i + 1]), (v) => this.ids[v]!);
  }

  /** Every walk of the chunk as node ids. */
  walks(): NodeId[][] {
    return Array.from({ length: this.count }, (_, i) => this.walk(i));
  }
}

/** How a long graph operation is watched and stopped. */
export interface GraphControl {
  signal?: AbortSignal;
}

/** A graph held in native memory, with its node ids; dispose() frees it. */
export class NodeGraph {
  /** The nodes by index, in first-seen order. */
  readonly nodes: readonly NodeId[];
  /** Edges after merging duplicates (an undirected edge once; dropped self loops not counted). */
  readonly edgeCount: number;
  /** Edges as stored: an undirected edge between two nodes twice. */
  readonly arcCount: number;
  /** The most out-neighbours of one node. */
  readonly maxDegree: number;
  /** Whether edges go one way only. */
  readonly directed: boolean;
  /** Whether the edges' weights are kept (walks then step in proportion to them). */
  readonly weighted: boolean;
  /** Bytes of the native graph's arrays. */
  readonly memoryBytes: number;
  private handle: NativeGraph | undefined;

  /** @internal */
  constructor(handle: NativeGraph, nodes: readonly NodeId[]) {
    const info = handle.info();
    this.handle = handle;
    this.nodes = nodes;
    this.edgeCount = info.edges;
    this.arcCount = info.arcs;
    this.maxDegree = info.maxDegree;
    this.directed = info.directed;
    this.weighted = info.weighted;
    this.memoryBytes = info.memoryBytes;
  }

  /** Nodes of the graph, those with no edges included. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  private plan(options: ResolvedWalkOptions): NativeGraphWalks {
    if (this.handle === undefined) throw new TypeError('graph is disposed');
    const addon = native();
    return new addon.GraphWalks(this.handle, {
      walkLength: options.walkLength, walksPerNode: options.walksPerNode, p: options.p, q: options.q,
      weighted: this.weighted, seed: options.seed,
    });
  }

  /**
   * The walks of the plan (walksPerNode rounds, each from every node in a shuffled order),
   * a chunk of at most chunkTokens node ids at a time, made on native threads as the
   * iteration asks for them. The walks depend on the seed and the options only, never on the
   * threads. Options are checked now (errors thrown here); abort rejects the iteration.
   */
  walks(options?: WalkOptions, control: GraphControl = {}): AsyncIterableIterator<WalkChunk> {
    const resolved = resolveWalkOptions(options);
    const walks = this.plan(resolved);
    return this.chunks(walks, resolved, control.signal);
  }

  private async *chunks(walks: NativeGraphWalks, options: ResolvedWalkOptions, signal?: AbortSignal): AsyncGenerator<WalkChunk> {
    const cancel = (): void => walks.cancel();
    signal?.addEventListener('abort', cancel);
    try {
      for (;;) {
        if (signal?.aborted) throw abortError(signal);
        const { tokens, lengths, cancelled } = await walks.next(options.chunkTokens, options.threads);
        if (cancelled) throw signal?.aborted ? abortError(signal) : new Error('walks were cancelled');
        if (lengths.length === 0) return;
        yield new WalkChunk(tokens, lengths, this.nodes);
      }
    } finally {
      signal?.removeEventListener('abort', cancel);
      walks.cancel();
    }
  }

  /**
   * Writes every walk of the plan to `path`, one line each, node ids separated by single
   * spaces (ids as given: an id holding a space or a newline reads back ambiguously), in the
   * order walks() yields them. The file appears whole or not at all (written beside it, then
   * renamed). onProgress gets (walks written, walks in all) as batches finish.
   */
  async writeWalks(path: string, options?: WalkOptions, control: GraphControl & { onProgress?: (done: number, total: number) => void } = {}): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) throw new TypeError(`path must be a non-empty string, got ${describeValue(path)}`);
    const resolved = resolveWalkOptions(options);
    const walks = this.plan(resolved);
    const { signal, onProgress } = control;
    if (signal?.aborted) throw abortError(signal);
    const { names, offsets } = encodeNames(this.nodes);
    const cancel = (): void => walks.cancel();
    signal?.addEventListener('abort', cancel);
    try {
      await writeFileAtomicallyWith(path, async (temporary) => {
        const finished = await walks.writeAll(temporary, resolved.threads, names, offsets, onProgress ?? null);
        if (!finished) throw signal?.aborted ? abortError(signal) : new Error('walks were cancelled');
      });
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  /** Frees the native graph (walks in flight finish first); later walks throw. */
  dispose(): void {
    this.handle?.dispose();
    this.handle = undefined;
  }
}

/** The nodes' ids as UTF-8, end to end, and where each starts (nodes + 1 offsets). */
function encodeNames(nodes: readonly NodeId[]): { names: Uint8Array; offsets: Float64Array } {
  const encoded = nodes.map((id) => Buffer.from(String(id), 'utf8'));
  const offsets = new Float64Array(nodes.length + 1);
  for (let i = 0; i < encoded.length; i++) offsets[i + 1] = offsets[i]! + encoded[i]!.length;
  return { names: Buffer.concat(encoded), offsets };
}

/**
 * Builds a graph from `edges`: node ids get dense indices in first-seen order, edges go to
 * the native builder in chunks of 2^16 (memory about the edges' size), and the native side
 * merges them (duplicates summed, self loops dropped unless kept) off the event loop.
 * @throws TypeError / RangeError for bad options (naming the value), Error naming the edge
 *   (or file, line number and line) for a malformed edge or a weight that is negative, zero,
 *   NaN or infinite; the abort reason when `signal` fires.
 */
export async function buildGraph(edges: EdgeInput, options?: GraphOptions, control: GraphControl = {}): Promise<NodeGraph> {
  const directedByDefault = isGraphology(edges) && edges.type === 'directed';
  const resolved = resolveGraphOptions(options, directedByDefault);
  const { signal } = control;
  if (signal?.aborted) throw abortError(signal);
  const addon = native();
  const handle = new addon.Graph();
  try {
    const ids = new NodeIds();
    const chunks = new EdgeChunks(handle, resolved.weighted);
    await readEdges(edges, ids, chunks.push, { weighted: resolved.weighted, directed: resolved.directed, signal });
    chunks.flush();
    if (signal?.aborted) throw abortError(signal);
    await handle.build(ids.size, resolved);
    if (signal?.aborted) throw abortError(signal);
    return new NodeGraph(handle, ids.ids);
  } catch (err) {
    handle.dispose();
    throw err;
  }
}
