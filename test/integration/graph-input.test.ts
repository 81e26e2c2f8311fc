/**
 * Graphs built from every kind of edge input (issue 17): edge-list files (plain and gzip,
 * comments, blank lines, tabs, CRLF), (async) iterables of [source, target, weight?], and
 * graphology-like graphs; node ids mapped in first-seen order; options; and every bad input
 * of this part, refused with an Error naming the value (the file, line number and line).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

import type { EdgeTuple, GraphologyLike } from '../../lib/graph/edge-input';
import { buildGraph, type NodeGraph } from '../../lib/graph/graph';
import type { NodeId } from '../../lib/graph/node-ids';
import { rejection } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-graph-input-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let fileCount = 0;
function file(content: string | Buffer, name = `edges-${fileCount++}.txt`): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

/** Builds, describes and disposes a graph. */
async function shape(...args: Parameters<typeof buildGraph>): Promise<{ nodes: readonly NodeId[]; edges: number; arcs: number; graph: NodeGraph }> {
  const graph = await buildGraph(...args);
  const out = { nodes: graph.nodes, edges: graph.edgeCount, arcs: graph.arcCount, graph };
  graph.dispose();
  return out;
}

/** A minimal graphology-like graph: forEachNode, forEachEdge with graphology's arguments, type. */
function fakeGraphology(
  type: string, nodes: string[], edges: Array<{ key: string; source: string; target: string; attributes?: Record<string, unknown>; undirected?: boolean }>,
): GraphologyLike {
  return {
    type,
    forEachNode: (cb) => nodes.forEach((n) => cb(n, {})),
    forEachEdge: (cb) => edges.forEach((e) => cb(e.key, e.attributes ?? {}, e.source, e.target, {}, {}, e.undirected ?? type === 'undirected')),
  };
}

const EDGE_LIST = [
  '# a comment line',
  '',
  'a b',
  'b\tc 2.5',
  '  c   a  ',
  '\t# indented comment',
  'a b',        // a duplicate: merged
  'd d',        // a self loop: dropped by default (d stays a node)
  'c e 1e-3\r', // CRLF
  '',
].join('\n');

describe('edge-list files', () => {
  it('reads `source target [weight]` lines with spaces, tabs, comments, blank lines and CRLF; ids in first-seen order', async () => {
    const g = await shape(file(EDGE_LIST));
    expect(g.nodes).toEqual(['a', 'b', 'c', 'd', 'e']);
    // a-b (twice, merged), b-c, c-a, c-e; d-d dropped.
    expect(g.edges).toBe(4);
    expect(g.arcs).toBe(8);
    expect(g.graph.directed).toBe(false);
    expect(g.graph.weighted).toBe(false);
  });

  it('reads gzip the same (told by the magic bytes, not the name)', async () => {
    const plain = await shape(file(EDGE_LIST));
    const gz = await shape(file(gzipSync(EDGE_LIST), 'edges-gz.txt'));
    expect(gz.nodes).toEqual(plain.nodes);
    expect([gz.edges, gz.arcs]).toEqual([plain.edges, plain.arcs]);
  });

  it('keeps self loops, directions and weights as asked', async () => {
    const g = await shape(file(EDGE_LIST), { directed: true, weighted: true, keepSelfLoops: true });
    // a->b (merged), b->c, c->a, d->d, c->e
    expect(g.edges).toBe(5);
    expect(g.arcs).toBe(5);
    expect(g.graph.directed).toBe(true);
    expect(g.graph.weighted).toBe(true);
    const last = file('1 2\n2 1\n');
    expect((await shape(last)).nodes).toEqual(['1', '2']); // every id of a file is a string
  });

  it('a file with no edges gives a graph of no nodes; one edge a graph of two', async () => {
    expect((await shape(file('# nothing\n\n'))).nodes).toEqual([]);
    expect((await shape(file('x y'))).edges).toBe(1); // no final newline
  });

  it.each([
    ['a b c d', 3, 'expected "source target [weight]", got 4 fields'],
    ['lonely', 3, 'expected "source target [weight]", got 1 field'],
    ['a b -1', 3, 'weight must be a finite number > 0, got -1'],
    ['a b 0', 3, 'weight must be a finite number > 0, got 0'],
    ['a b NaN', 3, 'weight must be a finite number > 0, got "NaN"'],
    ['a b inf', 3, 'weight must be a finite number > 0, got "inf"'],
    ['a b 0x10', 3, 'weight must be a finite number > 0, got "0x10"'],
    ['a b 1e39', 3, "weight must lie in a float32's range [1.401298464324817e-45, 3.4028234663852886e+38], got 1e+39"],
  ])('refuses %j naming the path, the line number and the line', async (line, number, problem) => {
    const path = file(`# header\nx y\n${line}\nz w\n`);
    const err = await rejection(buildGraph(path));
    expect(err.message).toBe(`edge list ${JSON.stringify(path)}, line ${number} (${JSON.stringify(line)}): ${problem}`);
  });

  it('refuses a missing file, a directory, invalid gzip and a line past 1 MiB, naming the path', async () => {
    const missing = join(work, 'missing.txt');
    expect((await rejection(buildGraph(missing))).message).toMatch(new RegExp(`^cannot read edge list "${missing}": ENOENT`));
    expect((await rejection(buildGraph(work))).message).toBe(`edge list ${JSON.stringify(work)} is not a file`);
    const bad = file(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7]));
    expect((await rejection(buildGraph(bad))).message).toMatch(new RegExp(`^edge list "${bad}" is not valid gzip`));
    const long = file(`a b\n${'x'.repeat((1 << 20) + 10)}\n`);
    expect((await rejection(buildGraph(long))).message).toBe(`edge list ${JSON.stringify(long)}, line 2 is longer than 1048576 bytes`);
  });
});

