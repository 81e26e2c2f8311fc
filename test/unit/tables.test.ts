import { describe, expect, it } from 'vitest';
import { huffmanTables, negativeSamplingWeights, subsampleKeepProbability, type HuffmanTables } from '../../lib/training/tables';

/** The original word2vec.c (TrainModelThread): ran = (sqrt(cn / (sample * train_words)) + 1) * (sample * train_words) / cn. */
function originalKeep(cn: number, sample: number, trainWords: number): number {
  const st = sample * trainWords;
  return (Math.sqrt(cn / st) + 1) * st / cn;
}

describe('subsampleKeepProbability', () => {
  it('follows the original formula, capped at 1', () => {
    const counts = Float64Array.from([1_000_000, 50_000, 5_000, 1_000, 100, 5]);
    const total = 10_000_000;
    for (const sample of [1e-3, 1e-4, 1e-5]) {
      const keep = subsampleKeepProbability(counts, sample, total);
      expect(keep).toBeInstanceOf(Float32Array);
      expect(keep.length).toBe(counts.length);
      counts.forEach((c, i) => {
        const expected = Math.min(1, originalKeep(c, sample, total));
        expect(keep[i]).toBeCloseTo(expected, 6);
        expect(keep[i]).toBeLessThanOrEqual(1);
        expect(keep[i]).toBeGreaterThan(0);
      });
    }
  });

  it('hand-checked values', () => {
    // sample*T = 100: c = 10000 -> (sqrt(100) + 1) * 100 / 10000 = 0.11; c = 400 -> (2+1)*100/400 = 0.75;
    // c = 100 -> (1+1)*1 = 2 -> capped at 1.
    const keep = subsampleKeepProbability(Float64Array.from([10000, 400, 100]), 1e-4, 1e6);
    expect(keep[0]).toBeCloseTo(0.11, 6);
    expect(keep[1]).toBeCloseTo(0.75, 6);
    expect(keep[2]).toBe(1);
  });

  it('frequent words are kept less often (non-increasing in count)', () => {
    const counts = Float64Array.from([9e5, 1e5, 3e4, 1e4, 3e3, 1e3]);
    const keep = subsampleKeepProbability(counts, 1e-3, 2e6);
    for (let i = 1; i < keep.length; i++) expect(keep[i]!).toBeGreaterThanOrEqual(keep[i - 1]!);
    expect(keep[0]!).toBeLessThan(keep[keep.length - 1]!);
  });

  it('sample 0 keeps everything', () => {
    const keep = subsampleKeepProbability(Float64Array.from([1e9, 1e6, 3, 1]), 0, 2e9);
    expect(Array.from(keep)).toEqual([1, 1, 1, 1]);
  });

  it('a zero count (e.g. </s> of a vocabulary file) is kept with probability 1, not NaN', () => {
    const keep = subsampleKeepProbability(Float64Array.from([0, 10]), 1e-3, 10);
    expect(keep[0]).toBe(1);
    expect(Number.isNaN(keep[1])).toBe(false);
  });
});

describe('negativeSamplingWeights', () => {
  it('is count^0.75 (and count^exponent for other exponents)', () => {
    const counts = Float64Array.from([1000, 81, 16, 1]);
    const w = negativeSamplingWeights(counts, 0.75);
    expect(w).toBeInstanceOf(Float64Array);
    expect(w[0]).toBeCloseTo(Math.pow(1000, 0.75), 9);
    expect(w[1]).toBeCloseTo(27, 9);
    expect(w[2]).toBeCloseTo(8, 9);
    expect(w[3]).toBe(1);
    expect(Array.from(negativeSamplingWeights(counts, 1))).toEqual([1000, 81, 16, 1]);
    expect(Array.from(negativeSamplingWeights(counts, 0))).toEqual([1, 1, 1, 1]);
    const half = negativeSamplingWeights(counts, 0.5);
    expect(half[1]).toBeCloseTo(9, 12);
  });

  it('a redistributed id gets weight 0 and its share goes evenly to the others (the original\'s </s> swap)', () => {
    expect(Array.from(negativeSamplingWeights(Float64Array.from([16, 16, 16]), 0.5, 1))).toEqual([6, 0, 6]);
    const w = negativeSamplingWeights(Float64Array.from([81, 16, 1]), 0.5, 0);
    expect(Array.from(w)).toEqual([0, 4 + 4.5, 1 + 4.5]);
    // The total mass is unchanged, so the other words' relative odds match the original's
    // "draw; if </s>, take a uniform word instead".
    expect(w.reduce((a, b) => a + b, 0)).toBe(9 + 4 + 1);
  });
});

/** Code bits and inner-node points of word i. */
function wordCode(h: HuffmanTables, i: number): { code: number[]; points: number[] } {
  const from = h.offsets[i]!;
  const to = h.offsets[i + 1]!;
  return { code: Array.from(h.codes.subarray(from, to)), points: Array.from(h.points.subarray(from, to)) };
}

