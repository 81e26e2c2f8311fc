/**
 * The edges a graph is built from, whatever form they come in: a path to an edge-list file,
 * an (async) iterable of `[source, target, weight?]`, or a graphology graph (any object with
 * its forEachEdge). Each edge reaches a sink as dense node indices and a checked weight.
 * @module
 */
import { abortError, describeValue } from '../util/errors';
import { eventLoopYielder } from '../util/event-loop';
import { readEdgeList, weightProblem } from './edge-list';
import { NodeIds, type NodeId } from './node-ids';

/** One edge of an iterable: `[source, target]` (weight 1) or `[source, target, weight]`. */
export type EdgeTuple = readonly [NodeId, NodeId] | readonly [NodeId, NodeId, number];

/**
 * What this package reads of a graphology graph (https://graphology.github.io): its edges,
 * its nodes (so that nodes with no edges are nodes too) and its type.
 */
export interface GraphologyLike {
  forEachEdge(
    callback: (edge: string, attributes: Record<string, unknown>, source: string, target: string,
      sourceAttributes: unknown, targetAttributes: unknown, undirected: boolean) => void,
  ): void;
  forEachNode?(callback: (node: string, attributes: unknown) => void): void;
  /** 'directed', 'undirected' or 'mixed'. */
  readonly type?: string;
}

/**
 * Edges a graph is built from: a path to an edge list (`source target [weight]` per line,
 * spaces or tabs, `#` comment lines, plain or gzip; every node id a string), an (async)
 * iterable of {@link EdgeTuple}, or a graphology graph (weights from each edge's `weight`
 * attribute, when weighted).
 */
export type EdgeInput = string | Iterable<EdgeTuple> | AsyncIterable<EdgeTuple> | GraphologyLike;

/** Where edges go, as node indices; weight 1 where the input gives none. */
export type EdgeSink = (source: number, target: number, weight: number) => void;

/** Whether `input` is a graphology graph (or looks like one). */
export function isGraphology(input: unknown): input is GraphologyLike {
  return typeof input === 'object' && input !== null && typeof (input as GraphologyLike).forEachEdge === 'function';
}

/** How often a synchronous source checks the signal and yields the event loop, in edges. */
const CHECK_EVERY = 4096;

function readGraphology(graph: GraphologyLike, ids: NodeIds, sink: EdgeSink, weighted: boolean, directed: boolean, signal?: AbortSignal): void {
  graph.forEachNode?.((node) => void ids.indexOf(node, () => `node ${describeValue(node)}`));
  let count = 0;
  graph.forEachEdge((edge, attributes, source, target, _sa, _ta, undirected) => {
    const where = (): string => `edge ${describeValue(edge)} (${describeValue(source)} -> ${describeValue(target)})`;
    if (++count % CHECK_EVERY === 0 && signal?.aborted) throw abortError(signal);
    let weight = 1;
    if (weighted) {
      const given = (attributes as Record<string, unknown> | undefined)?.['weight'];
      if (given !== undefined) {
        const problem = weightProblem(given);
        if (problem !== undefined) throw new RangeError(`${where()}: ${problem}`);
        weight = given as number;
      }
    }
    const s = ids.indexOf(source, where);
    const t = ids.indexOf(target, where);
    sink(s, t, weight);
    // An undirected edge of a mixed graph goes both ways in a directed one.
    if (directed && undirected && s !== t) sink(t, s, weight);
  });
}

async function readTuples(
  edges: Iterable<unknown> | AsyncIterable<unknown>, ids: NodeIds, sink: EdgeSink, signal?: AbortSignal,
): Promise<void> {
  const yieldTurn = eventLoopYielder();
  let index = 0;
  for await (const edge of edges as AsyncIterable<unknown>) {
    const at = index++;
    const where = (): string => `edge ${at}`;
    if (!Array.isArray(edge) || (edge.length !== 2 && edge.length !== 3)) {
      throw new TypeError(`edge ${at} must be [source, target] or [source, target, weight], got ${describeValue(edge)}`);
    }
    let weight = 1;
    if (edge.length === 3) {
      const problem = weightProblem(edge[2]);
      if (problem !== undefined) throw new RangeError(`edge ${at} (${describeValue(edge[0])} -> ${describeValue(edge[1])}): ${problem}`);
      weight = edge[2] as number;
    }
    sink(ids.indexOf(edge[0], where), ids.indexOf(edge[1], where), weight);
    if (index % CHECK_EVERY === 0) {
      if (signal?.aborted) throw abortError(signal);
      await yieldTurn();
    }
  }
}

/**
 * Reads every edge of `input` into `sink`, giving node ids indices in `ids` (first seen,
 * first indexed; a graphology graph's nodes in its own order, edges or not). `directed` only
 * tells how an undirected edge of a mixed graphology graph is stored.
 * @throws TypeError for an input of no known form or a malformed edge, RangeError for a bad
 *   weight; each names the edge (or the file, line number and line).
 */
export async function readEdges(
  input: EdgeInput, ids: NodeIds, sink: EdgeSink, options: { weighted: boolean; directed: boolean; signal?: AbortSignal },
): Promise<void> {
  const { weighted, directed, signal } = options;
  if (typeof input === 'string') {
    await readEdgeList(input, (source, target, weight, where) => sink(ids.indexOf(source, where), ids.indexOf(target, where), weight ?? 1), signal);
    return;
  }
  if (isGraphology(input)) {
    readGraphology(input, ids, sink, weighted, directed, signal);
    return;
  }
  if (typeof input === 'object' && input !== null &&
    (typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (input as Iterable<unknown>)[Symbol.iterator] === 'function')) {
    await readTuples(input as Iterable<unknown> | AsyncIterable<unknown>, ids, sink, signal);
    return;
  }
  throw new TypeError(
    `edges must be a path to an edge list, an (async) iterable of [source, target, weight?] or a graphology graph, got ${describeValue(input)}`,
  );
}
