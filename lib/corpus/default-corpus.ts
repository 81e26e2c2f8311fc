/**
 * The embedded default corpus (State of the Union addresses, 1.8M tokens; see lib/data/README.md).
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Path of the gzip-compressed default corpus shipped with the package. */
export function defaultCorpusPath(): string {
  // lib/corpus/ when run from the sources, dist/cjs/corpus/ when built: lib/data/ either way.
  const candidates = [join(__dirname, '..', 'data'), join(__dirname, '..', '..', '..', 'lib', 'data')];
  for (const dir of candidates) {
    const candidate = join(dir, 'default-corpus.txt.gz');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`word2vec-native: the default corpus is missing (looked in ${candidates.join(' and ')})`);
}
