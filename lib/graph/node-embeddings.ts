/**
 * Node vectors of a graph (trainGraph's result): the item queries (similar, recommend,
 * buildIndex, embed) over nodes, and what the graph was.
 * @module
 */
import { ItemEmbeddings } from '../model/item-embeddings';
import type { Word2Vec } from '../model/model';
import type { NodeId } from './node-ids';

/** The graph a NodeEmbeddings was trained on, as trainGraph saw it. */
export interface GraphSummary {
  /** Nodes of the graph, those with no edges included. */
  nodeCount: number;
  /** Edges after merging duplicates (an undirected edge once). */
  edgeCount: number;
  directed: boolean;
  weighted: boolean;
  /**
   * Nodes that got no vector: those no walk of two nodes or more visited (nodes with no
   * edges, and in a directed graph nodes no walk reached).
   */
  nodesLeftOut: number;
}

/**
 * Vectors of a graph's nodes: `similar`, `vector`, `recommend`, `buildIndex`, `embed` as for
 * items (a node id is an item), `model` for saving and exporting.
 */
export class NodeEmbeddings extends ItemEmbeddings {
  /** The graph they were trained on. */
  readonly graph: GraphSummary;

  /** @internal */
  constructor(model: Word2Vec, nodes: readonly NodeId[], graph: GraphSummary) {
    super(model, nodes);
    this.graph = graph;
  }

  /** The nodes that have a vector, most visited first (index = row of `model`). */
  get nodes(): readonly NodeId[] {
    return this.items;
  }
}
