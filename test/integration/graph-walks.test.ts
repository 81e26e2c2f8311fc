/**
 * Random walks through the JS API (issue 17): transition frequencies measured against the
 * expected ones (weights, duplicates summed, node2vec's p and q on a small graph), directed
 * graphs respected, nodes with no out-edges, a graph of one node, the walk plan's coverage,
 * the same walks whatever the threads and chunking, options refused, abort.
 */
import { describe, expect, it } from 'vitest';

import type { EdgeTuple } from '../../lib/graph/edge-input';
import { buildGraph, type NodeGraph } from '../../lib/graph/graph';
import type { WalkOptions } from '../../lib/graph/graph-options';
import { rng } from '../helpers';

/** Every walk of the plan as arrays of node indices. */
async function walkIndices(graph: NodeGraph, options: WalkOptions): Promise<number[][]> {
  const out: number[][] = [];
  for await (const chunk of graph.walks(options)) {
    let at = 0;
    for (const length of chunk.lengths) {
      out.push(Array.from(chunk.tokens.subarray(at, at + length)));
      at += length;
    }
  }
  return out;
}

/** `count` of `trials` is within 5 standard errors of trials * p (exact when p is 0 or 1), plus 2 for the Poisson tail. */
function binomialFits(count: number, trials: number, p: number): boolean {
  if (p <= 0) return count === 0;
  if (p >= 1) return count === trials;
  return Math.abs(count - trials * p) <= 5 * Math.sqrt(trials * p * (1 - p)) + 2;
}

async function withGraph<T>(edges: EdgeTuple[], options: Parameters<typeof buildGraph>[1], fn: (g: NodeGraph) => Promise<T>): Promise<T> {
  const graph = await buildGraph(edges, options);
  try {
    return await fn(graph);
  } finally {
    graph.dispose();
  }
}

describe('first-order walks (DeepWalk)', () => {
  it('step in proportion to the weights, duplicates summed; uniformly when unweighted', async () => {
    // Star around c; c-l1 given twice (1 + 1).
    const edges: EdgeTuple[] = [['c', 'l1', 1], ['c', 'l2', 2], ['c', 'l3', 3], ['c', 'l4', 4], ['l1', 'c', 1]];
    for (const weighted of [true, false]) {
      await withGraph(edges, { weighted }, async (g) => {
        const walks = await walkIndices(g, { walkLength: 2, walksPerNode: 40_000, threads: 2, seed: 3 });
        const fromCentre = walks.filter((w) => w[0] === 0);
        expect(fromCentre.length).toBe(40_000);
        const expected = weighted ? [0, 2 / 11, 2 / 11, 3 / 11, 4 / 11] : [0, 0.25, 0.25, 0.25, 0.25];
        for (let leaf = 1; leaf <= 4; leaf++) {
          const count = fromCentre.filter((w) => w[1] === leaf).length;
          expect({ weighted, leaf, fits: binomialFits(count, 40_000, expected[leaf]!) }).toEqual({ weighted, leaf, fits: true });
        }
        // Leaves have one neighbour: every walk from a leaf goes to c.
        expect(walks.filter((w) => w[0] !== 0).every((w) => w.length === 2 && w[1] === 0)).toBe(true);
      });
    }
  });

  it('respect directions; a node with no out-edges ends a walk (a walk of one node from it)', async () => {
    // a -> b -> c -> a, b -> d; d has no out-edges.
    await withGraph([['a', 'b'], ['b', 'c'], ['c', 'a'], ['b', 'd']], { directed: true }, async (g) => {
      expect(g.nodes).toEqual(['a', 'b', 'c', 'd']);
      const arcs = new Set(['0>1', '1>2', '2>0', '1>3']);
      const walks = await walkIndices(g, { walkLength: 12, walksPerNode: 500, threads: 2 });
      expect(walks.length).toBe(2000);
      let ended = 0;
      for (const w of walks) {
        for (let i = 1; i < w.length; i++) expect(arcs.has(`${w[i - 1]}>${w[i]}`)).toBe(true);
        if (w.length < 12) {
          expect(w[w.length - 1]).toBe(3);
          ended++;
        }
      }
      expect(walks.filter((w) => w[0] === 3).every((w) => w.length === 1)).toBe(true);
      expect(ended).toBeGreaterThan(1500); // from b half the steps go to d
      // The same graph undirected walks both ways: b -> a appears.
    });
    await withGraph([['a', 'b'], ['b', 'c'], ['c', 'a'], ['b', 'd']], { directed: false }, async (g) => {
      const walks = await walkIndices(g, { walkLength: 12, walksPerNode: 50, threads: 1 });
      expect(walks.every((w) => w.length === 12)).toBe(true);
      expect(walks.some((w) => w.some((v, i) => i > 0 && w[i - 1] === 1 && v === 0))).toBe(true);
    });
  });

  it('a graph of one node: walks of one node, or around its kept self loop', async () => {
    await withGraph([['only', 'only']], {}, async (g) => {
      expect([g.nodeCount, g.edgeCount]).toEqual([1, 0]);
      const walks = (await g.walks({ walksPerNode: 3 }).next()).value;
      expect(walks.walks()).toEqual([['only'], ['only'], ['only']]);
    });
    await withGraph([['only', 'only']], { keepSelfLoops: true }, async (g) => {
      expect(g.edgeCount).toBe(1);
      const walks = await walkIndices(g, { walksPerNode: 2, walkLength: 5, p: 0.5, q: 2 });
      expect(walks).toEqual([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]);
    });
  });

  it('a graph of no nodes yields no walks; each node starts walksPerNode walks', async () => {
    await withGraph([], {}, async (g) => {
      expect(await walkIndices(g, {})).toEqual([]);
    });
    const r = rng(5);
    const edges: EdgeTuple[] = Array.from({ length: 300 }, () => [Math.floor(r() * 120), Math.floor(r() * 120)]);
    await withGraph(edges, {}, async (g) => {
      const walks = await walkIndices(g, { walksPerNode: 7, walkLength: 4, chunkTokens: 30 });
      const starts = new Array<number>(g.nodeCount).fill(0);
      for (const w of walks) starts[w[0]!]!++;
      expect(starts.every((c) => c === 7)).toBe(true);
    });
  });
});

