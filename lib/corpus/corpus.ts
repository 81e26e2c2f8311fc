/**
 * Corpus sources: a file path (plain or gzip, detected by its magic bytes), a Node Readable
 * of bytes or strings, an (async) iterable of lines, or an (async) iterable of token arrays.
 * @packageDocumentation
 */
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { keyOf } from '../util/bytes';
import { describeValue } from '../util/errors';
import { Tokenizer, type TokenSink } from './tokenizer';

/** A line of text, or one sentence's tokens. */
export type CorpusItem = string | readonly string[];

/** A corpus that can be read once. */
export type CorpusStream = Readable | NodeJS.ReadableStream | Iterable<CorpusItem> | AsyncIterable<CorpusItem>;

/**
 * Everything {@link train} accepts as a corpus: a file path, a stream or iterable (read once,
 * so kept in memory as 4-byte ids for the later passes), or a function returning a fresh
 * stream or iterable for each pass (never kept: memory stays flat however long the corpus).
 */
export type Corpus = string | CorpusStream | (() => CorpusStream);

/** One part of a corpus, read a piece at a time into its own sink. */
export interface CorpusLane {
  /** Feeds the next piece (a few KiB of text, or a batch of lines) to the sink; false at the end. */
  step(): Promise<boolean>;
  /** Releases the lane's file handle early. */
  close(): void;
}

/** A corpus that can be walked, calling the sink for every token and sentence end. */
export interface CorpusSource {
  /**
   * Splits the corpus into `sinks.length` contiguous parts (at line starts), each read on
   * its own: training threads then work on distant text at the same time, as the original's
   * threads each take their own part of the file. Absent where the corpus cannot be split
   * without reading it (gzip, streams, functions).
   */
  lanes?(sinks: TokenSink[]): Promise<CorpusLane[]>;
  /** The path of a plain (not gzip) corpus file: native code may read it directly. */
  readonly plainFile?: string;
  /** True when the corpus can be read again for each epoch (paths and arrays). */
  readonly rereadable: boolean;
  /** A name for messages. */
  readonly description: string;
  /**
   * Feeds the whole corpus to `sink`, awaiting `between()` after each buffer or batch of
   * lines so the caller can apply backpressure, report progress or stop.
   */
  feed(sink: TokenSink, between: () => Promise<void> | void): Promise<void>;
}

// Small enough that tokenizing one buffer takes a few milliseconds, so the event loop gets
// a turn between buffers (see training/train.ts: the caller yields when a turn is due).
const READ_CHUNK = 1 << 16;
const LINES_PER_BATCH = 64;
const TOKENIZE_SLICE = 1 << 13;

