/**
 * bench/tools/measure.mjs, the measuring helpers bench/index.mjs and the index studies share:
 * recall@k against an exact top-k, best-of timing with a minimum time, the median.
 */
import { describe, expect, it } from 'vitest';

// @ts-expect-error a plain ES module of the bench, without types
import { bestOf, median, qpsAtRecall, recallAt } from '../../bench/tools/measure.mjs';

describe('bench/tools/measure.mjs', () => {
  it('recallAt counts each query\'s exact ids found, in any order, typed or plain arrays', () => {
    const truth = new Int32Array([1, 2, 3, 4, 5, 6]);  // 2 queries, k = 3
    expect(recallAt(new Int32Array([3, 2, 1, 6, 5, 4]), truth, 2, 3)).toBe(1);
    expect(recallAt([1, 9, 9, -1, -1, -1], [...truth], 2, 3)).toBeCloseTo(1 / 6);
    expect(recallAt(new Int32Array([4, 5, 6, 1, 2, 3]), truth, 2, 3)).toBe(0);  // another query's ids do not count
  });

  it('bestOf runs at least reps times, longer while under minSeconds, and keeps the best time', async () => {
    let runs = 0;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const quick = await bestOf(3, async () => (runs++, runs));
    expect(runs).toBe(3);
    expect(quick.result).toBe(3);
    runs = 0;
    const slow = await bestOf(2, async () => (runs++, await sleep(10), runs), 0.1);
    expect(runs).toBeGreaterThanOrEqual(8);  // 0.1 s of 10 ms runs
    expect(slow.seconds).toBeGreaterThanOrEqual(0.009);
    expect(slow.seconds).toBeLessThan(0.1);
    expect(slow.result).toBe(runs);
  });

  it('median takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('qpsAtRecall interpolates log(QPS) in recall around the target; the first point, or null, at the ends', () => {
    const curve = [{ recall: 0.9, qps: 1000 }, { recall: 0.94, qps: 400 }, { recall: 0.96, qps: 100 }];
    expect(qpsAtRecall(curve, 0.95)).toBeCloseTo(200, 6);  // halfway in recall: the geometric mean
    expect(qpsAtRecall(curve, 0.94)).toBeCloseTo(400, 6);
    expect(qpsAtRecall(curve, 0.5)).toBe(1000);
    expect(qpsAtRecall(curve, 0.97)).toBeNull();
  });
});
