/**
 * Writing a file so that readers see either the old file or the whole new one: the data goes
 * to a temporary file in the same directory, which is fsynced and renamed over the target.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** Largest slice handed to one write call (Node refuses single writes of 2 GiB or more). */
const MAX_WRITE_BYTES = 1 << 30;

/**
 * Writes the concatenation of `blocks` to `path` atomically: to
 * `${path}.tmp-<pid>-<random>` first, fsynced, then renamed over `path`. On any error
 * (including one thrown by the `blocks` iterator while it produces data) the temporary file
 * is removed and a previous file at `path` is left untouched.
 *
 * @throws the iterator's error or the file system's error.
 */
export async function writeFileAtomically(
  path: string,
  blocks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let fh: FileHandle | undefined = await open(tmp, 'wx');
  try {
    for await (const block of blocks) {
      let off = 0;
      while (off < block.length) {
        const { bytesWritten } = await fh.write(block, off, Math.min(block.length - off, MAX_WRITE_BYTES));
        off += bytesWritten;
      }
    }
    await fh.sync();
    const closing = fh;
    fh = undefined;
    await closing.close();
    await rename(tmp, path);
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
