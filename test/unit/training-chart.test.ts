/** trainingChart: one point per training report, epochs marked, well-formed SVG. */
import { describe, expect, it } from 'vitest';

import { trainingChart } from '../../lib/plot/training-chart';
import type { Progress } from '../../lib/training/train';
import { findAll, parseXml, type XmlElement } from '../xml';

const WORDS_PER_EPOCH = 1_000_000;

/** `count` reports 100 ms apart over `epochs` epochs at 1M words/s, loss falling; two vocabulary reports first. */
function reports(count: number, epochs: number): Progress[] {
  const base = { epochs, alpha: 0.025, etaMs: 0, vocabularySize: 100, vocabularyCount: WORDS_PER_EPOCH };
  const counting: Progress[] = [0, 1].map((i) => ({
    ...base, phase: 'vocabulary', epoch: 0, wordsDone: i * 1000, wordsTotal: 0, fraction: 0, loss: 0, wordsPerSecond: 0, elapsedMs: i * 10,
  }));
  const total = WORDS_PER_EPOCH * epochs;
  const training: Progress[] = Array.from({ length: count }, (_, i) => {
    const wordsDone = Math.round((total * (i + 1)) / count);
    const elapsedMs = 100 * (i + 1);
    return {
      ...base, phase: 'training', epoch: Math.min(epochs - 1, Math.floor(wordsDone / WORDS_PER_EPOCH - 1e-9)), wordsDone,
      wordsTotal: total, fraction: wordsDone / total, loss: 3 - i / count, wordsPerSecond: wordsDone / (elapsedMs / 1000), elapsedMs,
    };
  });
  return [...counting, ...training];
}

function group(root: XmlElement, name: string): XmlElement {
  const g = findAll(root, 'g').find((e) => e.attributes.class === name);
  if (!g) throw new Error(`no group ${name}`);
  return g;
}

function vertices(root: XmlElement, name: string): Array<[number, number]> {
  return findAll(group(root, name), 'polyline').flatMap((p) =>
    p.attributes.points!.split(' ').map((xy) => xy.split(',').map(Number) as [number, number]),
  );
}

describe('trainingChart', () => {
  it('draws one point per training report, in time order, on both panels', () => {
    const root = parseXml(trainingChart(reports(30, 3)));
    for (const series of ['loss', 'words-per-second', 'words-per-second-average']) {
      const points = vertices(root, series);
      expect(points).toHaveLength(30);
      for (let i = 1; i < points.length; i++) expect(points[i]![0]).toBeGreaterThan(points[i - 1]![0]);
    }
    // Falling loss: y grows downwards in SVG.
    const loss = vertices(root, 'loss');
    expect(loss[29]![1]).toBeGreaterThan(loss[0]![1]);
    expect(findAll(group(root, 'loss'), 'circle')).toHaveLength(30);
  });

  it('marks where each epoch after the first began', () => {
    const svg = trainingChart(reports(30, 3));
    const root = parseXml(svg);
    const marks = findAll(group(root, 'epochs'), 'line');
    expect(marks).toHaveLength(2);
    // At 1/3 and 2/3 of the words, 10 and 20 reports in: a third and two thirds of the way from x(0) to x(3 s).
    const xs = marks.map((m) => Number(m.attributes.x1));
    const loss = vertices(root, 'loss');
    const perReport = (loss[29]![0] - loss[0]![0]) / 29;
    expect(xs[0]).toBeCloseTo(loss[9]![0], 0);
    expect(xs[1]! - xs[0]!).toBeCloseTo(10 * perReport, 0);
    const names = findAll(group(root, 'epochs'), 'text').map((t) => t.text);
    expect(names).toEqual(['epoch 1', 'epoch 2', 'epoch 3']);
    expect(findAll(group(parseXml(trainingChart(reports(10, 1))), 'epochs'), 'line')).toHaveLength(0);
  });

  it('has axes with ticks and labels', () => {
    const root = parseXml(trainingChart(reports(30, 3), { title: 'Run <1> & "two"' }));
    expect(findAll(root, 'title')[0]!.text).toBe('Run <1> & "two"');
    const axis = findAll(group(root, 'time-axis'), 'text').map((t) => t.text);
    expect(axis).toEqual(['0.0', '0.5', '1.0', '1.5', '2.0', '2.5', '3.0', 'seconds']);
    const texts = findAll(root, 'text').map((t) => t.text);
    expect(texts).toContain('loss per prediction');
    expect(texts).toContain('words/s');
    expect(texts).toContain('1.0M');
  });

  it('leaves gaps at non-finite values and draws an empty chart without reports', () => {
    const data = reports(10, 1);
    data[6] = { ...data[6]!, loss: NaN };
    const root = parseXml(trainingChart(data));
    expect(findAll(group(root, 'loss'), 'polyline')).toHaveLength(2);
    expect(vertices(root, 'loss')).toHaveLength(9);
    const empty = parseXml(trainingChart(reports(0, 1)));
    expect(findAll(empty, 'text').map((t) => t.text)).toContain('no training progress reports');
  });

  it('rejects bad input with messages naming it', () => {
    expect(() => trainingChart({} as Progress[])).toThrow('progress must be an array of progress reports, got an object');
    expect(() => trainingChart([], { width: 5 })).toThrow('width must be an integer in [300, 20000], got 5');
    expect(() => trainingChart([], { colour: 'red' } as object)).toThrow('unknown option "colour"');
  });
});
