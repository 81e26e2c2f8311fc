/**
 * A one-line terminal progress bar for the demo and the CLI.
 * @packageDocumentation
 */
import type { Progress } from './train';

/** Formats milliseconds as m:ss. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Renders a progress report as one line (no newline). */
export function progressLine(p: Progress, width = 30): string {
  if (p.phase === 'vocabulary') return `counting words: ${(p.wordsDone / 1e6).toFixed(1)}M tokens`;
  const filled = Math.round(p.fraction * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  return (
    `[${bar}] ${(p.fraction * 100).toFixed(1).padStart(5)}%  epoch ${p.epoch + 1}/${p.epochs}  ` +
    `${(p.wordsPerSecond / 1e3).toFixed(0)}k words/s  loss ${p.loss.toFixed(4)}  alpha ${p.alpha.toFixed(5)}  ` +
    `eta ${formatDuration(p.etaMs)}`
  );
}

/** A progress callback that redraws one line of `stream` (a TTY) or prints every few seconds. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): (p: Progress) => void {
  let lastPrint = 0;
  return (p) => {
    if (stream.isTTY) {
      stream.write(`\r${progressLine(p)}\x1b[K`);
    } else if (Date.now() - lastPrint > 2000) {
      lastPrint = Date.now();
      stream.write(`${progressLine(p)}\n`);
    }
  };
}
