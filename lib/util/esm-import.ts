/**
 * Loading an ES-module-only package (hyparquet-writer) from this CommonJS build.
 *
 * With `module: commonjs`, TypeScript compiles `import(x)` to a `require(x)`, which throws
 * ERR_REQUIRE_ESM for an ES module on Node versions before require(esm) (unflagged in 20.19
 * and 22.12; `process.features.require_module` says whether this Node has it). So:
 * - where Node can require an ES module, `require` it: synchronous, and it works wherever our
 *   code runs, vitest's module runner included;
 * - on older Node, a real dynamic `import()`, kept from TypeScript in the body of a `Function`
 *   (which is not compiled). Such an import resolves a bare name from the main module rather
 *   than from this file, so the package is resolved from here (`require.resolve`, which
 *   honours its `exports`) and imported by file URL. (It fails inside a `vm` context without
 *   an import callback, as test runners' are: those run on the Node versions of the first case.)
 *
 * @module
 */

import { pathToFileURL } from 'node:url';

const dynamicImport = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

const loaded = new Map<string, Promise<unknown>>();

/** Whether this Node loads ES modules with require() (20.19+, 22.12+). */
const canRequireEsm = (process.features as { require_module?: boolean }).require_module === true;

async function load(specifier: string): Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (canRequireEsm) return require(specifier) as unknown;
  return dynamicImport(pathToFileURL(require.resolve(specifier)).href);
}

/**
 * The namespace of the ES module `specifier` (a package name or a path it exports), as
 * resolved from this package; loaded once. `T` is the caller's `typeof import('...')`.
 *
 * @throws the resolution error (`Cannot find module ...`) or the module's own, as a rejection.
 */
export function importEsm<T>(specifier: string): Promise<T> {
  let module = loaded.get(specifier);
  if (!module) {
    module = load(specifier);
    // A failed load is not kept: the next call tries again (e.g. after an install).
    module.catch(() => loaded.delete(specifier));
    loaded.set(specifier, module);
  }
  return module as Promise<T>;
}
