/**
 * trainGraph: DeepWalk and node2vec embeddings. The graph is built natively from the edges,
 * random walks are made on native threads a chunk at a time and handed straight to the
 * Hogwild trainer (never written out, never all in memory), and skip-gram with negative
 * sampling learns a vector per node.
 * @module
 */
import { keyOf } from '../util/bytes';
import { abortError, describeValue } from '../util/errors';
import { Word2Vec } from '../model/model';
import { native, nativeLimits } from '../native/addon';
import { checkControl, runNativeTraining, throttle, trainingStats, type NativeTrainingRun, type Progress, type TrainControl } from '../training/run';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from '../training/options';
import { negativeSamplingWeights, subsampleKeepProbability } from '../training/tables';
import type { EdgeInput } from './edge-input';
import { buildGraph, type NodeGraph, type WalkChunk } from './graph';
import { resolveGraphOptions, resolveWalkOptions, type GraphOptions, type ResolvedWalkOptions, type WalkOptions } from './graph-options';
import { NodeEmbeddings, type TrainedSideInfo } from './node-embeddings';
import { readSideInfo, type AttributeTable, type SideInfoInput } from './side-info';

/** Options of train() that apply to walks: skip-gram with negative sampling. */
type WalkTrainOptions = Omit<
  TrainOptions,
  'model' | 'hs' | 'sentenceToken' | 'maxSentenceLength' | 'minCount' | 'maxVocab' | 'cacheTokens' | 'device'
>;

/**
 * Options of {@link trainGraph}: how the edges are read (GraphOptions), the walks
 * (WalkOptions: walkLength 80, walksPerNode 10, p, q) and skip-gram's (train()'s, with
 * node2vec's defaults: dim 128, window 10, epochs 1).
 */
export interface GraphTrainOptions extends GraphOptions, Omit<WalkOptions, 'chunkTokens'>, WalkTrainOptions {
  /** Also write the first epoch's walks to this file, one walk a line (for inspection). */
  walksOutput?: string;
  /**
   * Side information (EGES): each node's categorical attributes, from a file of
   * `node<TAB>attr1<TAB>attr2...` lines or a function of the node. Each attribute value gets
   * an embedding, and a node's vector is the weighted mean of its id's and its attributes'
   * embeddings; nodes with few edges borrow from their attributes, and new nodes get vectors
   * from attributes alone (`coldStart({ attributes })`).
   */
  sideInfo?: SideInfoInput;
  /** 'eges' (default): weights learned per node; 'ges': equal weights. */
  sideInfoMode?: 'eges' | 'ges';
}

const GRAPH_KEYS = ['directed', 'weighted', 'keepSelfLoops'] as const;
const WALK_KEYS = ['walkLength', 'walksPerNode', 'p', 'q', 'seed', 'threads'] as const;
/** trainGraph's own options, neither the graph's, the walks' nor train()'s. */
const OWN_KEYS: readonly string[] = ['walkLength', 'walksPerNode', 'p', 'q', 'walksOutput', 'sideInfo', 'sideInfoMode'];
/** Node ids per chunk of walks handed to the trainer: small enough that threads finish an epoch together. */
const WALK_CHUNK_TOKENS = 1 << 17;

interface GraphSetup {
  graphOptions: GraphOptions;
  walk: ResolvedWalkOptions;
  opts: ResolvedTrainOptions;
  walksOutput: string | undefined;
  sideInfo: SideInfoInput | undefined;
  sideInfoMode: 'eges' | 'ges';
}

function resolveGraphTrainOptions(options: GraphTrainOptions): GraphSetup {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  const given = options as Record<string, unknown>;
  const pick = (keys: readonly string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of keys) if (given[k] !== undefined) out[k] = given[k];
    return out;
  };
  for (const name of ['model', 'hs', 'sentenceToken', 'maxSentenceLength', 'minCount', 'maxVocab', 'cacheTokens', 'chunkTokens'] as const) {
    if (name in given) throw new TypeError(`option ${JSON.stringify(name)} does not apply to trainGraph (skip-gram with negative sampling on walks)`);
  }
  if (given.device !== undefined && given.device !== 'cpu' && given.device !== 'auto') {
    throw new Error(`device ${describeValue(given.device)} is not available for trainGraph: graph walks train on the CPU (use "cpu" or "auto")`);
  }
  const walksOutput = given.walksOutput;
  if (walksOutput !== undefined && (typeof walksOutput !== 'string' || walksOutput.length === 0)) {
    throw new TypeError(`walksOutput must be a non-empty string (a path), got ${describeValue(walksOutput)}`);
  }
  const { sideInfo, sideInfoMode = 'eges' } = given;
  if (sideInfo !== undefined && typeof sideInfo !== 'function' && (typeof sideInfo !== 'string' || sideInfo.length === 0)) {
    throw new TypeError(`sideInfo must be a path (a non-empty string) or a function of the node, got ${describeValue(sideInfo)}`);
  }
  if (sideInfoMode !== 'eges' && sideInfoMode !== 'ges') throw new TypeError(`sideInfoMode must be "eges" or "ges", got ${describeValue(sideInfoMode)}`);
  if (given.sideInfoMode !== undefined && sideInfo === undefined) throw new TypeError('sideInfoMode needs the sideInfo option');
  const graphOptions = pick(GRAPH_KEYS) as GraphOptions;
  resolveGraphOptions(graphOptions);
  const walk = resolveWalkOptions({ ...pick(WALK_KEYS), chunkTokens: Math.max(WALK_CHUNK_TOKENS, Number(given.walkLength ?? 80) || 0) });
  const trainKeys = Object.keys(given).filter((k) => !(GRAPH_KEYS as readonly string[]).includes(k) && !OWN_KEYS.includes(k));
  const trainGiven = Object.fromEntries(trainKeys.map((k) => [k, given[k]]));
  const opts = resolveTrainOptions({ dim: 128, window: 10, epochs: 1, ...trainGiven, device: 'cpu', minCount: 1 });
  return { graphOptions, walk, opts, walksOutput, sideInfo: sideInfo as SideInfoInput | undefined, sideInfoMode };
}

