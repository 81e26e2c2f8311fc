/**
 * Checks of option values, with the messages of the bad-input contract: each names the
 * option, the rule and the value it got.
 * @module
 */
import { describeValue } from './errors';

/** Checks an integer option; the message is `NAME must be an integer in [LO, HI], got VALUE`. */
export function integerOption(name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    throw new RangeError(`${name} must be an integer in [${lo}, ${hi}], got ${describeValue(value)}`);
  }
  return value;
}

/** Checks a real option; the message is `NAME must be a number in [LO, HI], got VALUE`. */
export function numberOption(name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    throw new RangeError(`${name} must be a number in [${lo}, ${hi}], got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Checks an options argument: an object (`options must be an object, got VALUE`) naming only
 * options in `known` (`unknown option "NAME"`, as train() says).
 */
export function checkOptions(options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object, got ${describeValue(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) throw new TypeError(`unknown option ${JSON.stringify(name)}`);
  }
}

/** Checks a boolean option; the message is `NAME must be a boolean, got VALUE`. */
export function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/** The values quoted and listed: `"a", "b" or "c"`. */
export function quotedList(values: readonly string[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/** Checks a choice; the message is `NAME must be "a", "b" or "c", got VALUE` (a TypeError). */
export function choiceOption<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) throw new TypeError(`${name} must be ${quotedList(choices)}, got ${describeValue(value)}`);
  return value as T;
}
