/**
 * trainGraph and `w2v graph` (issue 17): planted communities recovered, nodes without edges
 * left out, one thread reproducible, the walks file, bad input named, abort, and a graph of
 * ten million isolated nodes refused without walking it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { EdgeTuple, GraphologyLike } from '../../lib/graph/edge-input';
import { NodeEmbeddings } from '../../lib/graph/node-embeddings';
import { trainGraph } from '../../lib/graph/train-graph';
import { loadModel } from '../../lib/model/load';
import { rejection, rng, runCliInProcess } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-graph-train-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const GROUPS = 6;
const PER_GROUP = 60;

/** Nodes in GROUPS communities: 4 edges a node inside its own, 1 in 8 nodes with one edge outside. */
function plantedEdges(seed = 5): EdgeTuple[] {
  const random = rng(seed);
  const edges: EdgeTuple[] = [];
  for (let v = 0; v < GROUPS * PER_GROUP; v++) {
    const g = Math.floor(v / PER_GROUP);
    for (let k = 0; k < 4; k++) edges.push([`n${v}`, `n${g * PER_GROUP + Math.floor(random() * PER_GROUP)}`]);
    if (v % 8 === 0) edges.push([`n${v}`, `n${Math.floor(random() * GROUPS * PER_GROUP)}`]);
  }
  return edges;
}

const groupOf = (node: string | number): number => Math.floor(Number(String(node).slice(1)) / PER_GROUP);

/** Share of each node's 10 nearest neighbours in its own community. */
function sameGroupShare(nodes: NodeEmbeddings): number {
  let same = 0;
  let all = 0;
  for (const node of nodes.nodes) {
    for (const { item } of nodes.similar(node, { topK: 10 })) {
      all++;
      if (groupOf(item) === groupOf(node)) same++;
    }
  }
  return same / all;
}

const SMALL = { walkLength: 20, walksPerNode: 10, window: 5, dim: 32, threads: 2 } as const;

