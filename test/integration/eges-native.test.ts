/**
 * EGES / GES side information through the binding: addon.Trainer with config.sideInfo,
 * attributeSlots, attributeCount and tables.attributeOf. Bad values are refused with errors
 * naming them; a finished training hands over the nodes' hidden vectors, the attribute
 * embeddings and the per-node logits, each of its size.
 */
import { describe, expect, it } from 'vitest';

import { native, type NativeTrainerConfig, type NativeTrainerTables, type NativeTrainedVectors } from '../../lib/native/addon';
import { rng } from '../helpers';

const GROUPS = 3;
const GROUP_SIZE = 8;
const NODES = GROUPS * GROUP_SIZE;
const SLOTS = 2;
/** Slot 0: the node's group (0..2); slot 1: one of two values shared by all groups (3, 4), absent for every fourth node. */
const VALUES = GROUPS + 2;
const DIM = 8;

function attributeOf(): Int32Array {
  const a = new Int32Array(NODES * SLOTS);
  for (let v = 0; v < NODES; v++) {
    a[v * SLOTS] = Math.floor(v / GROUP_SIZE);
    a[v * SLOTS + 1] = v % 4 === 3 ? -1 : GROUPS + (v % 2);
  }
  return a;
}

/** Walks of 10 nodes, each within one group. */
function walks(count: number, seed: number): { tokens: Int32Array; ends: Int32Array } {
  const r = rng(seed);
  const tokens = new Int32Array(count * 10);
  const ends = new Int32Array(count);
  for (let w = 0; w < count; w++) {
    const group = Math.floor(r() * GROUPS);
    for (let i = 0; i < 10; i++) tokens[w * 10 + i] = group * GROUP_SIZE + Math.floor(r() * GROUP_SIZE);
    ends[w] = (w + 1) * 10;
  }
  return { tokens, ends };
}

/** A valid EGES configuration, with `extra` (possibly bad values) laid over it. */
function config(extra: Record<string, unknown> = {}): NativeTrainerConfig {
  return {
    dim: DIM, window: 3, negative: 3, cbow: false, hs: false, alpha: 0.025, minAlpha: 0.0001, epochs: 1, threads: 1, seed: 1,
    wordsPerEpoch: 4000, queueCapacity: 4, progressIntervalMs: 50,
    sideInfo: 'eges', attributeSlots: SLOTS, attributeCount: VALUES, ...extra,
  } as NativeTrainerConfig;
}

/** Valid tables for NODES nodes, with `extra` laid over them. */
function tables(extra: Record<string, unknown> = {}): NativeTrainerTables {
  return {
    keepProbability: new Float32Array(NODES).fill(1), negativeWeights: new Float64Array(NODES).fill(1),
    attributeOf: attributeOf(), ...extra,
  } as NativeTrainerTables;
}

function make(c: NativeTrainerConfig, t: NativeTrainerTables, onDone: (payload: unknown) => void = () => {}) {
  return new (native().Trainer)(c, t, NODES, (kind, payload) => kind === 'done' && onDone(payload));
}

/** Trains on 400 walks and takes the vectors. */
async function train(c: NativeTrainerConfig): Promise<NativeTrainedVectors> {
  let finish!: (payload: unknown) => void;
  const done = new Promise((resolve) => (finish = resolve));
  const t = make(c, tables(), finish);
  t.start();
  const { tokens, ends } = walks(400, 5);
  expect(t.push(tokens, ends, 0)).toBe(true);
  t.close();
  expect(await done).toEqual({ cancelled: false });
  return t.takeVectors();
}

