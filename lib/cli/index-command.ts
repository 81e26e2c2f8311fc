/**
 * `w2v index build MODEL -output FILE [...]` and `w2v index query FILE MODEL -words a,b,c
 * [-k 10]`: a nearest-neighbour index over a model file's vectors, and queries answered by it.
 * @packageDocumentation
 */
import { loadModel } from '../model/load';
import { loadIndex } from '../recall/load-index';
import { DEFAULT_CONNECTIVITY, DEFAULT_EXPANSION_ADD, DEFAULT_EXPANSION_SEARCH, DEFAULT_PROBES } from '../recall/index-options';
import { parseFlags, splitArgs, usage, UsageError, type FlagSpec } from './flags';
import { checkOutputPath } from './paths';

const BUILD_FLAGS: FlagSpec[] = [
  { flag: '-output', kind: 'string', defaultValue: '', help: 'Write the index to <file>' },
  { flag: '-vectors', kind: 'string', arg: '<input|output>', defaultValue: 'input', help: "Index the input vectors or the output vectors (negative sampling's, kept by native models)" },
  { flag: '-metric', kind: 'string', arg: '<cosine|dot>', defaultValue: 'cosine for input, dot for output', help: 'Rank by cosine or by raw inner product' },
  { flag: '-quantization', kind: 'string', arg: '<f32|f16|i8>', defaultValue: 'f32', help: 'Store rows as 32-bit floats, half floats or 8-bit integers' },
  { flag: '-kind', kind: 'string', arg: '<hnsw|ivf>', defaultValue: 'hnsw', help: 'An HNSW graph, or inverted lists (no links: the least memory, with -quantization i8)' },
  { flag: '-connectivity', kind: 'int', defaultValue: String(DEFAULT_CONNECTIVITY), help: 'Links per node (HNSW M)' },
  { flag: '-expansion-add', kind: 'int', defaultValue: String(DEFAULT_EXPANSION_ADD), help: 'Candidates kept while building (efConstruction)' },
  { flag: '-expansion-search', kind: 'int', defaultValue: String(DEFAULT_EXPANSION_SEARCH), help: 'Candidates kept while searching (ef), saved with the index' },
  { flag: '-dot-transform', kind: 'bool01', arg: '<0|1>', defaultValue: '0', help: 'Dot over f32/f16: link the graph through the dot transform (see dotTransform)' },
  { flag: '-lists', kind: 'int', defaultValue: '4 sqrt(rows)', help: 'ivf: k-means lists the rows are kept in' },
  { flag: '-probes', kind: 'int', defaultValue: String(DEFAULT_PROBES), help: 'ivf: lists a query scans, saved with the index' },
  { flag: '-threads', kind: 'int', defaultValue: 'the cores', help: 'Threads that build' },
];

const QUERY_FLAGS: FlagSpec[] = [
  { flag: '-words', kind: 'string', arg: '<a,b,c>', defaultValue: '', help: 'Comma-separated words (or items) to find neighbours of' },
  { flag: '-k', kind: 'int', defaultValue: '10', help: 'Neighbours per word' },
  { flag: '-view', kind: 'bool01', arg: '<0|1>', defaultValue: '0', help: 'Map the index file instead of reading it' },
  { flag: '-expansion-search', kind: 'int', defaultValue: 'as saved', help: 'hnsw: candidates kept while searching (ef)' },
  { flag: '-probes', kind: 'int', defaultValue: 'as saved', help: 'ivf: lists a query scans' },
];

const BUILD_TITLE = 'Build a nearest-neighbour index over a model (word2vec-native)\n\nUsage: w2v index build MODEL -output FILE [options]';
const QUERY_TITLE =
  'Nearest neighbours from an index (word2vec-native)\n\nUsage: w2v index query FILE MODEL -words a,b,c [-k 10]\n' +
  '  prints one line per neighbour: word <TAB> rank <TAB> neighbour <TAB> score';

function optionalInt(values: Map<string, string>, flag: string): number | undefined {
  return values.has(flag) ? Number(values.get(flag)) : undefined;
}