/** The 8-node graph of test/core/random_walks_test.cc: triangles and a leaf, weights varied. */
const SMALL: Array<[number, number, number]> = [
  [0, 1, 1], [0, 2, 2], [1, 2, 0.5], [1, 3, 0.25], [2, 3, 3], [3, 4, 1], [3, 5, 1.5], [4, 5, 4], [5, 6, 2], [6, 7, 1],
];

describe('node2vec walks', () => {
  it.each([
    [0.25, 4, false], [4, 0.25, false], [0.25, 4, true], [2, 0.5, true],
  ])('p = %f, q = %f, weighted %s: the second step follows P(x | t, v) = alpha(t, x) w(v, x) / Z', async (p, q, weighted) => {
    const w = (a: number, b: number): number => {
      const e = SMALL.find(([x, y]) => (x === a && y === b) || (x === b && y === a));
      return e === undefined ? 0 : weighted ? e[2] : 1;
    };
    const probability = (t: number, v: number, x: number): number => {
      const alpha = (y: number): number => (y === t ? 1 / p : w(t, y) > 0 ? 1 : 1 / q);
      let z = 0;
      for (let y = 0; y < 8; y++) if (w(v, y) > 0) z += alpha(y) * w(v, y);
      return w(v, x) > 0 ? (alpha(x) * w(v, x)) / z : 0;
    };
    await withGraph(SMALL, { weighted }, async (g) => {
      // Node ids are integers 0..7, first seen in order: index i is node i.
      expect(g.nodes).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      const triples = new Map<string, number>();
      const pairs = new Map<string, number>();
      for await (const chunk of g.walks({ walkLength: 3, walksPerNode: 25_000, p, q, threads: 2, seed: 9 })) {
        expect(chunk.tokens.length).toBe(chunk.count * 3);
        for (let i = 0; i < chunk.tokens.length; i += 3) {
          const key = `${chunk.tokens[i]},${chunk.tokens[i + 1]}`;
          pairs.set(key, (pairs.get(key) ?? 0) + 1);
          triples.set(`${key},${chunk.tokens[i + 2]}`, (triples.get(`${key},${chunk.tokens[i + 2]}`) ?? 0) + 1);
        }
      }
      const misfits: string[] = [];
      for (const [key, n] of pairs) {
        const [t, v] = key.split(',').map(Number) as [number, number];
        for (let x = 0; x < 8; x++) {
          const count = triples.get(`${key},${x}`) ?? 0;
          const expected = probability(t, v, x);
          if (!binomialFits(count, n, expected)) misfits.push(`${t} -> ${v} -> ${x}: ${count} of ${n}, expected ${(expected * n).toFixed(1)}`);
        }
      }
      expect(pairs.size).toBe(20); // every stored arc (t, v) is some walk's first step
      expect(misfits).toEqual([]);
    });
  });

  it('the bias shows: a low p returns far more often than a high p', async () => {
    await withGraph(SMALL, {}, async (g) => {
      const returns = async (p: number): Promise<number> => {
        const walks = await walkIndices(g, { walkLength: 3, walksPerNode: 2000, p, q: 1, threads: 2 });
        return walks.filter((w) => w[2] === w[0]).length / walks.length;
      };
      expect(await returns(0.1)).toBeGreaterThan(3 * (await returns(10)));
    });
  });
});

