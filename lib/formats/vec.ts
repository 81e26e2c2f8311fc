/**
 * fastText's `.vec` text format, as `fasttext skipgram` writes it next to its `.bin`: the
 * header `"<words> <dim>\n"`, then per word its bytes, a space, each value followed by a
 * space, and `\n` (fastText's `Vector` `operator<<` prints with `std::setprecision(5)` in the
 * default float notation, i.e. C's `%.5g`). It is word2vec's text layout with other number
 * formatting, so the word2vec text reader reads it; only writing needs this module.
 *
 * @module
 */

import { writeFileAtomically } from './atomic-write';
import type { ModelFormatModule } from './format-module';
import { encodeTextTable, readWord2Vec, type TextValueFormat, type VectorTable } from './word2vec';

/** Significant digits fastText prints. */
const PRECISION = 5;

/**
 * Formats `v` as C's `printf("%.5g", v)` (glibc) does: 5 significant digits rounded from the
 * exact binary value with ties to even, exponent form when the exponent is below -4 or at
 * least 5 (`1e-05`, `1.2346e+10`), trailing zeros removed, `-0` for negative zero. Exact for
 * every float32 value (what fastText writes); `v` must be finite.
 */
export function formatVecValue(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const negative = v < 0;
  const a = negative ? -v : v;
  // toExponential rounds the exact value too, but ties away from zero.
  const e = a.toExponential(PRECISION - 1); // "d.dddde+x"
  const ePos = e.indexOf('e');
  let digits = e[0]! + e.slice(2, ePos);
  const exponent = Number(e.slice(ePos + 1));
  const last = digits.charCodeAt(PRECISION - 1) - 48;
  if (last % 2 === 1 && isTieRoundedUp(a, digits, exponent)) {
    digits = digits.slice(0, PRECISION - 1) + String(last - 1);
  }
  let text: string;
  if (exponent < -4 || exponent >= PRECISION) {
    const mantissa = stripZeros(`${digits[0]}.${digits.slice(1)}`);
    const abs = Math.abs(exponent);
    text = `${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  } else if (exponent >= 0) {
    text = stripZeros(`${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`);
  } else {
    text = stripZeros(`0.${'0'.repeat(-exponent - 1)}${digits}`);
  }
  return negative ? `-${text}` : text;
}

/** "1.2300" -> "1.23", "5.0000" -> "5", "120." -> "120"; digits before the point stay. */
function stripZeros(s: string): string {
  const point = s.indexOf('.');
  if (point < 0) return s;
  let end = s.length;
  while (end > point + 1 && s.charCodeAt(end - 1) === 48) end--;
  if (end === point + 1) end = point;
  return s.slice(0, end);
}

/**
 * Whether `a`, printed as the 5 digits `digits` x 10^(exponent-4) by toExponential, is
 * exactly halfway between that and the next lower 5-digit value (which C would have chosen
 * when it is even): then the exact value has 6 significant digits, the last a 5.
 */
function isTieRoundedUp(a: number, digits: string, exponent: number): boolean {
  // The candidate tie as an integer M times 10^q: M = (digits - 1) * 10 + 5.
  const m = (Number(digits) - 1) * 10 + 5;
  const q = exponent - PRECISION;
  if (q >= 0) {
    // An integer; below 2^53 it is exact as a double (every larger float32 has more digits).
    const t = m * 10 ** q;
    return t < 2 ** 53 && t === a;
  }
  // m / 10^-q is a finite binary fraction only if 5^-q divides m (m < 10^6 < 5^9).
  let k = m;
  for (let i = 0; i < -q; i++) {
    if (k % 5 !== 0) return false;
    k /= 5;
  }
  // Now the tie is k / 2^-q exactly, and a double holds it exactly (k < 2^20).
  return k / 2 ** -q === a;
}

/** `%.5g` values, as fastText prints them (at most "-d.dddde-xx": 11 bytes; 3 exponent digits cannot occur for float32 but are allowed). */
const VEC_VALUES: TextValueFormat = {
  maxBytes: 12,
  write(buf: Buffer, off: number, v: number): number {
    return off + buf.write(formatVecValue(v), off, 'latin1');
  },
};

/**
 * Encodes a table as fastText's `.vec`, byte for byte what fastText writes for the same
 * words and float32 values. Builds the whole file in memory: use {@link writeVec} for large
 * tables.
 *
 * @throws Error for a malformed table, a key that is empty or contains a space, tab, newline,
 *   CR, NUL or a char above \xff, or a non-finite value (naming the word).
 */
export function encodeVec(table: VectorTable): Buffer {
  return Buffer.concat([...encodeTextTable(table, VEC_VALUES)]);
}

/**
 * Writes a table as fastText's `.vec`, atomically (temporary file, fsync, rename; a failed
 * write leaves a previous file intact).
 *
 * @throws Error as {@link encodeVec} does; or the file system's error.
 */
export async function writeVec(path: string, table: VectorTable): Promise<void> {
  await writeFileAtomically(path, encodeTextTable(table, VEC_VALUES, true), { ahead: true });
}

/**
 * fastText's `.vec`: word2vec's text layout with values as `%.5g`; read by the word2vec text
 * reader. Any text model that is not `%lf` throughout its first rows is taken for one.
 */
export const vecFormat: ModelFormatModule<'vec'> = {
  name: 'vec',
  extension: '.vec',
  help: "fastText's text vectors",
  sniff: () => true,
  read: (path, { limit }) => readWord2Vec(path, { format: 'word2vec-text', ...(limit !== undefined ? { limit } : {}) }),
  write: writeVec,
};