function isReadable(value: unknown): value is NodeJS.ReadableStream {
  return (
    typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

/** Whether the file starts with gzip's magic bytes (1f 8b). */
export async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

async function feedByteStream(
  stream: AsyncIterable<unknown>,
  sink: TokenSink,
  between: () => Promise<void> | void,
  description: string,
): Promise<void> {
  const tokenizer = new Tokenizer(sink);
  for await (const chunk of stream) {
    let buf: Buffer;
    if (typeof chunk === 'string') buf = Buffer.from(chunk, 'utf8');
    else if (chunk instanceof Uint8Array) buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError(`${description} yielded ${describeValue(chunk)}; a corpus stream must yield Buffers or strings`);
    // Slices keep each synchronous run short, even for a stream that yields huge chunks.
    for (let at = 0; at < buf.length; at += TOKENIZE_SLICE) {
      tokenizer.push(buf.subarray(at, Math.min(buf.length, at + TOKENIZE_SLICE)));
      await between();
    }
  }
  tokenizer.end();
}

function feedItem(item: unknown, sink: TokenSink, tokenizer: Tokenizer, index: number): void {
  if (item instanceof Uint8Array) {
    // Raw bytes, as a stream's chunks: lines run on across items.
    tokenizer.push(Buffer.isBuffer(item) ? item : Buffer.from(item.buffer, item.byteOffset, item.byteLength));
    return;
  }
  if (typeof item === 'string') {
    tokenizer.push(Buffer.from(item, 'utf8'));
    tokenizer.end();
    sink.endLine?.();
    return;
  }
  if (Array.isArray(item)) {
    let any = false;
    for (const token of item) {
      if (typeof token !== 'string') {
        throw new TypeError(`corpus sentence ${index} holds ${describeValue(token)}; tokens must be strings`);
      }
      if (token.length === 0) continue;
      sink.token(keyOf(token));
      any = true;
    }
    if (any) sink.endSentence();
    sink.endLine?.();
    return;
  }
  throw new TypeError(`corpus item ${index} is ${describeValue(item)}; expected a line (string), an array of token strings or a Buffer`);
}

/** The offset just after the first newline at or after `from` (the file's size if none). */
async function lineStartAtOrAfter(path: string, from: number, size: number): Promise<number> {
  if (from <= 0) return 0;
  const handle = await open(path, 'r');
  try {
    const block = Buffer.alloc(READ_CHUNK);
    for (let at = from - 1; at < size; at += block.length) {
      const { bytesRead } = await handle.read(block, 0, block.length, at);
      if (bytesRead === 0) break;
      const nl = block.subarray(0, bytesRead).indexOf(0x0a);
      if (nl >= 0) return at + nl + 1;
    }
    return size;
  } finally {
    await handle.close();
  }
}

/**
 * Reads path[start, end) a piece at a time into one reused buffer (a stream would allocate a
 * fresh buffer per piece, tens of MB of garbage per pass): sinks copy what they keep.
 */
class FileRange {
  private readonly buffer = Buffer.allocUnsafe(READ_CHUNK);
  private handle: FileHandle | undefined;
  private at: number;

  constructor(
    private readonly path: string,
    start: number,
    private readonly end: number,
  ) {
    this.at = start;
  }

  /** The next piece (a view of the reused buffer, valid until the next call), or undefined at the end. */
  async next(): Promise<Buffer | undefined> {
    if (this.at >= this.end) {
      await this.close();
      return undefined;
    }
    this.handle ??= await open(this.path, 'r');
    const want = Math.min(READ_CHUNK, this.end - this.at);
    const { bytesRead } = await this.handle.read(this.buffer, 0, want, this.at);
    if (bytesRead === 0) {
      // The file shrank while being read.
      this.at = this.end;
      await this.close();
      return undefined;
    }
    this.at += bytesRead;
    return this.buffer.subarray(0, bytesRead);
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }
}

/** Offsets cutting a file into `parts` parts of about equal size at line starts (parts + 1 of them). */
export async function lineStarts(path: string, parts: number): Promise<number[]> {
  const { size } = await stat(path);
  const starts: number[] = [];
  for (let i = 0; i < parts; i++) starts.push(await lineStartAtOrAfter(path, Math.floor((size * i) / parts), size));
  starts.push(size);
  return starts;
}

async function fileLanes(path: string, sinks: TokenSink[]): Promise<CorpusLane[]> {
  const starts = await lineStarts(path, sinks.length);
  return sinks.map((sink, i) => {
    const start = starts[i]!;
    const end = Math.max(start, starts[i + 1]!);
    if (start >= end) return { step: async () => false, close: () => undefined };
    const range = new FileRange(path, start, end);
    const tokenizer = new Tokenizer(sink);
    let buffer: Buffer | undefined;
    let offset = 0;
    return {
      async step() {
        if (buffer === undefined || offset >= buffer.length) {
          buffer = await range.next();
          offset = 0;
          if (buffer === undefined) {
            tokenizer.end();
            return false;
          }
        }
        tokenizer.push(buffer.subarray(offset, offset + TOKENIZE_SLICE));
        offset += TOKENIZE_SLICE;
        return true;
      },
      close: () => void range.close().catch(() => undefined),
    };
  });
}

function arrayLanes(items: unknown[], sinks: TokenSink[]): CorpusLane[] {
  const n = sinks.length;
  return sinks.map((sink, i) => {
    let at = Math.floor((items.length * i) / n);
    const end = Math.floor((items.length * (i + 1)) / n);
    const tokenizer = new Tokenizer(sink);
    return {
      async step() {
        if (at >= end) return false;
        const stop = Math.min(end, at + LINES_PER_BATCH);
        for (; at < stop; at++) feedItem(items[at], sink, tokenizer, at);
        if (at >= end) tokenizer.end();
        return true;
      },
      close: () => undefined,
    };
  });
}

/** Wraps what the user passed; throws a TypeError for anything else. */
export async function openCorpus(corpus: Corpus): Promise<CorpusSource> {
  if (typeof corpus === 'string') {
    const path = corpus;
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      throw new Error(`cannot read corpus file ${JSON.stringify(path)}: ${(err as Error).message}`);
    }
    if (!info.isFile()) throw new Error(`corpus path ${JSON.stringify(path)} is not a file`);
    const gzip = await isGzip(path);
    const description = `corpus file ${JSON.stringify(path)}`;
    return {
      rereadable: true,
      description,
      ...(gzip ? {} : { plainFile: path, lanes: (sinks: TokenSink[]) => fileLanes(path, sinks) }),
      async feed(sink, between) {
        if (!gzip) {
          const { size } = await stat(path);
          const range = new FileRange(path, 0, size);
          const tokenizer = new Tokenizer(sink);
          try {
            for (let piece = await range.next(); piece !== undefined; piece = await range.next()) {
              for (let at = 0; at < piece.length; at += TOKENIZE_SLICE) {
                tokenizer.push(piece.subarray(at, Math.min(piece.length, at + TOKENIZE_SLICE)));
                await between();
              }
            }
            tokenizer.end();
          } finally {
            await range.close();
          }
          return;
        }
        const file = createReadStream(path, { highWaterMark: READ_CHUNK });
        const stream = file.pipe(createGunzip({ chunkSize: READ_CHUNK }));
        file.on('error', (err) => stream.destroy(err));
        try {
          await feedByteStream(stream, sink, between, description);
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') {
            throw new Error(`corpus file ${JSON.stringify(path)} is not valid gzip: ${e.message}`);
          }
          throw err;
        } finally {
          file.destroy();
          stream.destroy();
        }
      },
    };
  }
  if (typeof corpus === 'function') {
    const factory = corpus;
    return {
      rereadable: true,
      description: 'corpus function',
      async feed(sink, between) {
        const fresh: unknown = factory();
        if (typeof fresh === 'function' || typeof fresh === 'string' || fresh === null || typeof fresh !== 'object') {
          throw new TypeError(`a corpus function must return a Readable or an (async) iterable, got ${describeValue(fresh)}`);
        }
        const once = await openCorpus(fresh as CorpusStream);
        await once.feed(sink, between);
      },
    };
  }
  if (isReadable(corpus)) {
    let used = false;
    return {
      rereadable: false,
      description: 'corpus stream',
      async feed(sink, between) {
        if (used) throw new Error('a corpus stream can only be read once');
        used = true;
        await feedByteStream(corpus as AsyncIterable<unknown>, sink, between, 'corpus stream');
      },
    };
  }
  if (typeof corpus === 'object' && corpus !== null) {
    const asyncIter = (corpus as AsyncIterable<unknown>)[Symbol.asyncIterator];
    const syncIter = (corpus as Iterable<unknown>)[Symbol.iterator];
    if (typeof asyncIter === 'function' || typeof syncIter === 'function') {
      const rereadable = Array.isArray(corpus);
      let used = false;
      return {
        rereadable,
        description: rereadable ? 'corpus array' : 'corpus iterable',
        ...(rereadable ? { lanes: async (sinks: TokenSink[]) => arrayLanes(corpus as unknown as unknown[], sinks) } : {}),
        async feed(sink, between) {
          if (!rereadable && used) throw new Error('a corpus iterable can only be read once');
          used = true;
          const tokenizer = new Tokenizer(sink);
          let index = 0;
          const iterable = corpus as AsyncIterable<unknown> | Iterable<unknown>;
          for await (const item of iterable as AsyncIterable<unknown>) {
            feedItem(item, sink, tokenizer, index++);
            if (index % LINES_PER_BATCH === 0 || item instanceof Uint8Array) await between();
          }
          tokenizer.end();
          await between();
        },
      };
    }
  }
  throw new TypeError(
    `corpus must be a file path, a Readable, or an (async) iterable of lines or token arrays, got ${describeValue(corpus)}`,
  );
}

/** Re-exported for callers that build a Readable from a string. */
export { Readable };
