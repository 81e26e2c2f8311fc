/**
 * UMAP layout through umap-js (PAIR-code), seeded so that the same rows give the same picture.
 * @packageDocumentation
 */
import type { UMAP as UmapClass } from 'umap-js';

import { describeValue } from '../util/errors';
import { integerOption, numberOption } from '../util/validate';
import { seededRandom } from './random';

// umap-js (and the matrix library under it) is loaded on the first layout, not with the
// package: loading it took ~12 ms of the ~40 ms that importing word2vec-native took, paid by
// every program that imports it and by every CLI command, most of which draw nothing.
let umapClass: typeof UmapClass | undefined;
function loadUmap(): typeof UmapClass {
  return (umapClass ??= (require('umap-js') as typeof import('umap-js')).UMAP);
}

/** Options of {@link umapLayout}. */
export interface UmapOptions {
  /** Seed of UMAP's random choices (neighbour search, initial layout, negative samples); default 1. */
  seed?: number;
  /** Neighbours per point that shape the layout; default 15 (at most the number of points - 1). */
  neighbors?: number;
  /** How tightly points may pack, in [0, 1]; default 0.1. */
  minDist?: number;
  /** Optimisation epochs; default umap-js's choice (500 for under 10,000 points). */
  epochs?: number;
}

/** 2D UMAP coordinates (n x 2, row-major) of n rows of `dim` values. */
export function umapLayout(rows: ArrayLike<number>, dim: number, options: UmapOptions = {}): Float64Array {
  integerOption('dim', dim, 1, 1_000_000);
  if (rows === null || typeof rows !== 'object' || typeof rows.length !== 'number') {
    throw new TypeError(`rows must be an array or typed array of numbers, got ${describeValue(rows)}`);
  }
  if (rows.length === 0 || rows.length % dim !== 0) {
    throw new RangeError(`rows must hold a positive multiple of dim (${dim}) values, got ${rows.length}`);
  }
  const n = rows.length / dim;
  const seed = integerOption('seed', options.seed ?? 1, 0, 2 ** 32 - 1);
  const neighbors = integerOption('neighbors', options.neighbors ?? 15, 2, 1000);
  const minDist = numberOption('minDist', options.minDist ?? 0.1, 0, 1);
  const epochs = options.epochs === undefined ? undefined : integerOption('epochs', options.epochs, 1, 100_000);
  const out = new Float64Array(n * 2);
  // umap-js needs more points than neighbours, and a neighbour graph needs 3 points to mean
  // anything: fewer are laid out on a line.
  if (n < 4) {
    for (let i = 0; i < n; i++) out[i * 2] = i - (n - 1) / 2;
    return out;
  }
  const data: number[][] = [];
  for (let i = 0; i < n; i++) data.push(Array.from({ length: dim }, (_, j) => rows[i * dim + j]!));
  const UMAP = loadUmap();
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(neighbors, n - 1),
    minDist,
    random: seededRandom(seed),
    ...(epochs !== undefined ? { nEpochs: epochs } : {}),
  });
  const embedding = umap.fit(data);
  for (let i = 0; i < n; i++) {
    out[i * 2] = embedding[i]![0]!;
    out[i * 2 + 1] = embedding[i]![1]!;
  }
  return out;
}