describe('trainGraph', () => {
  it('places nodes of a planted community together (DeepWalk and node2vec walks)', async () => {
    for (const walk of [{ p: 1, q: 1 }, { p: 0.25, q: 4 }]) {
      const nodes = await trainGraph(plantedEdges(), { ...SMALL, ...walk });
      try {
        expect(nodes).toBeInstanceOf(NodeEmbeddings);
        expect(nodes.size).toBe(GROUPS * PER_GROUP);
        expect(nodes.graph).toMatchObject({ nodeCount: GROUPS * PER_GROUP, directed: false, weighted: false, nodesLeftOut: 0 });
        // Chance is 1 in 6; the communities are nearly closed.
        expect(sameGroupShare(nodes)).toBeGreaterThan(0.8);
        expect(nodes.model.trainingStats?.epochs).toHaveLength(1);
        expect(nodes.model.trainingStats!.epochs[0]!.words).toBe(GROUPS * PER_GROUP * 10 * 20);
      } finally {
        nodes.dispose();
      }
    }
  });

  it('serves similar() through a nearest-neighbour index as items do', async () => {
    const nodes = await trainGraph(plantedEdges(), SMALL);
    const index = await nodes.buildIndex({ groups: (node) => groupOf(node) });
    try {
      let agree = 0;
      for (const node of nodes.nodes) {
        const exact = nodes.similar(node, { topK: 10 });
        const approximate = nodes.similar(node, { topK: 10, index });
        expect(approximate.every((r) => r.approximate === true)).toBe(true);
        expect(exact.some((r) => r.approximate)).toBe(false);
        const want = new Set(exact.map((r) => r.item));
        agree += approximate.filter((r) => want.has(r.item)).length;
      }
      expect(agree / (nodes.size * 10)).toBeGreaterThan(0.9);
      const inGroup = await index.search(nodes.vector('n5')!, 5, { filter: { group: 3 } });
      expect(Array.from(inGroup.ids).every((id) => groupOf(nodes.nodes[id]!) === 3)).toBe(true);
    } finally {
      index.dispose();
      nodes.dispose();
    }
  });

  it('orders nodes by visits and leaves out nodes with no edges', async () => {
    const edges: EdgeTuple[] = [...plantedEdges(), ['lonely', 'lonely'], ['hub', 'n0'], ['hub', 'n100'], ['hub', 'n200']];
    const nodes = await trainGraph(edges, SMALL);
    try {
      expect(nodes.graph.nodeCount).toBe(GROUPS * PER_GROUP + 2);
      expect(nodes.graph.nodesLeftOut).toBe(1);
      expect(nodes.has('lonely')).toBe(false);
      expect(nodes.vector('hub')).toBeInstanceOf(Float32Array);
      const counts = nodes.model.counts!;
      for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeLessThanOrEqual(counts[i - 1]!);
    } finally {
      nodes.dispose();
    }
  });

  it('gives the same vectors for the same seed on one thread, others for another seed', async () => {
    const run = async (seed: number): Promise<Float32Array> => {
      const nodes = await trainGraph(plantedEdges(), { ...SMALL, threads: 1, seed, epochs: 2 });
      const v = nodes.model.vectors.slice();
      nodes.dispose();
      return v;
    };
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('respects direction: a node only reached keeps a vector, a walk stops at it', async () => {
    // A directed cycle a -> b -> c -> a, and c -> sink.
    const edges: EdgeTuple[] = [['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'sink']];
    const nodes = await trainGraph(edges, { directed: true, walkLength: 10, walksPerNode: 20, window: 2, dim: 8, threads: 1 });
    try {
      expect(nodes.graph).toMatchObject({ directed: true, nodeCount: 4, edgeCount: 4, nodesLeftOut: 0 });
      expect(nodes.has('sink')).toBe(true);
      // The sink is visited only as a walk's last node: less often than the cycle's nodes.
      expect(nodes.model.counts![nodes.idOf('sink')!]!).toBeLessThan(nodes.model.counts![nodes.idOf('a')!]!);
    } finally {
      nodes.dispose();
    }
  });

  it('writes the first epoch\'s walks on request', async () => {
    const path = join(work, 'walks.txt');
    const nodes = await trainGraph(plantedEdges(), { ...SMALL, walksPerNode: 2, walksOutput: path });
    nodes.dispose();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(GROUPS * PER_GROUP * 2);
    expect(lines.every((l) => l.split(' ').length === 20 && l.split(' ').every((n) => /^n\d+$/.test(n)))).toBe(true);
  });

  it('names bad options, a graph with no edges, and options that do not apply', async () => {
    const edges = plantedEdges();
    expect((await rejection(trainGraph(edges, { p: 0 }))).message).toMatch(/^p must be a number in \[0\.000001, \d+\], got 0$/);
    expect((await rejection(trainGraph(edges, { q: -1 }))).message).toMatch(/^q must be a number in .*got -1$/);
    expect((await rejection(trainGraph(edges, { walkLength: 0 }))).message).toMatch(/^walkLength must be an integer in \[1, \d+\], got 0$/);
    expect((await rejection(trainGraph(edges, { dim: 0 }))).message).toMatch(/^dim must be .*got 0$/);
    expect((await rejection(trainGraph(edges, { hs: true } as never))).message).toMatch(/option "hs" does not apply to trainGraph/);
    expect((await rejection(trainGraph(edges, { device: 'cuda' } as never))).message).toMatch(/device "cuda" is not available for trainGraph/);
    expect((await rejection(trainGraph(edges, { walksOutput: '' }))).message).toMatch(/walksOutput must be a non-empty string/);
    expect((await rejection(trainGraph([['x', 'x']]))).message).toBe('the graph has no edges to walk (1 nodes, 0 edges): there is nothing to train');
    expect((await rejection(trainGraph([['a', 'b', -1]], { weighted: true }))).message).toMatch(/weight/);
  });

  it('stops on abort: before the start and while training', async () => {
    const early = new AbortController();
    early.abort();
    expect((await rejection(trainGraph(plantedEdges(), SMALL, { signal: early.signal }))).name).toBe('AbortError');
    const controller = new AbortController();
    let reports = 0;
    const started = Date.now();
    const err = await rejection(
      trainGraph(plantedEdges(), { ...SMALL, walksPerNode: 2000 }, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'training' && ++reports === 2) controller.abort();
        },
      }),
    );
    expect(err.name).toBe('AbortError');
    // The whole run would take tens of seconds.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses a graph of ten million isolated nodes without walking or allocating vectors', async () => {
    const n = 10_000_000;
    const graph: GraphologyLike = {
      type: 'undirected',
      // Integer keys (graphology's are strings): the ids' memory stays small beside the graph's.
      forEachNode: (cb) => {
        for (let i = 0; i < n; i++) (cb as (key: unknown, attributes: object) => void)(i, {});
      },
      forEachEdge: () => undefined,
    };
    const before = process.memoryUsage().rss;
    const err = await rejection(trainGraph(graph, { dim: 128 }));
    expect(err.message).toBe(`the graph has no edges to walk (${n} nodes, 0 edges): there is nothing to train`);
    // Vectors would be 10M x 128 x 4 bytes x 2 = 10 GB; the ids and the graph's offsets are well under 2 GB.
    expect(process.memoryUsage().rss - before).toBeLessThan(2 * 2 ** 30);
  }, 120_000);
});

describe('w2v graph', () => {
  it('trains from an edge list file and writes word2vec vectors loadModel reads', async () => {
    const input = join(work, 'edges.tsv');
    writeFileSync(input, '# planted communities\n' + plantedEdges().map(([a, b]) => `${a}\t${b}`).join('\n') + '\n');
    const output = join(work, 'nodes.txt');
    const report = join(work, 'report.json');
    const r = await runCliInProcess('graph', '-input', input, '-output', output, '-walk-length', '20', '-walks', '5', '-window', '5', '-size', '16', '-threads', '2', '-debug', '1', '-report', report);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Graph: 360 nodes, \d+ edges \(undirected\); 360 nodes embedded/);
    const model = await loadModel(output);
    expect([model.size, model.dim]).toEqual([360, 16]);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ nodes: 360, dim: 16, threads: 2, words: 360 * 5 * 20 });
  });

  it('names the flag of a bad value, and a missing input', async () => {
    const input = join(work, 'tiny.tsv');
    writeFileSync(input, 'a b\nb c\n');
    const out = join(work, 'tiny.txt');
    const bad = await runCliInProcess('graph', '-input', input, '-output', out, '-p', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^w2v graph: -p must be a number in \[0\.000001, \d+\], got 0\n$/);
    const walkLength = await runCliInProcess('graph', '-input', input, '-output', out, '-walk-length', '0');
    expect(walkLength.stderr).toMatch(/-walk-length must be an integer in \[1, \d+\], got 0/);
    const missing = await runCliInProcess('graph', '-output', out);
    expect([missing.code, missing.stderr]).toEqual([2, 'w2v graph: -input <file> is required\n']);
    const malformed = join(work, 'bad.tsv');
    writeFileSync(malformed, 'a b\nb\n');
    const line = await runCliInProcess('graph', '-input', malformed, '-output', out);
    expect(line.code).toBe(1);
    expect(line.stderr).toMatch(/bad\.tsv.*line 2/);
  });
});
