/**
 * Writing a file so that readers see either the old file or the whole new one: the data goes
 * to a temporary file in the same directory, which is fsynced and renamed over the target,
 * and the directory is fsynced so that the rename itself survives a crash.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Largest slice handed to one write call (Node refuses single writes of 2 GiB or more). */
const MAX_WRITE_BYTES = 1 << 30;

/** Errors of platforms and file systems that cannot open or fsync a directory (Windows, some FUSE). */
const NO_DIRECTORY_SYNC = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EBADF']);

/**
 * Makes a rename in `dir` durable: without it, a crash soon after the rename may leave the
 * directory entry pointing at the old file (or at nothing) on file systems that journal
 * data and metadata separately. Skipped where directories cannot be synced.
 */
async function syncDirectory(dir: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(dir, 'r');
  } catch (e) {
    if (NO_DIRECTORY_SYNC.has((e as NodeJS.ErrnoException).code ?? '')) return;
    throw e;
  }
  try {
    await fh.sync();
  } catch (e) {
    if (!NO_DIRECTORY_SYNC.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await fh.close();
  }
}

/**
 * Writes the concatenation of `blocks` to `path` atomically: to
 * `${path}.tmp-<pid>-<random>` first, fsynced, then renamed over `path`, then the directory
 * fsynced. A process killed at any moment leaves `path` either as it was or whole and new
 * (plus, at worst, its own temporary file, which readers of `path` never see). On any error
 * (including one thrown by the `blocks` iterator while it produces data) the temporary file
 * is removed and a previous file at `path` is left untouched. Each block is written before
 * the next is asked for, so a producer may reuse one buffer for all its blocks.
 *
 * @throws the iterator's error, or the file system's error, its message naming `path`, not the
 *   temporary file (`cannot write "PATH": ENOENT: no such file or directory`; code, errno and
 *   syscall as the file system gave them).
 */
export async function writeFileAtomically(
  path: string,
  blocks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx');
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
    throw namingTarget(e, path);
  }
  await syncDirectory(dirname(path));
}

/**
 * A file system error about the temporary file, told about `path`: the user named `path`,
 * and the temporary file is gone by the time the error is seen. Node's message ends with the
 * call and the temporary file's name (`ENOENT: no such file or directory, open 'x.bin.tmp-…'`),
 * so that ending is dropped: `cannot write "x.bin": ENOENT: no such file or directory`. The
 * code, errno and syscall are kept, and the original error is the cause. Other errors (the
 * blocks iterator's) are returned as they are.
 */
function namingTarget(e: unknown, path: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof err.code !== 'string' || typeof err.syscall !== 'string') return e;
  const end = err.message.indexOf(`, ${err.syscall}`);
  const reason = end > 0 ? err.message.slice(0, end) : err.message;
  const named: NodeJS.ErrnoException = new Error(`cannot write ${JSON.stringify(path)}: ${reason}`, { cause: e });
  named.code = err.code;
  if (err.errno !== undefined) named.errno = err.errno;
  named.syscall = err.syscall;
  named.path = path;
  return named;
}
