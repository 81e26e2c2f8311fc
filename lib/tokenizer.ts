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
  /** Called for every newline, blank lines included (the original counts one `</s>` per newline). */
  endLine?(): void;
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
      sink.token(joined.toString('latin1'));
      this.tokensInSentence++;
      start = i;
    }
    for (; i < n; i++) {
      const kind = SEPARATOR[buf[i]!]!;
      if (kind === 0) continue;
      if (i > start) {
        sink.token(buf.latin1Slice(start, i));
        this.tokensInSentence++;
      }
      start = i + 1;
      if (kind === 2) {
        if (this.tokensInSentence > 0) {
          sink.endSentence();
          this.tokensInSentence = 0;
        }
        sink.endLine?.();
      }
    }
    if (start < n) this.pending = Buffer.from(buf.subarray(start, n));
  }

  /** Ends the input: a last token and sentence without a newline count too. */
  end(): void {
    if (this.pending !== undefined) {
      this.sink.token(this.pending.toString('latin1'));
      this.pending = undefined;
      this.tokensInSentence++;
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
