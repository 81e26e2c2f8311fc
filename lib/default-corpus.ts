/**
 * The embedded default corpus (State of the Union addresses, 1.8M tokens; see lib/data/README.md).
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Path of the gzip-compressed default corpus shipped with the package. */
export function defaultCorpusPath(): string {
  for (const candidate of [join(__dirname, 'data', 'default-corpus.txt.gz'), join(__dirname, '..', '..', 'lib', 'data', 'default-corpus.txt.gz')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`word2vec-native: the default corpus is missing (looked in ${join(__dirname, 'data')})`);
}
