/**
 * Options of a graph (how edges are stored) and of its random walks, checked with the
 * messages of the bad-input contract.
 * @module
 */
import { availableParallelism } from 'node:os';

import { nativeLimits } from '../native/addon';
import { booleanOption, checkOptions, integerOption, numberOption } from '../util/validate';

/** How a graph stores its edges. */
export interface GraphOptions {
  /**
   * Edges go from source to target only; default false (each edge both ways), except for a
   * graphology graph whose type is 'directed'.
   */
  directed?: boolean;
  /** Keep the edges' weights (duplicates summed) and walk in proportion to them; default false. */
  weighted?: boolean;
  /** Keep edges from a node to itself; default false (dropped). */
  keepSelfLoops?: boolean;
}

/** Graph options with every default filled in. */
export type ResolvedGraphOptions = Required<GraphOptions>;

/**
 * Random walks over a graph: DeepWalk (p = q = 1) or node2vec's second-order walks, each
 * step weighed by the edges' weights in a weighted graph.
 */
export interface WalkOptions {
  /** Nodes per walk, the start included; default 80. A walk ends early at a node with no out-edges. */
  walkLength?: number;
  /** Walks started from every node; default 10. */
  walksPerNode?: number;
  /** node2vec's return parameter: a step back to the previous node weighs 1/p; default 1. */
  p?: number;
  /** node2vec's in-out parameter: a step to a node not adjacent to the previous one weighs 1/q; default 1. */
  q?: number;
  /** Seed of the walks' order and steps; the walks depend on it alone, not on threads. Default 1. */
  seed?: number;
  /** Native threads making walks; default os.availableParallelism(). */
  threads?: number;
  /** Node ids per chunk of walks() (its memory: 4 bytes each); at least walkLength. Default 2^20. */
  chunkTokens?: number;
}

/** Walk options with every default filled in. */
export type ResolvedWalkOptions = Required<WalkOptions>;

const GRAPH_OPTIONS = ['directed', 'weighted', 'keepSelfLoops'] as const;
const WALK_OPTIONS = ['walkLength', 'walksPerNode', 'p', 'q', 'seed', 'threads', 'chunkTokens'] as const;
const DEFAULT_CHUNK_TOKENS = 1 << 20;

/** An option's value, or its default when absent (undefined; null is a value, and refused, as train() does). */
const or = <T>(value: T | undefined, defaultValue: T): T => (value === undefined ? defaultValue : value);

/** Checks graph options; `directedByDefault` is the input's own (a directed graphology graph). */
export function resolveGraphOptions(options: GraphOptions = {}, directedByDefault = false): ResolvedGraphOptions {
  checkOptions(options, GRAPH_OPTIONS);
  return {
    directed: booleanOption('directed', or<unknown>(options.directed, directedByDefault)),
    weighted: booleanOption('weighted', or<unknown>(options.weighted, false)),
    keepSelfLoops: booleanOption('keepSelfLoops', or<unknown>(options.keepSelfLoops, false)),
  };
}

/**
 * Checks walk options against the native bounds: `walkLength must be an integer in
 * [1, 100000], got 0`, `p must be a number in [0.000001, 1000000], got -1`, ...
 */
export function resolveWalkOptions(options: WalkOptions = {}): ResolvedWalkOptions {
  checkOptions(options, WALK_OPTIONS);
  const limits = nativeLimits();
  const walkLength = integerOption('walkLength', or<unknown>(options.walkLength, 80), 1, limits.maxWalkLength);
  return {
    walkLength,
    walksPerNode: integerOption('walksPerNode', or<unknown>(options.walksPerNode, 10), 1, limits.maxWalksPerNode),
    p: numberOption('p', or<unknown>(options.p, 1), limits.minWalkBias, limits.maxWalkBias),
    q: numberOption('q', or<unknown>(options.q, 1), limits.minWalkBias, limits.maxWalkBias),
    seed: integerOption('seed', or<unknown>(options.seed, 1), 0, Number.MAX_SAFE_INTEGER),
    threads: integerOption('threads', or<unknown>(options.threads, availableParallelism()), 1, limits.maxThreads),
    chunkTokens: integerOption('chunkTokens', or<unknown>(options.chunkTokens, Math.max(walkLength, DEFAULT_CHUNK_TOKENS)), walkLength, limits.maxWalkChunkTokens),
  };
}
