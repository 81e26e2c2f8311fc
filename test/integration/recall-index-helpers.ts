/**
 * What the recall-index suites share: models with planted clusters (seeded), queries near
 * their rows, exact scores in float64 and recall against exact top-k lists.
 */
import { expect } from 'vitest';

import { Word2Vec } from '../../lib/index';
import { rng } from '../helpers';

/** A standard normal number (Box-Muller) from a uniform generator. */
export function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** A model whose rows are `clusters` centres plus noise, and what it was made from. */
export interface Planted {
  model: Word2Vec;
  /** The output vectors as the input vectors of another model, for exact dot search over them. */
  outputModel: Word2Vec;
  /** Cluster of each id. */
  cluster: Int32Array;
  dim: number;
  size: number;
}

/**
 * `size` rows of `dim` values: row i lies near centre i % clusters (noise 0.5 against unit
 * normal centres). With `output`, output vectors near the same centres, each scaled by a
 * factor in [0.5, 1.5) (norms that differ, as a dot index meets them).
 */
export function plantedModel(size: number, dim: number, seed: number, options: { clusters?: number; output?: boolean } = {}): Planted {
  const clusters = options.clusters ?? 50;
  const r = rng(seed);
  const centres = Float32Array.from({ length: clusters * dim }, () => gaussian(r));
  const vectors = new Float32Array(size * dim);
  const outputVectors = new Float32Array(size * dim);
  const cluster = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const c = i % clusters;
    cluster[i] = c;
    const scale = 0.5 + r();
    for (let d = 0; d < dim; d++) {
      vectors[i * dim + d] = centres[c * dim + d]! + 0.5 * gaussian(r);
      outputVectors[i * dim + d] = scale * (centres[c * dim + d]! + 0.5 * gaussian(r));
    }
  }
  const words = Array.from({ length: size }, (_, i) => `w${i}`);
  const model = new Word2Vec({ words, dim, vectors, ...(options.output === false ? {} : { outputVectors }) });
  const outputModel = new Word2Vec({ words, dim, vectors: outputVectors });
  return { model, outputModel, cluster, dim, size };
}

/** `count` queries, each a random row of `rows` plus noise (0.3). */
export function queriesNear(rows: Float32Array, dim: number, count: number, seed: number): Float32Array {
  const r = rng(seed);
  const size = rows.length / dim;
  const q = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const id = Math.floor(r() * size);
    for (let d = 0; d < dim; d++) q[i * dim + d] = rows[id * dim + d]! + 0.3 * gaussian(r);
  }
  return q;
}

/** Row `id` of a row-major matrix. */
export const rowOf = (rows: Float32Array, dim: number, id: number): Float32Array => rows.subarray(id * dim, (id + 1) * dim);

/** The exact score (float64) of row `id` for `query`: cosine or inner product. */
export function exactScore(rows: Float32Array, dim: number, id: number, query: ArrayLike<number>, metric: 'cosine' | 'dot'): number {
  let dot = 0;
  let nr = 0;
  let nq = 0;
  for (let d = 0; d < dim; d++) {
    const v = rows[id * dim + d]!;
    dot += v * query[d]!;
    nr += v * v;
    nq += query[d]! * query[d]!;
  }
  return metric === 'dot' ? dot : dot / Math.sqrt(nr * nq);
}

/** The exact top-k (float64, ties to the lower id) of `query` over the ids `admitted`. */
export function bruteTopK(
  rows: Float32Array, dim: number, query: ArrayLike<number>, metric: 'cosine' | 'dot', k: number, admitted: Iterable<number>,
): { ids: number[]; scores: number[] } {
  const all: Array<[number, number]> = [];
  for (const id of admitted) all.push([id, exactScore(rows, dim, id, query, metric)]);
  all.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const top = all.slice(0, k);
  return { ids: top.map((t) => t[0]), scores: top.map((t) => t[1]) };
}

/** The share of each query's `want` ids (k per query) found among its `got` ids. */
export function recall(got: Int32Array, want: Int32Array, k: number): number {
  let hits = 0;
  let total = 0;
  for (let q = 0; q < want.length / k; q++) {
    const found = new Set(got.subarray(q * k, (q + 1) * k));
    for (const id of want.subarray(q * k, (q + 1) * k)) {
      if (id < 0) continue;
      total++;
      if (found.has(id)) hits++;
    }
  }
  return hits / total;
}

/** Each query's scores are non-increasing (NaN padding only at the end). */
export function expectSortedBestFirst(scores: Float32Array, k: number): void {
  for (let q = 0; q < scores.length / k; q++) {
    const row = Array.from(scores.subarray(q * k, (q + 1) * k));
    const firstPad = row.findIndex((s) => Number.isNaN(s));
    const real = firstPad < 0 ? row : row.slice(0, firstPad);
    if (firstPad >= 0) expect(row.slice(firstPad).every((s) => Number.isNaN(s))).toBe(true);
    for (let i = 1; i < real.length; i++) expect(real[i]!).toBeLessThanOrEqual(real[i - 1]!);
  }
}

/** The error a call throws or the promise it returns rejects with; fails when it succeeds. */
export async function failure(f: () => unknown): Promise<Error> {
  try {
    await f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, but the call succeeded');
}

/** Random ids in [0, size), distinct, sorted. */
export function randomIds(size: number, count: number, seed: number): number[] {
  const r = rng(seed);
  const ids = new Set<number>();
  while (ids.size < count) ids.add(Math.floor(r() * size));
  return [...ids].sort((a, b) => a - b);
}
