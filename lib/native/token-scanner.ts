/**
 * Sinks that tokenize corpus bytes in native code (native/core/token_scanner.h): the
 * vocabulary pass counts with {@link NativeTokenCounter}, the training pass turns bytes into
 * vocabulary ids with {@link vocabularyEncoder}. Both take whole buffers from the Tokenizer
 * (TokenSink.bytes), so no JS runs per byte; tokens given apart (token arrays) go one by one.
 * @packageDocumentation
 */
import { native, type NativeKeptIds, type NativeTokenScanner } from './addon';
import type { TokenSink } from '../corpus/tokenizer';
import type { CountedTokens, Vocabulary } from '../corpus/vocabulary';

/** A scanner's output buffer for `bytes` bytes of input (TokenScanner.maxOutput). */
class Scratch {
  ids = new Int32Array(1 << 14);
  fit(bytes: number): Int32Array {
    if (this.ids.length < bytes + 2) this.ids = new Int32Array(Math.max(bytes + 2, this.ids.length * 2));
    return this.ids;
  }
}

/**
 * Counts tokens; each distinct token gets a provisional id in first-seen order. With `keepIds`
 * > 0 it also keeps the corpus as those ids (in native memory, 4 bytes a token) while they
 * come to at most `keepIds` values, for {@link takeIds}.
 */
export class NativeTokenCounter implements TokenSink {
  private readonly scanner: NativeTokenScanner = new (native().TokenScanner)();
  private readonly scratch = new Scratch();
  // Lines ended outside the byte scanner (a corpus of strings or token arrays).
  private linesApart = 0;
  // Totals kept when the table is released.
  private final: { bytes: number; tokens: number; sentences: number; lines: number } | undefined;
  private distinctFinal = 0;
  private counting = false;

  constructor(keepIds = 0) {
    if (keepIds > 0) this.scanner.keepIds(Math.min(keepIds, Number.MAX_SAFE_INTEGER));
  }

  bytes(buf: Buffer): void {
    this.scanner.scan(buf, this.scratch.fit(buf.length));
  }

  bytesEnd(): void {
    this.scanner.finish(this.scratch.ids);
  }

  token(key: string): void {
    this.scanner.token(Buffer.from(key, 'latin1'), this.scratch.ids);
  }

  endSentence(): void {
    this.scanner.endSentence(this.scratch.ids);
  }

  endLine(): void {
    this.linesApart++;
  }

  private totals(): { bytes: number; tokens: number; sentences: number; lines: number } {
    return this.final ?? this.scanner.totals();
  }

