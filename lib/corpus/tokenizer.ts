/**
 * Byte-level tokenizer: tokens are runs of bytes between ASCII white space (space, \t, \n,
 * \v, \f, \r) and NUL; a newline ends a sentence. Bytes are never decoded, so no input can make it
 * fail, and a token split across two buffers is joined.
 * @packageDocumentation
 */

/** Receives tokens (as byte keys) and sentence ends. */
export interface TokenSink {
  token(key: string): void;
  endSentence(): void;
  /** Told the size of every buffer tokenized (for throughput figures). */
  consumed?(bytes: number): void;
  /** Called for every newline, blank lines included (the original counts one `</s>` per newline). */
  endLine?(): void;
  /**
   * When present, the sink tokenizes bytes itself (native-tokens.ts): the Tokenizer hands it
   * every buffer as it comes and calls bytesEnd() at the end of the input, and nothing else.
   */
  bytes?(buf: Buffer): void;
  bytesEnd?(): void;
}

// 1 for the bytes that separate tokens, 2 for the newline that also ends a sentence. NUL
// separates too: the original keeps words as C strings, which end at a NUL, and a word with
// a NUL in it could not be saved in any of the model formats.
const SEPARATOR = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0b, 0x0c, 0x0d, 0x00]) SEPARATOR[c] = 1;
SEPARATOR[0x0a] = 2;

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
    if (sink.bytes) {
      sink.bytes(buf);
      return;
    }
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
      this.emit(joined.latin1Slice(0, joined.length));
      start = i;
    }
    for (; i < n; i++) {
      const kind = SEPARATOR[buf[i]!]!;
      if (kind === 0) continue;
      if (i > start) this.emit(buf.latin1Slice(start, i));
      start = i + 1;
      if (kind === 2) this.newline();
    }
    if (start < n) this.pending = Buffer.from(buf.subarray(start, n));
  }

  private emit(key: string): void {
    this.sink.token(key);
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
    if (this.sink.bytes) {
      this.sink.bytesEnd?.();
      return;
    }
    if (this.pending !== undefined) {
      const last = this.pending;
      this.pending = undefined;
      this.emit(last.latin1Slice(0, last.length));
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
