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

/** Options of {@link ModelFormatModule.write}. */
export interface FormatWriteOptions {
  /** A framework's embedding layer (tfjs): whether it trains further; default false (frozen). */
  trainable?: boolean;
}

/** Options of {@link ModelFormatModule.read}. */
export interface FormatReadOptions {
  /** Read only the first `limit` words. */
  limit?: number;
}

export interface ModelFormatModule<Name extends string = string> {
  readonly name: Name;
  /**
   * The file-name extension (lower case, with its dot) that names this format to the CLI;
   * undefined for a format named only by `-format` (one that writes a directory).
   */
  readonly extension?: string;
  /** What `path` names: a file (default) or a directory the format fills. */
  readonly output?: 'file' | 'directory';
  /** Options of {@link write} this format takes besides none (e.g. 'trainable'). */
  readonly writeOptions?: readonly (keyof FormatWriteOptions)[];
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
  /** Reads a file of this format; undefined for a format that is only written (an export). */
  read?(path: string, options: FormatReadOptions): Promise<ModelTable>;
  /**
   * Writes atomically: a temporary file (or directory), fsynced, renamed over `path`, so a
   * failed write leaves no half-written file under the target name.
   */
  write(path: string, table: ModelTable, options: FormatWriteOptions): Promise<void>;
}