describe('determinism', () => {
  it('gives the same walks whatever the threads and chunk size; another seed gives others', async () => {
    const r = rng(11);
    const edges: EdgeTuple[] = Array.from({ length: 2000 }, () => [Math.floor(r() * 500), Math.floor(r() * 500), 0.5 + r() * 3]);
    await withGraph(edges, { weighted: true }, async (g) => {
      const base = { walkLength: 20, walksPerNode: 3, p: 0.5, q: 2, seed: 42 };
      const reference = await walkIndices(g, { ...base, threads: 1, chunkTokens: 20 });
      expect(reference.length).toBe(g.nodeCount * 3);
      for (const [threads, chunkTokens] of [[2, 1 << 20], [4, 1000], [3, 57]] as const) {
        expect(await walkIndices(g, { ...base, threads, chunkTokens })).toEqual(reference);
      }
      const other = await walkIndices(g, { ...base, seed: 43, threads: 2 });
      expect(other).not.toEqual(reference);
    });
  });
});

describe('walk options refused, naming the value', () => {
  it.each([
    [{ p: 0 }, 'p must be a number in [0.000001, 1000000], got 0'],
    [{ p: -1 }, 'p must be a number in [0.000001, 1000000], got -1'],
    [{ q: 0 }, 'q must be a number in [0.000001, 1000000], got 0'],
    [{ q: Number.NaN }, 'q must be a number in [0.000001, 1000000], got NaN'],
    [{ walkLength: 0 }, 'walkLength must be an integer in [1, 100000], got 0'],
    [{ walkLength: 2.5 }, 'walkLength must be an integer in [1, 100000], got 2.5'],
    [{ walksPerNode: 0 }, 'walksPerNode must be an integer in [1, 100000], got 0'],
    [{ threads: 0 }, 'threads must be an integer in [1, 1024], got 0'],
    [{ walkLength: 10, chunkTokens: 5 }, 'chunkTokens must be an integer in [10, 16777216], got 5'],
    [{ seed: -1 }, 'seed must be an integer in [0, 9007199254740991], got -1'],
    [{ length: 5 }, 'unknown option "length"'],
  ])('%j', async (options, message) => {
    await withGraph([[1, 2]], {}, async (g) => {
      expect(() => g.walks(options as WalkOptions)).toThrow(message);
    });
  });

  it('refuses walks of a disposed graph', async () => {
    const g = await buildGraph([[1, 2]]);
    g.dispose();
    expect(() => g.walks()).toThrow('graph is disposed');
  });
});

describe('abort', () => {
  it('between chunks and during one, with the abort reason, promptly', async () => {
    const n = 100_000;
    function* ring(): Generator<EdgeTuple> {
      for (let i = 0; i < n; i++) yield [i, (i + 1) % n];
    }
    const g = await buildGraph(ring());
    try {
      const between = new AbortController();
      let chunks = 0;
      const err = await (async () => {
        try {
          for await (const chunk of g.walks({ walksPerNode: 50, chunkTokens: 1 << 16 }, { signal: between.signal })) {
            expect(chunk.count).toBeGreaterThan(0);
            if (++chunks === 2) between.abort();
          }
        } catch (e) {
          return e as Error;
        }
        throw new Error('expected the walks to be aborted');
      })();
      expect(err.name).toBe('AbortError');
      expect(chunks).toBe(2);

      const during = new AbortController();
      const iterator = g.walks({ walksPerNode: 1000, walkLength: 80, chunkTokens: 1 << 24, threads: 1 }, { signal: during.signal });
      const started = performance.now();
      setTimeout(() => during.abort(new Error('stop now')), 20);
      const reason = await iterator.next().then(() => undefined, (e: Error) => e);
      expect(reason?.message).toBe('stop now');
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      g.dispose();
    }
  });
});
