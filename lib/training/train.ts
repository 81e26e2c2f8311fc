/**
 * train(): the vocabulary pass (which also keeps the corpus as ids, within cacheTokens), the
 * tables, then the training pass that streams the ids to the native trainer in bounded chunks,
 * every epoch. Training runs on native threads; this file only feeds chunks and waits.
 * @packageDocumentation
 */
import { lineStarts, openCorpus, type Corpus, type CorpusSource } from '../corpus/corpus';
import { abortError, describeValue } from '../util/errors';
import { eventLoopYielder, nextTurn } from '../util/event-loop';
import { Word2Vec, type EpochSummary, type TrainingStats } from '../model/model';
import {
  native, type NativeEpochStats, type NativeProgress, type NativeTrainer, type NativeTrainerConfig, type NativeTrainerTables,
} from '../native/addon';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './options';
import { huffmanTables, negativeSamplingWeights, subsampleKeepProbability } from './tables';
import { NativeTokenCounter, vocabularyEncoder } from '../native/token-scanner';
import { Vocabulary } from '../corpus/vocabulary';

/** A progress report. */
export interface Progress {
  /** 'vocabulary' while counting words, 'training' while training. */
  phase: 'vocabulary' | 'training';
  /** Epoch being trained (0-based); 0 while counting. */
  epoch: number;
  epochs: number;
  /**
   * Tokens processed so far (training: over all epochs). The vocabulary phase's last report
   * has the corpus's whole count.
   */
  wordsDone: number;
  /** Tokens to process in all (training); 0 while counting. */
  wordsTotal: number;
  /** wordsDone / wordsTotal in [0, 1]; 0 while counting. */
  fraction: number;
  /** Current learning rate. */
  alpha: number;
  /** Mean loss per prediction since the previous report. */
  loss: number;
  /** Training throughput, tokens per second. */
  wordsPerSecond: number;
  elapsedMs: number;
  /** Estimated time to finish, ms (training only). */
  etaMs: number;
  /** Words in the vocabulary (training only; 0 while counting). */
  vocabularySize: number;
  /** Sum of the vocabulary's counts, the original's "Words in train file" (training only). */
  vocabularyCount: number;
}

/** Controls of a running training. */
export interface TrainControl {
  /** Aborting stops the threads promptly; train() then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Called on the main thread with throttled progress reports. */
  onProgress?: (progress: Progress) => void;
  /** A vocabulary to use instead of counting one (the CLI's -read-vocab). */
  vocabulary?: Vocabulary;
}

/** Tokens per chunk handed to the native trainer. */
const CHUNK_TOKENS = 1 << 16;
/** Kept ids replayed between two chances to yield to the event loop (see feedCachedIds). */
const REPLAY_SLICE = 1 << 12;

/**
 * A chunk for the native trainer: ids, sentence ends, and optionally each sentence's global
 * context. Each array owns its buffer (the trainer copies a chunk, then its buffers are freed).
 */
export interface EncodedChunk {
  tokens: Int32Array;
  ends: Int32Array;
  contexts?: Int32Array;
}

/** Chunks of in-vocabulary ids, each ending on a sentence boundary. */
export class ChunkEncoder {
  private tokens = new Int32Array(CHUNK_TOKENS);
  private ends: number[] = [];
  private contexts: number[] | undefined;
  private length = 0;
  private sentenceStart = 0;
  readonly ready: EncodedChunk[] = [];

  /** Sentences longer than `maxSentenceLength` ids are split (Infinity: never). */
  constructor(private readonly maxSentenceLength: number) {}

  add(id: number): void {
    if (this.length === this.tokens.length) this.makeRoom();
    this.tokens[this.length++] = id;
    if (this.length - this.sentenceStart >= this.maxSentenceLength) this.endSentence();
  }

  /** Ends the sentence; `context` is a word every centre word of it also predicts (-1: none). */
  endSentence(context = -1): void {
    if (this.length === this.sentenceStart) return;
    this.ends.push(this.length);
    if (context >= 0 && !this.contexts) this.contexts = new Array<number>(this.ends.length - 1).fill(-1);
    this.contexts?.push(context);
    this.sentenceStart = this.length;
    if (this.length >= CHUNK_TOKENS) this.flush();
  }