describe('EGES through the binding', () => {
  it('exports the side-information limits', () => {
    const { limits } = native();
    expect(limits.maxAttributeSlots).toBe(64);
    expect(limits.maxAttributeValues).toBe(2 ** 24);
    expect(limits.maxAttributeCells).toBe(2 ** 31 - 1);
  });

  it('refuses bad configuration values, naming them', () => {
    expect(() => make(config({ sideInfo: 'deepwalk' }), tables())).toThrow(new TypeError('sideInfo must be "eges" or "ges", got "deepwalk"'));
    expect(() => make(config({ sideInfo: 1 }), tables())).toThrow(new TypeError('sideInfo must be "eges" or "ges", got 1'));
    expect(() => make(config({ attributeSlots: 0 }), tables())).toThrow(new RangeError('attributeSlots must be an integer in [1, 64], got 0'));
    expect(() => make(config({ attributeSlots: 1.5 }), tables())).toThrow(new RangeError('attributeSlots must be an integer in [1, 64], got 1.5'));
    expect(() => make(config({ attributeSlots: undefined }), tables())).toThrow(new TypeError('attributeSlots must be a number, got undefined'));
    expect(() => make(config({ attributeCount: -1 }), tables())).toThrow(new RangeError('attributeCount must be an integer in [0, 16777216], got -1'));
    expect(() => make(config({ attributeCount: 2 ** 24 + 1 }), tables())).toThrow(new RangeError('attributeCount must be an integer in [0, 16777216], got 16777217'));
    expect(() => make(config({ cbow: true }), tables())).toThrow(
      new RangeError('sideInfo (EGES/GES) trains skip-gram with negative sampling only: cbow must be off'),
    );
    expect(() => make(config({ wholeSentenceWindow: true }), tables())).toThrow(
      new RangeError('sideInfo (EGES/GES) trains skip-gram with negative sampling only: wholeSentenceWindow must be off'),
    );
    expect(() => make(config({ device: 'cuda' }), tables())).toThrow(
      'device "cuda" does not support sideInfo (EGES/GES side information); train it with device "cpu"',
    );
  });

  it('refuses bad attribute tables, naming the entry', () => {
    expect(() => make(config(), tables({ attributeOf: new Float32Array(NODES * SLOTS) }))).toThrow(
      new TypeError('attributeOf must be a Int32Array, got a typed array'),
    );
    expect(() => make(config(), tables({ attributeOf: undefined }))).toThrow(
      new RangeError(`attributeOf must have vocabSize x attributeSlots = ${NODES * SLOTS} entries, got 0`),
    );
    expect(() => make(config(), tables({ attributeOf: attributeOf().subarray(1) }))).toThrow(
      new RangeError(`attributeOf must have vocabSize x attributeSlots = ${NODES * SLOTS} entries, got ${NODES * SLOTS - 1}`),
    );
    const bad = attributeOf();
    bad[7] = VALUES;
    expect(() => make(config(), tables({ attributeOf: bad }))).toThrow(
      new RangeError('attributeOf[7] (node 3, slot 1) must be -1 or an attribute id in [0, 5), got 5'),
    );
    bad[7] = -2;
    expect(() => make(config(), tables({ attributeOf: bad }))).toThrow(
      new RangeError('attributeOf[7] (node 3, slot 1) must be -1 or an attribute id in [0, 5), got -2'),
    );
  });

  it('hands over hidden vectors, attribute embeddings and logits of the right sizes (EGES learns the logits)', async () => {
    const v = await train(config());
    expect(v.input.length).toBe(NODES * DIM);
    expect(v.output!.length).toBe(NODES * DIM);
    expect(v.attributes!.length).toBe(VALUES * DIM);
    expect(v.attributeLogits!.length).toBe(NODES * (SLOTS + 1));
    expect(v.input.every(Number.isFinite)).toBe(true);
    expect(v.attributes!.every(Number.isFinite)).toBe(true);
    expect(v.attributeLogits!.some((x) => x !== 0)).toBe(true);
    // A node with no value in slot 1 keeps that slot's logit at zero.
    expect(v.attributeLogits![3 * (SLOTS + 1) + 2]).toBe(0);
  });

  it('GES keeps the logits at zero', async () => {
    const v = await train(config({ sideInfo: 'ges' }));
    expect(v.attributes!.length).toBe(VALUES * DIM);
    expect(v.attributeLogits!.length).toBe(NODES * (SLOTS + 1));
    expect(v.attributeLogits!.every((x) => x === 0)).toBe(true);
  });

  it('no attribute value at all gives an empty attributes array; no sideInfo gives no attribute fields', async () => {
    const none = new Int32Array(NODES * SLOTS).fill(-1);
    let finish!: (payload: unknown) => void;
    const done = new Promise((resolve) => (finish = resolve));
    const t = make(config({ attributeCount: 0 }), tables({ attributeOf: none }), finish);
    t.start();
    t.close();
    expect(await done).toEqual({ cancelled: false });
    const v = t.takeVectors();
    expect(v.attributes).toBeInstanceOf(Float32Array);
    expect(v.attributes!.length).toBe(0);
    expect(v.attributeLogits!.length).toBe(NODES * (SLOTS + 1));

    const plain = await train(config({ sideInfo: undefined }));
    expect(plain.input.length).toBe(NODES * DIM);
    expect(plain.attributes).toBeUndefined();
    expect(plain.attributeLogits).toBeUndefined();
  });
});
