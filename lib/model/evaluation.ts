/**
 * Quality measures of a model, as the field reports them: analogy accuracy as the original's
 * compute-accuracy computes it, and the Spearman correlation with human similarity scores.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';

import { native } from '../native/addon';
import { checkOptions, integerOption } from '../util/validate';
import type { ModelAccess } from './model-access';

/** Result of {@link Word2Vec.evaluateAnalogies}. */
export interface AnalogyEvaluation {
  /** correct / seen, in [0, 1]. */
  accuracy: number;
  correct: number;
  /** Questions whose four words were all in the restricted vocabulary. */
  seen: number;
  /** Questions in the file. */
  total: number;
  /** Semantic (sections not starting with "gram") and syntactic accuracy. */
  semantic: { correct: number; seen: number; accuracy: number };
  syntactic: { correct: number; seen: number; accuracy: number };
  sections: { name: string; correct: number; seen: number; total: number; accuracy: number }[];
}

/** Result of {@link Word2Vec.evaluateWordPairs}. */
export interface WordPairEvaluation {
  spearman: number;
  pearson: number;
  /** Pairs with both words in the vocabulary. */
  seen: number;
  total: number;
}

const EVALUATE_ANALOGIES_OPTIONS = ['restrictVocab'];

/**
 * Scores analogy questions as the original compute-accuracy does: 3CosAdd over the
 * `restrictVocab` most frequent words (default 30000), case-insensitive, questions with a
 * word outside them skipped.
 */
export async function evaluateAnalogies(m: ModelAccess, file: string, options: { restrictVocab?: number }): Promise<AnalogyEvaluation> {
  m.checkLive();
  checkOptions(options, EVALUATE_ANALOGIES_OPTIONS);
  const restrict = Math.min(m.size(), integerOption('restrictVocab', options.restrictVocab ?? 30000, 1, 2 ** 31 - 1));
  return m.track(() => scoreAnalogies(m, file, restrict));
}

async function scoreAnalogies(m: ModelAccess, file: string, restrict: number): Promise<AnalogyEvaluation> {
  // compute-accuracy upper-cases every word; the first of equal upper-cased words wins.
  const words = m.words();
  const upper = new Map<string, number>();
  for (let i = 0; i < restrict; i++) {
    const u = words[i]!.toUpperCase();
    if (!upper.has(u)) upper.set(u, i);
  }
  const text = await readFile(file, 'utf8');
  const sections: AnalogyEvaluation['sections'] = [];
  let section: AnalogyEvaluation['sections'][number] | undefined;
  let total = 0;
  // Questions whose words are all known, answered in one batch below.
  const asked: { section: AnalogyEvaluation['sections'][number]; ids: number[] }[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/).filter((p) => p.length > 0);
    if (parts.length === 0) continue;
    if (parts[0] === ':') {
      section = { name: parts.slice(1).join(' '), correct: 0, seen: 0, total: 0, accuracy: 0 };
      sections.push(section);
      continue;
    }
    if (parts.length !== 4) continue;
    if (!section) {
      section = { name: '', correct: 0, seen: 0, total: 0, accuracy: 0 };
      sections.push(section);
    }
    total++;
    section.total++;
    const ids = parts.map((p) => upper.get(p.toUpperCase()));
    if (ids.some((id) => id === undefined)) continue;
    section.seen++;
    asked.push({ section, ids: ids as number[] });
  }
  const queries = new Float32Array(asked.length * m.dim);
  const offsets = new Int32Array(asked.length + 1);
  const excluded = new Int32Array(asked.length * 3);
  asked.forEach(({ ids: [a, b, c] }, n) => {
    const ra = m.unitRow(a!);
    const rb = m.unitRow(b!);
    const rc = m.unitRow(c!);
    const q = queries.subarray(n * m.dim, (n + 1) * m.dim);
    for (let i = 0; i < m.dim; i++) q[i] = rb[i]! - ra[i]! + rc[i]!;
    excluded.set([a!, b!, c!], n * 3);
    offsets[n + 1] = (n + 1) * 3;
  });
  if (asked.length > 0) {
    const best = await native().topKBatchAsync(
      m.scoringMatrix('cosine', restrict), m.dim, queries, 1, offsets, excluded, null, availableParallelism(),
    );
    asked.forEach(({ section: s, ids }, n) => {
      if (best.ids[n] === ids[3]) s.correct++;
    });
  }
  const sum = (list: typeof sections) => {
    const correct = list.reduce((s, x) => s + x.correct, 0);
    const seen = list.reduce((s, x) => s + x.seen, 0);
    return { correct, seen, accuracy: seen > 0 ? correct / seen : 0 };
  };
  for (const s of sections) s.accuracy = s.seen > 0 ? s.correct / s.seen : 0;
  const all = sum(sections);
  return {
    accuracy: all.accuracy, correct: all.correct, seen: all.seen, total,
    semantic: sum(sections.filter((s) => !s.name.startsWith('gram'))),
    syntactic: sum(sections.filter((s) => s.name.startsWith('gram'))),
    sections,
  };
}

/**
 * Spearman and Pearson correlation of cosine similarity with human scores, over the pairs
 * (tab- or space-separated `word1 word2 score`, `#` comments) whose words are known;
 * words are looked up as written, then lower-cased.
 */
export async function evaluateWordPairs(m: ModelAccess, file: string): Promise<WordPairEvaluation> {
  m.checkLive();
  const text = await readFile(file, 'utf8');
  m.checkLive();
  const model: number[] = [];
  const human: number[] = [];
  let total = 0;
  const lookup = (w: string): number | undefined => m.idOf(w) ?? m.idOf(w.toLowerCase());
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const parts = line.trim().split(/\t|\s+/);
    if (parts.length < 3) continue;
    const score = Number(parts[2]);
    if (!Number.isFinite(score)) continue;
    total++;
    const a = lookup(parts[0]!);
    const b = lookup(parts[1]!);
    if (a === undefined || b === undefined) continue;
    const u = m.unitRow(a);
    const v = m.unitRow(b);
    let s = 0;
    for (let i = 0; i < m.dim; i++) s += u[i]! * v[i]!;
    model.push(s);
    human.push(score);
  }
  return { spearman: pearson(ranks(model), ranks(human)), pearson: pearson(model, human), seen: model.length, total };
}

function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const r = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const mean = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]![1]] = mean;
    i = j + 1;
  }
  return r;
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
