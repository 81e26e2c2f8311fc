/**
 * `w2v graph -input EDGES -output VECTORS [...]`: DeepWalk / node2vec node vectors from an
 * edge list, in the flags of node2vec's reference tools and the original word2vec's.
 * @packageDocumentation
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';

import { trainGraph, type GraphTrainOptions } from '../graph/train-graph';
import type { Progress } from '../training/run';
import { parseFlags, usage, UsageError, type FlagSpec } from './flags';
import { checkOutputPath } from './paths';

interface GraphFlag extends FlagSpec {
  /** The trainGraph option the flag sets, and how its text becomes the value. */
  option?: keyof GraphTrainOptions;
  parse?: (text: string) => unknown;
}

const number = (t: string): number => Number(t);
const bool = (t: string): boolean => t === '1';

const GRAPH_FLAGS: GraphFlag[] = [
  { flag: '-input', kind: 'string', defaultValue: '', help: 'Edges from <file>: "src dst [weight]" a line, white space or tabs, # comments, plain or .gz' },
  { flag: '-output', kind: 'string', defaultValue: '', help: 'Save the node vectors to <file> (word2vec format)' },
  { flag: '-binary', kind: 'bool01', defaultValue: '0', help: 'Save the vectors in binary mode' },
  { flag: '-directed', kind: 'bool01', defaultValue: '0', help: 'Edges go from src to dst only', option: 'directed', parse: bool },
  { flag: '-weighted', kind: 'bool01', defaultValue: '0', help: 'Walk in proportion to the third column (duplicate edges summed)', option: 'weighted', parse: bool },
  { flag: '-keep-self-loops', kind: 'bool01', defaultValue: '0', help: 'Keep edges from a node to itself', option: 'keepSelfLoops', parse: bool },
  { flag: '-p', kind: 'real', defaultValue: '1', help: "node2vec's return parameter: a step back weighs 1/p", option: 'p', parse: number },
  { flag: '-q', kind: 'real', defaultValue: '1', help: "node2vec's in-out parameter: a step away from the previous node weighs 1/q", option: 'q', parse: number },
  { flag: '-walk-length', kind: 'int', defaultValue: '80', help: 'Nodes per walk', option: 'walkLength', parse: number },
  { flag: '-walks', kind: 'int', defaultValue: '10', help: 'Walks from every node', option: 'walksPerNode', parse: number },
  { flag: '-walks-output', kind: 'string', defaultValue: '', help: "Also write the first epoch's walks to <file>, one a line", option: 'walksOutput', parse: (t) => t },
  { flag: '-side', kind: 'string', defaultValue: '', help: 'Side information from <file>: "node<TAB>attr1<TAB>attr2..." a line (EGES)', option: 'sideInfo', parse: (t) => t },
  { flag: '-side-mode', kind: 'string', arg: '<eges|ges>', defaultValue: 'eges', help: 'Weights of a node\'s id and attributes: learned per node (eges) or equal (ges)', option: 'sideInfoMode', parse: (t) => t },
  { flag: '-size', kind: 'int', defaultValue: '128', help: 'Size of the node vectors', option: 'dim', parse: number },
  { flag: '-window', kind: 'int', defaultValue: '10', help: 'Max skip length between nodes of a walk', option: 'window', parse: number },
  { flag: '-negative', kind: 'int', defaultValue: '5', help: 'Negative examples per prediction', option: 'negative', parse: number },
  { flag: '-sample', kind: 'real', defaultValue: '1e-3', help: 'Subsampling threshold of frequently visited nodes (0: off)', option: 'sample', parse: number },
  { flag: '-alpha', kind: 'real', defaultValue: '0.025', help: 'Starting learning rate', option: 'alpha', parse: number },
  { flag: '-shared-negatives', kind: 'bool01', defaultValue: '1', help: "One set of negatives per centre node shared by its window (pWord2Vec; faster, about 1.6x at window 10); 0: the original's fresh negatives per pair", option: 'sharedNegatives', parse: bool },
  { flag: '-iter', kind: 'int', defaultValue: '1', help: 'Training epochs (each on fresh walks)', option: 'epochs', parse: number },
  { flag: '-threads', kind: 'int', defaultValue: 'the cores', help: 'Threads that walk and train', option: 'threads', parse: number },
  { flag: '-seed', kind: 'int', defaultValue: '1', help: 'Seed of the walks and the training', option: 'seed', parse: number },
  { flag: '-debug', kind: 'int', defaultValue: '2', help: 'Set the debug mode (0 = quiet, 1 = summary, 2 = progress)' },
  { flag: '-report', kind: 'string', defaultValue: '', help: 'Write timings and counts as JSON to <file>' },
];

