/**
 * Word classes by k-means on the input vectors, as the original's `-classes`.
 * @module
 */
import { availableParallelism } from 'node:os';

import { native, nativeLimits } from '../native/addon';
import { checkOptions, integerOption } from '../util/validate';
import type { ModelAccess } from './model-access';

/** Options of {@link Word2Vec.wordClasses}. */
export interface WordClassesOptions {
  /** k-means rounds; default 10. */
  iterations?: number;
  /** Threads; default os.availableParallelism(). */
  threads?: number;
}

const WORD_CLASSES_OPTIONS = ['iterations', 'threads'];

/** Class ids by word id, computed off the main thread. */
export async function wordClasses(m: ModelAccess, classes: number, options: WordClassesOptions): Promise<Int32Array> {
  m.checkLive();
  checkOptions(options, WORD_CLASSES_OPTIONS);
  integerOption('classes', classes, 1, m.size());
  const limits = nativeLimits();
  const iterations = integerOption('iterations', options.iterations ?? 10, 1, limits.maxKMeansIterations);
  const threads = integerOption('threads', options.threads ?? availableParallelism(), 1, limits.maxKMeansThreads);
  return m.track(() => native().kmeansClasses(m.vectors(), m.dim, classes, iterations, threads));
}
