/**
 * Words are kept as byte strings ("keys"): one char per byte of the word's UTF-8 form, as
 * Buffer's latin1 encoding gives. Keys round-trip any bytes, invalid UTF-8 included;
 * `words` shown to users are the UTF-8 decoding of the keys.
 * @packageDocumentation
 */

const ASCII = /^[\x00-\x7f]*$/;

/** The byte key of a user-facing word. */
export function keyOf(word: string): string {
  return ASCII.test(word) ? word : Buffer.from(word, 'utf8').toString('latin1');
}

/** The user-facing (UTF-8 decoded) word of a byte key; invalid sequences become U+FFFD. */
export function wordOf(key: string): string {
  return ASCII.test(key) ? key : Buffer.from(key, 'latin1').toString('utf8');
}
