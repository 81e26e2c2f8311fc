/**
 * A hash table from byte strings to dense ids that looks tokens up straight from the input
 * buffer: no string is made for a token already seen, which is most of a corpus's tokens.
 * Open addressing over FNV-1a hashes; each key's bytes are kept once in an arena.
 * @packageDocumentation
 */

/** FNV-1a's offset basis; continue a hash byte by byte with {@link fnvStep}. */
export const FNV_OFFSET = 0x811c9dc5 | 0;

/** One FNV-1a step. */
export function fnvStep(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193);
}

/** FNV-1a of buf[start, end). */
export function fnvHash(buf: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h;
}

export class ByteKeyTable {
  /** Keys by id as byte strings (one char per byte, see bytes.ts). */
  readonly keys: string[] = [];
  private slots = new Int32Array(1 << 16);  // id + 1; 0 = empty
  private mask = (1 << 16) - 1;
  private hashes = new Int32Array(1 << 12);
  private starts = new Int32Array(1 << 12);
  private lengths = new Int32Array(1 << 12);
  private arena: Uint8Array = new Uint8Array(1 << 16);
  private arenaLength = 0;

  get size(): number {
    return this.keys.length;
  }

  /** Id of the bytes buf[start, end) whose FNV-1a hash is `hash`, or -1. */
  find(buf: Uint8Array, start: number, end: number, hash: number): number {
    const length = end - start;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) return -1;
      const id = entry - 1;
      if (this.hashes[id] !== hash || this.lengths[id] !== length) continue;
      const at = this.starts[id]!;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (this.arena[at + k] !== buf[start + k]) {
          same = false;
          break;
        }
      }
      if (same) return id;
    }
  }

  /** Id of buf[start, end), added when new; `key` is its byte string when the caller has it. */
  intern(buf: Uint8Array, start: number, end: number, hash: number, key?: string): number {
    const found = this.find(buf, start, end, hash);
    if (found >= 0) return found;
    const id = this.keys.length;
    const length = end - start;
    if (id === this.hashes.length) {
      this.hashes = grow(this.hashes);
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
    }
    while (this.arenaLength + length > this.arena.length) {
      const bigger = new Uint8Array(this.arena.length * 2);
      bigger.set(this.arena.subarray(0, this.arenaLength));
      this.arena = bigger;
    }
    this.arena.set(buf.subarray(start, end), this.arenaLength);
    this.hashes[id] = hash;
    this.starts[id] = this.arenaLength;
    this.lengths[id] = length;
    this.arenaLength += length;
    this.keys.push(key ?? Buffer.from(buf.buffer, buf.byteOffset + start, length).toString('latin1'));
    if ((id + 1) * 2 > this.slots.length) this.rehash();
    else this.place(id);
    return id;
  }

  private place(id: number): void {
    let slot = this.hashes[id]! & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = id + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let id = 0; id < this.keys.length; id++) this.place(id);
  }
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