  /**
   * Counts a file in native code, `starts` cutting it into parts (at line starts) counted on
   * threads of their own; awaits `tick` every `intervalMs` meanwhile (progress, abort: when it
   * throws, the count is cancelled and the error passed on). Only on a new counter; the ids
   * of each part are kept apart.
   */
  async countFile(path: string, starts: readonly number[], intervalMs: number, tick: () => Promise<void>): Promise<void> {
    let finished = false;
    const done = this.scanner.countFile(path, Float64Array.from(starts)).finally(() => (finished = true));
    this.counting = true;
    try {
      while (!finished) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([done.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, intervalMs)))]);
        clearTimeout(timer);
        if (!finished) await tick();
      }
    } catch (err) {
      this.scanner.cancelCount();
      await done.catch(() => undefined);
      throw err;
    } finally {
      this.counting = false;
    }
    await done;
  }

  /**
   * The kept corpus as final ids (provisional id p becomes finalId[p], left out when negative),
   * one list a part of a counted file, else one; `narrow`: 2 bytes an id, 0xffff ending each
   * sentence, in blocks of 2^21; else 4 bytes, -1, blocks of 2^20. Handed over once; undefined
   * when nothing was kept (no keepIds, or past it).
   */
  async takeIds(finalId: Int32Array, narrow: boolean): Promise<NativeKeptIds | undefined> {
    return this.live().takeIds(finalId, narrow);
  }

  get tokens(): number {
    return this.counting ? this.scanner.countProgress() : this.totals().tokens;
  }

  get sentences(): number {
    return this.totals().sentences;
  }

  get lines(): number {
    return this.totals().lines + this.linesApart;
  }

  /** Bytes tokenized (0 for corpora of token arrays). */
  get bytesRead(): number {
    return this.totals().bytes;
  }

  /** Distinct tokens so far. */
  get distinct(): number {
    return this.final ? this.distinctFinal : this.scanner.size();
  }

  /**
   * The tokens counted at least `minCount` times, with their provisional ids, most counted
   * first (ties in first-seen order, the vocabulary's order): all a vocabulary needs, without a
   * string for each of the corpus's rare tokens.
   */
  frequent(minCount: number): CountedTokens & { ids: Int32Array } {
    const { bytes, offsets, counts, ids } = this.live().keys(minCount);
    // One string of every key's bytes, cut into each key (one call into Buffer, not one a key).
    const all = bytes.latin1Slice(0, bytes.length);
    const keys = new Array<string>(counts.length);
    for (let i = 0; i < counts.length; i++) keys[i] = all.slice(offsets[i]!, offsets[i + 1]!);
    return { keys, counts, ids, lines: this.lines };
  }

  /** The provisional id (-1: never seen) and count of each key. */
  lookup(keys: readonly string[]): { ids: Int32Array; counts: Float64Array } {
    const { bytes, offsets } = packKeys(keys);
    return this.live().lookup(bytes, offsets);
  }

  /** Frees the native table; the totals stay readable. */
  release(): void {
    this.final = this.scanner.totals();
    this.distinctFinal = this.scanner.size();
    this.scanner.release();
  }

  private live(): NativeTokenScanner {
    if (this.final) throw new Error('the token counter was released');
    return this.scanner;
  }
}

/** Keys as one buffer of their bytes and the offsets between them (keys.length + 1). */
function packKeys(keys: readonly string[]): { bytes: Buffer; offsets: Float64Array } {
  // A key is a byte string, one char per byte: its length is its byte length.
  const offsets = new Float64Array(keys.length + 1);
  for (let i = 0; i < keys.length; i++) offsets[i + 1] = offsets[i]! + keys[i]!.length;
  return { bytes: Buffer.from(keys.join(''), 'latin1'), offsets };
}

/** Something that takes vocabulary ids and sentence ends (training/chunks.ts's ChunkEncoder). */
export interface IdTarget {
  add(id: number): void;
  endSentence(): void;
}

/**
 * Makes sinks that turn a corpus into the vocabulary's ids for `target`s: words outside the
 * vocabulary and the original's `</s>` are left out. One native table is shared by all the
 * sinks made (one per lane of the corpus).
 */
export function vocabularyEncoder(vocab: Vocabulary): (target: IdTarget) => TokenSink {
  const { bytes, offsets } = packKeys(vocab.keys);
  const dropped = vocab.hasSentenceToken ? Int32Array.of(0) : new Int32Array(0);
  const { TokenScanner } = native();
  const table = new TokenScanner(bytes, offsets, dropped);
  let first = true;
  return (target) => {
    // The first sink uses the table's own scanner; each further one a scanner of its own.
    const scanner = first ? table : new TokenScanner(table);
    first = false;
    const scratch = new Scratch();
    const deliver = (out: Int32Array, n: number): void => {
      for (let i = 0; i < n; i++) {
        const id = out[i]!;
        if (id < 0) target.endSentence();
        else target.add(id);
      }
    };
    return {
      bytes(buf) {
        const out = scratch.fit(buf.length);
        deliver(out, scanner.scan(buf, out));
      },
      bytesEnd() {
        deliver(scratch.ids, scanner.finish(scratch.ids));
      },
      token(key) {
        // Token arrays: the JS map finds keys holding white space too.
        const id = vocab.idOfKey(key);
        if (id !== undefined && !(vocab.hasSentenceToken && id === 0)) target.add(id);
      },
      endSentence: () => target.endSentence(),
    };
  };
}
