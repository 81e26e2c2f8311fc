/**
 * savePlot(): writes a picture's text atomically, so a failed write leaves a previous file intact.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';

import { describeValue } from '../errors';

/** Writes `content` (SVG or HTML from {@link plotEmbedding} or {@link trainingChart}) to `path` as UTF-8. */
export async function savePlot(path: string, content: string): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`path must be a non-empty string, got ${describeValue(path)}`);
  if (typeof content !== 'string') throw new TypeError(`content must be a string, got ${describeValue(content)}`);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await writeFile(tmp, content, { encoding: 'utf8', flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
