import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Word2Vec } from '../../lib/index';
import { rng } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-queries-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function randomModel(size: number, dim: number, seed: number): Word2Vec {
  const r = rng(seed);
  const vectors = new Float32Array(size * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = r() * 2 - 1;
  return new Word2Vec({ words: Array.from({ length: size }, (_, i) => `w${i}`), dim, vectors });
}

const row = (m: Word2Vec, id: number): Float32Array => m.vectors.subarray(id * m.dim, (id + 1) * m.dim);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const norm = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));

/** Scores of every row in float64, best first (ties: lower id), `exclude` left out. */
function brute(m: Word2Vec, score: (id: number) => number, k: number, exclude: number[] = []): { id: number; score: number }[] {
  const all: { id: number; score: number }[] = [];
  for (let id = 0; id < m.size; id++) if (!exclude.includes(id)) all.push({ id, score: score(id) });
  return all.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, k);
}

/** Same scores rank by rank (within float rounding), and each id really has its score. */
function expectSameRanking(got: { id: number; score: number }[], want: { id: number; score: number }[], score: (id: number) => number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(g.score).toBeCloseTo(want[i]!.score, 4);
    expect(score(g.id)).toBeCloseTo(g.score, 4);
  });
}

describe('nearest: many queries at once', () => {
  const m = randomModel(3000, 50, 1);
  const queryCount = 37;
  const r = rng(2);
  const queries = new Float32Array(queryCount * m.dim);
  for (let i = 0; i < queries.length; i++) queries[i] = r() * 2 - 1;
  const query = (q: number) => queries.subarray(q * m.dim, (q + 1) * m.dim);

  it('cosine: every query gets the brute-force top-k', async () => {
    const k = 12;
    const res = await m.nearest(queries, k);
    expect(res.queries).toBe(queryCount);
    expect(res.ids.length).toBe(queryCount * k);
    for (let q = 0; q < queryCount; q++) {
      const cos = (id: number) => dot(row(m, id), query(q)) / (norm(row(m, id)) * norm(query(q)));
      const got = Array.from(res.ids.subarray(q * k, (q + 1) * k), (id, i) => ({ id, score: res.scores[q * k + i]! }));
      expectSameRanking(got, brute(m, cos, k), cos);
    }
  });

  it('dot: raw inner products, with shared exclusions, on one and on two threads', async () => {
    const k = 5;
    const exclude = [0, 17, 2999];
    for (const threads of [1, 2]) {
      const res = await m.nearest(queries, k, { metric: 'dot', exclude, threads });
      for (let q = 0; q < queryCount; q++) {
        const score = (id: number) => dot(row(m, id), query(q));
        const got = Array.from(res.ids.subarray(q * k, (q + 1) * k), (id, i) => ({ id, score: res.scores[q * k + i]! }));
        for (const g of got) expect(exclude).not.toContain(g.id);
        expectSameRanking(got, brute(m, score, k, exclude), score);
      }
    }
  });

  it('pads with id -1 and NaN when k exceeds the rows', async () => {
    const small = randomModel(4, 3, 9);
    const res = await small.nearest(new Float32Array([1, 0, 0, 0, 1, 0]), 6, { exclude: [2] });
    for (const q of [0, 1]) {
      expect(Array.from(res.ids.subarray(q * 6 + 3, q * 6 + 6))).toEqual([-1, -1, -1]);
      expect(Number.isNaN(res.scores[q * 6 + 5])).toBe(true);
      expect(Array.from(res.ids.subarray(q * 6, q * 6 + 3)).sort()).toEqual([0, 1, 3]);
    }
  });

  it('agrees with mostSimilar for word queries', async () => {
    const ids = [5, 100, 2500];
    const q = new Float32Array(ids.length * m.dim);
    ids.forEach((id, i) => q.set(m.unitRow(id), i * m.dim));
    const res = await m.nearest(q, 11);
    ids.forEach((id, i) => {
      const viaNearest = Array.from(res.ids.subarray(i * 11, (i + 1) * 11)).filter((x) => x !== id).slice(0, 10);
      expect(m.mostSimilar(`w${id}`).map((s) => s.word)).toEqual(viaNearest.map((x) => `w${x}`));
    });
  });

  it('refuses bad arguments with messages naming them', async () => {
    await expect(m.nearest(new Float32Array(7), 3)).rejects.toThrow('queries must be a Float32Array of n x 50 values, got a Float32Array of length 7');
    await expect(m.nearest(queries, -1)).rejects.toThrow('k must be an integer');
    await expect(m.nearest(queries, 3, { metric: 'l2' as never })).rejects.toThrow('metric must be "cosine" or "dot", got "l2"');
    await expect(m.nearest(queries, 3, { exclude: [1.5] })).rejects.toThrow('exclude[0] must be a row id, got 1.5');
    await expect(m.nearest(queries, 3, { threads: 0 })).rejects.toThrow('threads must be an integer');
  });
});

