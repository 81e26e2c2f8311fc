/**
 * The native training run shared by train() and trainItems(): the trainer created, every
 * epoch fed through bounded chunks, progress relayed (throttled), the abort signal honoured,
 * and the run's totals.
 * @module
 */
import type { Vocabulary } from '../corpus/vocabulary';
import type { EpochSummary, TrainingStats } from '../model/model';
import {
  native, type NativeEpochStats, type NativeKeptIds, type NativeTrainedVectors, type NativeProgress, type NativeTrainer, type NativeTrainerConfig, type NativeTrainerTables,
} from '../native/addon';
import { abortError, describeValue } from '../util/errors';
import { eventLoopYielder, nextTurn } from '../util/event-loop';
import { ChunkEncoder } from './chunks';
import type { ResolvedTrainOptions } from './options';

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

/** A reporter that passes on at most one report per `interval` ms (all forced ones). */
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
  /** Extra trainer settings (item2vec, side information). */
  extra?: Pick<NativeTrainerConfig, 'wholeSentenceWindow' | 'groupNegative' | 'sideInfo' | 'attributeSlots' | 'attributeCount'>;
  vocabularySize: number;
  vocabularyCount: number;
  wordsPerEpoch: number;
  control: TrainControl;
  /**
   * Feeds one epoch: adds ids to `encoder` (or to encoders of its own) and awaits
   * `drain(encoder)` often; drain hands ready chunks to the trainer, waits for queue space,
   * yields to the event loop and throws when training must stop. Not called with keptIds.
   */
  feedEpoch?: (encoder: ChunkEncoder, drain: (from?: ChunkEncoder) => Promise<void>, epoch: number) => Promise<void>;
  /** The corpus kept as ids: every epoch replayed from a native thread instead of feedEpoch. */
  keptIds?: NativeKeptIds;
  /** Sentences longer than this are split; default opts.maxSentenceLength. */
  maxSentenceLength?: number;
}

/**
 * Runs the native trainer: creates it, feeds every epoch through bounded chunks, relays
 * progress, honours the abort signal, and returns the vectors. Shared by train() and
 * trainItems().
 */
export async function runNativeTraining(run: NativeTrainingRun): Promise<{
  vectors: NativeTrainedVectors;
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
  // Aborted before the listener was there (at the end of the vocabulary pass): nothing would
  // stop a replay, which no JS loop checks.
  if (signal?.aborted) abort();
  let feedError: unknown;
  let stopped = false;
  let replaying = false;
  try {
    trainer.start();
    await nextTurn();
    if (run.keptIds) {
      // Fed from a native thread, which closes the input at the end: the event loop's thread
      // does nothing per token (fed from here, en-8m sg-neg training took 7% longer on 2 cores).
      trainer.replay(run.keptIds.handle, opts.threads, run.maxSentenceLength ?? opts.maxSentenceLength, opts.epochs);
      replaying = true;
    } else {
      void done.then(() => (stopped = true));
      await feedChunks(run, {
        trainer,
        space: () => new Promise<void>((resolve) => (onSpace = resolve)),
        progressFailure: () => progressError,
        mustStop: () => signal?.aborted === true || stopped,
      });
    }
  } catch (err) {
    feedError = err;
    trainer.cancel();
  } finally {
    if (!replaying) trainer.close();
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

/** What feedChunks needs of a running training. */
interface Feeding {
  trainer: NativeTrainer;
  /** Resolves at the trainer's next 'space' (or 'done') event. */
  space(): Promise<void>;
  /** The error an onProgress threw, if any. */
  progressFailure(): unknown;
  /** True once aborted or done. */
  mustStop(): boolean;
}

/**
 * Feeds every epoch from JS (run.feedEpoch) in bounded chunks: the encoder's ready chunks are
 * pushed (copied), waiting for queue space; throws when the training must stop.
 */
async function feedChunks(run: NativeTrainingRun, f: Feeding): Promise<void> {
  const { opts, control } = run;
  if (!run.feedEpoch) throw new Error('runNativeTraining needs feedEpoch or keptIds');
  const addon = native();
  const encoder = new ChunkEncoder(run.maxSentenceLength ?? opts.maxSentenceLength);
  const yieldTurn = eventLoopYielder();
  let currentEpoch = 0;
  const drain = async (from: ChunkEncoder = encoder): Promise<void> => {
    await yieldTurn();
    const failure = f.progressFailure();
    if (failure !== undefined) throw failure;
    while (from.ready.length > 0) {
      if (f.mustStop()) throw abortError(control.signal ?? new AbortController().signal);
      const chunk = from.ready[0]!;
      if (f.trainer.push(chunk.tokens, chunk.ends, currentEpoch, chunk.contexts)) {
        from.ready.shift();
        // push() copied it: free its buffers now rather than at the next collection, which
        // during training comes only after tens of MB of chunks have piled up.
        addon.detachBuffer(chunk.tokens.buffer);
        addon.detachBuffer(chunk.ends.buffer);
        if (chunk.contexts) addon.detachBuffer(chunk.contexts.buffer);
      } else await f.space();
    }
  };
  for (currentEpoch = 0; currentEpoch < opts.epochs; currentEpoch++) {
    await run.feedEpoch(encoder, drain, currentEpoch);
    encoder.flush();
    await drain();
  }
}