/** Seed of epoch `epoch`'s walks: fresh walks every epoch, epoch 0's those of `seed` itself. */
const epochSeed = (seed: number, epoch: number): number => (seed + epoch * 0x9e3779b1) % Number.MAX_SAFE_INTEGER;

/** The nodes as the trainer sees them: the visited ones, most visited first. */
interface NodeVocabulary {
  /** Graph index of each vocabulary id. */
  nodeOf: Int32Array;
  /** Vocabulary id of each graph index, -1 for a node left out. */
  finalOf: Int32Array;
  counts: Float64Array;
  /** Node ids in walks of two nodes or more, one epoch (epoch 0's walks). */
  wordsPerEpoch: number;
}

/**
 * Counts each node's visits in epoch 0's walks of two nodes or more (a walk of one node, from
 * a node with no out-edges, trains nothing), as gensim counts a corpus before training.
 */
async function countVisits(graph: NodeGraph, walk: ResolvedWalkOptions, signal: AbortSignal | undefined, report: (tokens: number) => void): Promise<NodeVocabulary> {
  if (graph.edgeCount === 0) {
    throw new Error(`the graph has no edges to walk (${graph.nodeCount} nodes, 0 edges): there is nothing to train`);
  }
  const visits = new Float64Array(graph.nodeCount);
  let total = 0;
  for await (const chunk of graph.walks({ ...walk, chunkTokens: walk.chunkTokens * 8 }, { signal })) {
    const { tokens, lengths } = chunk;
    let at = 0;
    for (let w = 0; w < lengths.length; w++) {
      const n = lengths[w]!;
      if (n >= 2) {
        for (let k = at; k < at + n; k++) visits[tokens[k]!]!++;
        total += n;
      }
      at += n;
    }
    report(tokens.length);
  }
  const order: number[] = [];
  for (let v = 0; v < visits.length; v++) if (visits[v]! > 0) order.push(v);
  if (order.length === 0) {
    throw new Error(`the graph has no edges to walk (${graph.nodeCount} nodes, ${graph.edgeCount} edges): there is nothing to train`);
  }
  order.sort((a, b) => visits[b]! - visits[a]! || a - b);
  const finalOf = new Int32Array(graph.nodeCount).fill(-1);
  order.forEach((v, id) => (finalOf[v] = id));
  return { nodeOf: Int32Array.from(order), finalOf, counts: Float64Array.from(order, (v) => visits[v]!), wordsPerEpoch: total };
}

/**
 * A chunk of walks as the trainer takes it: vocabulary ids, walks of one node dropped and
 * nodes outside the vocabulary skipped, compacted in place in the chunk's own buffer.
 */
function trainerChunk(chunk: WalkChunk, finalOf: Int32Array): { tokens: Int32Array; ends: Int32Array } | undefined {
  const { tokens, lengths } = chunk;
  const ends = new Int32Array(lengths.length);
  let walks = 0;
  let from = 0;
  let to = 0;
  for (let w = 0; w < lengths.length; w++) {
    const n = lengths[w]!;
    const start = to;
    if (n >= 2) {
      for (let k = from; k < from + n; k++) {
        const id = finalOf[tokens[k]!]!;
        if (id >= 0) tokens[to++] = id;
      }
    }
    from += n;
    if (to - start >= 2) ends[walks++] = to;
    else to = start;
  }
  return walks === 0 ? undefined : { tokens: tokens.subarray(0, to), ends: ends.subarray(0, walks) };
}

/** Feeds epoch e's walks (seed per epoch) to the trainer, making the next chunk while one is pushed. */
function walkFeeder(graph: NodeGraph, walk: ResolvedWalkOptions, finalOf: Int32Array, signal: AbortSignal | undefined): NativeTrainingRun['feedEpoch'] {
  return async (encoder, drain, epoch) => {
    // One walking thread: the trainer's threads are busy, and walks take a tenth of the time.
    const chunks = graph.walks({ ...walk, seed: epochSeed(walk.seed, epoch), threads: 1 }, { signal });
    // The chunk asked for ahead may reject (abort) while this one is being pushed: marked
    // handled now, its error still reaches the await below.
    const ahead = (): Promise<IteratorResult<WalkChunk>> => {
      const p = chunks.next();
      p.catch(() => undefined);
      return p;
    };
    let next = ahead();
    try {
      for (;;) {
        const result = await next;
        if (result.done) return;
        next = ahead();
        const chunk = trainerChunk(result.value, finalOf);
        if (chunk === undefined) continue;
        encoder.ready.push(chunk);
        await drain();
      }
    } finally {
      await chunks.return?.(undefined).catch(() => undefined);
    }
  };
}

