/**
 * Principal component analysis of a set of rows, deterministic: subspace (block power)
 * iteration on the covariance with a Rayleigh-Ritz step, from a fixed seeded start.
 * @packageDocumentation
 */
import { describeValue } from '../util/errors';
import { integerOption } from '../util/validate';
import { seededRandom } from './random';

/** Result of {@link principalComponents}. */
export interface PrincipalComponents {
  /** The mean row (length dim), subtracted before projecting. */
  mean: Float64Array;
  /**
   * Unit-length principal directions (each of length dim), largest variance first. Signs are
   * fixed: each direction's entry of largest magnitude is positive.
   */
  components: Float64Array[];
  /** Variance of the rows along each component (eigenvalues of the covariance, which divides by n). */
  variances: number[];
  /** Total variance (the covariance's trace): `variances[i] / totalVariance` is the share explained. */
  totalVariance: number;
  /** The centred rows projected onto the components: n x count, row-major. */
  coordinates: Float64Array;
}

/** The covariance times a vector, without forming it (n < dim) or from it (n > dim). */
type CovarianceProduct = (v: Float64Array, out: Float64Array) => void;

const MAX_ITERATIONS = 1000;
/** Converged when every wanted Ritz pair's residual is this small against the top eigenvalue. */
const TOLERANCE = 1e-9;
/** Extra vectors in the block: convergence goes as (lambda[count + EXTRA] / lambda[count - 1]) per step. */
const EXTRA = 4;

/**
 * The top `count` principal components of `rows` (n rows of `dim` values, row-major).
 * The same input always gives the same output.
 */
export function principalComponents(rows: ArrayLike<number>, dim: number, count = 2): PrincipalComponents {
  integerOption('dim', dim, 1, 1_000_000);
  if (rows === null || typeof rows !== 'object' || typeof rows.length !== 'number') {
    throw new TypeError(`rows must be an array or typed array of numbers, got ${describeValue(rows)}`);
  }
  if (rows.length === 0 || rows.length % dim !== 0) {
    throw new RangeError(`rows must hold a positive multiple of dim (${dim}) values, got ${rows.length}`);
  }
  integerOption('count', count, 1, dim);
  const n = rows.length / dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += rows[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= n;
  const centred = new Float64Array(n * dim);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const v = rows[i * dim + j]! - mean[j]!;
      if (!Number.isFinite(v)) throw new RangeError(`rows must be finite, got ${rows[i * dim + j]} at row ${i}, column ${j}`);
      centred[i * dim + j] = v;
      total += v * v;
    }
  }
  const totalVariance = total / n;
  const components =
    totalVariance > 0 ? topEigenvectors(covarianceProduct(centred, n, dim), dim, count) : basisVectors(dim, count);
  for (const c of components) fixSign(c);
  const coordinates = new Float64Array(n * count);
  const variances = new Array<number>(count).fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < count; k++) {
      const c = components[k]!;
      let s = 0;
      for (let j = 0; j < dim; j++) s += centred[i * dim + j]! * c[j]!;
      coordinates[i * count + k] = s;
      variances[k]! += (s * s) / n;
    }
  }
  return { mean, components, variances, totalVariance, coordinates };
}

function covarianceProduct(x: Float64Array, n: number, dim: number): CovarianceProduct {
  // Forming the dim x dim covariance costs n*dim^2 once, then dim^2 a product; without it a
  // product costs 2*n*dim. Form it when there are more rows than columns and it fits.
  if (n > dim && dim <= 2048) {
    const cov = new Float64Array(dim * dim);
    for (let i = 0; i < n; i++) {
      const row = i * dim;
      for (let a = 0; a < dim; a++) {
        const xa = x[row + a]!;
        if (xa === 0) continue;
        for (let b = a; b < dim; b++) cov[a * dim + b]! += xa * x[row + b]!;
      }
    }
    for (let a = 0; a < dim; a++) {
      for (let b = a; b < dim; b++) {
        const v = cov[a * dim + b]! / n;
        cov[a * dim + b] = v;
        cov[b * dim + a] = v;
      }
    }
    return (v, out) => {
      for (let a = 0; a < dim; a++) {
        let s = 0;
        for (let b = 0; b < dim; b++) s += cov[a * dim + b]! * v[b]!;
        out[a] = s;
      }
    };
  }
  const projected = new Float64Array(n);
  return (v, out) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += x[i * dim + j]! * v[j]!;
      projected[i] = s;
    }
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const p = projected[i]! / n;
      if (p === 0) continue;
      for (let j = 0; j < dim; j++) out[j]! += p * x[i * dim + j]!;
    }
  };
}

