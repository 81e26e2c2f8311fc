/**
 * Float32 / Float64 arrays as the little-endian bytes the file formats store (the native
 * model, .npy '<f4', ONNX raw_data, TensorFlow.js weight shards), without copying them on
 * little-endian hosts.
 *
 * @module
 */

/** Whether this host stores numbers little-endian (then a Float32Array's bytes are the file's). */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes handed out per block unless asked otherwise (64 MiB). */
const DEFAULT_BLOCK_BYTES = 1 << 26;

/**
 * The little-endian bytes of `values`, in blocks of `blockBytes` (a multiple of the element
 * size; the last block may be shorter): views of `values` on little-endian hosts, byte-swapped
 * copies on others. No block for an empty array.
 */
export function* littleEndianBlocks(values: Float32Array | Float64Array, blockBytes = DEFAULT_BLOCK_BYTES): Generator<Uint8Array> {
  const width = values.BYTES_PER_ELEMENT;
  const perBlock = Math.max(1, Math.floor(blockBytes / width));
  for (let start = 0; start < values.length; start += perBlock) {
    const part = values.subarray(start, Math.min(values.length, start + perBlock));
    if (HOST_IS_LITTLE_ENDIAN) {
      yield new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    } else {
      const out = Buffer.allocUnsafe(part.byteLength);
      for (let i = 0; i < part.length; i++) {
        if (width === 4) out.writeFloatLE(part[i]!, i * 4);
        else out.writeDoubleLE(part[i]!, i * 8);
      }
      yield out;
    }
  }
}

/** Reorders, in place, float32 values read as little-endian bytes into this host's order (a no-op on little-endian hosts). */
export function float32FromLittleEndian(values: Float32Array): Float32Array {
  if (HOST_IS_LITTLE_ENDIAN) return values;
  const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}
