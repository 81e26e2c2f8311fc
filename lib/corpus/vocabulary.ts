/**
 * The vocabulary: words counted in the first pass, dropped under minCount, capped at
 * maxVocab, ordered by count descending (ties keep first-seen order), ids 0..size-1.
 * Reads and writes the original tool's `word count` vocabulary files.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';

import { keyOf, wordOf } from '../util/bytes';

/** The original tool's sentence token, counted once per line when `sentenceToken` is on. */
export const SENTENCE_TOKEN = '</s>';

/** What the vocabulary pass found (native-tokens.ts): distinct tokens in first-seen order, with counts. */
export interface CountedTokens {
  /** Byte keys (see bytes.ts) by provisional id. */
  readonly keys: readonly string[];
  readonly counts: Float64Array;
  /** Newlines seen (the original's `</s>` count). */
  readonly lines: number;
}

/** Options of {@link Vocabulary.fromCounter}. */
export interface VocabularyOptions {
  minCount: number;
  maxVocab?: number;
  /** Put `</s>` first with the newline count, as the original tool does. */
  sentenceToken?: boolean;
}

/** Words by id with their counts. */
export class Vocabulary {
  /** Byte keys by id (see bytes.ts). */
  readonly keys: readonly string[];
  /** Counts by id. */
  readonly counts: Float64Array;
  /** True when id 0 is the original's `</s>` token. */
  readonly hasSentenceToken: boolean;
  // Built on first use: training looks words up in native code and never needs them.
  private wordList: readonly string[] | undefined;
  private index: Map<string, number> | undefined;

  /**
   * Throws when a key is listed twice. `distinct` (internal): the caller knows the keys are
   * distinct (they come from a counting table), so the check and its map are skipped.
   */
  constructor(keys: readonly string[], counts: Float64Array, hasSentenceToken = false, distinct = false) {
    if (counts.length !== keys.length) throw new Error(`vocabulary has ${keys.length} words but ${counts.length} counts`);
    this.keys = keys;
    this.counts = counts;
    this.hasSentenceToken = hasSentenceToken;
    if (!distinct) {
      const index = this.keyIndex();
      if (index.size !== keys.length) {
        const seen = new Set<string>();
        for (const k of keys) {
          if (seen.has(k)) throw new Error(`vocabulary lists the word ${JSON.stringify(wordOf(k))} twice`);
          seen.add(k);
        }
      }
    }
  }

  /** UTF-8 words by id. */
  get words(): readonly string[] {
    this.wordList ??= this.keys.map(wordOf);
    return this.wordList;
  }

  private keyIndex(): Map<string, number> {
    if (!this.index) {
      const index = new Map<string, number>();
      for (let i = 0; i < this.keys.length; i++) if (!index.has(this.keys[i]!)) index.set(this.keys[i]!, i);
      this.index = index;
    }
    return this.index;
  }

  /** Builds the vocabulary from first-pass counts. */
  static fromCounter(counter: CountedTokens, options: VocabularyOptions): Vocabulary {
    return Vocabulary.selectFromCounter(counter, options).vocabulary;
  }

  /**
   * {@link fromCounter}, and where each word came from: `sources[id]` is its index in the
   * counter's lists, -1 for the `</s>` put first.
   */
  static selectFromCounter(counter: CountedTokens, options: VocabularyOptions): { vocabulary: Vocabulary; sources: Int32Array } {
    const cap = options.maxVocab ?? Infinity;
    if (counter.keys.length <= cap && selectedAlready(counter.counts, options.minCount)) return takeWhole(counter, options);
    const order: number[] = [];
    let sorted = true;  // most counted first already (the native counter's frequent() lists them so)
    for (let id = 0; id < counter.keys.length; id++) {
      if (counter.counts[id]! < options.minCount) continue;
      if (order.length > 0 && counter.counts[id]! > counter.counts[order[order.length - 1]!]!) sorted = false;
      order.push(id);
    }
    // Array.prototype.sort is stable, so ties keep first-seen order.
    if (!sorted) order.sort((a, b) => counter.counts[b]! - counter.counts[a]!);
    const kept = order.length > cap ? order.slice(0, cap) : order;
    const keys: string[] = [];
    const counts: number[] = [];
    const sources: number[] = [];
    if (options.sentenceToken) {
      keys.push(SENTENCE_TOKEN);
      counts.push(counter.lines);
      sources.push(-1);
    }
    for (const id of kept) {
      const key = counter.keys[id]!;
      if (options.sentenceToken && key === SENTENCE_TOKEN) continue;
      keys.push(key);
      counts.push(counter.counts[id]!);
      sources.push(id);
    }
    return {
      vocabulary: new Vocabulary(keys, Float64Array.from(counts), options.sentenceToken === true, true),
      sources: Int32Array.from(sources),
    };
  }

