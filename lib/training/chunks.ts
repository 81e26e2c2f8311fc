/**
 * Chunks for the native trainer: token ids cut into bounded chunks at sentence ends
 * (ChunkEncoder; the corpus kept as ids is replayed by native code in chunks cut by the same
 * rules, NativeTrainer.replay).
 * @module
 */

/** Tokens per chunk handed to the native trainer (native IdReplay::kChunkTokens: the same rules). */
const CHUNK_TOKENS = 1 << 16;

/**
 * A chunk for the native trainer: ids, sentence ends, and optionally each sentence's global
 * context. Each array owns its buffer (the trainer copies a chunk, then its buffers are freed).
 */
export interface EncodedChunk {
  tokens: Int32Array;
  ends: Int32Array;
  contexts?: Int32Array;
}

/**
 * Chunks of in-vocabulary ids, each ending on a sentence boundary. native/core/id_replay.cc
 * cuts kept ids by these same rules; a change here is made there too (the kept and re-read
 * paths train bit for bit alike: test/integration/train.test.ts).
 */
export class ChunkEncoder {
  private tokens = new Int32Array(CHUNK_TOKENS);
  private ends: number[] = [];
  private contexts: number[] | undefined;
  private length = 0;
  private sentenceStart = 0;
  readonly ready: EncodedChunk[] = [];

  /** Sentences longer than `maxSentenceLength` ids are split (Infinity: never). */
  constructor(private readonly maxSentenceLength: number) {}

  add(id: number): void {
    if (this.length === this.tokens.length) this.makeRoom();
    this.tokens[this.length++] = id;
    if (this.length - this.sentenceStart >= this.maxSentenceLength) this.endSentence();
  }

  /** Ends the sentence; `context` is a word every centre word of it also predicts (-1: none). */
  endSentence(context = -1): void {
    if (this.length === this.sentenceStart) return;
    this.ends.push(this.length);
    if (context >= 0 && !this.contexts) this.contexts = new Array<number>(this.ends.length - 1).fill(-1);
    this.contexts?.push(context);
    this.sentenceStart = this.length;
    if (this.length >= CHUNK_TOKENS) this.flush();
  }

  flush(): void {
    this.endSentence();
    this.emit();
    if (this.tokens.length > CHUNK_TOKENS) this.tokens = new Int32Array(CHUNK_TOKENS);
  }

  // The buffer is full: hand over the whole sentences and move the open one to the front, so
  // the buffer is reused; only a sentence longer than the buffer makes it grow.
  private makeRoom(): void {
    const open = this.sentenceStart;
    if (open === 0) {
      const grown = new Int32Array(this.tokens.length * 2);
      grown.set(this.tokens);
      this.tokens = grown;
      return;
    }
    const end = this.length;
    this.length = open;
    this.emit();
    this.tokens.copyWithin(0, open, end);
    this.length = end - open;
  }

  // Queues tokens[0, length) with the sentence ends so far as a chunk.
  private emit(): void {
    if (this.length > 0) {
      this.ready.push({
        tokens: this.tokens.slice(0, this.length),
        ends: Int32Array.from(this.ends),
        ...(this.contexts ? { contexts: Int32Array.from(this.contexts) } : {}),
      });
    }
    this.length = 0;
    this.sentenceStart = 0;
    this.ends = [];
    this.contexts = undefined;
  }
}

/** Kept ids take 2 bytes when the vocabulary leaves 0xffff free for the sentence end. */
export function narrowIds(vocabSize: number): boolean {
  return vocabSize < 0xffff;
}
