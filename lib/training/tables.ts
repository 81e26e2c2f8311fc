/**
 * Per-word tables handed to the native trainer: subsampling keep probabilities, the
 * negative-sampling weights, and the Huffman codes of hierarchical softmax.
 * @packageDocumentation
 */

/**
 * Probability of keeping one occurrence of each word, the original word2vec's formula:
 * keep = (sqrt(c / (s*T)) + 1) * (s*T) / c, capped at 1 (s = sample, T = total count).
 * sample 0 keeps everything.
 */
export function subsampleKeepProbability(counts: Float64Array, sample: number, totalCount: number): Float32Array {
  const keep = new Float32Array(counts.length);
  const threshold = sample * totalCount;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (sample <= 0 || c <= 0) {
      keep[i] = 1;
      continue;
    }
    keep[i] = Math.min(1, (Math.sqrt(c / threshold) + 1) * (threshold / c));
  }
  return keep;
}

/**
 * Unnormalised negative-sampling weights count^exponent (the sampler normalises).
 * `redistribute`: a word never drawn whose share goes to all other words evenly, as the
 * original does with `</s>` (drawing it, it takes a uniformly random word instead).
 */
export function negativeSamplingWeights(counts: Float64Array, exponent: number, redistribute?: number): Float64Array {
  const w = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) w[i] = Math.pow(counts[i]!, exponent);
  if (redistribute !== undefined && counts.length > 1) {
    const share = w[redistribute]! / (counts.length - 1);
    w[redistribute] = 0;
    for (let i = 0; i < counts.length; i++) if (i !== redistribute) w[i]! += share;
  }
  return w;
}

/** Huffman codes and inner-node paths, laid out flat. */
export interface HuffmanTables {
  /** Bits of word i: codes[offsets[i] .. offsets[i+1]). */
  codes: Uint8Array;
  /** Inner nodes on word i's path from the root, same range, each in [0, size-1). */
  points: Int32Array;
  offsets: Int32Array;
}

/**
 * The original word2vec's Huffman tree (CreateBinaryTree): counts must be sorted
 * descending, as the vocabulary is; the two lowest nodes merge first, the second gets bit 1.
 */
export function huffmanTables(counts: Float64Array): HuffmanTables {
  const n = counts.length;
  if (n < 2) throw new RangeError(`hierarchical softmax needs at least 2 words, got ${n}`);
  const count = new Float64Array(2 * n - 1);
  count.set(counts);
  count.fill(1e15, n);
  const binary = new Uint8Array(2 * n - 1);
  const parent = new Int32Array(2 * n - 1);
  let pos1 = n - 1;
  let pos2 = n;
  for (let a = 0; a < n - 1; a++) {
    let min1: number;
    let min2: number;
    if (pos1 >= 0 && count[pos1]! < count[pos2]!) min1 = pos1--;
    else min1 = pos2++;
    if (pos1 >= 0 && count[pos1]! < count[pos2]!) min2 = pos1--;
    else min2 = pos2++;
    count[n + a] = count[min1]! + count[min2]!;
    parent[min1] = n + a;
    parent[min2] = n + a;
    binary[min2] = 1;
  }
  // Code lengths first, so codes and points go straight into typed arrays (a vocabulary of
  // a million words has tens of millions of code bits).
  const root = 2 * n - 2;
  const depth = new Int32Array(2 * n - 1);
  for (let node = root - 1; node >= 0; node--) depth[node] = depth[parent[node]!]! + 1;
  const offsets = new Int32Array(n + 1);
  for (let a = 0; a < n; a++) offsets[a + 1] = offsets[a]! + depth[a]!;
  const codes = new Uint8Array(offsets[n]!);
  const points = new Int32Array(offsets[n]!);
  for (let a = 0; a < n; a++) {
    // Walk leaf to root, filling the word's range from its end: root first, as the original.
    let b = a;
    let at = offsets[a + 1]! - 1;
    while (b !== root) {
      codes[at] = binary[b]!;
      const up = parent[b]!;
      // The inner node whose bit this is: the parent, numbered from 0 as node - n.
      points[at] = up - n;
      b = up;
      at--;
    }
  }
  return { codes, points, offsets };
}
