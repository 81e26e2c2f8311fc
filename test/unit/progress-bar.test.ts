/**
 * The demo's progress lines: no count printed before counting has got anywhere, the whole
 * count printed when training starts, the 100% line always printed, and a summary whose
 * figures agree with each other.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { TrainingStats } from '../../lib/model/model';
import { formatCount, progressPrinter, trainingSummary } from '../../lib/cli/progress-bar';
import type { Progress } from '../../lib/training/train';

const base: Progress = {
  phase: 'vocabulary', epoch: 0, epochs: 2, wordsDone: 0, wordsTotal: 0, fraction: 0, alpha: 0.025, loss: 0,
  wordsPerSecond: 0, elapsedMs: 0, etaMs: 0, vocabularySize: 0, vocabularyCount: 0,
};
const counting = (wordsDone: number): Progress => ({ ...base, wordsDone });
const training = (fraction: number): Progress => ({
  ...base, phase: 'training', epoch: fraction < 0.5 ? 0 : 1, wordsDone: fraction * 3_000_000, wordsTotal: 3_000_000, fraction,
  wordsPerSecond: 1_250_000, loss: 2.5, etaMs: 4000 * (1 - fraction), vocabularySize: 11_101, vocabularyCount: 1_500_000,
});

/** A stream that keeps what is written. */
function sink(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

describe('progressPrinter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('not a terminal: no line at 0 tokens, the whole count when training starts, the 100% line last', () => {
    const { stream, text } = sink(false);
    const print = progressPrinter(stream);
    print(counting(0));
    vi.advanceTimersByTime(1000);
    print(counting(900_000));
    print(counting(1_794_355));  // train()'s last vocabulary report: the whole count
    print(training(0.01));
    vi.advanceTimersByTime(2500);
    print(training(0.5));
    vi.advanceTimersByTime(100);
    print(training(0.9));
    print(training(1));
    print(training(1));
    expect(text().split('\n')).toEqual([
      'counted 1,794,355 tokens, 11,101 words in the vocabulary',
      '[###############---------------]  50.0%  epoch 2/2  1250k words/s  loss 2.5000  alpha 0.02500  eta 0:02',
      '[##############################] 100.0%  epoch 2/2  1250k words/s  loss 2.5000  alpha 0.02500  eta 0:00',
      '',
    ]);
  });

  it('not a terminal: a long count is shown every 2 s while it runs', () => {
    const { stream, text } = sink(false);
    const print = progressPrinter(stream);
    vi.advanceTimersByTime(2500);
    print(counting(12_345_678));
    expect(text()).toBe('counting words: 12.35M tokens\n');
  });

  it('a terminal: one line redrawn, ended by the whole count, then the bar, ended at 100%', () => {
    const { stream, text } = sink(true);
    const print = progressPrinter(stream);
    print(counting(1_200));
    print(counting(5_000));
    print(training(1));
    expect(text()).toBe(
      '\rcounting words: 1.2k tokens\x1b[K\rcounting words: 5.0k tokens\x1b[K' +
        '\rcounted 5,000 tokens, 11,101 words in the vocabulary\x1b[K\n' +
        '\r[##############################] 100.0%  epoch 2/2  1250k words/s  loss 2.5000  alpha 0.02500  eta 0:00\x1b[K\n',
    );
  });
});

describe('figures', () => {
  it('formatCount', () => {
    expect([0, 950, 1_000, 12_345, 999_999, 1_794_355].map(formatCount)).toEqual(['0', '950', '1.0k', '12.3k', '1.00M', '1.79M']);
  });

  it('trainingSummary: in-vocabulary tokens, total and training time, words/s over the training', () => {
    const stats: TrainingStats = {
      device: 'cpu', wordsPerEpoch: 1_771_844, vocabularyMs: 400, trainingMs: 6_800, totalMs: 7_200,
      epochs: [0, 1, 2, 3, 4].map((epoch) => ({ epoch, words: 1_771_844, predictions: 1, loss: 2.5 - epoch / 10 })),
    };
    expect(trainingSummary(11_101, 100, stats)).toBe(
      'Trained 11,101 words x 100 dims on 5 x 1.77M in-vocabulary tokens in 7.2 s (counting 0.4 s, training 6.8 s at 1303k words/s), ' +
        'loss by epoch: 2.500 2.400 2.300 2.200 2.100',
    );
  });
});