describe('iterables of [source, target, weight?]', () => {
  it('takes arrays, generators and async generators; integer and string ids', async () => {
    const edges: EdgeTuple[] = [[10, 20], [20, 30, 2], ['x', 10], [30, 10, 0.5]];
    const fromArray = await shape(edges);
    expect(fromArray.nodes).toEqual([10, 20, 30, 'x']);
    expect(fromArray.edges).toBe(4);
    const fromGenerator = await shape((function* () { yield* edges; })());
    expect(fromGenerator.nodes).toEqual(fromArray.nodes);
    const fromAsync = await shape((async function* () {
      for (const e of edges) {
        await new Promise((r) => setImmediate(r));
        yield e;
      }
    })());
    expect(fromAsync.nodes).toEqual(fromArray.nodes);
    expect(fromAsync.edges).toBe(4);
  });

  it('streams many edges in chunks (200,000 edges over 50,000 nodes, duplicates merged)', async () => {
    const n = 50_000;
    function* ring(): Generator<EdgeTuple> {
      for (let round = 0; round < 4; round++) for (let i = 0; i < n; i++) yield [i, (i + 1 + (round % 2)) % n];
    }
    const g = await shape(ring(), { directed: true });
    expect(g.nodes.length).toBe(n);
    expect(g.edges).toBe(2 * n);
  });

  it.each([
    [[[1, 2, -1]], RangeError, 'edge 0 (1 -> 2): weight must be a finite number > 0, got -1'],
    [[[1, 2], [1, 3, Number.NaN]], RangeError, 'edge 1 (1 -> 3): weight must be a finite number > 0, got NaN'],
    [[[1, 2, Number.POSITIVE_INFINITY]], RangeError, 'edge 0 (1 -> 2): weight must be a finite number > 0, got Infinity'],
    [[[1, 2, 0]], RangeError, 'edge 0 (1 -> 2): weight must be a finite number > 0, got 0'],
    [[[1, 2, '3']], RangeError, 'edge 0 (1 -> 2): weight must be a finite number > 0, got "3"'],
    [[[1, 2], 'a b'], TypeError, 'edge 1 must be [source, target] or [source, target, weight], got "a b"'],
    [[[1]], TypeError, 'edge 0 must be [source, target] or [source, target, weight], got an array'],
    [[[1, '']], TypeError, 'edge 0: a node id is an empty string'],
    [[[1, 2.5]], TypeError, 'edge 0: a node id must be a non-empty string or a safe integer, got 2.5'],
    [[[null, 2]], TypeError, 'edge 0: a node id must be a non-empty string or a safe integer, got null'],
    [[[1, 2], ['2', 3]], TypeError, 'edge 1: node "2" and node 2 are both in the edges'],
    [[['7', 2], [7, 3]], TypeError, 'edge 1: node 7 and node "7" are both in the edges'],
  ])('refuses %j naming the edge and the value', async (edges, type, message) => {
    const err = await rejection(buildGraph(edges as unknown as EdgeTuple[]));
    expect(err).toBeInstanceOf(type);
    expect(err.message.startsWith(message)).toBe(true);
  });

  it('keeps "01" and 1 apart, and "1" and 1 cannot both be nodes', async () => {
    expect((await shape([['01', 1]])).nodes).toEqual(['01', 1]);
  });
});

