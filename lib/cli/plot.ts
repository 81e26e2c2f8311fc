/**
 * `w2v plot MODEL`: the top words of a model in 2D (PCA or UMAP), as SVG or a self-contained
 * HTML page, optionally coloured by groups read from a file.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';

import { wordOf } from '../util/bytes';
import { parseFlags, usage, UsageError, type FlagSpec } from './flags';
import { checkOutputPath } from './paths';
import { loadModel } from '../model/load';
import { plotEmbedding } from '../plot/embedding-plot';
import { savePlot } from '../plot/save';

const PLOT_FLAGS: FlagSpec[] = [
  { flag: '-top', kind: 'int', defaultValue: '300', help: 'Draw the <int> most frequent words (ignored with -words)' },
  { flag: '-method', kind: 'string', arg: '<pca|umap>', defaultValue: 'pca', help: 'Lay the vectors out by PCA or UMAP' },
  { flag: '-output', kind: 'string', defaultValue: 'plot.svg', help: 'Write the picture to <file>: .svg, or .html for a page with hover, pan and zoom' },
  { flag: '-groups', kind: 'string', defaultValue: 'none (one colour)', help: 'Colour words by group; <file> has lines "word<TAB>group"' },
  { flag: '-words', kind: 'string', arg: '<w1,w2,...>', defaultValue: 'none (the -top most frequent words)', help: 'Draw these words (comma-separated) instead of the most frequent' },
  { flag: '-labels', kind: 'string', arg: '<auto|all|none>', defaultValue: 'auto', help: 'Label every point (all), none, or those that fit without overlapping (auto)' },
  { flag: '-seed', kind: 'int', defaultValue: '1', help: 'Random seed of UMAP' },
  { flag: '-width', kind: 'int', defaultValue: '960', help: 'Picture width in pixels' },
  { flag: '-height', kind: 'int', defaultValue: '720', help: 'Picture height in pixels' },
];

const TITLE = 'Embedding plot (word2vec-native)\n\nUsage: w2v plot <MODEL> [options]\nwhere MODEL contains word projections in the BINARY or TEXT FORMAT';

/**
 * A groups file: lines "word<TAB>group" (the word's exact bytes; a trailing CR is dropped,
 * empty lines skipped). Returns word -> group, words as the model shows them (UTF-8 decoded).
 */
export function parseGroups(data: Buffer, name: string): Map<string, string> {
  const groups = new Map<string, string>();
  const lines = data.toString('latin1').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0) return;
    const tab = line.indexOf('\t');
    if (tab <= 0) {
      const shown = JSON.stringify(wordOf(line.length > 60 ? line.slice(0, 60) + '…' : line));
      throw new UsageError(`${name} line ${i + 1} must be "word<TAB>group", got ${shown}`);
    }
    groups.set(wordOf(line.slice(0, tab)), wordOf(line.slice(tab + 1)));
  });
  return groups;
}

/** `w2v plot MODEL [flags]`. */
export async function plotCommand(args: string[], out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    out.write(usage(PLOT_FLAGS, TITLE) + '\n\nExamples:\nw2v plot vectors.bin -top 200 -output words.html\nw2v plot vectors.bin -method umap -groups topics.tsv\n');
    return;
  }
  const [modelPath, ...rest] = args;
  if (modelPath!.startsWith('-')) throw new UsageError(`the MODEL file comes first, got ${JSON.stringify(modelPath)}`);
  const values = parseFlags(rest, PLOT_FLAGS);
  const top = Number(values.get('-top') ?? 300);
  if (top < 1) throw new UsageError(`-top must be >= 1, got ${top}`);
  const method = values.get('-method') ?? 'pca';
  if (method !== 'pca' && method !== 'umap') throw new UsageError(`-method must be pca or umap, got ${JSON.stringify(method)}`);
  const labels = values.get('-labels') ?? 'auto';
  if (labels !== 'auto' && labels !== 'all' && labels !== 'none') {
    throw new UsageError(`-labels must be auto, all or none, got ${JSON.stringify(labels)}`);
  }
  const output = values.get('-output') ?? 'plot.svg';
  const format = /\.html?$/i.test(output) ? 'html' : /\.svg$/i.test(output) ? 'svg' : undefined;
  if (!format) throw new UsageError(`-output must end in .svg or .html, got ${JSON.stringify(output)}`);
  const wordList = values.get('-words');
  const words = wordList === undefined ? undefined : wordList.split(',').filter((w) => w.length > 0);
  if (words !== undefined && words.length === 0) throw new UsageError(`-words must name at least one word, got ${JSON.stringify(wordList)}`);
  await checkOutputPath('-output', output, 'replace');
  const groupsFile = values.get('-groups');
  const groups = groupsFile ? parseGroups(await readFile(groupsFile), groupsFile) : undefined;
  const seed = Number(values.get('-seed') ?? 1);
  // Only the top words are drawn: read no more of a large model than they need (and </s>).
  const model = await loadModel(modelPath!, words === undefined ? { limit: Math.min(top + 1, 2 ** 31 - 1) } : {});
  let picture: string;
  try {
    picture = plotEmbedding(model, {
      ...(words !== undefined ? { words } : { top }),
      method,
      format,
      labels,
      width: Number(values.get('-width') ?? 960),
      height: Number(values.get('-height') ?? 720),
      ...(groups ? { groups } : {}),
      ...(method === 'umap' ? { umap: { seed } } : {}),
    });
  } catch (err) {
    // The API names its options; the user typed flags.
    const m = err instanceof Error ? /^(top|width|height|seed) (must .*)$/.exec(err.message) : null;
    throw m ? new UsageError(`-${m[1]} ${m[2]}`) : err;
  }
  await savePlot(output, picture);
  out.write(`Wrote ${output}\n`);
}
