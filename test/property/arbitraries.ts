/** fast-check arbitraries and checks shared by the property suites. */
import fc from 'fast-check';

import type { VectorTable } from '../../lib/formats/word2vec';
import type { Word2Vec } from '../../lib/model/model';

/** Runs per property: enough to find shallow bugs on every `npm test`, small enough that the whole
 * property suite stays well under a minute on 2 cores. PROPERTY_RUNS_SCALE=10 runs ten times as many. */
export function runs(base: number): number {
  const scale = Number(process.env.PROPERTY_RUNS_SCALE ?? '1');
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/**
 * A word as a byte key (one char per byte, latin1): 1 to 12 bytes, none of the separators
 * the formats forbid (NUL, tab, newline, CR, space); bytes above 0x7f included, so words are
 * often invalid UTF-8.
 */
export const wordKey: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })), { minLength: 1, maxLength: 12 })
  .map((bytes) => String.fromCharCode(...bytes));

/** Finite float32 values, from denormals to the largest, both zeros included. */
export const finiteFloat: fc.Arbitrary<number> = fc.float({ noNaN: true, noDefaultInfinity: true });

/** A small table of distinct words with finite vectors. */
export const vectorTable: fc.Arbitrary<VectorTable> = fc
  .record({ keys: fc.uniqueArray(wordKey, { maxLength: 6 }), dim: fc.integer({ min: 1, max: 6 }) })
  .chain(({ keys, dim }) =>
    fc
      .array(finiteFloat, { minLength: keys.length * dim, maxLength: keys.length * dim })
      .map((values) => ({ keys, dim, vectors: Float32Array.from(values) })),
  );

/** Any JavaScript value a caller might pass where an option belongs. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -5, max: 20 }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 31, 2 ** 53, Number.MAX_VALUE, Number.MIN_VALUE, 0.5, 1e-300),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.bigInt({ min: -10n, max: 10n }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1, maxKeys: 2 }),
  fc.constant(() => 1),
  fc.constant(Symbol('option')),
  fc.constant(new Float32Array(2)),
);

/** Throws unless `model` holds together: sizes agree, every word has a row. */
export function checkModelConsistent(model: Word2Vec): void {
  if (!Number.isInteger(model.dim) || model.dim < 1) throw new Error(`model dim ${model.dim}`);
  if (model.keys.length !== model.size || model.words.length !== model.size) {
    throw new Error(`model has ${model.size} words but ${model.keys.length} keys and ${model.words.length} words`);
  }
  if (!(model.vectors instanceof Float32Array) || model.vectors.length !== model.size * model.dim) {
    throw new Error(`model of ${model.size} x ${model.dim} has ${model.vectors.length} values`);
  }
  if (model.outputVectors !== undefined && model.outputVectors.length !== model.vectors.length) {
    throw new Error(`model has ${model.outputVectors.length} output values for ${model.vectors.length} input values`);
  }
  for (const key of model.keys) if (typeof key !== 'string' || key.length === 0) throw new Error(`model key ${JSON.stringify(key)}`);
}

/** The error a promise rejected with, or undefined when it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return undefined;
  } catch (e) {
    return e;
  }
}

/** The error a call threw, or undefined when it returned. */
export function thrown(call: () => unknown): unknown {
  try {
    call();
    return undefined;
  } catch (e) {
    return e;
  }
}

/**
 * Throws unless `e` is an Error with a message (not a string, not a native crash turned into
 * something odd). PROPERTY_LOG_ERRORS=1 prints each message, for reading them all.
 */
export function checkIsError(e: unknown, context: string): asserts e is Error {
  if (!(e instanceof Error)) throw new Error(`${context}: threw a non-Error ${String(e)}`);
  if (typeof e.message !== 'string' || e.message.length === 0) throw new Error(`${context}: threw an Error without a message`);
  if (process.env.PROPERTY_LOG_ERRORS) console.log(`ERR ${context}: ${e.message}`);
}
