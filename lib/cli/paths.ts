/**
 * Checks of the files a command will write, made before it reads or computes anything: a
 * training of an hour must not end in "no such directory", and the message names the path as
 * the user typed it (not the temporary file an atomic write goes through).
 * @packageDocumentation
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';

import { UsageError } from './flags';

/**
 * How a command writes an output:
 * - 'replace': a temporary file beside it, renamed over it (model.save, savePlot): its
 *   directory must be writable, and the path must not be a directory;
 * - 'write': opened and written in place (fs.writeFile, a write stream): an existing file
 *   must be writable (a device such as /dev/stdout too), else its directory must be;
 * - 'directory': a directory made when missing and written into (a Projector export);
 * - 'replace-directory': a directory built beside it and renamed over it (the tfjs export):
 *   its parent must be a writable directory, and the path must not be a file.
 */
export type OutputKind = 'replace' | 'write' | 'directory' | 'replace-directory';

/**
 * stat(), undefined where nothing is there (ENOENT, or a parent that is a file: ENOTDIR);
 * another failure (EACCES: a parent that cannot be searched) is a UsageError for `named`.
 */
async function statIfThere(named: string, path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new UsageError(`${named}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function writable(path: string, mode: number): Promise<boolean> {
  return access(path, mode).then(() => true, () => false);
}

/**
 * Throws a {@link UsageError} when `path` (given as `what`, e.g. `-output`) cannot be written
 * as `kind` says: `-output "out/x.bin": directory "out" does not exist`, `... "f.txt" is not a
 * directory`, `... directory "ro" is not writable`, `-output "dir" is a directory`,
 * `-save-vocab "v.txt" is not writable`.
 */
export async function checkOutputPath(what: string, path: string, kind: OutputKind): Promise<void> {
  const named = `${what} ${JSON.stringify(path)}`;
  const target = await statIfThere(named, path);
  if (kind === 'directory') {
    if (target) {
      if (!target.isDirectory()) throw new UsageError(`${named} is not a directory`);
      if (!(await writable(path, constants.W_OK | constants.X_OK))) throw new UsageError(`${named}: directory is not writable`);
      return;
    }
    // Made with its missing parents: the nearest one there must take new entries.
    let parent = dirname(path);
    let found = await statIfThere(named, parent);
    while (!found && dirname(parent) !== parent) {
      parent = dirname(parent);
      found = await statIfThere(named, parent);
    }
    await checkDirectory(named, parent, found);
    return;
  }
  if (kind === 'replace-directory') {
    if (target && !target.isDirectory()) throw new UsageError(`${named} is not a directory`);
  } else if (target?.isDirectory()) {
    throw new UsageError(`${named} is a directory`);
  }
  if (target && kind === 'write') {
    if (!(await writable(path, constants.W_OK))) throw new UsageError(`${named} is not writable`);
    return;
  }
  const dir = dirname(path);
  await checkDirectory(named, dir, await statIfThere(named, dir));
}

async function checkDirectory(named: string, dir: string, found: Stats | undefined): Promise<void> {
  if (!found) throw new UsageError(`${named}: directory ${JSON.stringify(dir)} does not exist`);
  if (!found.isDirectory()) throw new UsageError(`${named}: ${JSON.stringify(dir)} is not a directory`);
  if (!(await writable(dir, constants.W_OK | constants.X_OK))) throw new UsageError(`${named}: directory ${JSON.stringify(dir)} is not writable`);
}