describe('mostSimilar and analogy', () => {
  const m = randomModel(800, 20, 3);

  it("metric 'dot' ranks raw rows by raw inner product with the summed raw query vectors", () => {
    const q = row(m, 4).map((x, i) => x + row(m, 9)[i]! - row(m, 30)[i]!);
    const score = (id: number) => dot(row(m, id), q);
    const got = m.mostSimilar(['w4', 'w9'], { negative: ['w30'], metric: 'dot', topK: 8 });
    expectSameRanking(got.map((g) => ({ id: Number(g.word.slice(1)), score: g.score })), brute(m, score, 8, [4, 9, 30]), score);
  });

  it("3CosMul: cos'(d,b) cos'(d,c) / (cos'(d,a) + 0.001), a, b, c left out", () => {
    const [a, b, c] = [7, 70, 700];
    const cos = (x: number, y: number) => dot(row(m, x), row(m, y)) / (norm(row(m, x)) * norm(row(m, y)));
    const score = (d: number) => (((cos(d, b) + 1) / 2) * ((cos(d, c) + 1) / 2)) / ((cos(d, a) + 1) / 2 + 1e-3);
    const got = m.analogy('w7', 'w70', 'w700', { method: 'mul', topK: 6 });
    expectSameRanking(got.map((g) => ({ id: Number(g.word.slice(1)), score: g.score })), brute(m, score, 6, [a, b, c]), score);
    // And it is not just 3CosAdd under another name.
    const add = m.analogy('w7', 'w70', 'w700', { topK: 6 });
    expect(add.map((s) => s.score)).not.toEqual(got.map((s) => s.score));
    expect(() => m.analogy('w7', 'w70', 'w700', { method: 'div' as never })).toThrow('method must be "add" or "mul", got "div"');
  });

  it('evaluateAnalogies (answered as one batch) matches question-by-question 3CosAdd', async () => {
    const r = rng(11);
    const lines = [': first'];
    for (let i = 0; i < 150; i++) {
      if (i === 75) lines.push(': gram-second');
      const w = () => `w${Math.floor(r() * 820)}`;  // some ids are unknown (>= 800)
      lines.push(`${w()} ${w()} ${w()} ${w()}`);
    }
    // Questions whose answer is the true 3CosAdd winner, so some are correct.
    for (let i = 0; i < 30; i++) {
      const [a, b, c] = [1 + i, 100 + i, 200 + i];
      lines.push(`w${a} w${b} w${c} ${m.analogy(`w${a}`, `w${b}`, `w${c}`, { topK: 1 })[0]!.word}`);
    }
    const file = join(work, 'questions.txt');
    writeFileSync(file, lines.join('\n') + '\n');
    const res = await m.evaluateAnalogies(file, { restrictVocab: 600 });
    let correct = 0;
    let seen = 0;
    for (const line of lines.filter((l) => !l.startsWith(':'))) {
      const ids = line.split(' ').map((w) => Number(w.slice(1)));
      if (ids.some((id) => id >= 600)) continue;
      seen++;
      const q = m.unitRow(ids[1]!).map((x, i) => x - m.unitRow(ids[0]!)[i]! + m.unitRow(ids[2]!)[i]!);
      const best = brute({ size: 600 } as Word2Vec, (id) => dot(m.unitRow(id), q), 1, ids.slice(0, 3))[0]!;
      if (best.id === ids[3]) correct++;
    }
    expect(res.seen).toBe(seen);
    expect(res.correct).toBe(correct);
    expect(correct).toBeGreaterThan(10);  // the planted answers that fall inside the restricted vocabulary
    expect(res.total).toBe(180);
  });
});
