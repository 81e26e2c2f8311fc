/**
 * What the query, evaluation and clustering modules see of a {@link Word2Vec}: its rows, its
 * vocabulary and its lifetime guard, and nothing of how they are stored.
 * @module
 */

/**
 * How queries score rows: `'cosine'` (default) ranks unit-length rows by their inner product
 * with the unit-length query; `'dot'` ranks the raw rows by raw inner product (what a
 * recommender's recall layer scores by).
 */
export type Metric = 'cosine' | 'dot';

/** A model's rows and vocabulary, for the modules that query it. */
export interface ModelAccess {
  readonly dim: number;
  /** Throws an Error "model is disposed" once the model is disposed. */
  checkLive(): void;
  size(): number;
  words(): readonly string[];
  /** The input vectors, size x dim (the caller has checked the model is live). */
  vectors(): Float32Array;
  /** Corpus counts by id, when the model has them. */
  counts(): Float64Array | undefined;
  idOf(word: string): number | undefined;
  /** The id of a known word; a TypeError for a non-string, an Error for an unknown word. */
  requireId(word: unknown): number;
  /** The unit-length row of id `id`. */
  unitRow(id: number): Float32Array;
  unitVectors(): Float32Array;
  /** The rows a metric scores: unit rows for cosine, raw rows for dot; the first `rows` of them. */
  scoringMatrix(metric: Metric, rows?: number): Float32Array;
  /** 1/|row| of every row, computed once on a worker thread. */
  inverseRowNorms(): Promise<Float32Array>;
  /**
   * Runs asynchronous native work that reads the buffers: dispose() waits for it, and a model
   * disposed meanwhile makes it reject (unless `finishes`: what it did stands).
   */
  track<T>(work: () => Promise<T>, finishes?: boolean): Promise<T>;
}