// Messages from the API name options by their API names; the CLI user typed flags.
const FLAG_OF_OPTION = new Map(GRAPH_FLAGS.filter((f) => f.option).map((f) => [f.option as string, f.flag]));

function renameOption(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const m = /^(\w+) (must .*)$/.exec(err.message);
  const flag = m ? FLAG_OF_OPTION.get(m[1]!) : undefined;
  return flag ? new UsageError(`${flag} ${m![2]}`) : err;
}

/** trainGraph's options from the flags given (absent flags: trainGraph's defaults). */
export function graphOptionsFromFlags(values: Map<string, string>): GraphTrainOptions {
  const options: Record<string, unknown> = {};
  for (const f of GRAPH_FLAGS) {
    const text = values.get(f.flag);
    if (f.option && f.parse && text !== undefined) options[f.option] = f.parse(text);
  }
  return options as GraphTrainOptions;
}

/** Runs `w2v graph ARGS`. */
export async function graphCommand(args: string[]): Promise<void> {
  const title = 'Node vectors by DeepWalk / node2vec walks and skip-gram (word2vec-native)\n\nUsage: w2v graph -input <edges> -output <file> [options]';
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage(GRAPH_FLAGS, title) + '\n');
    return;
  }
  const values = parseFlags(args, GRAPH_FLAGS);
  const input = values.get('-input');
  if (!input) throw new UsageError('-input <file> is required');
  const output = values.get('-output');
  if (!output) throw new UsageError('-output <file> is required');
  const debug = Number(values.get('-debug') ?? 2);
  const report = values.get('-report');
  const options = graphOptionsFromFlags(values);
  await checkOutputPath('-output', output, 'replace');
  if (report) await checkOutputPath('-report', report, 'write');
  if (options.walksOutput !== undefined) await checkOutputPath('-walks-output', options.walksOutput, 'replace');
  const threads = options.threads ?? availableParallelism();
  const onProgress = (p: Progress): void => {
    if (debug < 2) return;
    if (p.phase === 'vocabulary') process.stdout.write(`\rCounting node visits: ${p.wordsDone} visits walked  `);
    else {
      process.stdout.write(
        `\rAlpha: ${p.alpha.toFixed(6)}  Progress: ${(p.fraction * 100).toFixed(2)}%  ` +
          `Nodes/thread/sec: ${(p.wordsPerSecond / threads / 1000).toFixed(2)}k  `,
      );
    }
  };
  let nodes;
  try {
    nodes = await trainGraph(input, options, { onProgress });
  } catch (err) {
    throw renameOption(err);
  }
  if (debug > 1) process.stdout.write('\n');
  const { graph } = nodes;
  if (debug > 0) {
    process.stdout.write(
      `Graph: ${graph.nodeCount} nodes, ${graph.edgeCount} edges (${graph.directed ? 'directed' : 'undirected'}${graph.weighted ? ', weighted' : ''}); ` +
        `${nodes.size} nodes embedded${graph.nodesLeftOut > 0 ? `, ${graph.nodesLeftOut} without edges left out` : ''}\n`,
    );
  }
  const saveStarted = Date.now();
  await nodes.model.save(output, { format: values.get('-binary') === '1' ? 'word2vec-binary' : 'word2vec-text' });
  if (report) {
    const stats = nodes.model.trainingStats!;
    const json = {
      processMs: Math.round(performance.now()), trainingMs: stats.trainingMs, trainMs: stats.totalMs, saveMs: Date.now() - saveStarted,
      words: stats.epochs.reduce((s, e) => s + e.words, 0), predictions: stats.epochs.reduce((s, e) => s + e.predictions, 0),
      threads, dim: nodes.dim, nodes: nodes.size, graph,
    };
    await writeFile(report, JSON.stringify(json, null, 2) + '\n');
  }
  nodes.dispose();
}
