/**
 * `w2v distance`, `w2v analogy` and `w2v accuracy`: the original distance, word-analogy and
 * compute-accuracy programs, same prompts and output lines, reading queries from a terminal
 * or a pipe (and stopping at the end of the input, which the originals never do).
 * @packageDocumentation
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

import { loadModel } from '../model/load';
import type { Word2Vec } from '../model/model';
import { native } from '../native/addon';

/**
 * C's "%.Nf" as glibc prints it: the exact binary value rounded half to even (toFixed
 * rounds exact ties up: 3.125 -> "3.13", printf gives "3.12"); 0/0 prints "-nan".
 */
export function cFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return '-nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  // toFixed(100) is the exact decimal expansion for every value these tools print.
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf('.');
  const kept = exact.slice(0, point) + exact.slice(point + 1, point + 1 + digits);
  const rest = exact.slice(point + 1 + digits);
  const half = rest[0] === '5' && /^50*$/.test(rest);
  const up = rest[0]! > '5' || (rest[0] === '5' && !half) || (half && Number(kept[kept.length - 1]) % 2 === 1);
  let digitsOut = kept;
  if (up) {
    const chars = kept.split('');
    let i = chars.length - 1;
    while (i >= 0 && chars[i] === '9') chars[i--] = '0';
    if (i < 0) chars.unshift('1');
    else chars[i] = String(Number(chars[i]) + 1);
    digitsOut = chars.join('');
  }
  const intPart = digitsOut.slice(0, digitsOut.length - digits);
  const text = digits > 0 ? `${intPart}.${digitsOut.slice(digitsOut.length - digits)}` : intPart;
  return negative ? `-${text}` : text;
}

/** printf("%50s"): pads to 50 bytes, not 50 UTF-16 units. */
function padBytes(word: string, width: number): string {
  return ' '.repeat(Math.max(0, width - Buffer.byteLength(word, 'utf8'))) + word;
}

/** Upper-cases ASCII letters only, as C's toupper in the C locale. */
function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

async function* inputLines(stream: NodeJS.ReadableStream): AsyncGenerator<string> {
  const rl = createInterface({ input: stream, crlfDelay: Infinity, terminal: false });
  for await (const line of rl) yield line;
}

const NEAREST = 40;
const RULE = '------------------------------------------------------------------------';

function printNearest(out: NodeJS.WritableStream, model: Word2Vec, query: Float32Array, exclude: number[], floor: number): void {
  const { ids, scores } = native().topK(model.unitVectors(), model.dim, query, NEAREST, Int32Array.from(exclude));
  const lines: string[] = [];
  for (let i = 0; i < NEAREST; i++) {
    // The originals keep only candidates scoring above their starting floor; slots left over print empty.
    const ok = i < ids.length && scores[i]! > floor;
    lines.push(`${padBytes(ok ? model.words[ids[i]!]! : '', 50)}\t\t${cFixed(ok ? scores[i]! : floor, 6)}`);
  }
  out.write(lines.join('\n') + '\n');
}

/**
 * Looks up each word of a query line, printing the originals' "Word: ... Position" lines;
 * undefined (after "Out of dictionary word!") when one is unknown. `unknownPosition` is
 * what the original prints for it (distance -1, word-analogy 0).
 */
function lookUpQuery(model: Word2Vec, words: string[], out: NodeJS.WritableStream, unknownPosition: number): number[] | undefined {
  const ids: number[] = [];
  for (const w of words) {
    const id = model.idOf(w);
    out.write(`\nWord: ${w}  Position in vocabulary: ${id ?? unknownPosition}\n`);
    if (id === undefined) {
      out.write('Out of dictionary word!\n');
      return undefined;
    }
    ids.push(id);
  }
  return ids;
}

/** `w2v distance FILE`: nearest words to a word or the sum of several. */
export async function distanceCommand(args: string[], input: NodeJS.ReadableStream = process.stdin, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (args.length < 1 || args[0] === '--help') {
    out.write('Usage: w2v distance <FILE>\nwhere FILE contains word projections in the BINARY or TEXT FORMAT\n');
    return;
  }
  const model = await loadModel(args[0]!);
  out.write('Enter word or sentence (EXIT to break): ');
  for await (const line of inputLines(input)) {
    if (line === 'EXIT') break;
    const ids = lookUpQuery(model, line.split(' '), out, -1);
    if (ids) {
      out.write(`\n                                              Word       Cosine distance\n${RULE}\n`);
      const vec = new Float32Array(model.dim);
      for (const id of ids) {
        const r = model.unitRow(id);
        for (let i = 0; i < model.dim; i++) vec[i]! += r[i]!;
      }
      printNearest(out, model, normalize(vec), ids, -1);
    }
    out.write('Enter word or sentence (EXIT to break): ');
  }
  out.write('\n');
}

function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

