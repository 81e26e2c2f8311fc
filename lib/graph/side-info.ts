/**
 * Side information of a graph's nodes for EGES / GES (Wang et al., KDD 2018): each node's
 * categorical attributes (category, brand, shop...), one column a kind, read from a file
 * `node<TAB>attr1<TAB>attr2...` or asked of a function, and mapped to dense attribute ids.
 * @module
 */
import { describeValue } from '../util/errors';
import { readTextLines } from './edge-list';
import type { NodeId } from './node-ids';

/** One node's attributes in column order; null / undefined / '' for a kind it lacks. */
export type NodeAttributes = readonly (string | number | null | undefined)[];

/**
 * Where side information comes from: a path to a file of `node<TAB>attr1<TAB>attr2...` lines
 * (plain or gzip, `#` comment lines, an empty field for a kind the node lacks), or a function
 * giving a node's attributes (undefined: none).
 */
export type SideInfoInput = string | ((node: NodeId) => NodeAttributes | undefined);

/** Attributes of the vocabulary's nodes as dense ids: what the native trainer takes. */
export interface AttributeTable {
  /** Attribute kinds (columns); a node's attributes are slots [v * slots, (v + 1) * slots). */
  slots: number;
  /** Attribute id of node v's kind k at v * slots + k, -1 where it has none. */
  attributeOf: Int32Array;
  /** Each attribute id's kind (column, 0-based) and value. */
  values: Array<{ kind: number; value: string }>;
  /** Attribute id of `${kind}\t${value}`. */
  index: Map<string, number>;
}

/** The key of an attribute: its kind and its value (a kind has no tab). */
export const attributeKey = (kind: number, value: string): string => `${kind}\t${value}`;

interface Limits {
  maxSlots: number;
  maxValues: number;
}

class AttributeBuilder {
  readonly values: Array<{ kind: number; value: string }> = [];
  readonly index = new Map<string, number>();
  private rows: Array<{ vocabId: number; ids: number[] }> = [];
  slots = 0;

  constructor(private readonly limits: Limits) {}

  /** Records vocabulary node `vocabId`'s attributes; `where` names them in messages. */
  add(vocabId: number, attributes: NodeAttributes, where: () => string): void {
    if (attributes.length > this.limits.maxSlots) {
      throw new RangeError(`${where()}: at most ${this.limits.maxSlots} attribute kinds, got ${attributes.length}`);
    }
    const ids: number[] = [];
    attributes.forEach((raw, kind) => {
      if (raw === null || raw === undefined || raw === '') return ids.push(-1);
      if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isFinite(raw))) {
        throw new TypeError(`${where()}: attribute ${kind} must be a string, a finite number, null or undefined, got ${describeValue(raw)}`);
      }
      const key = attributeKey(kind, String(raw));
      let id = this.index.get(key);
      if (id === undefined) {
        if (this.values.length >= this.limits.maxValues) throw new RangeError(`${where()}: more than ${this.limits.maxValues} distinct attribute values`);
        id = this.values.length;
        this.index.set(key, id);
        this.values.push({ kind, value: String(raw) });
      }
      return ids.push(id);
    });
    this.slots = Math.max(this.slots, ids.length);
    this.rows.push({ vocabId, ids });
  }

  table(vocabSize: number): AttributeTable {
    const slots = Math.max(1, this.slots);
    const attributeOf = new Int32Array(vocabSize * slots).fill(-1);
    for (const { vocabId, ids } of this.rows) ids.forEach((id, k) => (attributeOf[vocabId * slots + k] = id));
    this.rows = [];
    return { slots, attributeOf, values: this.values, index: this.index };
  }
}

/**
 * The attributes of the vocabulary's nodes. `nodes` are the graph's nodes (by graph index),
 * `vocabOf` each graph index's vocabulary id (-1 for a node left out: its attributes are read
 * and ignored).
 * @throws Error naming the file and line for a malformed line, a node not in the graph or a
 *   node given twice; TypeError naming the node for a function's bad result; RangeError past
 *   the attribute limits.
 */
export async function readSideInfo(
  input: SideInfoInput,
  nodes: readonly NodeId[],
  vocabOf: Int32Array,
  limits: Limits,
  signal?: AbortSignal,
): Promise<AttributeTable> {
  const builder = new AttributeBuilder(limits);
  const vocabSize = vocabOf.reduce((n, id) => (id >= 0 ? n + 1 : n), 0);
  if (typeof input === 'function') {
    nodes.forEach((node, v) => {
      const id = vocabOf[v]!;
      if (id < 0) return;
      const where = (): string => `sideInfo(${describeValue(node)})`;
      const attributes = input(node);
      if (attributes === undefined || attributes === null) return;
      if (!Array.isArray(attributes)) throw new TypeError(`${where()} must return an array of attributes or undefined, got ${describeValue(attributes)}`);
      builder.add(id, attributes, where);
    });
    return builder.table(vocabSize);
  }
  if (typeof input !== 'string' || input.length === 0) {
    throw new TypeError(`sideInfo must be a path or a function, got ${describeValue(input)}`);
  }
  const graphIndex = new Map<string, number>();
  nodes.forEach((node, v) => graphIndex.set(String(node), v));
  const seen = new Uint8Array(nodes.length);
  await readTextLines(input, `side information ${JSON.stringify(input)}`, (text, lineNumber, name) => {
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (line.length === 0 || line.startsWith('#')) return;
    const where = (): string => `${name}, line ${lineNumber} (${describeValue(line)})`;
    const [node, ...attributes] = line.split('\t');
    const v = graphIndex.get(node!);
    if (v === undefined) throw new Error(`${where()}: node ${describeValue(node)} is not in the graph`);
    if (seen[v]) throw new Error(`${where()}: node ${describeValue(node)} is given twice`);
    seen[v] = 1;
    if (vocabOf[v]! >= 0) builder.add(vocabOf[v]!, attributes, where);
  }, signal);
  return builder.table(vocabSize);
}
