/**
 * `w2v`: the command line, taking the original word2vec tool's flags with the same meanings
 * and defaults, printing its style of progress line, writing files its tools read.
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';

import { convertCommand } from './convert';
import { checkOutputPath } from './paths';
import { accuracyCommand, analogyCommand, distanceCommand } from './query';
import { phrasesCommand } from './phrases';
import { plotCommand } from './plot';
import { savePlot } from '../plot/save';
import { trainingChart } from '../plot/training-chart';
import { train, type Progress } from '../training/train';
import { Vocabulary } from '../corpus/vocabulary';
import { resolveTrainOptions, type TrainOptions } from '../training/options';

/** A flag of the original tool. */
export interface FlagSpec {
  flag: string;
  kind: 'int' | 'real' | 'string' | 'bool01';
  defaultValue: string;
  help: string;
  /** How help shows the value; default <file>, <int> or <float> by kind. */
  arg?: string;
}

const TRAIN_FLAGS: FlagSpec[] = [
  { flag: '-train', kind: 'string', defaultValue: '', help: 'Use text data from <file> to train the model (plain or .gz)' },
  { flag: '-output', kind: 'string', defaultValue: '', help: 'Use <file> to save the resulting word vectors' },
  { flag: '-size', kind: 'int', defaultValue: '100', help: 'Set size of word vectors' },
  { flag: '-window', kind: 'int', defaultValue: '5', help: 'Set max skip length between words' },
  { flag: '-sample', kind: 'real', defaultValue: '1e-3', help: 'Set threshold for occurrence of words; frequent words are randomly down-sampled (0 = off)' },
  { flag: '-hs', kind: 'bool01', defaultValue: '0', help: 'Use Hierarchical Softmax (1 = yes)' },
  { flag: '-negative', kind: 'int', defaultValue: '5', help: 'Number of negative examples; common values are 3 - 10 (0 = not used)' },
  { flag: '-threads', kind: 'int', defaultValue: '12', help: 'Use <int> threads' },
  { flag: '-iter', kind: 'int', defaultValue: '5', help: 'Run more training iterations' },
  { flag: '-min-count', kind: 'int', defaultValue: '5', help: 'Discard words that appear less than <int> times' },
  { flag: '-alpha', kind: 'real', defaultValue: '0.025 for skip-gram, 0.05 for CBOW', help: 'Set the starting learning rate' },
  { flag: '-classes', kind: 'int', defaultValue: '0', help: 'Output word classes rather than word vectors (k-means, 10 rounds)' },
  { flag: '-debug', kind: 'int', defaultValue: '2', help: 'Set the debug mode (0 = quiet, 1 = summary, 2 = progress)' },
  { flag: '-binary', kind: 'bool01', defaultValue: '0', help: 'Save the resulting vectors in binary mode' },
  { flag: '-save-vocab', kind: 'string', defaultValue: '', help: 'The vocabulary will be saved to <file>' },
  { flag: '-read-vocab', kind: 'string', defaultValue: '', help: 'The vocabulary will be read from <file>, not constructed from the training data' },
  { flag: '-cbow', kind: 'bool01', defaultValue: '1', help: 'Use the continuous bag of words model (0 = skip-gram)' },
  { flag: '-seed', kind: 'int', defaultValue: '1', help: 'Random seed (not in the original)' },
  { flag: '-plot', kind: 'string', defaultValue: 'none', help: 'Draw the loss and words/s over time as an SVG chart to <file> (.svg; not in the original)' },
  { flag: '-report', kind: 'string', defaultValue: '', help: 'Write timings and counts as JSON to <file>: phases (vocabulary, training, saving), tokenizer bytes, words and predictions (not in the original)' },
  { flag: '-shared-negatives', kind: 'bool01', defaultValue: '1', help: 'Skip-gram: share one set of negatives across each window (pWord2Vec; not in the original; 0 = fresh negatives per pair, as the original)' },
  { flag: '-device', kind: 'string', defaultValue: 'auto', arg: '<cpu|cuda|auto>', help: 'Train on the CPU, or on an NVIDIA GPU (a CUDA build: npm run build:cuda; not yet run on a GPU, so auto is the CPU for now) (not in the original)' },
];

// Messages from the API name options by their API names; the CLI user typed flags.
const FLAG_OF_OPTION: Record<string, string> = {
  dim: '-size', window: '-window', sample: '-sample', negative: '-negative', threads: '-threads', epochs: '-iter',
  minCount: '-min-count', alpha: '-alpha', seed: '-seed', device: '-device',
};

/** Thrown for bad command lines; printed without a stack. */
export class UsageError extends Error {}

