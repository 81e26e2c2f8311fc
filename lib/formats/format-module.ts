/**
 * What a model file format supplies to the registry (formats/model-format.ts): its name,
 * extension and help line, how its content is recognised, and how a table is read and
 * written. Adding a format is one module implementing this and one line in the registry.
 *
 * @module
 */

/** A model as the formats read and write it. */
export interface ModelTable {
  /** Words as byte strings (one char per byte, `latin1`), by id. */
  keys: readonly string[];
  dim: number;
  /** `keys.length * dim` input vectors, row-major. */
  vectors: Float32Array;
  /** Output vectors, for the formats that keep them. */
  outputVectors?: Float32Array | undefined;
  /** Corpus counts by id, for the formats that keep them. */
  counts?: Float64Array | undefined;
}

/** Options of {@link ModelFormatModule.read}. */
export interface FormatReadOptions {
  /** Read only the first `limit` words. */
  limit?: number;
}

export interface ModelFormatModule<Name extends string = string> {
  readonly name: Name;
  /** The file-name extension (lower case, with its dot) that names this format to the CLI. */
  readonly extension: string;
  /** What it is, in a few words, for help texts. */
  readonly help: string;
  /**
   * A format with a magic number: whether the first bytes are it (a file shorter than the
   * magic counts when it is a prefix of it). Such formats are recognised before the others.
   */
  readonly magic?: (head: Uint8Array) => boolean;
  /**
   * A format without one: whether the start of a file (header and first row) is this format,
   * asked in the registry's order after every magic number failed; may throw an Error saying
   * the bytes are no model format at all.
   */
  readonly sniff?: (head: Buffer) => boolean;
  read(path: string, options: FormatReadOptions): Promise<ModelTable>;
  /** Writes atomically (a temporary file, fsynced, renamed over `path`). */
  write(path: string, table: ModelTable): Promise<void>;
}
