/**
 * train(): the vocabulary pass (which also keeps the corpus as ids, within cacheTokens), the
 * tables, then the training pass, every epoch: the kept ids replayed by native code, or a corpus
 * not kept read again and streamed to the native trainer in bounded chunks. Training runs on
 * native threads; this file only prepares, feeds what is not kept, and waits.
 * @packageDocumentation
 */
import { lineStarts, openCorpus, type Corpus, type CorpusSource } from '../corpus/corpus';
import { abortError } from '../util/errors';
import { eventLoopYielder, nextTurn } from '../util/event-loop';
import { Word2Vec } from '../model/model';
import { native, type NativeKeptIds, type NativeTrainerTables } from '../native/addon';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './options';
import { huffmanTables, negativeSamplingWeights, subsampleKeepProbability } from './tables';
import { NativeTokenCounter, vocabularyEncoder } from '../native/token-scanner';
import { Vocabulary } from '../corpus/vocabulary';
import { ChunkEncoder, narrowIds } from './chunks';
import { checkControl, runNativeTraining, throttle, trainingStats, type Progress, type TrainControl } from './run';

export type { Progress, TrainControl } from './run';

/**
 * Counts the corpus's tokens and keeps them as provisional ids (in native memory, 4 bytes a
 * token) while they come to at most `keepIds` values: training then replays them instead of
 * reading and tokenizing the corpus again. A plain file's parts are counted on threads of their
 * own and kept apart, one list a part.
 */
async function countVocabulary(
  source: CorpusSource,
  opts: ResolvedTrainOptions,
  control: TrainControl,
  keepIds: number,
): Promise<NativeTokenCounter> {
  const started = Date.now();
  const report = throttle(opts.progressInterval, control.onProgress);
  const yieldTurn = eventLoopYielder();
  let counter = new NativeTokenCounter(keepIds);
  const progress = (): Progress => ({
    phase: 'vocabulary', epoch: 0, epochs: opts.epochs, wordsDone: counter.tokens, wordsTotal: 0, fraction: 0,
    alpha: opts.alpha, loss: 0, wordsPerSecond: 0, elapsedMs: Date.now() - started, etaMs: 0, vocabularySize: 0,
    vocabularyCount: 0,
  });
  const between = async (): Promise<void> => {
    if (control.signal?.aborted) throw abortError(control.signal);
    report(progress);
    await yieldTurn();
  };
  let counted = false;
  if (source.plainFile) {
    // A plain file is counted in native code, a part per thread, off the event loop. Should
    // the C library fail to open a path Node opens (a non-ASCII path on Windows), Node reads it.
    const starts = await lineStarts(source.plainFile, opts.threads);
    try {
      await counter.countFile(source.plainFile, starts, Math.min(50, opts.progressInterval), between);
      counted = true;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'W2V_CANNOT_OPEN') throw err;
      counter.release();
      counter = new NativeTokenCounter(keepIds);
    }
  }
  if (!counted) await source.feed(counter, between);
  // The phase's last report carries the whole count: the throttled ones stop short of it.
  try {
    report(progress, true);
  } catch (err) {
    counter.release();
    throw err;
  }
  return counter;
}

/**
 * Trains word vectors on a corpus. Rejects with an Error naming the problem for bad options
 * or corpora, and with an AbortError when `control.signal` aborts.
 */
export async function train(corpus: Corpus, options?: TrainOptions, control: TrainControl = {}): Promise<Word2Vec> {
  const opts = resolveTrainOptions(options);
  checkControl(control);
  native();  // a missing addon fails here, before the corpus is read
  const source = await openCorpus(corpus);
  const started = Date.now();

  // Pass 1: the vocabulary, and the corpus kept as ids (undefined: read it again each epoch).
  const { vocab, kept, wordsPerEpoch, corpusBytes } = await prepareVocabulary(source, opts, control);
  const vocabularyMs = Date.now() - started;

  const vocabularyCount = vocab.totalCount;
  const keepProbability = subsampleKeepProbability(vocab.counts, opts.sample, vocabularyCount);
  const tables: NativeTrainerTables = {
    keepProbability,
    // The sentence token is never a negative: the original swaps it for a uniformly random
    // word, which is the same as spreading its share evenly over the other words.
    ...(opts.negative > 0
      ? { negativeWeights: negativeSamplingWeights(vocab.counts, opts.nsExponent, vocab.hasSentenceToken ? 0 : undefined) }
      : {}),
    ...(opts.hs
      ? (() => {
          const h = huffmanTables(vocab.counts);
          return { huffmanCodes: h.codes, huffmanPoints: h.points, huffmanOffsets: h.offsets };
        })()
      : {}),
  };

  // A corpus kept as ids is replayed from native code (run.keptIds). One not kept: its bytes
  // become ids in native code, one table of the vocabulary's keys (built at the first epoch),
  // a scanner per lane, and JS cuts them into chunks.
  let encodeInto: ReturnType<typeof vocabularyEncoder> | undefined;
  const feedEpoch = async (encoder: ChunkEncoder, drain: (from?: ChunkEncoder) => Promise<void>): Promise<void> => {
    const encode = (encodeInto ??= vocabularyEncoder(vocab));
    if (source.lanes && opts.threads > 1) {
      // One lane per thread, chunks taken from the lanes in turn: the threads train on
      // distant parts of the corpus at once, as the original's do. On adjacent text they
      // would update the same topical rows together, and lose updates (CBOW on en-8m: 20.9%
      // analogy with adjacent chunks, 22% with the original's split).
      const encoders = Array.from({ length: opts.threads }, () => new ChunkEncoder(opts.maxSentenceLength));
      const lanes = await source.lanes(encoders.map((enc) => encode(enc)));
      try {
        let active = lanes.map((_, i) => i);
        while (active.length > 0) {
          const still: number[] = [];
          for (const i of active) {
            const enc = encoders[i]!;
            let more = true;
            while (more && enc.ready.length === 0) {
              more = await lanes[i]!.step();
              await drain(enc);
            }
            if (!more) enc.flush();
            await drain(enc);
            if (more) still.push(i);
          }
          active = still;
        }
      } finally {
        for (const lane of lanes) lane.close();
      }
    } else {
      await source.feed(encode(encoder), () => drain());
    }
  };

  const run = await runNativeTraining({
    opts, tables, vocabularySize: vocab.size, vocabularyCount, wordsPerEpoch, control, ...(kept ? { keptIds: kept } : { feedEpoch }),
  });
  const stats = trainingStats(run, opts.device, wordsPerEpoch, started, { vocabularyMs, corpusBytes });
  return new Word2Vec({
    keys: vocab.keys,
    counts: vocab.counts,
    dim: opts.dim,
    vectors: run.vectors.input,
    ...(run.vectors.output ? { outputVectors: run.vectors.output } : {}),
    trainingStats: stats,
    hasSentenceToken: vocab.hasSentenceToken,
    ownsBuffers: true,
  });
}

