// Where the benches find what lies beside the repository: ../shared/data, found relative to
// the repository root (never by an absolute path).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ../shared/data beside the repository. */
export const SHARED_DATA = join(REPO_ROOT, '..', 'shared', 'data');
/** en-8m, the benchmark corpus, in ../shared/data. */
export const EN8M_CORPUS = join(SHARED_DATA, 'corpus', 'en-8m.txt.gz');