  /** Number of words. */
  get size(): number {
    return this.keys.length;
  }

  /** Sum of all counts (the original's train_words: `</s>` included when present). */
  get totalCount(): number {
    let s = 0;
    for (const c of this.counts) s += c;
    return s;
  }

  /** Id of a byte key, or undefined. */
  idOfKey(key: string): number | undefined {
    return this.keyIndex().get(key);
  }

  /** Id of a word, or undefined. */
  idOf(word: string): number | undefined {
    return this.keyIndex().get(keyOf(word));
  }

  /**
   * The original's vocabulary file: `word count` per line, in id order. One string encoded
   * once (a Buffer a line took 3x as long: 21-25 ms against 8 for en-8m's 50,087 words).
   */
  toFile(): Buffer {
    const lines = new Array<string>(this.keys.length);
    for (let i = 0; i < this.keys.length; i++) lines[i] = `${this.keys[i]} ${this.counts[i]}\n`;
    return Buffer.from(lines.join(''), 'latin1');
  }

  /** Parses a vocabulary file in the original's format (`word count` per line). */
  static parse(data: Buffer, source = 'vocabulary file'): Vocabulary {
    const text = data.toString('latin1');
    const keys: string[] = [];
    const counts: number[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      // Only space and tab separate, as in the original (String.trim would also eat byte 0xA0).
      const line = lines[i]!.replace(/\r$/, '');
      const parts = line.split(/[ \t]+/).filter((p) => p.length > 0);
      if (parts.length === 0) continue;
      const count = Number(parts[1]);
      if (parts.length !== 2 || !Number.isInteger(count) || count < 0) {
        throw new Error(`${source} line ${i + 1} must be "word count", got ${JSON.stringify(line.slice(0, 80))}`);
      }
      keys.push(parts[0]!);
      counts.push(count);
    }
    if (keys.length === 0) throw new Error(`${source} holds no words`);
    return new Vocabulary(keys, Float64Array.from(counts), keys[0] === SENTENCE_TOKEN);
  }

  /** Reads a vocabulary file. */
  static async read(path: string): Promise<Vocabulary> {
    return Vocabulary.parse(await readFile(path), `vocabulary file ${JSON.stringify(path)}`);
  }
}

/** Whether every count is at least minCount and none exceeds the one before (most counted first). */
function selectedAlready(counts: Float64Array, minCount: number): boolean {
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]! < minCount || (i > 0 && counts[i]! > counts[i - 1]!)) return false;
  }
  return true;
}

/**
 * selectFromCounter for lists that are the vocabulary already, in order (the native counter's
 * frequent() lists its tokens so): one pass into arrays of the final size, with no list of ids
 * to sort and no arrays grown a word at a time and copied after (en-8m's 50,087 words: 3-4 ms
 * against ~10, the loop running cold), with the same result.
 */
function takeWhole(counter: CountedTokens, options: VocabularyOptions): { vocabulary: Vocabulary; sources: Int32Array } {
  const n = counter.keys.length;
  // With sentenceToken, </s> goes first with the line count and a literal </s> token is left out.
  const first = options.sentenceToken ? 1 : 0;
  const literal = options.sentenceToken ? counter.keys.indexOf(SENTENCE_TOKEN) : -1;
  const size = first + n - (literal >= 0 ? 1 : 0);
  const keys = new Array<string>(size);
  const counts = new Float64Array(size);
  const sources = new Int32Array(size);
  if (first) {
    keys[0] = SENTENCE_TOKEN;
    counts[0] = counter.lines;
    sources[0] = -1;
  }
  let id = first;
  for (let s = 0; s < n; s++) {
    if (s === literal) continue;
    keys[id] = counter.keys[s]!;
    counts[id] = counter.counts[s]!;
    sources[id] = s;
    id++;
  }
  return { vocabulary: new Vocabulary(keys, counts, options.sentenceToken === true, true), sources };
}