/**
 * Final id of each provisional id (-2: not in the vocabulary) and the tokens an epoch trains
 * on, for a vocabulary given apart: its keys looked up in the counter's table.
 */
function mapProvisionalIds(counter: NativeTokenCounter, vocab: Vocabulary): { finalId: Int32Array; wordsPerEpoch: number } {
  const { ids, counts } = counter.lookup(vocab.keys);
  return finalIds(counter.distinct, vocab, ids, counts);
}

/** finalId and wordsPerEpoch from each word's provisional id (-1: never seen) and count. */
function finalIds(
  distinct: number,
  vocab: Vocabulary,
  provisional: ArrayLike<number>,
  counts: ArrayLike<number>,
): { finalId: Int32Array; wordsPerEpoch: number } {
  const finalId = new Int32Array(distinct).fill(-2);
  let wordsPerEpoch = 0;
  for (let id = vocab.hasSentenceToken ? 1 : 0; id < vocab.size; id++) {
    const p = provisional[id]!;
    if (p >= 0) {
      finalId[p] = id;
      wordsPerEpoch += counts[id]!;
    }
  }
  return { finalId, wordsPerEpoch };
}

/**
 * The vocabulary counted from the corpus, with finalId and wordsPerEpoch from the counter's
 * own provisional ids (no lookup of the keys).
 */
function countedVocabulary(counter: NativeTokenCounter, opts: ResolvedTrainOptions): { vocab: Vocabulary; finalId: Int32Array; wordsPerEpoch: number } {
  const frequent = counter.frequent(opts.minCount);
  const { vocabulary: vocab, sources } = Vocabulary.selectFromCounter(frequent, {
    minCount: opts.minCount, maxVocab: opts.maxVocab, sentenceToken: opts.sentenceToken,
  });
  const provisional = new Int32Array(sources.length);
  for (let id = 0; id < sources.length; id++) provisional[id] = sources[id]! >= 0 ? frequent.ids[sources[id]!]! : -1;
  return { vocab, ...finalIds(counter.distinct, vocab, provisional, vocab.counts) };
}

/**
 * The vocabulary pass. The corpus is kept as ids while it is counted (a one-shot corpus, a
 * stream or a generator, always: it cannot be read twice, and training needs the vocabulary
 * first; a re-readable one within opts.cacheTokens), then rewritten as final ids, 2 bytes each
 * under 65535 words, and replayed every epoch; a corpus not kept is read and tokenized again
 * each epoch. The native table of every distinct token is freed before training starts.
 */
async function prepareVocabulary(
  source: CorpusSource,
  opts: ResolvedTrainOptions,
  control: TrainControl,
): Promise<{ vocab: Vocabulary; kept: NativeKeptIds | undefined; wordsPerEpoch: number; corpusBytes: number }> {
  const counter = await countVocabulary(source, opts, control, source.rereadable ? opts.cacheTokens : Infinity);
  try {
    await nextTurn();
    const { vocab, finalId, wordsPerEpoch } = control.vocabulary
      ? { vocab: control.vocabulary, ...mapProvisionalIds(counter, control.vocabulary) }
      : countedVocabulary(counter, opts);
    const trainable = vocab.size - (vocab.hasSentenceToken ? 1 : 0);
    if (trainable < 1) {
      throw new Error(
        counter.tokens === 0
          ? `${source.description} holds no tokens`
          : `no word of ${source.description} occurs at least minCount (${opts.minCount}) times ` +
              `(${counter.distinct} distinct words, ${counter.tokens} tokens)`,
      );
    }
    if (opts.hs && vocab.size < 2) throw new Error(`hs needs at least 2 words in the vocabulary, got ${vocab.size}`);
    const narrow = narrowIds(vocab.size);
    await nextTurn();
    const kept = await counter.takeIds(finalId, narrow);
    await nextTurn();
    return { vocab, kept, wordsPerEpoch, corpusBytes: counter.bytesRead };
  } finally {
    counter.release();  // the table of every distinct token is not needed any more
  }
}
