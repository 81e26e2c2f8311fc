/**
 * Loading an index file for a model: read whole, or memory-mapped (`view`), and refused unless
 * its header says it was built from exactly this model's vectors.
 * @module
 */
import { availableParallelism } from 'node:os';

import { ItemEmbeddings } from '../model/item-embeddings';
import { modelAccess, Word2Vec } from '../model/model';
import { native } from '../native/addon';
import { describeValue } from '../util/errors';
import { checkOptions, booleanOption, integerOption } from '../util/validate';
import { KIND_OF_CODE, VectorIndex } from './vector-index';
import { MAX_THREADS } from './index-options';

/** Options of {@link loadIndex}. */
export interface LoadIndexOptions {
  /** Map the file instead of reading it: opens at once, pages come from the file as searches touch them; read-only. */
  view?: boolean;
  /** Threads that check the file's hashes and the model's fingerprint; default os.availableParallelism(). */
  threads?: number;
}

/**
 * Loads an index saved by `index.save()` for `model` (a Word2Vec or ItemEmbeddings). Its
 * header must match the model: dim, rows and a fingerprint of the vectors it was built from
 * (input or output); otherwise an Error says what differs, and the index is not served.
 */
export async function loadIndex(path: string, model: Word2Vec | ItemEmbeddings, options: LoadIndexOptions = {}): Promise<VectorIndex> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`path must be a non-empty string, got ${describeValue(path)}`);
  const w2v = model instanceof ItemEmbeddings ? model.model : model;
  if (!(w2v instanceof Word2Vec)) throw new TypeError(`model must be a Word2Vec or ItemEmbeddings, got ${describeValue(model)}`);
  checkOptions(options, ['view', 'threads']);
  const view = booleanOption('view', options.view ?? false);
  const threads = integerOption('threads', options.threads ?? availableParallelism(), 1, MAX_THREADS);
  const { index: handle, header, extra } = await native().openIndex(path, view, threads);
  try {
    const vectors = KIND_OF_CODE[header.vectors] ?? 'given';
    if (header.dim !== w2v.dim) throw new Error(`index ${JSON.stringify(path)} holds vectors of dim ${header.dim}, the model's have dim ${w2v.dim}`);
    let rows: Float32Array | undefined;
    if (vectors !== 'given') {
      rows = vectors === 'input' ? w2v.vectors : w2v.outputVectors;
      if (!rows) throw new Error(`index ${JSON.stringify(path)} was built from output vectors, and this model has none`);
      if (header.modelRows !== w2v.size) {
        throw new Error(`index ${JSON.stringify(path)} was built from a model of ${header.modelRows} rows, this model has ${w2v.size}: rebuild it with buildIndex`);
      }
      const source = rows;
      // Tracked: the model's dispose() waits for the hash to finish reading its rows.
      const fingerprint = await modelAccess(w2v).track(() => native().fingerprintRowsAsync(source, w2v.dim, threads));
      if (fingerprint !== header.fingerprint) {
        throw new Error(`index ${JSON.stringify(path)} was built from other ${vectors} vectors than this model's (fingerprint ${header.fingerprint}, the model's ${fingerprint}): rebuild it with buildIndex`);
      }
    }
    const groups = VectorIndex.restoreExtra(handle, extra);
    return new VectorIndex(handle, { vectors, modelRows: header.modelRows, fingerprint: header.fingerprint }, rows, groups);
  } catch (e) {
    handle.dispose();
    throw e;
  }
}