/** Help text listing every flag with its default. */
export function usage(flags: FlagSpec[], title: string): string {
  const lines = [title, '', 'Options:'];
  for (const f of flags) {
    const arg = f.arg !== undefined ? ` ${f.arg}` : f.kind === 'string' ? ' <file>' : f.kind === 'real' ? ' <float>' : ' <int>';
    lines.push(`\t${f.flag}${arg}`, `\t\t${f.help}${f.defaultValue ? `; default is ${f.defaultValue}` : ''}`);
  }
  return lines.join('\n');
}

/** Parses `-flag value` pairs against a flag table. */
export function parseFlags(args: string[], flags: FlagSpec[]): Map<string, string> {
  const known = new Map(flags.map((f) => [f.flag, f]));
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    const spec = known.get(flag);
    if (!spec) throw new UsageError(`unknown flag ${JSON.stringify(flag)}`);
    const value = args[i + 1];
    if (value === undefined) throw new UsageError(`flag ${flag} needs a value`);
    if (spec.kind === 'int' && !/^-?\d+$/.test(value)) throw new UsageError(`${flag} must be an integer, got ${JSON.stringify(value)}`);
    if (spec.kind === 'real' && !Number.isFinite(Number(value))) throw new UsageError(`${flag} must be a number, got ${JSON.stringify(value)}`);
    if (spec.kind === 'bool01' && value !== '0' && value !== '1') throw new UsageError(`${flag} must be 0 or 1, got ${JSON.stringify(value)}`);
    values.set(flag, value);
  }
  return values;
}

/** Maps the original's flags to train() options (the original's defaults, e.g. -cbow 1). */
export function trainOptionsFromFlags(values: Map<string, string>): TrainOptions {
  const int = (flag: string, fallback: number): number => (values.has(flag) ? Number(values.get(flag)) : fallback);
  const cbow = int('-cbow', 1) === 1;
  const options: TrainOptions = {
    model: cbow ? 'cbow' : 'skipgram',
    dim: int('-size', 100),
    window: int('-window', 5),
    sample: int('-sample', 1e-3),
    hs: int('-hs', 0) === 1,
    negative: int('-negative', 5),
    threads: int('-threads', 12),
    epochs: int('-iter', 5),
    minCount: int('-min-count', 5),
    seed: int('-seed', 1),
    sentenceToken: true,
    sharedNegatives: int('-shared-negatives', 1) === 1,
  };
  if (values.has('-alpha')) options.alpha = Number(values.get('-alpha'));
  if (values.has('-device')) options.device = values.get('-device') as TrainOptions['device'];
  return options;
}

function renameOption(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const m = /^(\w+) (must .*)$/.exec(err.message);
  const flag = m ? FLAG_OF_OPTION[m[1]!] : undefined;
  return flag ? new UsageError(`${flag} ${m![2]}`) : err;
}

