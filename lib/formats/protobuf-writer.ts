/**
 * A minimal Protocol Buffers encoder: the wire format of the few field kinds the ONNX export
 * writes (varints, length-delimited strings, bytes and nested messages). Large byte fields
 * are kept by reference, so a message holding a matrix is written without copying it: the
 * encoder only needs each part's length to write the length prefixes before it.
 *
 * Hand-written rather than protobufjs: the ONNX export needs five message kinds and three
 * field kinds; protobufjs would still need onnx.proto transcribed (or shipped and parsed at
 * run time) and a run-time dependency, and it builds a message into one buffer (a matrix of
 * gigabytes would be copied into it).
 *
 * @module
 */

/** Wire types. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** Parts no longer than this are coalesced into one buffer when the message is emitted. */
const SMALL_PART = 1 << 16;

/** The varint bytes of a non-negative integer up to 2^53. */
export function varint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`protobuf varint must be a safe integer >= 0, got ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

const key = (field: number, wireType: number): Uint8Array => varint(field * 8 + wireType);

/** A message being built: its encoded parts in order, the large ones by reference. */
export class ProtoMessage {
  private readonly parts: Uint8Array[] = [];
  private bytes = 0;

  /** Encoded length in bytes. */
  get length(): number {
    return this.bytes;
  }

  private push(part: Uint8Array): void {
    if (part.length === 0) return;
    this.parts.push(part);
    this.bytes += part.length;
  }

  /** An integer field (int32, int64, enum) of a non-negative value. */
  uint(field: number, value: number): this {
    this.push(key(field, VARINT));
    this.push(varint(value));
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytesField(field, [Buffer.from(value, 'utf8')]);
  }

  /** A bytes field made of `chunks` in order, kept by reference. */
  bytesField(field: number, chunks: readonly Uint8Array[]): this {
    const length = chunks.reduce((sum, c) => sum + c.length, 0);
    this.push(key(field, LENGTH_DELIMITED));
    this.push(varint(length));
    for (const c of chunks) this.push(c);
    return this;
  }

  /** A nested message field. */
  message(field: number, value: ProtoMessage): this {
    this.push(key(field, LENGTH_DELIMITED));
    this.push(varint(value.length));
    for (const part of value.parts) this.push(part);
    return this;
  }

  /** The encoded message as blocks: small parts joined, large ones as they are (not copied). */
  *blocks(): Generator<Uint8Array> {
    let pending: Uint8Array[] = [];
    const flush = (): Uint8Array => {
      const joined = Buffer.concat(pending);
      pending = [];
      return joined;
    };
    for (const part of this.parts) {
      if (part.length <= SMALL_PART) {
        pending.push(part);
        continue;
      }
      if (pending.length > 0) yield flush();
      yield part;
    }
    if (pending.length > 0) yield flush();
  }
}
