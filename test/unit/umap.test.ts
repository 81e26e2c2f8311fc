/** The seeded UMAP layout: the same seed gives the same picture, and planted clusters stay apart. */
import { describe, expect, it } from 'vitest';

import { umapLayout } from '../../lib/plot/umap';
import { rng } from '../helpers';

/** Three tight clusters of 20 points around random centres in 10 dimensions. */
function clusters(): { rows: Float32Array; label: number[] } {
  const random = rng(5);
  const dim = 10;
  const centres = Array.from({ length: 3 }, () => Array.from({ length: dim }, () => 10 * random()));
  const label: number[] = [];
  const rows: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 20; i++) {
      label.push(c);
      for (let j = 0; j < dim; j++) rows.push(centres[c]![j]! + 0.3 * (random() - 0.5));
    }
  }
  return { rows: Float32Array.from(rows), label };
}

describe('umapLayout', () => {
  const { rows, label } = clusters();

  it('is deterministic for a seed, and the seed matters', () => {
    const a = umapLayout(rows, 10, { seed: 3 });
    expect(umapLayout(rows, 10, { seed: 3 })).toEqual(a);
    expect(umapLayout(rows, 10, { seed: 4 })).not.toEqual(a);
    expect(a.every(Number.isFinite)).toBe(true);
  });

  it('keeps planted clusters apart', () => {
    const xy = umapLayout(rows, 10);
    const n = label.length;
    const distance = (i: number, j: number): number => Math.hypot(xy[i * 2]! - xy[j * 2]!, xy[i * 2 + 1]! - xy[j * 2 + 1]!);
    // Each point's nearest neighbour in the picture is from its own cluster...
    for (let i = 0; i < n; i++) {
      let best = -1;
      for (let j = 0; j < n; j++) if (j !== i && (best < 0 || distance(i, j) < distance(i, best))) best = j;
      expect(label[best]).toBe(label[i]);
    }
    // ...and every cross-cluster pair is farther apart than the widest within-cluster pair.
    let within = 0;
    let across = Infinity;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (label[i] === label[j]) within = Math.max(within, distance(i, j));
        else across = Math.min(across, distance(i, j));
      }
    }
    expect(across).toBeGreaterThan(within);
  });

  it('lays out fewer than 4 points on a line, and checks its options', () => {
    expect(Array.from(umapLayout([1, 2, 3, 4, 5, 6], 2))).toEqual([-1, 0, 0, 0, 1, 0]);
    expect(() => umapLayout(rows, 10, { minDist: 2 })).toThrow('minDist must be a number in [0, 1], got 2');
    expect(() => umapLayout(rows, 10, { neighbors: 1 })).toThrow('neighbors must be an integer in [2, 1000], got 1');
    expect(() => umapLayout(rows, 7)).toThrow('rows must hold a positive multiple of dim (7) values, got 600');
  });
});