function choice<T extends string>(values: Map<string, string>, flag: string, allowed: readonly T[]): T | undefined {
  const v = values.get(flag);
  if (v !== undefined && !(allowed as readonly string[]).includes(v)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T | undefined;
}

async function buildCommand(args: string[]): Promise<void> {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage(BUILD_FLAGS, BUILD_TITLE) + '\n');
    return;
  }
  const { positional, flagArgs } = splitArgs(args);
  if (positional.length !== 1) throw new UsageError(`expected one MODEL argument, got ${positional.length}: ${JSON.stringify(positional)}`);
  const values = parseFlags(flagArgs, BUILD_FLAGS);
  const output = values.get('-output');
  if (output === undefined) throw new UsageError('-output FILE is required');
  const vectors = choice(values, '-vectors', ['input', 'output'] as const);
  const metric = choice(values, '-metric', ['cosine', 'dot'] as const);
  const quantization = choice(values, '-quantization', ['f32', 'f16', 'i8'] as const);
  const kind = choice(values, '-kind', ['hnsw', 'ivf'] as const);
  await checkOutputPath('-output', output, 'replace');
  const model = await loadModel(positional[0]!);
  const started = Date.now();
  const index = await model.buildIndex(
    {
      kind, vectors, metric, quantization, connectivity: optionalInt(values, '-connectivity'), expansionAdd: optionalInt(values, '-expansion-add'),
      expansionSearch: optionalInt(values, '-expansion-search'), lists: optionalInt(values, '-lists'), probes: optionalInt(values, '-probes'),
      threads: optionalInt(values, '-threads'), dotTransform: values.has('-dot-transform') ? values.get('-dot-transform') === '1' : undefined,
    },
    { onProgress: ({ fraction }) => process.stderr.write(`\rIndexing: ${(fraction * 100).toFixed(1)}%  `) },
  );
  process.stderr.write('\n');
  await index.save(output);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `${index.size} ${index.source.vectors} vectors of dimension ${index.dim} (${index.metric}${index.dotTransform ? ' through the dot transform' : ''}, ${index.quantization}, ` +
      `${index.kind === 'ivf' ? `${index.lists} lists, ${index.probes} probes` : `connectivity ${index.connectivity}`}) ` +
      `-> ${output} in ${seconds} s, ${(index.memoryBytes / 2 ** 20).toFixed(1)} MiB in memory\n`,
  );
  index.dispose();
}

async function queryCommand(args: string[]): Promise<void> {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage(QUERY_FLAGS, QUERY_TITLE) + '\n');
    return;
  }
  const { positional, flagArgs } = splitArgs(args);
  if (positional.length !== 2) throw new UsageError(`expected FILE and MODEL, got ${positional.length} file argument(s): ${JSON.stringify(positional)}`);
  const values = parseFlags(flagArgs, QUERY_FLAGS);
  const words = (values.get('-words') ?? '').split(',').filter((w) => w.length > 0);
  if (words.length === 0) throw new UsageError('-words a,b,c is required');
  const k = optionalInt(values, '-k') ?? 10;
  if (k < 1) throw new UsageError(`-k must be a positive integer, got ${values.get('-k')}`);
  const model = await loadModel(positional[1]!);
  const index = await loadIndex(positional[0]!, model, { view: values.get('-view') === '1' });
  const ef = optionalInt(values, '-expansion-search');
  if (ef !== undefined) index.expansionSearch = ef;
  const probes = optionalInt(values, '-probes');
  if (probes !== undefined) index.probes = probes;
  const rows = index.source.vectors === 'output' ? model.outputVectors : model.vectors;
  const lines: string[] = [];
  for (const word of words) {
    const id = model.idOf(word);
    if (id === undefined) throw new Error(`word not in the model: ${JSON.stringify(word)}`);
    const query = (rows ?? model.vectors).slice(id * model.dim, (id + 1) * model.dim);
    const { ids, scores } = index.searchOne(query, Math.min(k + 1, index.size), { exclude: [id] });
    let rank = 0;
    ids.forEach((n, i) => {
      if (n >= 0 && rank < k) lines.push(`${word}\t${++rank}\t${model.words[n] ?? n}\t${scores[i]!.toFixed(6)}`);
    });
  }
  process.stdout.write(lines.join('\n') + '\n');
  index.dispose();
}

/** Runs `w2v index build|query`. */
export async function indexCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'build') return buildCommand(rest);
  if (sub === 'query') return queryCommand(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write('Usage: w2v index build MODEL -output FILE [options]\n       w2v index query FILE MODEL -words a,b,c [-k 10]\n\nRun `w2v index build --help` or `w2v index query --help` for the flags.\n');
    if (sub === undefined) throw new UsageError('expected build or query');
    return;
  }
  throw new UsageError(`unknown index command ${JSON.stringify(sub)}: expected build or query`);
}
