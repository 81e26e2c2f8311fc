/**
 * apache-arrow, loaded on first use by the Arrow format's writer and reader: it takes ~100 ms
 * to load, which every other use of this package would pay if it were imported at the top.
 *
 * @module
 */

import type * as Arrow from 'apache-arrow';

/** The module namespace of apache-arrow. */
export type ArrowModule = typeof Arrow;

let arrowModule: Promise<ArrowModule> | undefined;

/**
 * apache-arrow's namespace. (It ships CommonJS, so TypeScript's `import()` -> `require()` in
 * the CommonJS build loads it on every supported Node; see util/esm-import.ts for the packages
 * that do not.)
 */
export function loadArrow(): Promise<ArrowModule> {
  arrowModule ??= import('apache-arrow');
  return arrowModule;
}
