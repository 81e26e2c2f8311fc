/**
 * Chunks for the native trainer: token ids cut into bounded chunks at sentence ends
 * (ChunkEncoder), and the corpus kept as ids (CachedIds) replayed every epoch, one lane a
 * thread.
 * @module
 */

/** Tokens per chunk handed to the native trainer. */
const CHUNK_TOKENS = 1 << 16;
/** Kept ids replayed between two chances to yield to the event loop (see feedCachedIds). */
const REPLAY_SLICE = 1 << 12;

/**
 * A chunk for the native trainer: ids, sentence ends, and optionally each sentence's global
 * context. Each array owns its buffer (the trainer copies a chunk, then its buffers are freed).
 */
export interface EncodedChunk {
  tokens: Int32Array;
  ends: Int32Array;
  contexts?: Int32Array;
}

/** Chunks of in-vocabulary ids, each ending on a sentence boundary. */
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

/** log2 of the ids in a block of kept 4-byte ids (native IdBlocks::kBlock); 2-byte blocks hold twice as many. */
const ID_BLOCK_BITS = 20;

/**
 * The corpus as final ids (sentenceEnd ending each sentence), kept for the later epochs: 2
 * bytes an id when the vocabulary has fewer than 65535 words, else 4.
 */
export interface CachedIds {
  blocks: Array<Int32Array | Uint16Array>;
  length: number;
  blockBits: number;
  sentenceEnd: number;
}

/** Narrow ids (Uint16) when the vocabulary leaves 0xffff free for the sentence end. */
export function cacheLayout(vocabSize: number): { narrow: boolean; blockBits: number; sentenceEnd: number } {
  const narrow = vocabSize < 0xffff;
  return { narrow, blockBits: narrow ? ID_BLOCK_BITS + 1 : ID_BLOCK_BITS, sentenceEnd: narrow ? 0xffff : -1 };
}

/**
 * Feeds cached ids to the trainer, one lane per thread, chunks taken from the lanes in turn, so
 * the threads train on distant parts of the corpus at once, as the original's do. A single
 * cache is cut into lanes at sentence ends; several (a file's parts, counted apart) are the lanes.
 */
export async function feedCachedIds(
  caches: CachedIds[],
  threads: number,
  maxSentenceLength: number,
  encoder: ChunkEncoder,
  drain: (from?: ChunkEncoder) => Promise<void>,
): Promise<void> {
  const lanes: Array<{ ids: CachedIds; next: number; end: number }> = [];
  if (caches.length === 1) {
    const ids = caches[0]!;
    const mask = (1 << ids.blockBits) - 1;
    const get = (i: number): number => ids.blocks[i >>> ids.blockBits]![i & mask]!;
    const bounds = [0];
    for (let l = 1; l < threads; l++) {
      let at = Math.max(bounds[l - 1]!, Math.floor((ids.length * l) / threads));
      while (at < ids.length && at > 0 && get(at - 1) !== ids.sentenceEnd) at++;
      bounds.push(at);
    }
    bounds.push(ids.length);
    for (let l = 0; l < threads; l++) lanes.push({ ids, next: bounds[l]!, end: bounds[l + 1]! });
  } else {
    for (const ids of caches) lanes.push({ ids, next: 0, end: ids.length });
  }
  const encoders = lanes.map((_, l) => (l === 0 ? encoder : new ChunkEncoder(maxSentenceLength)));
  let active = lanes.map((_, l) => l).filter((l) => lanes[l]!.next < lanes[l]!.end);
  while (active.length > 0) {
    const still: number[] = [];
    for (const l of active) {
      const enc = encoders[l]!;
      const lane = lanes[l]!;
      const { blockBits, sentenceEnd } = lane.ids;
      const mask = (1 << blockBits) - 1;
      let i = lane.next;
      while (i < lane.end && enc.ready.length === 0) {
        // One block at a time: the inner loop runs over a plain typed array; at most
        // REPLAY_SLICE ids between two chances to yield, so the event loop keeps its turns
        // even before the JIT has compiled this loop (a whole chunk took 15-30 ms then).
        const block = lane.ids.blocks[i >>> blockBits]!;
        const stop = Math.min(lane.end, ((i >>> blockBits) + 1) * (mask + 1), i + REPLAY_SLICE);
        let k = i & mask;
        for (; i < stop && enc.ready.length === 0; i++, k++) {
          const v = block[k]!;
          if (v === sentenceEnd) enc.endSentence();
          else enc.add(v);
        }
        if (enc.ready.length === 0 && i < lane.end) await drain(enc);
      }
      lane.next = i;
      if (i >= lane.end) enc.flush();
      await drain(enc);
      if (i < lane.end) still.push(l);
    }
    active = still;
  }
}
