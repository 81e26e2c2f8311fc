/**
 * plotEmbedding(): the top words of a model (or chosen words) laid out in 2D by PCA or UMAP,
 * drawn as a labelled, grouped scatter plot in SVG or a self-contained HTML page.
 * @packageDocumentation
 */
import { describeValue } from '../util/errors';
import type { Word2Vec } from '../model/model';
import { integerOption } from '../util/validate';
import { SENTENCE_TOKEN } from '../corpus/vocabulary';
import { htmlPage } from './html-page';
import { groupColour, UNGROUPED_COLOUR } from './palette';
import { principalComponents } from './pca';
import { scatterSvg, type ScatterPoint } from './scatter-svg';
import { umapLayout, type UmapOptions } from './umap';

/**
 * A grouping of words: a map from word to group, or a function that names a word's group
 * (undefined: no group). Groups are compared by their text, so 1 and "1" are one group.
 */
export type WordGroups = ReadonlyMap<string, string | number> | ((word: string) => string | number | undefined);

/** Options of {@link embeddingLayout}. */
export interface EmbeddingLayoutOptions {
  /** How many of the most frequent words to draw (`</s>` left out); default 300. Ignored when `words` is given. */
  top?: number;
  /** Exactly these words, in this order of priority; each must be in the vocabulary. */
  words?: readonly string[];
  /** 'pca' (default) or 'umap'. */
  method?: 'pca' | 'umap';
  /** Lay out unit-length vectors (cosine geometry, default true) or the raw vectors. */
  normalize?: boolean;
  /** UMAP's settings; its seed defaults to 1, so the same model gives the same picture. */
  umap?: UmapOptions;
}

/** Options of {@link plotEmbedding}. */
export interface EmbeddingPlotOptions extends EmbeddingLayoutOptions {
  /** 'svg' (default) or 'html' (a page with the SVG inline, hover, pan and zoom). */
  format?: 'svg' | 'html';
  /** Colours points by group, with a legend. */
  groups?: WordGroups;
  /** Default: "PCA of the 300 most frequent words" or the like. */
  title?: string;
  /** Picture size in pixels; default 960 x 720. */
  width?: number;
  height?: number;
  /** Label font size in pixels; default 11. */
  fontSize?: number;
  /** 'auto' (default) leaves out labels that would overlap, 'all' draws every one, 'none' none. */
  labels?: 'auto' | 'all' | 'none';
}

/** Words with their 2D coordinates, from {@link embeddingLayout}. */
export interface EmbeddingLayout {
  words: string[];
  /** Vocabulary ids of the words. */
  ids: number[];
  x: Float64Array;
  y: Float64Array;
  method: 'pca' | 'umap';
  /** PCA: the share of the total variance along each axis, in [0, 1]. */
  explained?: [number, number];
}

const LAYOUT_OPTIONS = ['top', 'words', 'method', 'normalize', 'umap'];
const PLOT_OPTIONS = [...LAYOUT_OPTIONS, 'format', 'groups', 'title', 'width', 'height', 'fontSize', 'labels'];

function checkKeys(options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) throw new TypeError(`unknown option ${JSON.stringify(name)}`);
  }
}

function selectIds(model: Word2Vec, options: EmbeddingLayoutOptions): number[] {
  if (options.words !== undefined) {
    if (!Array.isArray(options.words)) throw new TypeError(`words must be an array of strings, got ${describeValue(options.words)}`);
    const ids: number[] = [];
    const seen = new Set<number>();
    const missing: string[] = [];
    for (const w of options.words as unknown[]) {
      if (typeof w !== 'string') throw new TypeError(`words must be an array of strings, got ${describeValue(w)} in it`);
      const id = model.idOf(w);
      if (id === undefined) missing.push(w);
      else if (!seen.has(id)) {
        seen.add(id);
        ids.push(id);
      }
    }
    if (missing.length > 0) {
      const shown = missing.slice(0, 10).map((w) => describeValue(w)).join(', ');
      throw new Error(`words not in the vocabulary: ${shown}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`);
    }
    if (ids.length === 0) throw new RangeError('words must name at least one word, got an empty list');
    return ids;
  }
  const top = integerOption('top', options.top ?? 300, 1, 1_000_000);
  const ids: number[] = [];
  for (let id = 0; id < model.size && ids.length < top; id++) if (model.words[id] !== SENTENCE_TOKEN) ids.push(id);
  if (ids.length === 0) throw new RangeError(`the model has no words to draw (size ${model.size})`);
  return ids;
}

/** The rows of `ids`, unit length when asked (a zero vector stays zero). */
function gatherRows(model: Word2Vec, ids: readonly number[], normalize: boolean): Float64Array {
  const dim = model.dim;
  const rows = new Float64Array(ids.length * dim);
  ids.forEach((id, i) => {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = model.vectors[id * dim + j]!;
      rows[i * dim + j] = v;
      norm += v * v;
    }
    if (normalize && norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let j = 0; j < dim; j++) rows[i * dim + j]! *= inv;
    }
  });
  return rows;
}

/** 2D coordinates of the model's top words (or of `options.words`) by PCA or UMAP. Deterministic. */
export function embeddingLayout(model: Word2Vec, options: EmbeddingLayoutOptions = {}): EmbeddingLayout {
  checkKeys(options, LAYOUT_OPTIONS);
  return layout(model, options);
}