/** Checks the structural properties every Huffman table must have. */
function checkHuffman(counts: number[]): HuffmanTables {
  const n = counts.length;
  const h = huffmanTables(Float64Array.from(counts));
  expect(h.offsets.length).toBe(n + 1);
  expect(h.offsets[0]).toBe(0);
  expect(h.codes.length).toBe(h.offsets[n]);
  expect(h.points.length).toBe(h.offsets[n]);
  const codes: string[] = [];
  let kraft = 0;
  for (let i = 0; i < n; i++) {
    const { code, points } = wordCode(h, i);
    expect(code.length, `word ${i} has an empty code`).toBeGreaterThan(0);
    for (const b of code) expect(b === 0 || b === 1).toBe(true);
    // Every point is an inner node in [0, n-1); the first is the root, n-2.
    expect(points[0], `word ${i}'s first point`).toBe(n - 2);
    for (const p of points) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(n - 1);
    }
    // Points along a path are distinct inner nodes.
    expect(new Set(points).size).toBe(points.length);
    codes.push(code.join(''));
    kraft += Math.pow(2, -code.length);
  }
  // A complete prefix code: Kraft equality, no code a prefix of another.
  expect(kraft).toBeCloseTo(1, 12);
  const problems: string[] = [];
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      if (a === b) continue;
      if (codes[b]!.startsWith(codes[a]!)) problems.push(`code of ${a} (${codes[a]}) is a prefix of ${b} (${codes[b]})`);
      // More frequent words never get longer codes.
      if (counts[a]! > counts[b]! && codes[a]!.length > codes[b]!.length) problems.push(`word ${a} (count ${counts[a]}) has a longer code than word ${b} (count ${counts[b]})`);
    }
  }
  // Consistency of points with codes: two words sharing a code prefix of length d share the
  // first d+1 points (the same inner nodes on the way down).
  const allPoints = Array.from({ length: n }, (_, i) => wordCode(h, i).points);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      let d = 0;
      while (d < codes[a]!.length && d < codes[b]!.length && codes[a]![d] === codes[b]![d]) d++;
      for (let k = 0; k <= d && k < allPoints[a]!.length && k < allPoints[b]!.length; k++) {
        if (allPoints[a]![k] !== allPoints[b]![k]) problems.push(`words ${a} and ${b} share ${d} code bits but differ at point ${k}`);
      }
    }
  }
  expect(problems).toEqual([]);
  // The optimal expected code length: Huffman's sum of merged weights.
  const heap = [...counts];
  let cost = 0;
  while (heap.length > 1) {
    heap.sort((x, y) => x - y);
    const m = heap.shift()! + heap.shift()!;
    cost += m;
    heap.push(m);
  }
  let weighted = 0;
  for (let i = 0; i < n; i++) weighted += counts[i]! * codes[i]!.length;
  expect(weighted).toBe(cost);
  return h;
}

describe('huffmanTables', () => {
  it('counts [5,4,3,2,1] give the codes of the original CreateBinaryTree (derived by hand)', () => {
    // word2vec.c CreateBinaryTree with count = [5,4,3,2,1, 1e15 x4], pos1 = 4, pos2 = 5:
    //  a=0: min1 = 4 (1), min2 = 3 (2)  -> node 5 (3);  binary[3] = 1
    //  a=1: count[2]=3 < count[5]=3 is false -> min1 = 5, then min2 = 2 (3) -> node 6 (6); binary[2] = 1
    //  a=2: min1 = 1 (4), min2 = 0 (5) -> node 7 (9); binary[0] = 1
    //  a=3: pos1 < 0 -> min1 = 6, min2 = 7 -> node 8 (15, the root); binary[7] = 1
    // Codes, root first: word0 = binary[7],binary[0] = 11; word1 = 1,0; word2 = binary[6],binary[2] = 0,1;
    // word3 = binary[6],binary[5],binary[3] = 0,0,1; word4 = 0,0,0.
    // Points (inner node - vocab_size), root first: root 8 -> 3, node 7 -> 2, node 6 -> 1, node 5 -> 0.
    const h = checkHuffman([5, 4, 3, 2, 1]);
    expect(wordCode(h, 0)).toEqual({ code: [1, 1], points: [3, 2] });
    expect(wordCode(h, 1)).toEqual({ code: [1, 0], points: [3, 2] });
    expect(wordCode(h, 2)).toEqual({ code: [0, 1], points: [3, 1] });
    expect(wordCode(h, 3)).toEqual({ code: [0, 0, 1], points: [3, 1, 0] });
    expect(wordCode(h, 4)).toEqual({ code: [0, 0, 0], points: [3, 1, 0] });
    expect(Array.from(h.offsets)).toEqual([0, 2, 4, 6, 9, 12]);
  });

  it('two words: one bit each under the root', () => {
    const h = checkHuffman([3, 1]);
    // min1 = 1, min2 = 0 -> binary[0] = 1.
    expect(wordCode(h, 0)).toEqual({ code: [1], points: [0] });
    expect(wordCode(h, 1)).toEqual({ code: [0], points: [0] });
  });

  it('is a valid, optimal prefix code for assorted count lists', () => {
    checkHuffman([10, 10, 10, 10]);
    checkHuffman([100, 50, 20, 20, 7, 3, 3, 1]);
    checkHuffman([1, 1, 1, 1, 1, 1, 1]);
    checkHuffman([1e6, 1]);
    checkHuffman([64, 32, 16, 8, 4, 2, 1, 1]);
    // Zipf-like, 200 words.
    checkHuffman(Array.from({ length: 200 }, (_, i) => Math.max(1, Math.floor(10000 / (i + 1)))));
  });

  it('a geometric distribution gives the deepest tree: code lengths 1, 2, ..., n-1, n-1', () => {
    const counts = [64, 32, 16, 8, 4, 2, 1, 1];
    const h = checkHuffman(counts);
    const lengths = counts.map((_, i) => h.offsets[i + 1]! - h.offsets[i]!);
    expect(lengths).toEqual([1, 2, 3, 4, 5, 6, 7, 7]);
  });

  it('fewer than 2 words is rejected', () => {
    expect(() => huffmanTables(Float64Array.from([5]))).toThrow(new RangeError('hierarchical softmax needs at least 2 words, got 1'));
    expect(() => huffmanTables(new Float64Array(0))).toThrow(new RangeError('hierarchical softmax needs at least 2 words, got 0'));
  });
});
