// Measuring searches, shared by bench/index.mjs and the index studies under bench/tools.

/** Recall@k of `ids` against the exact `truth` (both n x k, row-major): the share of each
 * query's exact top k found. Typed arrays or plain arrays. */
export function recallAt(ids, truth, n, k) {
  let hits = 0;
  for (let q = 0; q < n; q++) {
    const want = new Set();
    for (let j = 0; j < k; j++) want.add(truth[q * k + j]);
    for (let j = 0; j < k; j++) if (want.has(ids[q * k + j])) hits++;
  }
  return hits / (n * k);
}

/** The best time of `fn` over at least `reps` runs, more until `minSeconds` have passed in all:
 * { seconds, result } (the last run's result). */
export async function bestOf(reps, fn, minSeconds = 0) {
  let best = Infinity, spent = 0, last;
  for (let r = 0; r < reps || spent < minSeconds * 1000; r++) {
    const t = performance.now();
    last = await fn();
    const ms = performance.now() - t;
    best = Math.min(best, ms);
    spent += ms;
  }
  return { seconds: best / 1000, result: last };
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** QPS at recall `target` along a curve of { recall, qps } (by increasing ef or probes): log(QPS)
 * linear in recall between the two points around it (bench/index.mjs's "interp."); the first
 * point's QPS when it already reaches the target; null if no point does. */
export function qpsAtRecall(curve, target) {
  const i = curve.findIndex((p) => p.recall >= target);
  if (i < 0) return null;
  if (i === 0) return curve[0].qps;
  const [a, b] = [curve[i - 1], curve[i]];
  const t = (target - a.recall) / (b.recall - a.recall);
  return Math.exp(Math.log(a.qps) + t * (Math.log(b.qps) - Math.log(a.qps)));
}
