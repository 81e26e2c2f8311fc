/**
 * `w2v train`: the original word2vec's training command, its flags and defaults. The flags
 * that set a training option come from the option table (lib/training/options.ts).
 * @packageDocumentation
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';

import { Vocabulary } from '../corpus/vocabulary';
import { savePlot } from '../plot/save';
import { trainingChart } from '../plot/training-chart';
import { resolveTrainOptions, TRAIN_OPTIONS, trainOptionSpec, type TrainOptions } from '../training/options';
import { train, type Progress } from '../training/train';
import { parseFlags, usage, UsageError, type FlagSpec } from './flags';
import { checkOutputPath } from './paths';

/** The flag of training option `name`, from the option table. */
function optionFlag(name: string): FlagSpec {
  const { flag } = trainOptionSpec(name);
  if (!flag) throw new Error(`training option ${name} has no flag`);
  return { flag: flag.flag, kind: flag.kind, defaultValue: flag.defaultValue, help: flag.help, ...(flag.arg ? { arg: flag.arg } : {}) };
}

// In the original's order of its help; the options' flags from the option table.
const TRAIN_FLAGS: FlagSpec[] = [
  { flag: '-train', kind: 'string', defaultValue: '', help: 'Use text data from <file> to train the model (plain or .gz)' },
  { flag: '-output', kind: 'string', defaultValue: '', help: 'Use <file> to save the resulting word vectors' },
  optionFlag('dim'),
  optionFlag('window'),
  optionFlag('sample'),
  optionFlag('hs'),
  optionFlag('negative'),
  optionFlag('threads'),
  optionFlag('epochs'),
  optionFlag('minCount'),
  optionFlag('alpha'),
  { flag: '-classes', kind: 'int', defaultValue: '0', help: 'Output word classes rather than word vectors (k-means, 10 rounds)' },
  { flag: '-debug', kind: 'int', defaultValue: '2', help: 'Set the debug mode (0 = quiet, 1 = summary, 2 = progress)' },
  { flag: '-binary', kind: 'bool01', defaultValue: '0', help: 'Save the resulting vectors in binary mode' },
  { flag: '-save-vocab', kind: 'string', defaultValue: '', help: 'The vocabulary will be saved to <file>' },
  { flag: '-read-vocab', kind: 'string', defaultValue: '', help: 'The vocabulary will be read from <file>, not constructed from the training data' },
  optionFlag('model'),
  optionFlag('seed'),
  { flag: '-plot', kind: 'string', defaultValue: 'none', help: 'Draw the loss and words/s over time as an SVG chart to <file> (.svg; not in the original)' },
  { flag: '-report', kind: 'string', defaultValue: '', help: 'Write timings and counts as JSON to <file>: phases (vocabulary, training, saving), tokenizer bytes, words and predictions (not in the original)' },
  optionFlag('sharedNegatives'),
  optionFlag('device'),
];

// Messages from the API name options by their API names; the CLI user typed flags.
const FLAG_OF_OPTION = new Map(TRAIN_OPTIONS.filter((o) => o.flag).map((o) => [o.name as string, o.flag!.flag]));

/**
 * Maps the original's flags to train() options: each given flag's value, else the tool's
 * default (e.g. -cbow 1, -threads 12); a sentence token as the original counts one.
 */
export function trainOptionsFromFlags(values: Map<string, string>): TrainOptions {
  const options: Record<string, unknown> = { sentenceToken: true };
  for (const spec of TRAIN_OPTIONS) {
    const flag = spec.flag;
    if (!flag) continue;
    const text = values.get(flag.flag) ?? (flag.passDefault ? flag.defaultValue : undefined);
    if (text !== undefined) options[spec.name] = flag.parse(text);
  }
  return options as TrainOptions;
}

function renameOption(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const m = /^(\w+) (must .*)$/.exec(err.message);
  const flag = m ? FLAG_OF_OPTION.get(m[1]!) : undefined;
  return flag ? new UsageError(`${flag} ${m![2]}`) : err;
}

/** Runs `w2v train ARGS`. */
export async function trainCommand(args: string[]): Promise<void> {
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
    // A model's keys are distinct: no map of them to check (6-7 ms for 50,000 words).
    await writeFile(saveVocab, new Vocabulary(model.keys, model.counts, false, true).toFile());
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
