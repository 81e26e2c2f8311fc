/**
 * bench/tools/machine.mjs's rateSpread: how much a run's training rate changed within it, from
 * its progress lines. The bench counts a run whose rate changed by more than MOVED_RATE_SPREAD
 * in neither placement (the host moved its vCPUs while it ran; two-thread-placement.md).
 */
import { describe, expect, it } from 'vitest';

// @ts-expect-error a plain ES module of the bench, without types
import { MOVED_RATE_SPREAD, rateSpread } from '../../bench/tools/machine.mjs';

/** [ms, fraction] every `every` ms at `rate(ms)` fraction per ms, until the fraction reaches 1. */
function trace(rate: (ms: number) => number, every = 20): [number, number][] {
  const out: [number, number][] = [[0, 0]];
  let done = 0;
  for (let ms = every; done < 1; ms += every) {
    done = Math.min(1, done + rate(ms) * every);
    out.push([ms, done]);
  }
  return out;
}

describe('bench/tools/machine.mjs rateSpread', () => {
  it('is 1 for a steady rate, whatever the sampling', () => {
    const r = rateSpread(trace(() => 1 / 3000));
    expect(r.stretches).toBeGreaterThanOrEqual(10);
    expect(r.spread).toBeCloseTo(1, 6);
    expect(r.spread).toBeLessThan(MOVED_RATE_SPREAD);
  });

  it('finds a run that slowed to half its rate in the middle and came back (moved there and back)', () => {
    const r = rateSpread(trace((ms) => (ms > 1000 && ms < 2000 ? 1 / 6000 : 1 / 3000)));
    expect(r.spread).toBeCloseTo(2, 1);
    expect(r.spread).toBeGreaterThan(MOVED_RATE_SPREAD);
  });

  it('leaves out the first and last stretches: a slow start-up or a short tail is no move', () => {
    const slowStart = trace((ms) => (ms <= 200 ? 1 / 30000 : 1 / 3000));
    expect(rateSpread(slowStart).spread).toBeCloseTo(1, 6);
  });

  it('says nothing (null) for a run with fewer than 3 inner stretches, and for no progress lines', () => {
    expect(rateSpread(trace(() => 1 / 500)).spread).toBeNull();  // 0.5 s: 2 stretches
    expect(rateSpread([])).toEqual({ stretches: 0, spread: null });
  });

  it('takes each stretch over at least stretchMs, however the lines are spaced', () => {
    // Lines at irregular times (the original prints every 10,000 words a thread), steady rate.
    const t: [number, number][] = [];
    for (let ms = 0, i = 0; ms <= 4000; ms += 3 + (i++ % 7) * 11) t.push([ms, ms / 4000]);
    expect(rateSpread(t).spread).toBeLessThan(1.2);
    expect(rateSpread(t, 500).stretches).toBeLessThan(rateSpread(t, 200).stretches);
  });
});

describe('bench/tools/machine.mjs rateSpread on long runs', () => {
  it('does not count one slow stretch (an epoch end, a pause) among many', () => {
    const r = rateSpread(trace((ms) => (ms > 3000 && ms <= 3200 ? 1 / 60000 : 1 / 20000)));
    expect(r.stretches).toBeGreaterThanOrEqual(50);
    expect(r.spread).toBeLessThan(MOVED_RATE_SPREAD);
  });

  it('counts a long run that spent a fifth of its time at half speed', () => {
    const r = rateSpread(trace((ms) => (ms > 4000 && ms <= 8000 ? 1 / 40000 : 1 / 20000)));
    expect(r.spread).toBeCloseTo(2, 1);
  });
});