  flush(): void {
    this.endSentence();
    this.emit();
    if (this.tokens.length > CHUNK_TOKENS) this.tokens = new Int32Array(CHUNK_TOKENS);
  }

  // The buffer is full: hand over the whole sentences and move the open one to the front, so
  // the buffer is reused; only a sentence longer than the buffer makes it grow.
  private makeRoom(): void {
    const open = this.sentenceStart;
    if (open === 0) {
      const grown = new Int32Array(this.tokens.length * 2);
      grown.set(this.tokens);
      this.tokens = grown;
      return;
    }
    const end = this.length;
    this.length = open;
    this.emit();
    this.tokens.copyWithin(0, open, end);
    this.length = end - open;
  }

  // Queues tokens[0, length) with the sentence ends so far as a chunk.
  private emit(): void {
    if (this.length > 0) {
      this.ready.push({
        tokens: this.tokens.slice(0, this.length),
        ends: Int32Array.from(this.ends),
        ...(this.contexts ? { contexts: Int32Array.from(this.contexts) } : {}),
      });
    }
    this.length = 0;
    this.sentenceStart = 0;
    this.ends = [];
    this.contexts = undefined;
  }
}

/** log2 of the ids in a block of kept 4-byte ids (native IdBlocks::kBlock); 2-byte blocks hold twice as many. */
const ID_BLOCK_BITS = 20;

/**
 * The corpus as final ids (sentenceEnd ending each sentence), kept for the later epochs: 2
 * bytes an id when the vocabulary has fewer than 65535 words, else 4.
 */
interface CachedIds {
  blocks: Array<Int32Array | Uint16Array>;
  length: number;
  blockBits: number;
  sentenceEnd: number;
}

/** Narrow ids (Uint16) when the vocabulary leaves 0xffff free for the sentence end. */
function cacheLayout(vocabSize: number): { narrow: boolean; blockBits: number; sentenceEnd: number } {
  const narrow = vocabSize < 0xffff;
  return { narrow, blockBits: narrow ? ID_BLOCK_BITS + 1 : ID_BLOCK_BITS, sentenceEnd: narrow ? 0xffff : -1 };
}

/**
 * Feeds cached ids to the trainer, one lane per thread, chunks taken from the lanes in turn, so
 * the threads train on distant parts of the corpus at once, as the original's do. A single
 * cache is cut into lanes at sentence ends; several (a file's parts, counted apart) are the lanes.
 */
async function feedCachedIds(
  caches: CachedIds[],
  threads: number,
  maxSentenceLength: number,
  encoder: ChunkEncoder,
  drain: (from?: ChunkEncoder) => Promise<void>,
): Promise<void> {
  const lanes: Array<{ ids: CachedIds; next: number; end: number }> = [];
  if (caches.length === 1) {
    const ids = caches[0]!;
    const mask = (1 << ids.blockBits) - 1;
    const get = (i: number): number => ids.blocks[i >>> ids.blockBits]![i & mask]!;
    const bounds = [0];
    for (let l = 1; l < threads; l++) {
      let at = Math.max(bounds[l - 1]!, Math.floor((ids.length * l) / threads));
      while (at < ids.length && at > 0 && get(at - 1) !== ids.sentenceEnd) at++;
      bounds.push(at);
    }
    bounds.push(ids.length);
    for (let l = 0; l < threads; l++) lanes.push({ ids, next: bounds[l]!, end: bounds[l + 1]! });
  } else {
    for (const ids of caches) lanes.push({ ids, next: 0, end: ids.length });
  }
  const encoders = lanes.map((_, l) => (l === 0 ? encoder : new ChunkEncoder(maxSentenceLength)));
  let active = lanes.map((_, l) => l).filter((l) => lanes[l]!.next < lanes[l]!.end);
  while (active.length > 0) {
    const still: number[] = [];
    for (const l of active) {
      const enc = encoders[l]!;
      const lane = lanes[l]!;
      const { blockBits, sentenceEnd } = lane.ids;
      const mask = (1 << blockBits) - 1;
      let i = lane.next;
      while (i < lane.end && enc.ready.length === 0) {
        // One block at a time: the inner loop runs over a plain typed array; at most
        // REPLAY_SLICE ids between two chances to yield, so the event loop keeps its turns
        // even before the JIT has compiled this loop (a whole chunk took 15-30 ms then).
        const block = lane.ids.blocks[i >>> blockBits]!;
        const stop = Math.min(lane.end, ((i >>> blockBits) + 1) * (mask + 1), i + REPLAY_SLICE);
        let k = i & mask;
        for (; i < stop && enc.ready.length === 0; i++, k++) {
          const v = block[k]!;
          if (v === sentenceEnd) enc.endSentence();
          else enc.add(v);
        }
        if (enc.ready.length === 0 && i < lane.end) await drain(enc);
      }
      lane.next = i;
      if (i >= lane.end) enc.flush();
      await drain(enc);
      if (i < lane.end) still.push(l);
    }
    active = still;
  }
}