describe('graphology graphs', () => {
  it('reads nodes (isolated ones too) and edges; weights from the weight attribute when weighted', async () => {
    const graph = fakeGraphology('undirected', ['n1', 'n2', 'n3', 'alone'], [
      { key: 'e1', source: 'n1', target: 'n2', attributes: { weight: 3 } },
      { key: 'e2', source: 'n2', target: 'n3' },
    ]);
    const g = await shape(graph, { weighted: true });
    expect(g.nodes).toEqual(['n1', 'n2', 'n3', 'alone']);
    expect([g.edges, g.arcs]).toEqual([2, 4]);
    expect(g.graph.directed).toBe(false);
  });

  it("defaults to directed for a directed graph's type; a mixed graph's undirected edges go both ways", async () => {
    const directed = fakeGraphology('directed', ['a', 'b'], [{ key: 'e', source: 'a', target: 'b' }]);
    const d = await shape(directed);
    expect([d.graph.directed, d.edges, d.arcs]).toEqual([true, 1, 1]);
    expect((await shape(directed, { directed: false })).arcs).toBe(2);
    const mixed = fakeGraphology('mixed', ['a', 'b', 'c'], [
      { key: 'e1', source: 'a', target: 'b', undirected: false },
      { key: 'e2', source: 'b', target: 'c', undirected: true },
    ]);
    const m = await shape(mixed, { directed: true });
    expect([m.edges, m.arcs]).toEqual([3, 3]);
  });

  it('refuses a bad weight attribute when weighted, naming the edge; ignores it when not', async () => {
    const graph = fakeGraphology('undirected', ['a', 'b'], [{ key: 'ab', source: 'a', target: 'b', attributes: { weight: -2 } }]);
    const err = await rejection(buildGraph(graph, { weighted: true }));
    expect(err.message).toBe('edge "ab" ("a" -> "b"): weight must be a finite number > 0, got -2');
    expect((await shape(graph)).edges).toBe(1);
  });
});

describe('options and inputs refused', () => {
  it.each([
    [{ directed: 'yes' }, 'directed must be a boolean, got "yes"'],
    [{ weighted: 1 }, 'weighted must be a boolean, got 1'],
    [{ keepSelfLoops: null }, 'keepSelfLoops must be a boolean, got null'],
    [{ direction: true }, 'unknown option "direction"'],
    [null, 'options must be an object, got null'],
  ])('%j', async (options, message) => {
    const err = await rejection(buildGraph([[1, 2]], options as never));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe(message);
  });

  it('refuses edges of no known form', async () => {
    for (const input of [42, null, { edges: [] }]) {
      const err = await rejection(buildGraph(input as never));
      expect(err.message).toMatch(/^edges must be a path to an edge list, an \(async\) iterable of \[source, target, weight\?\] or a graphology graph, got /);
    }
  });

  it('stops on abort: before it starts, and while an async iterable streams', async () => {
    const before = new AbortController();
    before.abort();
    expect((await rejection(buildGraph([[1, 2]], {}, { signal: before.signal }))).name).toBe('AbortError');
    const during = new AbortController();
    let yielded = 0;
    const endless = (async function* (): AsyncGenerator<EdgeTuple> {
      for (let i = 0; ; i++) {
        if (++yielded === 10_000) during.abort();
        if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
        yield [i, i + 1];
      }
    })();
    const err = await rejection(buildGraph(endless, {}, { signal: during.signal }));
    expect(err.name).toBe('AbortError');
    expect(yielded).toBeLessThan(20_000);
  });
});
