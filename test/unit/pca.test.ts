/** PCA recovers planted structure, agrees with a direct eigen-decomposition, and is deterministic. */
import { describe, expect, it } from 'vitest';

import { principalComponents, symmetricEigen } from '../../lib/plot/pca';
import { rng } from '../helpers';

function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function unitVector(dim: number, normal: () => number): Float64Array {
  const v = Float64Array.from({ length: dim }, normal);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** n points spread along `direction` (spread 3) plus isotropic noise, shifted off the origin. */
function pointsAlong(direction: Float64Array, n: number, noise: number, normal: () => number): Float32Array {
  const dim = direction.length;
  const rows = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const t = 3 * normal();
    for (let j = 0; j < dim; j++) rows[i * dim + j] = 5 + t * direction[j]! + noise * normal();
  }
  return rows;
}

describe('principalComponents', () => {
  // n > dim forms the covariance; n < dim multiplies by the rows: both paths.
  for (const [n, dim] of [[400, 20], [40, 300]] as const) {
    it(`finds a planted direction as the first component (${n} rows of ${dim})`, () => {
      const normal = gaussian(rng(n + dim));
      const direction = unitVector(dim, normal);
      const pca = principalComponents(pointsAlong(direction, n, 0.05, normal), dim, 2);
      expect(Math.abs(cosine(pca.components[0]!, direction))).toBeGreaterThan(0.99);
      expect(Math.abs(cosine(pca.components[1]!, direction))).toBeLessThan(0.1);
      expect(pca.variances[0]! / pca.totalVariance).toBeGreaterThan(0.8);
    });
  }

  it('separates two planted clusters along component 1', () => {
    const normal = gaussian(rng(7));
    const dim = 50;
    const centre = unitVector(dim, normal).map((x) => 2 * x);
    const n = 100;
    const rows = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const side = i < n / 2 ? 1 : -1;
      for (let j = 0; j < dim; j++) rows[i * dim + j] = side * centre[j]! + 0.3 * normal();
    }
    const pca = principalComponents(rows, dim, 2);
    const first = Array.from({ length: n }, (_, i) => pca.coordinates[i * 2]!);
    const signA = Math.sign(first[0]!);
    expect(first.slice(0, n / 2).every((v) => Math.sign(v) === signA)).toBe(true);
    expect(first.slice(n / 2).every((v) => Math.sign(v) === -signA)).toBe(true);
  });

  it('agrees with a direct eigen-decomposition of the covariance', () => {
    const normal = gaussian(rng(3));
    const dim = 6;
    const n = 60;
    // Different scales per column, so the eigenvalues are distinct.
    const rows = Float64Array.from({ length: n * dim }, (_, k) => normal() * (1 + (k % dim)) + 0.3 * normal() * ((k % dim) === 0 ? 5 : 0));
    const mean = new Float64Array(dim);
    for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += rows[i * dim + j]! / n;
    const cov = new Float64Array(dim * dim);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a * dim + b]! += ((rows[i * dim + a]! - mean[a]!) * (rows[i * dim + b]! - mean[b]!)) / n;
    }
    const direct = symmetricEigen(cov, dim);
    // The direct decomposition: C v = lambda v.
    for (let k = 0; k < dim; k++) {
      for (let a = 0; a < dim; a++) {
        let cv = 0;
        for (let b = 0; b < dim; b++) cv += cov[a * dim + b]! * direct.vectors[b * dim + k]!;
        expect(cv).toBeCloseTo(direct.values[k]! * direct.vectors[a * dim + k]!, 9);
      }
    }
    const pca = principalComponents(rows, dim, 3);
    for (let k = 0; k < 3; k++) {
      expect(pca.variances[k]).toBeCloseTo(direct.values[k]!, 9);
      const column = Array.from({ length: dim }, (_, a) => direct.vectors[a * dim + k]!);
      expect(Math.abs(cosine(pca.components[k]!, column))).toBeCloseTo(1, 9);
    }
    let trace = 0;
    for (let a = 0; a < dim; a++) trace += cov[a * dim + a]!;
    expect(pca.totalVariance).toBeCloseTo(trace, 9);
    // Orthonormal components.
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(cosine(pca.components[a]!, pca.components[b]!)).toBeCloseTo(a === b ? 1 : 0, 9);
  });

  it('is deterministic, with each component\'s largest entry positive', () => {
    const normal = gaussian(rng(11));
    const rows = Float32Array.from({ length: 80 * 30 }, normal);
    const a = principalComponents(rows, 30, 2);
    const b = principalComponents(Float32Array.from(rows), 30, 2);
    expect(b.coordinates).toEqual(a.coordinates);
    expect(b.components).toEqual(a.components);
    for (const c of a.components) {
      const largest = c.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
      expect(largest).toBeGreaterThan(0);
    }
    // Negating the data flips coordinates, not the components' sign convention.
    const negated = principalComponents(rows.map((v) => -v), 30, 2);
    for (let k = 0; k < 2; k++) expect(negated.components[k]).toEqual(a.components[k]!.map((v) => v));
  });

  it('handles identical rows and fewer rows than components', () => {
    const same = principalComponents(new Float32Array(5 * 4).fill(2), 4, 2);
    expect(Array.from(same.coordinates)).toEqual(new Array(10).fill(0));
    expect(same.totalVariance).toBe(0);
    const two = principalComponents([0, 0, 0, 1, 1, 1], 3, 2);
    expect(two.coordinates.every(Number.isFinite)).toBe(true);
    expect(Math.abs(two.coordinates[0]! - two.coordinates[2]!)).toBeCloseTo(Math.sqrt(3), 9);
    expect(two.coordinates[1]).toBeCloseTo(0, 9);
  });

  it('rejects bad input with a message naming it', () => {
    expect(() => principalComponents([1, 2, 3], 2)).toThrow('rows must hold a positive multiple of dim (2) values, got 3');
    expect(() => principalComponents([1, 2], 0)).toThrow('dim must be an integer in [1, 1000000], got 0');
    expect(() => principalComponents([1, 2], 2, 3)).toThrow('count must be an integer in [1, 2], got 3');
    expect(() => principalComponents([1, NaN], 2)).toThrow('rows must be finite, got NaN at row 0, column 1');
  });
});