export function throttle(interval: number, report: ((p: Progress) => void) | undefined): (p: () => Progress, force?: boolean) => void {
  let last = 0;
  return (make, force = false) => {
    if (!report) return;
    const now = Date.now();
    if (!force && now - last < interval) return;
    last = now;
    report(make());
  };
}

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

/** Validates train()'s and trainItems()'s control argument; throws when already aborted. */
export function checkControl(control: TrainControl): void {
  if (control === null || typeof control !== 'object') throw new TypeError(`control must be an object, got ${describeValue(control)}`);
  for (const name of Object.keys(control)) {
    if (name !== 'signal' && name !== 'onProgress' && name !== 'vocabulary') {
      throw new TypeError(`unknown control option ${JSON.stringify(name)} (known: signal, onProgress, vocabulary)`);
    }
  }
  const { signal } = control;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${describeValue(signal)}`);
  }
  if (control.onProgress !== undefined && typeof control.onProgress !== 'function') {
    throw new TypeError(`onProgress must be a function, got ${describeValue(control.onProgress)}`);
  }
  if (signal?.aborted) throw abortError(signal);
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
  const { vocab, cached, wordsPerEpoch, corpusBytes } = await prepareVocabulary(source, opts, control);
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

  // A corpus not kept: its bytes become ids in native code, one table of the vocabulary's keys
  // (built at the first such epoch), a scanner per lane.
  let encodeInto: ReturnType<typeof vocabularyEncoder> | undefined;
  const feedEpoch = async (encoder: ChunkEncoder, drain: (from?: ChunkEncoder) => Promise<void>): Promise<void> => {
    if (cached) {
      await feedCachedIds(cached, opts.threads, opts.maxSentenceLength, encoder, drain);
      return;
    }
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
    opts, tables, vocabularySize: vocab.size, vocabularyCount, wordsPerEpoch, control, feedEpoch,
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

/** A run's TrainingStats; `started` is when the caller began (Date.now()). */
export function trainingStats(
  run: { epochStats: NativeEpochStats[]; trainingMs: number },
  device: 'cpu' | 'cuda',
  wordsPerEpoch: number,
  started: number,
  extra: Pick<TrainingStats, 'vocabularyMs' | 'corpusBytes'> = {},
): TrainingStats {
  return {
    device,
    epochs: run.epochStats.map((e, epoch) => epochSummary(e, epoch, device)),
    wordsPerEpoch,
    ...extra,
    trainingMs: run.trainingMs,
    totalMs: Date.now() - started,
  };
}

/** An epoch's totals for TrainingStats; the device's traffic and time on the GPU only. */
function epochSummary(e: NativeEpochStats, epoch: number, device: 'cpu' | 'cuda'): EpochSummary {
  const summary: EpochSummary = { epoch, words: e.words, predictions: e.predictions, loss: e.loss };
  if (device === 'cuda') {
    summary.bytesMoved = e.bytesMoved;
    summary.deviceSeconds = e.deviceSeconds;
  }
  return summary;
}

/** What {@link runNativeTraining} needs: validated options, tables, and the corpus feeder. */
export interface NativeTrainingRun {
  opts: ResolvedTrainOptions;
  tables: NativeTrainerTables;
  /** Extra trainer settings (item2vec). */
  extra?: Pick<NativeTrainerConfig, 'wholeSentenceWindow' | 'groupNegative'>;
  vocabularySize: number;
  vocabularyCount: number;
  wordsPerEpoch: number;
  control: TrainControl;
  /**
   * Feeds one epoch: adds ids to `encoder` (or to encoders of its own) and awaits
   * `drain(encoder)` often; drain hands ready chunks to the trainer, waits for queue space,
   * yields to the event loop and throws when training must stop.
   */
  feedEpoch(encoder: ChunkEncoder, drain: (from?: ChunkEncoder) => Promise<void>, epoch: number): Promise<void>;
  /** Sentences longer than this are split; default opts.maxSentenceLength. */
  maxSentenceLength?: number;
}

/**
 * Runs the native trainer: creates it, feeds every epoch through bounded chunks, relays
 * progress, honours the abort signal, and returns the vectors. Shared by train() and
 * trainItems().
 */
export async function runNativeTraining(run: NativeTrainingRun): Promise<{
  vectors: { input: Float32Array; output?: Float32Array };
  epochStats: NativeEpochStats[];
  trainingMs: number;
}> {
  const { opts, tables, control } = run;
  const { signal } = control;
  const addon = native();
  let onSpace: (() => void) | undefined;
  let finish!: (result: { cancelled: boolean; error?: string }) => void;
  const done = new Promise<{ cancelled: boolean; error?: string }>((resolve) => (finish = resolve));
  // An onProgress that throws stops the training; train() rejects with its error.
  let progressError: unknown;
  const userProgress = control.onProgress;
  const report = throttle(opts.progressInterval, userProgress && ((p: Progress) => {
    if (progressError !== undefined) return;
    try {
      userProgress(p);
    } catch (err) {
      progressError = err;
      trainer.cancel();
    }
  }));
  const trainStarted = Date.now();
  const toProgress = (p: NativeProgress): Progress => {
    const fraction = p.wordsTotal > 0 ? Math.min(1, p.wordsDone / p.wordsTotal) : 0;
    const elapsed = Date.now() - trainStarted;
    return {
      phase: 'training', epoch: p.epoch, epochs: opts.epochs, wordsDone: p.wordsDone, wordsTotal: p.wordsTotal, fraction,
      alpha: p.alpha, loss: p.loss, wordsPerSecond: p.wordsPerSecond, elapsedMs: elapsed,
      etaMs: fraction > 0 ? (elapsed * (1 - fraction)) / fraction : 0,
      vocabularySize: run.vocabularySize,
      vocabularyCount: run.vocabularyCount,
    };
  };
  const trainer: NativeTrainer = new addon.Trainer(
    {
      dim: opts.dim, window: opts.window, negative: opts.negative, cbow: opts.model === 'cbow', hs: opts.hs,
      alpha: opts.alpha, minAlpha: opts.minAlpha, epochs: opts.epochs, threads: opts.threads, seed: opts.seed,
      wordsPerEpoch: run.wordsPerEpoch,
      // The GPU trainer batches ~2M words per launch: let that much wait in its queue.
      queueCapacity: opts.device === 'cuda' ? 64 : Math.max(4, 2 * opts.threads),
      progressIntervalMs: opts.progressInterval, sharedNegatives: opts.sharedNegatives, device: opts.device, ...run.extra,
    },
    tables,
    run.vocabularySize,
    (kind, payload) => {
      if (kind === 'progress') report(() => toProgress(payload as NativeProgress), true);
      else if (kind === 'space') {
        const wake = onSpace;
        onSpace = undefined;
        wake?.();
      } else if (kind === 'done') {
        const wake = onSpace;
        onSpace = undefined;
        wake?.();
        finish(payload as { cancelled: boolean; error?: string });
      }
    },
  );
  const abort = (): void => trainer.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  let feedError: unknown;
  let stopped = false;
  try {
    trainer.start();
    await nextTurn();
    const encoder = new ChunkEncoder(run.maxSentenceLength ?? opts.maxSentenceLength);
    const yieldTurn = eventLoopYielder();
    let currentEpoch = 0;
    const drain = async (from: ChunkEncoder = encoder): Promise<void> => {
      await yieldTurn();
      if (progressError !== undefined) throw progressError;
      while (from.ready.length > 0) {
        if (signal?.aborted || stopped) throw abortError(signal ?? new AbortController().signal);
        const chunk = from.ready[0]!;
        if (trainer.push(chunk.tokens, chunk.ends, currentEpoch, chunk.contexts)) {
          from.ready.shift();
          // push() copied it: free its buffers now rather than at the next collection, which
          // during training comes only after tens of MB of chunks have piled up.
          addon.detachBuffer(chunk.tokens.buffer);
          addon.detachBuffer(chunk.ends.buffer);
          if (chunk.contexts) addon.detachBuffer(chunk.contexts.buffer);
        } else await new Promise<void>((resolve) => (onSpace = resolve));
      }
    };
    void done.then(() => (stopped = true));
    for (currentEpoch = 0; currentEpoch < opts.epochs; currentEpoch++) {
      await run.feedEpoch(encoder, drain, currentEpoch);
      encoder.flush();
      await drain();
    }
  } catch (err) {
    feedError = err;
    trainer.cancel();
  } finally {
    trainer.close();
  }
  const result = await done;
  signal?.removeEventListener('abort', abort);
  if (result.error) throw new Error(`training failed: ${result.error}`);
  if (signal?.aborted) throw abortError(signal);
  if (progressError !== undefined) throw progressError;
  if (feedError !== undefined) throw feedError;
  if (result.cancelled) throw new Error('training was cancelled');

  return { vectors: trainer.takeVectors(), epochStats: trainer.epochStats(), trainingMs: Date.now() - trainStarted };
}

/** Final id of each provisional id (-2 when not in the vocabulary) and the tokens per epoch. */
function mapProvisionalIds(counter: NativeTokenCounter, vocab: Vocabulary): { finalId: Int32Array; wordsPerEpoch: number } {
  const finalId = new Int32Array(counter.distinct).fill(-2);
  const { ids, counts } = counter.lookup(vocab.keys);
  let wordsPerEpoch = 0;
  for (let id = vocab.hasSentenceToken ? 1 : 0; id < vocab.size; id++) {
    const p = ids[id]!;
    if (p >= 0) {
      finalId[p] = id;
      wordsPerEpoch += counts[id]!;
    }
  }
  return { finalId, wordsPerEpoch };
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
): Promise<{ vocab: Vocabulary; cached: CachedIds[] | undefined; wordsPerEpoch: number; corpusBytes: number }> {
  const counter = await countVocabulary(source, opts, control, source.rereadable ? opts.cacheTokens : Infinity);
  try {
    await nextTurn();
    const vocab =
      control.vocabulary ??
      Vocabulary.fromCounter(counter.frequent(opts.minCount), {
        minCount: opts.minCount, maxVocab: opts.maxVocab, sentenceToken: opts.sentenceToken,
      });
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
    const { finalId, wordsPerEpoch } = mapProvisionalIds(counter, vocab);
    const { narrow, blockBits, sentenceEnd } = cacheLayout(vocab.size);
    await nextTurn();
    const parts = await counter.takeIds(finalId, narrow);
    await nextTurn();
    const cached = parts?.map(({ blocks, length }) => ({ blocks, length, blockBits, sentenceEnd }));
    return { vocab, cached, wordsPerEpoch, corpusBytes: counter.bytesRead };
  } finally {
    counter.release();  // the table of every distinct token is not needed any more
  }
}