/** Eigenvectors of the `count` largest eigenvalues of a symmetric positive semi-definite operator. */
function topEigenvectors(apply: CovarianceProduct, dim: number, count: number): Float64Array[] {
  const size = Math.min(dim, count + EXTRA);
  const random = seededRandom(0x5eed);
  let block: Float64Array[] = Array.from({ length: size }, () => new Float64Array(dim));
  orthonormalize(block, random);
  const products = Array.from({ length: size }, () => new Float64Array(dim));
  let ritz: Float64Array[] = block;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    for (let k = 0; k < size; k++) apply(block[k]!, products[k]!);
    // Rayleigh-Ritz: the operator restricted to the block, diagonalised.
    const small = new Float64Array(size * size);
    for (let a = 0; a < size; a++) {
      for (let b = a; b < size; b++) {
        const v = (dot(block[a]!, products[b]!) + dot(block[b]!, products[a]!)) / 2;
        small[a * size + b] = v;
        small[b * size + a] = v;
      }
    }
    const { values, vectors } = symmetricEigen(small, size);
    ritz = combine(block, vectors, size, dim);
    const images = combine(products, vectors, size, dim);
    const scale = Math.max(values[0]!, Number.MIN_VALUE);
    let worst = 0;
    for (let k = 0; k < count; k++) {
      let r = 0;
      for (let j = 0; j < dim; j++) {
        const d = images[k]![j]! - values[k]! * ritz[k]![j]!;
        r += d * d;
      }
      worst = Math.max(worst, Math.sqrt(r) / scale);
    }
    if (worst <= TOLERANCE) break;
    block = images;
    orthonormalize(block, random);
  }
  return ritz.slice(0, count);
}

/** Columns of `basis` combined by the columns of the size x size matrix `weights`. */
function combine(basis: Float64Array[], weights: Float64Array, size: number, dim: number): Float64Array[] {
  return Array.from({ length: size }, (_, k) => {
    const out = new Float64Array(dim);
    for (let a = 0; a < size; a++) {
      const w = weights[a * size + k]!;
      if (w === 0) continue;
      const v = basis[a]!;
      for (let j = 0; j < dim; j++) out[j]! += w * v[j]!;
    }
    return out;
  });
}

/**
 * Modified Gram-Schmidt, twice for accuracy. A vector that vanishes (the operator's rank is
 * below the block size) is replaced by a fresh random one, so the block stays a basis.
 */
function orthonormalize(block: Float64Array[], random: () => number): void {
  for (let k = 0; k < block.length; k++) {
    const v = block[k]!;
    let original = Math.sqrt(dot(v, v));
    for (let attempt = 0; ; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let m = 0; m < k; m++) {
          const u = block[m]!;
          const d = dot(u, v);
          for (let j = 0; j < v.length; j++) v[j]! -= d * u[j]!;
        }
      }
      const norm = Math.sqrt(dot(v, v));
      if (norm > 1e-10 * original && norm > 0) {
        for (let j = 0; j < v.length; j++) v[j]! /= norm;
        break;
      }
      if (attempt > 50) throw new Error(`cannot orthonormalize a block of ${block.length} vectors in ${v.length} dimensions`);
      for (let j = 0; j < v.length; j++) v[j] = random() - 0.5;
      original = Math.sqrt(dot(v, v));
    }
  }
}

/** Eigenvalues (descending) and eigenvectors (columns) of a small symmetric matrix, by cyclic Jacobi. */
export function symmetricEigen(matrix: Float64Array, size: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(size * size);
  for (let i = 0; i < size; i++) v[i * size + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diagonal = 0;
    for (let p = 0; p < size; p++) {
      diagonal += a[p * size + p]! ** 2;
      for (let q = p + 1; q < size; q++) off += a[p * size + q]! ** 2;
    }
    if (off <= 1e-30 * diagonal || off === 0) break;
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q]!;
        if (apq === 0) continue;
        const theta = (a[q * size + q]! - a[p * size + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          const akp = a[k * size + p]!;
          const akq = a[k * size + q]!;
          a[k * size + p] = c * akp - s * akq;
          a[k * size + q] = s * akp + c * akq;
        }
        for (let k = 0; k < size; k++) {
          const apk = a[p * size + k]!;
          const aqk = a[q * size + k]!;
          a[p * size + k] = c * apk - s * aqk;
          a[q * size + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < size; k++) {
          const vkp = v[k * size + p]!;
          const vkq = v[k * size + q]!;
          v[k * size + p] = c * vkp - s * vkq;
          v[k * size + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: size }, (_, i) => i).sort((i, j) => a[j * size + j]! - a[i * size + i]! || i - j);
  const values = Float64Array.from(order, (i) => a[i * size + i]!);
  const vectors = new Float64Array(size * size);
  order.forEach((from, to) => {
    for (let k = 0; k < size; k++) vectors[k * size + to] = v[k * size + from]!;
  });
  return { values, vectors };
}

function basisVectors(dim: number, count: number): Float64Array[] {
  return Array.from({ length: count }, (_, k) => {
    const e = new Float64Array(dim);
    e[k] = 1;
    return e;
  });
}

/** Makes the entry of largest magnitude positive (the first such entry on ties). */
function fixSign(v: Float64Array): void {
  let best = 0;
  for (let j = 1; j < v.length; j++) if (Math.abs(v[j]!) > Math.abs(v[best]!)) best = j;
  if (v[best]! < 0) for (let j = 0; j < v.length; j++) v[j] = -v[j]!;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
  return s;
}
