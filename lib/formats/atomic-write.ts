/**
 * Writing a file so that readers see either the old file or the whole new one: the data goes
 * to a temporary file in the same directory, which is fsynced and renamed over the target,
 * and the directory is fsynced so that the rename itself survives a crash. Also a set of
 * files that belong together, and a whole directory (the exports that write one).
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';

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

/** What a file is made of: blocks written in order (see {@link writeFileAtomically}). */
export type FileBlocks = Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** A temporary name beside `path`: `${path}.<kind>-<pid>-<random>`. */
const besideName = (path: string, kind: string): string => `${path}.${kind}-${process.pid}-${randomBytes(6).toString('hex')}`;

/** How {@link writeFileAtomically} takes its blocks. */
export interface WriteOptions {
  /**
   * The producer keeps each block valid until the block after the next is asked for (two
   * buffers in turn), so the next block is asked for, and encoded, while this one is being
   * written. Default false: each block is written before the next is asked for.
   */
  ahead?: boolean;
}

async function writeAll(fh: FileHandle, block: Uint8Array): Promise<void> {
  let off = 0;
  while (off < block.length) {
    const { bytesWritten } = await fh.write(block, off, Math.min(block.length - off, MAX_WRITE_BYTES));
    off += bytesWritten;
  }
}

/** Writes `blocks` to the new file `path` ('wx') and fsyncs it; on error the file is removed. */
async function writeNewFile(path: string, blocks: FileBlocks, ahead = false): Promise<void> {
  let fh: FileHandle | undefined;
  let writing: Promise<void> | undefined;
  try {
    fh = await open(path, 'wx');
    for await (const block of blocks) {
      // With `ahead`, the loop asked for this block while the previous one was being written.
      await writing;
      writing = writeAll(fh, block);
      // A write failing while the producer (an async one, say) works on the next block is
      // awaited, and thrown, at the next block or the end: not an unhandled rejection meanwhile.
      writing.catch(() => undefined);
      if (!ahead) await writing;
    }
    await writing;
    writing = undefined;
    await fh.sync();
    const closing = fh;
    fh = undefined;
    await closing.close();
  } catch (e) {
    await writing?.catch(() => undefined);  // a write still in flight when the producer threw
    if (fh) await fh.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw e;
  }
}

/**
 * Writes the concatenation of `blocks` to `path` atomically: to
 * `${path}.tmp-<pid>-<random>` first, fsynced, then renamed over `path`, then the directory
 * fsynced. A process killed at any moment leaves `path` either as it was or whole and new
 * (plus, at worst, its own temporary file, which readers of `path` never see). On any error
 * (including one thrown by the `blocks` iterator while it produces data) the temporary file
 * is removed and a previous file at `path` is left untouched. Each block is written before
 * the next is asked for, so a producer may reuse one buffer for all its blocks; with
 * `options.ahead`, the next block is asked for while this one is written (two buffers in turn).
 *
 * @throws the iterator's error, or the file system's error, its message naming `path`, not the
 *   temporary file (`cannot write "PATH": ENOENT: no such file or directory`; code, errno and
 *   syscall as the file system gave them).
 */
export async function writeFileAtomically(path: string, blocks: FileBlocks, options: WriteOptions = {}): Promise<void> {
  await writeFilesAtomically([{ path, blocks, ahead: options.ahead }]);
}

/**
 * Writes several files that belong together (a matrix and its vocabulary): each to its own
 * temporary file first (as {@link writeFileAtomically}), and only when all are written and
 * fsynced are they renamed over their targets, in the order given, then their directories
 * fsynced. A failed write leaves every target as it was and no temporary file. Before the
 * renames each target is checked not to be a directory, so the one failure left between the
 * renames (the file system failing a rename in a directory it just wrote) is not the common
 * one; a process killed between two renames may leave the first files new and the others old.
 *
 * @throws as {@link writeFileAtomically}, the message naming the target that failed.
 */
