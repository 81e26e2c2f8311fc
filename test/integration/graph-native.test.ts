/**
 * The native graph binding's own checks (native/binding/graph_wrap.cc, graph_walks_wrap.cc),
 * called directly as the TS layer does, and the walks' inspection file (writeWalks): its lines
 * are the walks walks() yields, it appears whole or not at all, abort leaves the old file.
 * Also a graph of a million isolated nodes: defined results in memory about its size.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import type { GraphologyLike } from '../../lib/graph/edge-input';
import { buildGraph } from '../../lib/graph/graph';
import { native, type NativeGraph } from '../../lib/native/addon';
import { rejection } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-graph-native-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const config = { walkLength: 10, p: 1, q: 1, weighted: false, seed: 1, walksPerNode: 2 };
const options = { directed: false, weighted: false, keepSelfLoops: false };

async function builtGraph(src: number[], dst: number[], nodes: number, weighted = false): Promise<NativeGraph> {
  const g = new (native().Graph)();
  g.add(Int32Array.from(src), Int32Array.from(dst), weighted ? new Float32Array(src.length).fill(2) : null);
  await g.build(nodes, { ...options, weighted });
  return g;
}

describe('the Graph binding', () => {
  it('reports what it built', async () => {
    const g = await builtGraph([0, 1, 1, 2], [1, 2, 2, 2], 4);
    expect(g.info()).toMatchObject({ nodes: 4, arcs: 4, edges: 2, maxDegree: 2, directed: false, weighted: false });
    expect(g.info().memoryBytes).toBeGreaterThan(0);
    g.dispose();
    expect(() => g.info()).toThrow('graph is disposed');
  });

  it('checks add() arguments, naming them', () => {
    const g = new (native().Graph)();
    const i32 = (...v: number[]): Int32Array => Int32Array.from(v);
    expect(() => g.add([0] as never, i32(1), null)).toThrow('src must be a Int32Array, got an array');
    expect(() => g.add(i32(0, 1), i32(1), null)).toThrow('dst must hold as many nodes as src (2), got 1');
    expect(() => g.add(i32(0), i32(1), new Float32Array(2))).toThrow('weight must hold as many values as src (1), got 2');
    expect(() => g.add(i32(0), i32(1), new Float64Array(1) as never)).toThrow('weight must be a Float32Array, got a typed array');
    expect(g.add(i32(0, 1), i32(1, 2), null)).toBe(2);
    expect(() => g.add(i32(3), i32(-1), null)).toThrow(RangeError);
    expect(() => g.add(i32(3), i32(-1), null)).toThrow('edge 2: target node must be >= 0, got -1');
    expect(() => g.add(i32(3), i32(4), Float32Array.of(Number.NaN))).toThrow(/^edge 2: weight must be finite and > 0, got -?nan$/);
    expect(() => g.add(i32(3), i32(4), Float32Array.of(-1))).toThrow('edge 2: weight must be finite and > 0, got -1');
    g.dispose();
  });

  it('builds once: adds after build are refused; a failed build spends the builder', async () => {
    const g = await builtGraph([0], [1], 2);
    expect(() => g.add(Int32Array.of(0), Int32Array.of(1), null)).toThrow('graph is built: edges can no longer be added');
    g.dispose();
    const bad = new (native().Graph)();
    bad.add(Int32Array.of(0), Int32Array.of(5), null);
    const err = await rejection(bad.build(2, options));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('edge 0: target node must be in [0, 2), got 5');
    expect(() => bad.add(Int32Array.of(0), Int32Array.of(1), null)).toThrow('graph build failed: make a new Graph');
    const other = new (native().Graph)();
    expect(() => other.build(-1, options)).toThrow('nodeCount must be an integer in [0, 2147483647], got -1');
    expect(() => other.build(1, { ...options, directed: 'no' } as never)).toThrow('directed must be a boolean, got "no"');
    other.dispose();
  });

  it('GraphWalks checks its graph, its config and its calls', async () => {
    const { GraphWalks, Graph } = native();
    expect(() => new GraphWalks({} as never, config)).toThrow('graph must be a native Graph, got an object');
    const unbuilt = new Graph();
    expect(() => new GraphWalks(unbuilt, config)).toThrow('graph is not built yet');
    const g = await builtGraph([0, 1], [1, 2], 3);
    expect(() => new GraphWalks(g, { ...config, weighted: true })).toThrow('weighted walks need a weighted graph');
    expect(() => new GraphWalks(g, { ...config, p: 0 })).toThrow('p must be a number in [0.000001, 1000000], got 0');
    expect(() => new GraphWalks(g, { ...config, walkLength: 0 })).toThrow('walkLength must be an integer in [1, 100000], got 0');
    expect(() => new GraphWalks(g, { ...config, walksPerNode: 0 })).toThrow('walksPerNode must be an integer in [1, 100000], got 0');
    const walks = new GraphWalks(g, config);
    expect(() => walks.next(5, 1)).toThrow('maxTokens must be an integer in [10, 16777216], got 5');
    expect(() => walks.next(10, 0)).toThrow('threads must be an integer in [1, 1024], got 0');
    const first = walks.next(20, 1);
    expect(() => walks.next(20, 1)).toThrow('walks are already being made: await the previous call first');
    const { tokens, lengths, cancelled } = await first;
    expect(cancelled).toBe(false);
    expect(lengths.length).toBe(2);
    expect(tokens.length).toBe(lengths[0]! + lengths[1]!);
    expect(walks.position()).toEqual({ done: 2, total: 6 });
    expect(() => walks.writeAll(join(work, 'x'), 1, new Uint8Array(3), Float64Array.of(0, 1, 2), null)).toThrow(
      'nameOffsets must hold nodes + 1 (4) offsets, got 3',
    );
    expect(() => walks.writeAll(join(work, 'x'), 1, new Uint8Array(3), Float64Array.of(0, 2, 1, 3), null)).toThrow(
      'nameOffsets[2] must be an integer in [2, 3], got 1',
    );
    const unwritable = await rejection(walks.writeAll(join(work, 'no', 'such', 'dir'), 1, null, null, null));
    expect(unwritable.message).toMatch(/^cannot write walks to ".*no\/such\/dir": open: No such file or directory$/);
    // Walks keep the graph after its handle is disposed.
    g.dispose();
    const rest = await walks.next(100, 2);
    expect(rest.lengths.length).toBe(4);
    expect((await walks.next(100, 2)).lengths.length).toBe(0);
    walks.cancel();
    expect((await walks.next(100, 1)).cancelled).toBe(true);
  });
});

describe('writeWalks', () => {
  const edges: Array<[string | number, string | number]> = [['a', 'b'], ['b', 'c'], ['c', 'a'], [7, 'a'], ['é', 'c']];

  it('writes the walks walks() yields, a line each, node ids separated by spaces', async () => {
    const g = await buildGraph(edges, { directed: true });
    try {
      const path = join(work, 'walks.txt');
      const seen: Array<[number, number]> = [];
      const options = { walkLength: 6, walksPerNode: 3, p: 0.5, q: 2, threads: 2 };
      await g.writeWalks(path, options, { onProgress: (done, total) => seen.push([done, total]) });
      const expected: string[] = [];
      for await (const chunk of g.walks(options)) for (const w of chunk.walks()) expected.push(w.join(' '));
      expect(readFileSync(path, 'utf8')).toBe(expected.join('\n') + '\n');
      expect(expected.length).toBe(15);
      expect(expected.some((line) => line.startsWith('é '))).toBe(true);
      expect(seen[seen.length - 1]).toEqual([15, 15]);
      expect(readdirSync(work).filter((f) => f.startsWith('walks.txt.'))).toEqual([]);
    } finally {
      g.dispose();
    }
  });

  it('on abort rejects with the reason and leaves the previous file as it was, no temporary file beside it', async () => {
    const n = 100_000;
    const g = await buildGraph(Array.from({ length: n }, (_, i): [number, number] => [i, (i + 1) % n]));
    try {
      const path = join(work, 'kept.txt');
      writeFileSync(path, 'old walks\n');
      const controller = new AbortController();
      const err = await rejection(g.writeWalks(path, { walksPerNode: 20, threads: 2 }, {
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }));
      expect(err.name).toBe('AbortError');
      expect(readFileSync(path, 'utf8')).toBe('old walks\n');
      expect(readdirSync(work).filter((f) => f.startsWith('kept.txt.'))).toEqual([]);
      expect(existsSync(path)).toBe(true);
    } finally {
      g.dispose();
    }
  });
});

describe('a graph of a million isolated nodes', () => {
  it('builds in memory about its size and walks each node alone', async () => {
    const n = 1_000_000;
    const graph: GraphologyLike = {
      type: 'undirected',
      forEachNode: (cb) => {
        for (let i = 0; i < n; i++) cb(`n${i}`, {});
      },
      forEachEdge: () => undefined,
    };
    const g = await buildGraph(graph);
    try {
      expect([g.nodeCount, g.edgeCount]).toEqual([n, 0]);
      // The offsets (8 bytes a node) and nothing sized by the nodes squared.
      expect(g.memoryBytes).toBeLessThanOrEqual(8 * (n + 1) + 64);
      let walks = 0;
      let tokens = 0;
      for await (const chunk of g.walks({ walksPerNode: 1, threads: 2 })) {
        walks += chunk.count;
        tokens += chunk.tokens.length;
      }
      expect([walks, tokens]).toEqual([n, n]);
    } finally {
      g.dispose();
    }
  });
});
