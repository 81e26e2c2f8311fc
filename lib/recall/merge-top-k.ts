/**
 * Merging the top-k lists of shards: items split over processes or hosts (by group, or by id
 * range), each searched for the same queries, give back the exact top-k of the union.
 * @module
 */
import { describeValue } from '../util/errors';
import { integerOption } from '../util/validate';

/** One shard's results for the same queries: `queries x k` ids and scores, row-major, best first (-1 / NaN padding allowed). */
export interface ShardResult {
  ids: Int32Array | ArrayLike<number>;
  scores: Float32Array | ArrayLike<number>;
  /** Results per query in this shard's lists (its k); default ids.length / queries. */
  k?: number;
}

/**
 * The k best (highest score) ids of each query over every shard's lists, best first, padded
 * with -1 / NaN; an id in several shards counts once with its best score. Exact: the top-k of
 * the union is within the union of the shards' top-k lists when each shard returned at least k
 * (or all it had).
 */
export function mergeTopK(shards: readonly ShardResult[], k: number, queries = 1): { ids: Int32Array; scores: Float32Array; k: number; queries: number } {
  if (!Array.isArray(shards)) throw new TypeError(`shards must be an array of { ids, scores } results, got ${describeValue(shards)}`);
  integerOption('k', k, 0, 2 ** 31 - 1);
  integerOption('queries', queries, 1, 2 ** 31 - 1);
  const lists = shards.map((s, i) => {
    if (s === null || typeof s !== 'object' || s.ids === undefined || s.scores === undefined || s.ids.length !== s.scores.length) {
      throw new TypeError(`shards[${i}] must have ids and scores of the same length, got ${describeValue(s)}`);
    }
    const per = s.k ?? s.ids.length / queries;
    if (!Number.isInteger(per) || per * queries !== s.ids.length) {
      throw new RangeError(`shards[${i}] holds ${s.ids.length} results, not ${queries} queries x k`);
    }
    return { ids: s.ids, scores: s.scores, per };
  });
  const ids = new Int32Array(queries * k).fill(-1);
  const scores = new Float32Array(queries * k).fill(NaN);
  for (let q = 0; q < queries; q++) {
    const best = new Map<number, number>();
    for (const l of lists) {
      for (let j = q * l.per; j < (q + 1) * l.per; j++) {
        const id = l.ids[j]!;
        const score = l.scores[j]!;
        if (id < 0 || Number.isNaN(score)) continue;
        const seen = best.get(id);
        if (seen === undefined || score > seen) best.set(id, score);
      }
    }
    const ranked = [...best].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
    ranked.forEach(([id, score], i) => {
      ids[q * k + i] = id;
      scores[q * k + i] = score;
    });
  }
  return { ids, scores, k, queries };
}