export async function writeFilesAtomically(
  files: readonly ({ path: string; blocks: FileBlocks } & WriteOptions)[],
): Promise<void> {
  const temporaries: string[] = [];
  let current = files[0]?.path ?? '';
  try {
    for (const { path, blocks, ahead } of files) {
      current = path;
      const tmp = besideName(path, 'tmp');
      temporaries.push(tmp);
      await writeNewFile(tmp, blocks, ahead);
    }
    for (const { path } of files) {
      current = path;
      await directoryInTheWay(path);
    }
    for (let i = 0; i < files.length; i++) {
      current = files[i]!.path;
      await rename(temporaries[i]!, current);
      temporaries[i] = '';
    }
  } catch (e) {
    for (const tmp of temporaries) if (tmp) await unlink(tmp).catch(() => undefined);
    throw namingTarget(e, current);
  }
  for (const dir of new Set(files.map((f) => dirname(f.path)))) await syncDirectory(dir);
}

/**
 * As {@link writeFileAtomically}, for a file another writer (native code) produces: `write`
 * gets the temporary path to create, fsync and close; this renames it over `path` and fsyncs
 * the directory. On any error the temporary file is removed, and a message naming the
 * temporary file names `path` instead.
 */
export async function writeFileAtomicallyWith(path: string, write: (temporary: string) => Promise<void>): Promise<void> {
  const tmp = besideName(path, 'tmp');
  try {
    await write(tmp);
    await directoryInTheWay(path);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    if (e instanceof Error && !('syscall' in e) && e.message.includes(tmp)) e.message = e.message.split(tmp).join(path);
    throw namingTarget(e, path);
  }
  await syncDirectory(dirname(path));
}

/** Throws the EISDIR a rename over the directory `path` would (rename's own error). */
async function directoryInTheWay(path: string): Promise<void> {
  const found = await lstat(path).catch(() => undefined);
  if (found?.isDirectory()) {
    const err: NodeJS.ErrnoException = new Error(`EISDIR: illegal operation on a directory, rename '${path}'`);
    Object.assign(err, { code: 'EISDIR', errno: -osConstants.errno.EISDIR, syscall: 'rename', path });
    throw err;
  }
}

/** A file of a directory {@link writeDirectoryAtomically} writes: its name in it and its content. */
export interface DirectoryFile {
  name: string;
  blocks: FileBlocks;
}

/**
 * Writes a directory of files so that readers see either the old directory or the whole new
 * one: the files go to a temporary sibling directory (`${path}.tmp-<pid>-<random>`), each
 * fsynced, the directory fsynced, then renamed to `path`. An existing directory at `path` is
 * replaced, but only one that is empty or holds `marker` (a previous export: a directory of
 * the user's own is never deleted): it is renamed aside, the new one renamed in, and the old
 * one removed, so `path` is missing for the moment between the two renames, never half
 * written. A failed write removes the temporary directory and leaves `path` as it was.
 *
 * @throws Error `cannot write "PATH": ...` naming `path` (the file system's code kept) for a
 *   parent that is missing or not a directory, a file in the way, a directory that is not a
 *   previous export; or the blocks' own error.
 */
export async function writeDirectoryAtomically(path: string, files: readonly DirectoryFile[], marker: string): Promise<void> {
  const tmp = besideName(path, 'tmp');
  let made = false;
  try {
    const existing = await existingExport(path, marker);
    await mkdir(tmp);
    made = true;
    for (const { name, blocks } of files) await writeNewFile(join(tmp, name), blocks);
    await syncDirectory(tmp);
    if (existing) {
      const old = besideName(path, 'old');
      await rename(path, old);
      try {
        await rename(tmp, path);
      } catch (e) {
        await rename(old, path).catch(() => undefined);
        throw e;
      }
      made = false;
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, path);
      made = false;
    }
  } catch (e) {
    if (made) await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw namingTarget(e, path);
  }
  await syncDirectory(dirname(path));
}

/**
 * Whether `path` is a directory to replace (empty or holding `marker`); false when nothing
 * is there.
 * @throws Error for a file, or a directory of something else, in the way.
 */
async function existingExport(path: string, marker: string): Promise<boolean> {
  const found = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!found) return false;
  if (!found.isDirectory()) throw new Error(`cannot write ${JSON.stringify(path)}: a file is in the way (this export is a directory)`);
  const names = await readdir(path);
  if (names.length > 0 && !names.includes(marker)) {
    throw new Error(`cannot write ${JSON.stringify(path)}: the directory holds files but no ${marker}, so it is no previous export to replace`);
  }
  return true;
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
