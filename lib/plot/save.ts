/**
 * savePlot(): writes a picture's text atomically, so a failed write leaves a previous file intact.
 * @packageDocumentation
 */
import { describeValue } from '../util/errors';
import { writeFileAtomically } from '../formats/atomic-write';

/**
 * Writes `content` (SVG or HTML from {@link plotEmbedding} or {@link trainingChart}) to `path`
 * as UTF-8, atomically (a temporary file beside it, renamed over it).
 *
 * @throws the file system's error, naming `path` (`cannot write "PATH": ENOENT: ...`).
 */
export async function savePlot(path: string, content: string): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError(`path must be a non-empty string, got ${describeValue(path)}`);
  if (typeof content !== 'string') throw new TypeError(`content must be a string, got ${describeValue(content)}`);
  await writeFileAtomically(path, [Buffer.from(content, 'utf8')]);
}
