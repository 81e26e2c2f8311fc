/**
 * Byte-level tokenizer: tokens are runs of bytes between ASCII white space (space, \t, \n,
 * \v, \f, \r) and NUL; a newline ends a sentence. Bytes are never decoded, so no input can make it
 * fail, and a token split across two buffers is joined.
 * @packageDocumentation
 */

/** Receives tokens (as byte keys) and sentence ends. */
export interface TokenSink {
  token(key: string): void;
  /**
   * When present, called instead of token(): the token is buf[start, end) and `hash` its
   * FNV-1a hash (byte-key-table.ts), so a sink that looks tokens up by bytes makes no string.
   */
  tokenBytes?(buf: Uint8Array, start: number, end: number, hash: number): void;
  endSentence(): void;
  /** Told the size of every buffer tokenized (for throughput figures). */
  consumed?(bytes: number): void;
  /** Called for every newline, blank lines included (the original counts one `</s>` per newline). */
  endLine?(): void;
}

// 1 for the bytes that separate tokens, 2 for the newline that also ends a sentence. NUL
// separates too: the original keeps words as C strings, which end at a NUL, and a word with
// a NUL in it could not be saved in any of the model formats.
const SEPARATOR = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0b, 0x0c, 0x0d, 0x00]) SEPARATOR[c] = 1;
SEPARATOR[0x0a] = 2;

import { FNV_OFFSET, fnvHash } from './byte-key-table';

/** Streaming tokenizer; feed it buffers in order, then call end(). */
export class Tokenizer {
  private pending: Buffer | undefined;
  private tokensInSentence = 0;

  constructor(private readonly sink: TokenSink) {}

  /** Tokenizes one buffer; a token running past its end waits for the next buffer. */
  push(buf: Buffer): void {
    const sink = this.sink;
    const n = buf.length;
    sink.consumed?.(n);
    let start = 0;
    let i = 0;
    if (this.pending !== undefined) {
      // Finish the token carried over from the previous buffer.
      while (i < n && SEPARATOR[buf[i]!] === 0) i++;
      if (i === n) {
        this.pending = Buffer.concat([this.pending, buf]);
        return;
      }
      const joined = Buffer.concat([this.pending, buf.subarray(0, i)]);
      this.pending = undefined;
      this.emit(joined, 0, joined.length, fnvHash(joined, 0, joined.length));
      start = i;
    }
    if (sink.tokenBytes) {
      this.pushBytes(buf, start, i);
      return;
    }
    for (; i < n; i++) {
      const kind = SEPARATOR[buf[i]!]!;
      if (kind === 0) continue;
      if (i > start) {
        sink.token(buf.latin1Slice(start, i));
        this.tokensInSentence++;
      }
      start = i + 1;
      if (kind === 2) this.newline();
    }
    if (start < n) this.pending = Buffer.from(buf.subarray(start, n));
  }

  // The byte path: the FNV-1a hash is computed while scanning, and no string is made.
  private pushBytes(buf: Buffer, start: number, i: number): void {
    const sink = this.sink;
    const n = buf.length;
    let hash = FNV_OFFSET;
    for (; i < n; i++) {
      const byte = buf[i]!;
      const kind = SEPARATOR[byte]!;
      if (kind === 0) {
        hash = Math.imul(hash ^ byte, 0x01000193);
        continue;
      }
      if (i > start) {
        sink.tokenBytes!(buf, start, i, hash);
        this.tokensInSentence++;
      }
      hash = FNV_OFFSET;
      start = i + 1;
      if (kind === 2) this.newline();
    }
    if (start < n) this.pending = Buffer.from(buf.subarray(start, n));
  }

  private emit(buf: Buffer, start: number, end: number, hash: number): void {
    if (this.sink.tokenBytes) this.sink.tokenBytes(buf, start, end, hash);
    else this.sink.token(buf.latin1Slice(start, end));
    this.tokensInSentence++;
  }

  private newline(): void {
    if (this.tokensInSentence > 0) {
      this.sink.endSentence();
      this.tokensInSentence = 0;
    }
    this.sink.endLine?.();
  }

  /** Ends the input: a last token and sentence without a newline count too. */
  end(): void {
    if (this.pending !== undefined) {
      const last = this.pending;
      this.pending = undefined;
      this.emit(last, 0, last.length, fnvHash(last, 0, last.length));
    }
    if (this.tokensInSentence > 0) this.sink.endSentence();
    this.tokensInSentence = 0;
  }
}

declare global {
  interface Buffer {
    /** Node's fast latin1 decoder (undocumented, present since Node 0.x). */
    latin1Slice(start: number, end: number): string;
  }
}
