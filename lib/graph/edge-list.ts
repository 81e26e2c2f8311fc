/**
 * Reading an edge-list file: `source target [weight]` per line, fields separated by spaces or
 * tabs, `#` comment lines and blank lines skipped, plain or gzip (told by its magic bytes),
 * streamed a block at a time.
 * @module
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { isGzip } from '../corpus/corpus';
import { abortError, describeValue } from '../util/errors';

const READ_BLOCK = 1 << 16;
/** A longer line is refused rather than gathered without bound (a file with no newlines). */
export const MAX_EDGE_LINE_BYTES = 1 << 20;
/** A decimal number as edge lists write weights: 2, 0.5, .5, 1e-3, +4. */
const DECIMAL = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
/** The smallest and largest positive float32. */
const FLOAT32_MIN = 1.401298464324817e-45;
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Why `weight` cannot weigh an edge (not a number, not finite, not > 0, or beyond a float32's
 * range), or undefined when it can.
 */
export function weightProblem(weight: unknown): string | undefined {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) {
    return `weight must be a finite number > 0, got ${describeValue(weight)}`;
  }
  const stored = Math.fround(weight);
  if (stored === 0 || !Number.isFinite(stored)) {
    return `weight must lie in a float32's range [${FLOAT32_MIN}, ${FLOAT32_MAX}], got ${weight}`;
  }
  return undefined;
}

/** Where the lines' edges go: ids as the file spells them, weight undefined when absent. */
export type EdgeLineSink = (source: string, target: string, weight: number | undefined, where: () => string) => void;

/** Parses one line (without its newline); calls `sink` for an edge, nothing for a blank or comment line. */
function parseLine(text: string, lineNumber: number, name: string, sink: EdgeLineSink): void {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  const fields = line.split(/[ \t]+/);
  if (fields[0] === '') fields.shift();
  if (fields.length > 0 && fields[fields.length - 1] === '') fields.pop();
  if (fields.length === 0 || fields[0]!.startsWith('#')) return;
  const where = (): string => `${name}, line ${lineNumber} (${describeValue(line)})`;
  if (fields.length !== 2 && fields.length !== 3) {
    throw new Error(`${where()}: expected "source target [weight]", got ${fields.length} field${fields.length === 1 ? '' : 's'}`);
  }
  let weight: number | undefined;
  if (fields.length === 3) {
    const field = fields[2]!;
    weight = DECIMAL.test(field) ? Number(field) : Number.NaN;
    const problem = DECIMAL.test(field) ? weightProblem(weight) : `weight must be a finite number > 0, got ${describeValue(field)}`;
    if (problem !== undefined) throw new RangeError(`${where()}: ${problem}`);
  }
  sink(fields[0]!, fields[1]!, weight, where);
}

/**
 * Reads the edge list at `path` line by line into `sink`, checking `signal` between blocks.
 * @throws Error naming the path, the line number and the line for a malformed line (a line of
 *   other than 2 or 3 fields, a weight that is not a finite number > 0); naming the path when
 *   it cannot be read, is not a file or is not valid gzip.
 */
export async function readEdgeList(path: string, sink: EdgeLineSink, signal?: AbortSignal): Promise<void> {
  await readTextLines(path, `edge list ${JSON.stringify(path)}`, (text, lineNumber, name) => parseLine(text, lineNumber, name, sink), signal);
}

/**
 * Reads the text file at `path` (plain or gzip, told by its magic bytes) a block at a time and
 * calls `onLine` with each line (without its newline), its 1-based number and `name` (how
 * messages name the file), checking `signal` between blocks.
 * @throws Error naming the file when it cannot be read, is not a file or is not valid gzip,
 *   or holds a line longer than MAX_EDGE_LINE_BYTES.
 */
export async function readTextLines(
  path: string,
  name: string,
  onLine: (text: string, lineNumber: number, name: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new Error(`cannot read ${name}: ${(err as Error).message}`);
  }
  if (!info.isFile()) throw new Error(`${name} is not a file`);
  const gzip = await isGzip(path);
  const file = createReadStream(path, { highWaterMark: READ_BLOCK });
  const stream: Readable = gzip ? file.pipe(createGunzip({ chunkSize: READ_BLOCK })) : file;
  if (gzip) file.on('error', (err) => stream.destroy(err));
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNumber = 0;
  try {
    for await (const block of stream as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw abortError(signal);
      let start = 0;
      for (let nl = block.indexOf(0x0a); nl >= 0; nl = block.indexOf(0x0a, start)) {
        lineNumber++;
        const whole = pendingBytes === 0 ? block.subarray(start, nl) : Buffer.concat([...pending, block.subarray(start, nl)]);
        if (whole.length > MAX_EDGE_LINE_BYTES) throw new Error(`${name}, line ${lineNumber} is longer than ${MAX_EDGE_LINE_BYTES} bytes`);
        pending = [];
        pendingBytes = 0;
        onLine(whole.toString('utf8'), lineNumber, name);
        start = nl + 1;
      }
      if (start < block.length) {
        // Copied: a stream may reuse its buffers.
        pending.push(Buffer.from(block.subarray(start)));
        pendingBytes += block.length - start;
        if (pendingBytes > MAX_EDGE_LINE_BYTES) throw new Error(`${name}, line ${lineNumber + 1} is longer than ${MAX_EDGE_LINE_BYTES} bytes`);
      }
    }
    if (pendingBytes > 0) onLine(Buffer.concat(pending).toString('utf8'), lineNumber + 1, name);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') throw new Error(`${name} is not valid gzip: ${e.message}`);
    throw err;
  } finally {
    file.destroy();
    stream.destroy();
  }
}
