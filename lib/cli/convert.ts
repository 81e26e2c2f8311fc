/**
 * `w2v convert INPUT OUTPUT [-format F] [-input-format F] [-limit N] [-vectors input|output]
 * [-trainable 0|1]`: a model from one format to another (the exports .npy, .onnx and a tfjs
 * directory included), or to a TensorFlow Embedding Projector directory.
 * @packageDocumentation
 */
import { stat } from 'node:fs/promises';
import { sep } from 'node:path';

import { parseFlags, splitArgs, usage, UsageError, type FlagSpec } from './flags';
import { checkOutputPath } from './paths';
import {
  detectModelFormat, MODEL_FORMAT_EXTENSIONS, MODEL_FORMATS, modelFormatHelp, modelFormatModule, modelFormatOfPath, READABLE_MODEL_FORMATS,
  type ModelFormat,
} from '../formats/model-format';
import { exportProjector } from '../formats/projector';
import { loadModel } from '../model/load';

/** What `w2v convert` writes: a model format, or the Projector's two TSV files. */
export type ConvertFormat = ModelFormat | 'projector';

const CONVERT_FORMATS: readonly ConvertFormat[] = [...MODEL_FORMATS, 'projector'];

// The model formats and their extensions come from the format registry.
const EXTENSIONS = MODEL_FORMATS.flatMap((f) => MODEL_FORMAT_EXTENSIONS[f] ?? []);
const orList = (items: readonly string[]): string => `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;

const CONVERT_FLAGS: FlagSpec[] = [
  {
    flag: '-format',
    kind: 'string',
    defaultValue: `from OUTPUT: ${EXTENSIONS.join(', ')}, or projector for a directory`,
    help: `Output format: ${orList(CONVERT_FORMATS)}`,
  },
  { flag: '-input-format', kind: 'string', defaultValue: 'detected from the content', help: `Input format: ${orList(READABLE_MODEL_FORMATS)}` },
  { flag: '-limit', kind: 'int', defaultValue: 'all', help: 'Convert only the first <int> words (the most frequent)' },
  {
    flag: '-vectors',
    kind: 'string',
    arg: '<input|output>',
    defaultValue: 'input',
    help: "Which vectors to write: input (the word vectors) or output (negative sampling's, kept by native models)",
  },
  { flag: '-trainable', kind: 'bool01', arg: '<0|1>', defaultValue: '0 (frozen)', help: 'tfjs only: whether the exported Embedding layer trains further' },
];

const VECTORS = ['input', 'output'] as const;
/** The formats that take -trainable (tfjs). */
const TRAINABLE_FORMATS = MODEL_FORMATS.filter((f) => modelFormatModule(f).writeOptions?.includes('trainable'));

/** -vectors and -trainable, checked against the output format. */
function writeFlags(values: Map<string, string>, format: ConvertFormat): { vectors: 'input' | 'output'; trainable?: boolean } {
  const vectors = values.get('-vectors') ?? 'input';
  checkFormat('-vectors', vectors, VECTORS);
  if (format === 'projector' && vectors !== 'input') throw new UsageError(`-vectors ${vectors} does not apply to -format projector (it shows the input vectors)`);
  const trainable = values.get('-trainable');
  if (trainable === undefined) return { vectors: vectors as 'input' | 'output' };
  if (!(TRAINABLE_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`-trainable applies to -format ${TRAINABLE_FORMATS.join('|')} only, got format ${JSON.stringify(format)}`);
  }
  return { vectors: vectors as 'input' | 'output', trainable: trainable === '1' };
}

function checkFormat(flag: string, value: string, allowed: readonly string[]): void {
  if (!allowed.includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

/** The output format: -format, else a directory (existing, or named with a trailing separator) means projector, else the extension. */
async function outputFormat(output: string, given: string | undefined): Promise<ConvertFormat> {
  if (given !== undefined) {
    checkFormat('-format', given, CONVERT_FORMATS);
    return given as ConvertFormat;
  }
  if (output.endsWith('/') || output.endsWith(sep)) return 'projector';
  const isDir = await stat(output).then((s) => s.isDirectory(), () => false);
  if (isDir) return 'projector';
  const byName = modelFormatOfPath(output);
  if (byName) return byName;
  throw new UsageError(
    `cannot tell the output format from ${JSON.stringify(output)}: name it ${orList(EXTENSIONS)}, ` +
      `or pass -format ${CONVERT_FORMATS.join('|')}`,
  );
}

/** Runs `w2v convert`. */
export async function convertCommand(args: string[]): Promise<void> {
  const title =
    'Convert a model between formats (word2vec-native)\n\n' +
    'Usage: w2v convert INPUT OUTPUT [-format F] [-input-format F] [-limit N] [-vectors input|output] [-trainable 0|1]\n' +
    '  OUTPUT is a directory for -format projector (vectors.tsv + metadata.tsv for projector.tensorflow.org)\n' +
    '  and for -format tfjs (model.json, weight shards, vocab.tsv; an earlier export there is replaced);\n' +
    '  .npy and .onnx get their vocabulary beside them (X.vocab.tsv)\n\n' +
    `Formats:\n${modelFormatHelp()}\n  ${'projector'.padEnd(16)} ${'(dir)'.padEnd(8)} TensorFlow Embedding Projector TSV files`;
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage(CONVERT_FLAGS, title) + '\n');
    return;
  }
  const { positional, flagArgs } = splitArgs(args);
  if (positional.length !== 2) {
    throw new UsageError(`expected INPUT and OUTPUT, got ${positional.length} file argument(s): ${JSON.stringify(positional)}`);
  }
  const values = parseFlags(flagArgs, CONVERT_FLAGS);
  const [input, output] = positional as [string, string];
  const format = await outputFormat(output, values.get('-format'));
  const inputFormatFlag = values.get('-input-format');
  if (inputFormatFlag !== undefined) checkFormat('-input-format', inputFormatFlag, READABLE_MODEL_FORMATS);
  let limit: number | undefined;
  if (values.has('-limit')) {
    limit = Number(values.get('-limit'));
    if (limit < 1) throw new UsageError(`-limit must be a positive integer, got ${values.get('-limit')}`);
  }
  const saveOptions = writeFlags(values, format);
  const outputKind = format === 'projector' ? 'directory' : modelFormatModule(format).output === 'directory' ? 'replace-directory' : 'replace';
  await checkOutputPath('OUTPUT', output, outputKind);
  const inputFormat = (inputFormatFlag as ModelFormat | undefined) ?? (await detectModelFormat(input));
  const model = await loadModel(input, { format: inputFormat, ...(limit !== undefined ? { limit } : {}) });
  if (format === 'projector') {
    const files = await exportProjector(model, output);
    process.stdout.write(`${files.rows} words of dimension ${model.dim} (${inputFormat}) -> ${files.vectors}, ${files.metadata}\n`);
  } else {
    await model.save(output, { format, ...saveOptions });
    const which = saveOptions.vectors === 'output' ? ', output vectors' : '';
    process.stdout.write(`${model.size} words of dimension ${model.dim} (${inputFormat}) -> ${output} (${format}${which})\n`);
  }
}