/** `w2v analogy FILE`: b - a + c for three words per line. */
export async function analogyCommand(args: string[], input: NodeJS.ReadableStream = process.stdin, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (args.length < 1 || args[0] === '--help') {
    out.write('Usage: w2v analogy <FILE>\nwhere FILE contains word projections in the BINARY or TEXT FORMAT\n');
    return;
  }
  const model = await loadModel(args[0]!);
  out.write('Enter three words (EXIT to break): ');
  for await (const line of inputLines(input)) {
    if (line === 'EXIT') break;
    const words = line.split(' ');
    if (words.length < 3) {
      out.write(`Only ${words.length} words were entered.. three words are needed at the input to perform the calculation\n`);
      out.write('Enter three words (EXIT to break): ');
      continue;
    }
    const ids = lookUpQuery(model, words, out, 0);
    if (ids) {
      out.write(`\n                                              Word              Distance\n${RULE}\n`);
      const [a, b, c] = [model.unitRow(ids[0]!), model.unitRow(ids[1]!), model.unitRow(ids[2]!)];
      const vec = new Float32Array(model.dim);
      for (let i = 0; i < model.dim; i++) vec[i] = b[i]! - a[i]! + c[i]!;
      // word-analogy leaves every entered word out of the answers, not only the first three.
      printNearest(out, model, normalize(vec), ids, 0);
    }
    out.write('Enter three words (EXIT to break): ');
  }
  out.write('\n');
}

/**
 * `w2v accuracy FILE QUESTIONS [THRESHOLD]`: compute-accuracy's per-section and running
 * totals; THRESHOLD (0 = all) keeps the first words of FILE, as the original.
 * QUESTIONS may be '-' for standard input.
 */
export async function accuracyCommand(args: string[], input: NodeJS.ReadableStream = process.stdin, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (args.length < 2 || args[0] === '--help') {
    out.write(
      'Usage: w2v accuracy <FILE> <QUESTIONS> [THRESHOLD]\nwhere FILE contains word projections, QUESTIONS the analogy questions ' +
        '(- for standard input), and THRESHOLD is used to reduce vocabulary of the model for fast approximate evaluation ' +
        '(0 = off, otherwise typical value is 30000); default is 0\n',
    );
    return;
  }
  const threshold = args[2] === undefined ? 0 : Number.parseInt(args[2], 10);
  if (!Number.isInteger(threshold) || threshold < 0) throw new Error(`THRESHOLD must be a non-negative integer, got ${JSON.stringify(args[2])}`);
  const model = await loadModel(args[0]!, threshold > 0 ? { limit: threshold } : {});
  const upper = new Map<string, number>();
  model.words.forEach((w, i) => {
    const u = asciiUpper(w);
    if (!upper.has(u)) upper.set(u, i);
  });
  const questions = args[1] === '-' ? input : createReadStream(args[1]!);
  // The original's counters, same names: per section (TCN, CCN), all (TACN, CACN),
  // semantic = the first five sections (SECN, SEAC), syntactic (SYCN, SYAC), questions (TQ, TQS).
  let TCN = 0, CCN = 0, TACN = 0, CACN = 0, SECN = 0, SEAC = 0, SYCN = 0, SYAC = 0, QID = 0, TQ = 0, TQS = 0;
  const closeSection = (): void => {
    if (QID !== 0) {
      const tcn = TCN === 0 ? 1 : TCN;
      out.write(`ACCURACY TOP1: ${cFixed((CCN / tcn) * 100, 2)} %  (${CCN} / ${tcn})\n`);
      out.write(
        `Total accuracy: ${cFixed((CACN / TACN) * 100, 2)} %   Semantic accuracy: ${cFixed((SEAC / SECN) * 100, 2)} %   ` +
          `Syntactic accuracy: ${cFixed((SYAC / SYCN) * 100, 2)} % \n`,
      );
    }
    QID++;
  };
  const vec = new Float32Array(model.dim);
  const tokens: string[] = [];
  for await (const line of inputLines(questions)) tokens.push(...line.split(/\s+/).filter((t) => t.length > 0));
  let i = 0;
  while (i < tokens.length) {
    const t = asciiUpper(tokens[i]!);
    if (t === ':' || t === 'EXIT') {
      if (t === 'EXIT') break;
      closeSection();
      const name = tokens[i + 1];
      i += 2;
      if (name === undefined) break;
      out.write(`${name}:\n`);
      TCN = 0;
      CCN = 0;
      continue;
    }
    if (i + 3 >= tokens.length) break;
    const q = [t, asciiUpper(tokens[i + 1]!), asciiUpper(tokens[i + 2]!), asciiUpper(tokens[i + 3]!)];
    i += 4;
    TQ++;
    const ids = q.map((w) => upper.get(w));
    if (ids.some((id) => id === undefined)) continue;
    const [b1, b2, b3, b4] = ids as number[];
    const r1 = model.unitRow(b1!), r2 = model.unitRow(b2!), r3 = model.unitRow(b3!);
    for (let k = 0; k < model.dim; k++) vec[k] = r2[k]! - r1[k]! + r3[k]!;
    TQS++;
    const { ids: best, scores } = native().topK(model.unitVectors(), model.dim, vec, 1, Int32Array.from([b1!, b2!, b3!]));
    const semantic = QID <= 5;
    if (best.length > 0 && scores[0]! > 0 && upper.get(asciiUpper(model.words[best[0]!]!)) === b4) {
      CCN++;
      CACN++;
      if (semantic) SEAC++;
      else SYAC++;
    }
    if (semantic) SECN++;
    else SYCN++;
    TCN++;
    TACN++;
  }
  closeSection();
  out.write(`Questions seen / total: ${TQS} ${TQ}   ${cFixed((TQS / TQ) * 100, 2)} % \n`);
}