function layout(model: Word2Vec, options: EmbeddingLayoutOptions): EmbeddingLayout {
  const method = options.method ?? 'pca';
  if (method !== 'pca' && method !== 'umap') throw new TypeError(`method must be "pca" or "umap", got ${describeValue(method)}`);
  const normalize = options.normalize ?? true;
  if (typeof normalize !== 'boolean') throw new TypeError(`normalize must be a boolean, got ${describeValue(normalize)}`);
  const ids = selectIds(model, options);
  const rows = gatherRows(model, ids, normalize);
  const n = ids.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const words = ids.map((id) => model.words[id]!);
  if (method === 'umap') {
    if (options.umap !== undefined && (options.umap === null || typeof options.umap !== 'object')) {
      throw new TypeError(`umap must be an object, got ${describeValue(options.umap)}`);
    }
    const xy = umapLayout(rows, model.dim, options.umap ?? {});
    for (let i = 0; i < n; i++) {
      x[i] = xy[i * 2]!;
      y[i] = xy[i * 2 + 1]!;
    }
    return { words, ids, x, y, method };
  }
  const count = Math.min(2, model.dim);
  const pca = principalComponents(rows, model.dim, count);
  for (let i = 0; i < n; i++) {
    x[i] = pca.coordinates[i * count]!;
    y[i] = count > 1 ? pca.coordinates[i * count + 1]! : 0;
  }
  const share = (k: number): number => (pca.totalVariance > 0 && k < count ? pca.variances[k]! / pca.totalVariance : 0);
  return { words, ids, x, y, method, explained: [share(0), share(1)] };
}

function groupOf(groups: WordGroups, word: string): string | undefined {
  const g = typeof groups === 'function' ? groups(word) : groups.get(word);
  if (g === undefined || g === null) return undefined;
  if (typeof g !== 'string' && typeof g !== 'number') {
    throw new TypeError(`groups must give a string or a number for a word, got ${describeValue(g)} for ${describeValue(word)}`);
  }
  return String(g);
}

/**
 * Draws the model's top words (or `options.words`) in 2D, PCA by default, as SVG text or as a
 * self-contained HTML page. Each point has its word as a hover title; labels are drawn where
 * they do not overlap (all of them with `labels: 'all'`). The same model and options give the
 * same text.
 */
export function plotEmbedding(model: Word2Vec, options: EmbeddingPlotOptions = {}): string {
  checkKeys(options, PLOT_OPTIONS);
  const format = options.format ?? 'svg';
  if (format !== 'svg' && format !== 'html') throw new TypeError(`format must be "svg" or "html", got ${describeValue(format)}`);
  const labels = options.labels ?? 'auto';
  if (labels !== 'auto' && labels !== 'all' && labels !== 'none') {
    throw new TypeError(`labels must be "auto", "all" or "none", got ${describeValue(labels)}`);
  }
  const width = integerOption('width', options.width ?? 960, 200, 20000);
  const height = integerOption('height', options.height ?? 720, 150, 20000);
  const fontSize = integerOption('fontSize', options.fontSize ?? 11, 4, 72);
  const { groups } = options;
  if (groups !== undefined && typeof groups !== 'function' && !(groups instanceof Map)) {
    throw new TypeError(`groups must be a Map or a function, got ${describeValue(groups)}`);
  }
  if (options.title !== undefined && typeof options.title !== 'string') {
    throw new TypeError(`title must be a string, got ${describeValue(options.title)}`);
  }
  const placed = layout(model, options);
  const order = new Map<string, number>();
  const points: ScatterPoint[] = placed.words.map((word, i) => {
    const group = groups === undefined ? undefined : groupOf(groups, word);
    let colour = groups === undefined ? groupColour(0) : UNGROUPED_COLOUR;
    if (group !== undefined) {
      if (!order.has(group)) order.set(group, order.size);
      colour = groupColour(order.get(group)!);
    }
    return { x: placed.x[i]!, y: placed.y[i]!, label: word, colour, ...(group !== undefined ? { group } : {}) };
  });
  const legend = [...order.keys()].map((label, i) => ({ label, colour: groupColour(i) }));
  if (groups !== undefined && points.some((p) => p.group === undefined)) legend.push({ label: '(no group)', colour: UNGROUPED_COLOUR });
  const what = options.words !== undefined ? `${points.length} chosen words` : `the ${points.length} most frequent words`;
  const method = placed.method === 'pca' ? 'PCA' : 'UMAP';
  const title = options.title ?? `${method} of ${what}`;
  const percent = (share: number): string => `${(share * 100).toFixed(1)}% of variance`;
  const [xTitle, yTitle] = placed.explained
    ? [`PC1 (${percent(placed.explained[0])})`, `PC2 (${percent(placed.explained[1])})`]
    : ['UMAP 1', 'UMAP 2'];
  const svg = scatterSvg({
    points, legend, title, xTitle, yTitle, width, height, fontSize, labels, originLines: placed.method === 'pca',
    inline: format === 'html',
  });
  return format === 'html' ? htmlPage(title, svg) : svg;
}
