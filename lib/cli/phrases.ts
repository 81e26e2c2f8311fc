/**
 * `w2v phrases`: the original word2phrase, same flags, same output bytes.
 * @packageDocumentation
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import { checkOutputPath } from './paths';
import { openCorpus } from '../corpus/corpus';
import { parseFlags, usage, UsageError, type FlagSpec } from './flags';
import { phrases } from '../corpus/phrases';

const PHRASE_FLAGS: FlagSpec[] = [
  { flag: '-train', kind: 'string', defaultValue: '', help: 'Use text data from <file> to train the model' },
  { flag: '-output', kind: 'string', defaultValue: '', help: 'Use <file> to save the resulting word vectors / word clusters / phrases' },
  { flag: '-min-count', kind: 'int', defaultValue: '5', help: 'This will discard words that appear less than <int> times' },
  { flag: '-threshold', kind: 'real', defaultValue: '100', help: 'The <float> value represents threshold for forming the phrases (higher means less phrases)' },
  { flag: '-debug', kind: 'int', defaultValue: '2', help: 'Set the debug mode (0 = quiet, 1 = summary, 2 = progress)' },
];

/** Runs word2phrase: counts, then writes the input again with phrases joined by `_`. */
export async function phrasesCommand(args: string[]): Promise<void> {
  if (args.length === 0 || args.includes('--help')) {
    process.stdout.write(
      usage(PHRASE_FLAGS, 'WORD2PHRASE tool (word2vec-native)\n\nUsage: w2v phrases -train <file> -output <file> [options]') +
        '\n\nExamples:\nw2v phrases -train text.txt -output phrases.txt -threshold 100 -debug 2\n',
    );
    return;
  }
  const values = parseFlags(args, PHRASE_FLAGS);
  const trainFile = values.get('-train');
  const output = values.get('-output');
  if (!trainFile) throw new UsageError('-train <file> is required');
  if (!output) throw new UsageError('-output <file> is required');
  const debug = Number(values.get('-debug') ?? 2);
  const minCount = Number(values.get('-min-count') ?? 5);
  if (minCount < 1) throw new UsageError(`-min-count must be >= 1, got ${minCount}`);
  await checkOutputPath('-output', output, 'write');
  if (debug > 0) process.stdout.write(`Starting training using file ${trainFile}\n`);
  const model = await phrases(trainFile, { minCount, threshold: Number(values.get('-threshold') ?? 100) });
  if (debug > 0) process.stdout.write(`\nVocab size (unigrams + bigrams): ${model.size}\nWords in train file: ${model.totalWords}\n`);
  const out = createWriteStream(output);
  let pieces: string[] = [];
  let length = 0;
  let written = 0;
  const flush = async (): Promise<void> => {
    if (pieces.length === 0) return;
    const ok = out.write(Buffer.from(pieces.join(''), 'latin1'));
    pieces = [];
    length = 0;
    if (!ok) await once(out, 'drain');
  };
  const sink = model.writer({
    word: (key, joined) => {
      pieces.push(joined ? '_' : ' ', key);
      length += key.length + 1;
      written++;
      if (debug > 1 && written % 100000 === 0) process.stdout.write(`Words written: ${written / 1000}K\r`);
    },
    newline: () => {
      pieces.push('\n');
      length++;
    },
  });
  const source = await openCorpus(trainFile);
  const failed = once(out, 'error').then(([err]) => {
    throw err;
  });
  await Promise.race([
    source.feed(sink, async () => {
      if (length > 1 << 16) await flush();
    }),
    failed,
  ]);
  await flush();
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
}
