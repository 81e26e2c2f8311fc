/**
 * Axis ticks at round numbers (steps of 1, 2 or 5 times a power of ten) and their labels.
 * @packageDocumentation
 */

/** Tick values covering [lo, hi] and the domain they span (lo and hi widened to whole steps). */
export interface Ticks {
  values: number[];
  step: number;
  lo: number;
  hi: number;
}

/** About `count` round ticks over [lo, hi]; the domain is widened to the ticks at both ends. */
export function niceTicks(lo: number, hi: number, count = 5): Ticks {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const values: number[] = [];
  // Multiplying (not adding) keeps 0.1 * 3 from drifting across many ticks.
  for (let k = first; k <= last; k++) values.push(Number((k * step).toPrecision(12)));
  return { values, step, lo: values[0]!, hi: values[values.length - 1]! };
}

/** A tick label with as many decimals as the step needs. */
export function tickLabel(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const text = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** Labels for ticks of rates like words/s: all in k (thousands) or all in M (millions), as the largest needs. */
export function siTickLabels(ticks: Ticks): string[] {
  const largest = Math.max(Math.abs(ticks.lo), Math.abs(ticks.hi));
  const scale = largest >= 1e6 ? 1e6 : largest >= 1e3 ? 1e3 : 1;
  const suffix = scale === 1e6 ? 'M' : scale === 1e3 ? 'k' : '';
  return ticks.values.map((v) => (v === 0 ? '0' : tickLabel(v / scale, ticks.step / scale) + suffix));
}
