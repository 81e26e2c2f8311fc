/**
 * A one-line terminal progress bar for the demo and the CLI.
 * @packageDocumentation
 */
import type { TrainingStats } from '../model/model';
import type { Progress } from '../training/train';

/** Formats milliseconds as m:ss. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A token count for a line that changes: 950, 12.3k, 1.79M. */
export function formatCount(n: number): string {
  if (n >= 999_950) return `${(n / 1e6).toFixed(2)}M`;  // not 1000.0k
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** Renders a progress report as one line (no newline). */
export function progressLine(p: Progress, width = 30): string {
  if (p.phase === 'vocabulary') return `counting words: ${formatCount(p.wordsDone)} tokens`;
  const filled = Math.round(p.fraction * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  return (
    `[${bar}] ${(p.fraction * 100).toFixed(1).padStart(5)}%  epoch ${p.epoch + 1}/${p.epochs}  ` +
    `${(p.wordsPerSecond / 1e3).toFixed(0)}k words/s  loss ${p.loss.toFixed(4)}  alpha ${p.alpha.toFixed(5)}  ` +
    `eta ${formatDuration(p.etaMs)}`
  );
}

/**
 * The line that ends the vocabulary phase: `counted 1,794,355 tokens, 11,101 words in the
 * vocabulary`, from the phase's last report (which has the whole count) and the first
 * training report (which has the vocabulary's size).
 */
export function countedLine(counted: Progress, training: Progress): string {
  const exact = (n: number): string => n.toLocaleString('en-US');
  return `counted ${exact(counted.wordsDone)} tokens, ${exact(training.vocabularySize)} words in the vocabulary`;
}

/**
 * A progress callback that redraws one line of `stream` (a TTY) or prints a line every few
 * seconds. Either way the count of the vocabulary phase is printed whole when training
 * starts, and the training's last report (100%) is printed, ending its line.
 */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  // Not 0: a line printed at once would show a count that has barely started (0.0M tokens).
  let lastPrint = Date.now();
  let counting: Progress | undefined;
  let ended = false;
  const print = (line: string, end: boolean): void => {
    if (stream.isTTY) stream.write(`\r${line}\x1b[K${end ? '\n' : ''}`);
    else stream.write(`${line}\n`);
  };
  return (p) => {
    if (ended) return;
    if (p.phase === 'vocabulary') {
      counting = p;
    } else if (counting) {
      print(countedLine(counting, p), true);
      counting = undefined;
      lastPrint = Date.now();
    }
    if (p.phase === 'training' && p.fraction >= 1) {
      ended = true;
      print(progressLine(p), true);
    } else if (stream.isTTY) {
      print(progressLine(p), false);
    } else if (Date.now() - lastPrint > 2000) {
      lastPrint = Date.now();
      print(progressLine(p), false);
    }
  };
}

/**
 * The demo's line after training. Its figures: the tokens trained per epoch are the corpus's tokens
 * of words kept in the vocabulary (fewer than the count printed before training, which has
 * every token); words/s is over the training alone, as the progress bar's is.
 */
export function trainingSummary(words: number, dim: number, stats: TrainingStats): string {
  const trained = stats.epochs.reduce((sum, e) => sum + e.words, 0);
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return (
    `Trained ${words.toLocaleString('en-US')} words x ${dim} dims on ${stats.epochs.length} x ${formatCount(stats.wordsPerEpoch)} in-vocabulary tokens ` +
    `in ${seconds(stats.totalMs)} (counting ${seconds(stats.vocabularyMs ?? 0)}, training ${seconds(stats.trainingMs)} ` +
    `at ${Math.round(trained / (stats.trainingMs / 1000) / 1000)}k words/s), ` +
    `loss by epoch: ${stats.epochs.map((e) => e.loss.toFixed(3)).join(' ')}`
  );
}