async function trainCommand(args: string[]): Promise<void> {
  const title = 'WORD VECTOR estimation toolkit (word2vec-native)\n\nUsage: w2v train -train <file> -output <file> [options]';
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage(TRAIN_FLAGS, title) + '\n');
    return;
  }
  const values = parseFlags(args, TRAIN_FLAGS);
  const trainFile = values.get('-train');
  if (!trainFile) throw new UsageError('-train <file> is required');
  const classes = Number(values.get('-classes') ?? 0);
  if (classes < 0) throw new UsageError(`-classes must be >= 0, got ${classes}`);
  const output = values.get('-output') ?? '';
  const debug = Number(values.get('-debug') ?? 2);
  const plot = values.get('-plot');
  if (plot !== undefined && !/\.svg$/i.test(plot)) throw new UsageError(`-plot must name an .svg file, got ${JSON.stringify(plot)}`);
  const reports: Progress[] = [];
  const options = trainOptionsFromFlags(values);
  // Every option is checked before anything is printed or read: a bad one found by train()
  // would come after the "Starting training" line (and after -read-vocab was read).
  try {
    resolveTrainOptions(options);
  } catch (err) {
    throw renameOption(err);
  }
  // The files written at the end are checked now, not after the training.
  const saveVocab = values.get('-save-vocab');
  const report = values.get('-report');
  if (output) await checkOutputPath('-output', output, classes > 0 ? 'write' : 'replace');
  if (saveVocab) await checkOutputPath('-save-vocab', saveVocab, 'write');
  if (plot !== undefined) await checkOutputPath('-plot', plot, 'replace');
  if (report && output && classes === 0) await checkOutputPath('-report', report, 'write');
  const minCount = options.minCount!;
  let vocabulary: Vocabulary | undefined;
  const readVocab = values.get('-read-vocab');
  if (readVocab) {
    const read = await Vocabulary.read(readVocab);
    // As the original's ReadVocab + SortVocab: sorted by count (</s> stays first), words
    // under -min-count dropped.
    const first = read.hasSentenceToken ? [0] : [];
    const rest = read.keys.map((_, i) => i).filter((i) => !(read.hasSentenceToken && i === 0) && read.counts[i]! >= minCount);
    rest.sort((a, b) => read.counts[b]! - read.counts[a]!);
    const keep = [...first, ...rest];
    vocabulary = new Vocabulary(keep.map((i) => read.keys[i]!), Float64Array.from(keep.map((i) => read.counts[i]!)), read.hasSentenceToken);
  }
  process.stdout.write(`Starting training using file ${trainFile}\n`);
  const threads = options.threads ?? availableParallelism();
  let vocabPrinted = false;
  const onProgress = (p: Progress): void => {
    if (p.phase !== 'training') return;
    if (plot !== undefined) reports.push(p);
    if (!vocabPrinted) {
      vocabPrinted = true;
      if (debug > 0) process.stdout.write(`Vocab size: ${p.vocabularySize}\nWords in train file: ${p.vocabularyCount}\n`);
    }
    if (debug > 1) {
      process.stdout.write(
        `\rAlpha: ${p.alpha.toFixed(6)}  Progress: ${(p.fraction * 100).toFixed(2)}%  ` +
          `Words/thread/sec: ${(p.wordsPerSecond / threads / 1000).toFixed(2)}k  `,
      );
    }
  };
  let model;
  try {
    model = await train(trainFile, options, { onProgress, ...(vocabulary ? { vocabulary } : {}) });
  } catch (err) {
    throw renameOption(err);
  }
  if (debug > 1) process.stdout.write('\n');
  if (debug > 0 && model.trainingStats?.device === 'cuda') process.stdout.write('Trained on the GPU (device cuda)\n');
  if (plot !== undefined) {
    const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
    const title = `${basename(trainFile)}: ${options.model}, ${options.dim} dims, ${plural(threads, 'thread')}, ${plural(options.epochs!, 'epoch')}`;
    await savePlot(plot, trainingChart(reports, { title }));
  }
  if (debug > 0 && !vocabPrinted) {
    process.stdout.write(`Vocab size: ${model.size}\nWords in train file: ${model.counts ? sum(model.counts) : 0}\n`);
  }
  if (saveVocab && model.counts) {
    await writeFile(saveVocab, new Vocabulary(model.keys, model.counts).toFile());
  }
  if (!output) return;
  if (classes > 0) {
    // As the original: k-means classes instead of vectors, `word class` per line.
    const cl = await model.wordClasses(Math.min(classes, model.size), { threads });
    const lines = model.keys.map((key, i) => `${key} ${cl[i]}\n`);
    await writeFile(output, Buffer.from(lines.join(''), 'latin1'));
    return;
  }
  const saveStarted = Date.now();
  await model.save(output, { format: values.get('-binary') === '1' ? 'word2vec-binary' : 'word2vec-text' });
  if (report) {
    const stats = model.trainingStats!;
    const json = {
      processMs: Math.round(performance.now()), vocabularyMs: stats.vocabularyMs, corpusBytes: stats.corpusBytes,
      trainingMs: stats.trainingMs, trainMs: stats.totalMs, saveMs: Date.now() - saveStarted,
      words: stats.epochs.reduce((s, e) => s + e.words, 0), predictions: stats.epochs.reduce((s, e) => s + e.predictions, 0),
      threads, dim: model.dim, vocabularySize: model.size,
    };
    await writeFile(report, JSON.stringify(json, null, 2) + '\n');
  }
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

const COMMANDS: Record<string, { run: (args: string[]) => Promise<void>; help: string }> = {
  train: { run: trainCommand, help: 'train word vectors (the original word2vec flags)' },
  distance: { run: (a) => distanceCommand(a), help: 'nearest words to a word or sentence (the original distance)' },
  analogy: { run: (a) => analogyCommand(a), help: 'b - a + c for three words (the original word-analogy)' },
  phrases: { run: phrasesCommand, help: 'join frequent word pairs into phrases (the original word2phrase)' },
  accuracy: { run: (a) => accuracyCommand(a), help: 'FILE QUESTIONS [THRESHOLD]: analogy accuracy (the original compute-accuracy)' },
  plot: { run: (a) => plotCommand(a), help: 'MODEL: the top words in 2D (PCA or UMAP) as SVG or HTML' },
  convert: { run: convertCommand, help: 'INPUT OUTPUT: a model to another format (.bin .txt .vec .w2vn) or a Projector directory' },
};

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const lines = ['Usage: w2v <command> [options]', '', 'Commands:'];
    for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.help}`);
    lines.push('', 'Run `w2v <command> --help` for the flags of a command.');
    process.stdout.write(lines.join('\n') + '\n');
    return command === undefined ? 1 : 0;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    process.stderr.write(`w2v: unknown command ${JSON.stringify(command)}; run w2v --help\n`);
    return 1;
  }
  try {
    await entry.run(rest);
    return 0;
  } catch (err) {
    process.stderr.write(`w2v ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
