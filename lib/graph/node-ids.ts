/**
 * Node ids of a graph, mapped to dense indices 0, 1, 2, ... in the order they are first seen.
 * @module
 */
import { describeValue } from '../util/errors';

/**
 * A node of a graph: a non-empty string or a safe integer. `1` and `'1'` name the same node
 * once saved (a model's vocabulary is text), so one graph may not hold both: the edges are
 * refused, naming the two. Nodes read from an edge-list file are always strings (`"01"` and
 * `"1"` are two nodes there).
 */
export type NodeId = string | number;

/** V8's Maps hold at most 2^24 entries. */
const MAX_MAP_ENTRIES = 1 << 24;

/** The integer a string spells in canonical form ("12", "-3"; not "012", "-0", "1e3"), or undefined. */
function canonicalInteger(s: string): number | undefined {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Dense indices for node ids, in first-seen order. */
export class NodeIds {
  /** The ids by index. */
  readonly ids: NodeId[] = [];
  private readonly index = new Map<NodeId, number>();

  /** The nodes seen so far. */
  get size(): number {
    return this.ids.length;
  }

  /**
   * The index of `id`, given a new one when unseen; `where` names the edge in messages.
   * @throws TypeError for an id that is not a non-empty string or a safe integer, or one whose
   *   other form (1 for '1') is already a node; RangeError past 2^24 distinct nodes.
   */
  indexOf(id: unknown, where: () => string): number {
    const found = this.index.get(id as NodeId);
    return found !== undefined ? found : this.add(id, where);
  }

  private add(id: unknown, where: () => string): number {
    if (typeof id === 'string') {
      if (id.length === 0) throw new TypeError(`${where()}: a node id is an empty string`);
    } else if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      throw new TypeError(`${where()}: a node id must be a non-empty string or a safe integer, got ${describeValue(id)}`);
    }
    const twin = typeof id === 'number' ? String(id) : canonicalInteger(id);
    if (twin !== undefined && this.index.has(twin)) {
      throw new TypeError(
        `${where()}: node ${describeValue(id)} and node ${describeValue(twin)} are both in the edges; ` +
          'a graph names each node in one form only (they would be one word once saved)',
      );
    }
    if (this.ids.length >= MAX_MAP_ENTRIES) {
      throw new RangeError(`${where()}: a graph may hold at most ${MAX_MAP_ENTRIES} distinct nodes (a JavaScript Map's limit)`);
    }
    const index = this.ids.length;
    this.index.set(id, index);
    this.ids.push(id);
    return index;
  }
}
