/**
 * Phrase detection as the original word2phrase: count words and adjacent pairs, then join a
 * pair `a b` into `a_b` when (count(ab) - minCount) / count(a) / count(b) * totalWords >
 * threshold. Run twice for trigrams, as the original's demo does.
 * @packageDocumentation
 */
import { openCorpus, type Corpus } from './corpus';
import { abortError, describeValue } from '../util/errors';
import { integerOption, numberOption } from '../util/validate';
import { eventLoopYielder } from '../util/event-loop';
import { keyOf, wordOf } from '../util/bytes';

/** Options of {@link phrases}. */
export interface PhraseOptions {
  /** Words and pairs seen fewer times are ignored; default 5. */
  minCount?: number;
  /** Higher means fewer phrases; default 100. */
  threshold?: number;
  /** Stops counting; phrases() then rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Receives the original word2phrase's output stream, piece by piece. */
export interface PhraseWriter {
  /** A word: `joined` when it continues the previous word as a phrase. */
  word(key: string, joined: boolean): void;
  /** A newline of the input. */
  newline(): void;
}

/** Counts of words and pairs, and the rule that joins pairs. */
export class Phrases {
  /** Words counted (the original's train_words). */
  readonly totalWords: number;
  readonly minCount: number;
  readonly threshold: number;
  private readonly counts: Map<string, number>;

  constructor(counts: Map<string, number>, totalWords: number, minCount: number, threshold: number) {
    this.counts = counts;
    this.totalWords = totalWords;
    this.minCount = minCount;
    // word2phrase keeps the threshold in a float and compares float scores with it.
    this.threshold = Math.fround(threshold);
  }

  /** Number of distinct words and pairs kept (count >= minCount). */
  get size(): number {
    return this.counts.size;
  }

  /** The original's score of the pair a b (0 when a, b or the pair is too rare). */
  score(a: string, b: string): number {
    const pa = this.counts.get(keyOf(a)) ?? 0;
    const pb = this.counts.get(keyOf(b)) ?? 0;
    const pab = this.counts.get(keyOf(a) + '_' + keyOf(b)) ?? 0;
    return this.rawScore(pa, pb, pab);
  }

  private rawScore(pa: number, pb: number, pab: number): number {
    if (pa < this.minCount || pb < this.minCount || pab === 0) return 0;
    // In float arithmetic, as the original, so decisions at the threshold agree.
    const f = Math.fround;
    return f(f(f(f(pab - this.minCount) / f(pa)) / f(pb)) * f(this.totalWords));
  }

  /**
   * A token sink that writes the joined stream to `out`, with the original's state: the
   * previous word's count carries over lines (a newline never joins, since `</s>_x` is never
   * counted), and a word that was joined cannot join the next one.
   */
  writer(out: PhraseWriter): { token(key: string): void; endSentence(): void; endLine(): void } {
    let lastKey = '</s>';
    let pa = 0;
    let previousKnown = false;
    return {
      token: (key) => {
        const pbRaw = this.counts.get(key);
        let pb = pbRaw ?? 0;
        let oov = pbRaw === undefined || !previousKnown;
        const pab = this.counts.get(lastKey + '_' + key);
        if (pab === undefined) oov = true;
        const score = oov ? 0 : this.rawScore(pa, pb, pab!);
        const join = score > this.threshold;
        out.word(key, join);
        if (join) pb = 0;
        pa = pb;
        previousKnown = pbRaw !== undefined;
        lastKey = key;
      },
      endSentence: () => undefined,
      endLine: () => {
        lastKey = '</s>';
        out.newline();
      },
    };
  }

  /** Joins the phrases of one sentence of words. */
  apply(words: readonly string[]): string[] {
    const out: string[] = [];
    const w = this.writer({
      word: (key, joined) => {
        if (joined && out.length > 0) out[out.length - 1] += '_' + wordOf(key);
        else out.push(wordOf(key));
      },
      newline: () => undefined,
    });
    for (const word of words) w.token(keyOf(word));
    return out;
  }

  /**
   * Joins the phrases of a whole corpus, yielding one array of words per input line. The
   * corpus is read as the consumer pulls: at most about 1024 lines wait in memory.
   */
  async *transform(corpus: Corpus): AsyncGenerator<string[]> {
    const source = await openCorpus(corpus);
    let lines: string[][] = [];
    let line: string[] = [];
    let wakeConsumer: (() => void) | undefined;
    let resumeProducer: (() => void) | undefined;
    let finished = false;
    let stopped = false;
    let failure: unknown;
    const wake = (): void => {
      const w = wakeConsumer;
      wakeConsumer = undefined;
      w?.();
    };
    const sink = this.writer({
      word: (key, joined) => {
        if (joined && line.length > 0) line[line.length - 1] += '_' + wordOf(key);
        else line.push(wordOf(key));
      },
      newline: () => {
        lines.push(line);
        line = [];
      },
    });
    const feeding = source
      .feed(sink, async () => {
        if (stopped) throw new Error('phrase transform stopped by its consumer');
        if (lines.length >= 1024) {
          wake();
          await new Promise<void>((resolve) => (resumeProducer = resolve));
          if (stopped) throw new Error('phrase transform stopped by its consumer');
        }
      })
      .then(
        () => undefined,
        (err: unknown) => {
          if (!stopped) failure = err;
        },
      )
      .finally(() => {
        finished = true;
        wake();
      });
    try {
      for (;;) {
        if (lines.length === 0 && !finished) {
          await new Promise<void>((resolve) => {
            wakeConsumer = resolve;
            const r = resumeProducer;
            resumeProducer = undefined;
            r?.();
          });
        }
        const batch = lines;
        lines = [];
        for (const l of batch) yield l;
        if (finished && lines.length === 0) break;
      }
      if (failure !== undefined) throw failure;
      if (line.length > 0) yield line;
    } finally {
      stopped = true;
      resumeProducer?.();
      await feeding;
    }
  }
}

/** Counts words and pairs of a corpus, the first pass of the original word2phrase. */
export async function phrases(corpus: Corpus, options: PhraseOptions = {}): Promise<Phrases> {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  for (const name of Object.keys(options)) {
    if (!['minCount', 'threshold', 'signal'].includes(name)) throw new TypeError(`unknown option ${JSON.stringify(name)}`);
  }
  const minCount = integerOption('minCount', options.minCount ?? 5, 1, Number.MAX_SAFE_INTEGER);
  const threshold = numberOption('threshold', options.threshold ?? 100, -Number.MAX_VALUE, Number.MAX_VALUE);
  const signal = options.signal;
  if (signal?.aborted) throw abortError(signal);
  const source = await openCorpus(corpus);
  const counts = new Map<string, number>();
  let totalWords = 0;
  let lastKey: string | undefined;
  const add = (key: string): void => {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const yieldTurn = eventLoopYielder();
  await source.feed(
    {
      token: (key) => {
        totalWords++;
        add(key);
        // As the original: the pair with the last word of the previous line counts too.
        if (lastKey !== undefined) add(lastKey + '_' + key);
        lastKey = key;
      },
      endSentence: () => undefined,
    },
    async () => {
      if (signal?.aborted) throw abortError(signal);
      await yieldTurn();
    },
  );
  for (const [key, c] of counts) if (c < minCount) counts.delete(key);
  return new Phrases(counts, totalWords, minCount, threshold);
}