/** The side information of the vocabulary's nodes; an Error when it gives no node an attribute. */
async function attributeTable(input: SideInfoInput, graph: NodeGraph, vocab: NodeVocabulary, signal: AbortSignal | undefined): Promise<AttributeTable> {
  const limits = nativeLimits();
  const table = await readSideInfo(input, graph.nodes, vocab.finalOf, { maxSlots: limits.maxAttributeSlots, maxValues: limits.maxAttributeValues }, signal);
  if (table.values.length === 0) throw new Error(`the side information gives none of the ${vocab.nodeOf.length} trained nodes an attribute`);
  return table;
}

/**
 * Trains node vectors on random walks over a graph: DeepWalk (p = q = 1; in a weighted graph,
 * steps in proportion to the weights) or node2vec (return parameter p, in-out parameter q),
 * then skip-gram with negative sampling on the walks. Each epoch walks afresh (its own seed);
 * nodes no walk of two nodes visits (no edges) get no vector and are counted in
 * `graph.nodesLeftOut`.
 *
 * `edges`: a path to an edge list (`src dst [weight]` a line, plain or gzip, `#` comments),
 * an (async) iterable of `[src, dst, weight?]`, or a graphology graph.
 * @throws TypeError / RangeError for bad options (naming the value), Error naming the edge or
 *   line for malformed edges, Error for a graph with no edges; the AbortError when
 *   `control.signal` aborts.
 */
export async function trainGraph(edges: EdgeInput, options: GraphTrainOptions = {}, control: TrainControl = {}): Promise<NodeEmbeddings> {
  const setup = resolveGraphTrainOptions(options);
  const { walk, opts } = setup;
  checkControl(control);
  native();
  const started = Date.now();
  const { signal } = control;
  const graph = await buildGraph(edges, setup.graphOptions, { signal });
  try {
    const report = throttle(opts.progressInterval, control.onProgress);
    let counted = 0;
    const counting = (): Progress => ({
      phase: 'vocabulary', epoch: 0, epochs: opts.epochs, wordsDone: counted, wordsTotal: 0, fraction: 0, alpha: opts.alpha,
      loss: 0, wordsPerSecond: 0, elapsedMs: Date.now() - started, etaMs: 0, vocabularySize: 0, vocabularyCount: 0,
    });
    const vocab = await countVisits(graph, walk, signal, (tokens) => {
      counted += tokens;
      report(counting);
    });
    const side = setup.sideInfo === undefined ? undefined : await attributeTable(setup.sideInfo, graph, vocab, signal);
    if (signal?.aborted) throw abortError(signal);
    if (setup.walksOutput !== undefined) await graph.writeWalks(setup.walksOutput, walk, { signal });
    const run = await runNativeTraining({
      opts,
      tables: {
        keepProbability: subsampleKeepProbability(vocab.counts, opts.sample, vocab.wordsPerEpoch),
        negativeWeights: negativeSamplingWeights(vocab.counts, opts.nsExponent),
        ...(side ? { attributeOf: side.attributeOf } : {}),
      },
      ...(side ? { extra: { sideInfo: setup.sideInfoMode, attributeSlots: side.slots, attributeCount: side.values.length } } : {}),
      control,
      feedEpoch: walkFeeder(graph, walk, vocab.finalOf, signal),
      wordsPerEpoch: vocab.wordsPerEpoch,
      vocabularySize: vocab.nodeOf.length,
      vocabularyCount: vocab.wordsPerEpoch,
      maxSentenceLength: Infinity,
    });
    const nodes = Array.from(vocab.nodeOf, (v) => graph.nodes[v]!);
    const model = new Word2Vec({
      keys: nodes.map((id) => keyOf(String(id))),
      counts: vocab.counts,
      dim: opts.dim,
      vectors: run.vectors.input,
      ...(run.vectors.output ? { outputVectors: run.vectors.output } : {}),
      trainingStats: trainingStats(run, 'cpu', vocab.wordsPerEpoch, started),
      ownsBuffers: true,
    });
    let trained: TrainedSideInfo | undefined;
    if (side) {
      const { attributes, attributeLogits } = run.vectors;
      if (!attributes || !attributeLogits) throw new Error('training with side information returned no attribute vectors');
      trained = { mode: setup.sideInfoMode, table: side, vectors: attributes, logits: attributeLogits };
    }
    return new NodeEmbeddings(model, nodes, {
      nodeCount: graph.nodeCount, edgeCount: graph.edgeCount, directed: graph.directed, weighted: graph.weighted,
      nodesLeftOut: graph.nodeCount - nodes.length,
    }, trained);
  } finally {
    graph.dispose();
  }
}
