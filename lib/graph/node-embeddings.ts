/**
 * Node vectors of a graph (trainGraph's result): the item queries (similar, recommend,
 * buildIndex, embed) over nodes, what the graph was, and with side information (EGES / GES)
 * the attributes' vectors, each node's learned weights, and vectors for unseen nodes from
 * their attributes alone.
 * @module
 */
import { ItemEmbeddings, type Item } from '../model/item-embeddings';
import type { Word2Vec } from '../model/model';
import { describeValue } from '../util/errors';
import type { NodeId } from './node-ids';
import { attributeKey, type AttributeTable, type NodeAttributes } from './side-info';

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

/** Side information as trained: attributes' vectors and, for EGES, each node's weights. */
export interface TrainedSideInfo {
  mode: 'eges' | 'ges';
  table: AttributeTable;
  /** Attribute vectors, attribute id a at [a * dim, (a + 1) * dim). */
  vectors: Float32Array;
  /** Node v's weight logits at [v * (slots + 1), ...): its own id's first, then one per kind. */
  logits: Float32Array;
}

/** How much a node's vector takes from its own id and from each of its attributes. */
export interface AttributeWeights {
  /** Weight of the node's own id embedding. */
  node: number;
  /** Weight of each attribute the node has, by kind (column) and value. */
  attributes: Array<{ kind: number; value: string; weight: number }>;
}

/**
 * Vectors of a graph's nodes: `similar`, `vector`, `recommend`, `buildIndex`, `embed` as for
 * items (a node id is an item), `model` for saving and exporting. Trained with side
 * information, a node's vector is EGES's hidden vector: the weighted mean of its id's and its
 * attributes' embeddings.
 */
export class NodeEmbeddings extends ItemEmbeddings {
  /** The graph they were trained on. */
  readonly graph: GraphSummary;
  private readonly side: TrainedSideInfo | undefined;

  /** @internal */
  constructor(model: Word2Vec, nodes: readonly NodeId[], graph: GraphSummary, side?: TrainedSideInfo) {
    super(model, nodes);
    this.graph = graph;
    this.side = side;
  }

  /** The nodes that have a vector, most visited first (index = row of `model`). */
  get nodes(): readonly NodeId[] {
    return this.items;
  }

  /** 'eges' or 'ges' when trained with side information, else undefined. */
  get sideInfoMode(): 'eges' | 'ges' | undefined {
    return this.side?.mode;
  }

  /** The vector of attribute `value` of kind `kind` (its column, 0-based), or undefined if unseen. */
  attributeVector(kind: number, value: string | number): Float32Array | undefined {
    const side = this.requireSide('attributeVector');
    const id = side.table.index.get(attributeKey(kind, String(value)));
    return id === undefined ? undefined : side.vectors.slice(id * this.dim, (id + 1) * this.dim);
  }

  /**
   * How node `node`'s vector mixes its id and its attributes: EGES's learned softmax weights
   * (GES: equal weights); undefined for a node without a vector.
   */
  attributeWeights(node: NodeId): AttributeWeights | undefined {
    const side = this.requireSide('attributeWeights');
    const v = this.idOf(node);
    if (v === undefined) return undefined;
    const { slots, attributeOf, values } = side.table;
    const present = [0];
    for (let k = 0; k < slots; k++) if (attributeOf[v * slots + k]! >= 0) present.push(k + 1);
    const logit = (j: number): number => (side.mode === 'eges' ? side.logits[v * (slots + 1) + j]! : 0);
    const top = Math.max(...present.map(logit));
    const total = present.reduce((s, j) => s + Math.exp(logit(j) - top), 0);
    const weight = (j: number): number => Math.exp(logit(j) - top) / total;
    return {
      node: weight(0),
      attributes: present.slice(1).map((j) => ({ ...values[attributeOf[v * slots + j - 1]!]!, weight: weight(j) })),
    };
  }

  /**
   * A vector for a node not in the graph. From known neighbours: as for items, their (weighted)
   * mean. From `{ attributes }` (side information, in the file's column order; null or
   * undefined for a kind it lacks): the mean of the known attributes' vectors, as EGES gives a
   * new item its vector. Unknown values are skipped; none known is an Error.
   */
  override coldStart(input: readonly Item[] | { attributes: NodeAttributes }, options: { weights?: readonly number[] } = {}): Float32Array {
    if (Array.isArray(input)) return super.coldStart(input, options);
    if (input === null || typeof input !== 'object' || !Array.isArray((input as { attributes?: unknown }).attributes)) {
      throw new TypeError(`coldStart takes an array of neighbours or { attributes: [...] }, got ${describeValue(input)}`);
    }
    const side = this.requireSide('coldStart({ attributes })');
    const { attributes } = input as { attributes: NodeAttributes };
    const out = new Float32Array(this.dim);
    let known = 0;
    attributes.forEach((value, kind) => {
      if (value === null || value === undefined || value === '') return;
      const id = side.table.index.get(attributeKey(kind, String(value)));
      if (id === undefined) return;
      for (let d = 0; d < this.dim; d++) out[d]! += side.vectors[id * this.dim + d]!;
      known++;
    });
    if (known === 0) throw new Error(`coldStart: none of the attributes is known (${describeValue(attributes)})`);
    for (let d = 0; d < this.dim; d++) out[d]! /= known;
    return out;
  }

  private requireSide(what: string): TrainedSideInfo {
    if (this.side === undefined) throw new Error(`${what} needs side information: train with trainGraph(edges, { sideInfo })`);
    return this.side;
  }
}
