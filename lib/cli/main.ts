/**
 * `w2v`: the commands of the command line, taking the original word2vec tool's flags with the same meanings
 * and defaults, printing its style of progress line, writing files its tools read.
 * @packageDocumentation
 */
import { MODEL_FORMAT_EXTENSIONS, MODEL_FORMATS } from '../formats/model-format';
import { convertCommand } from './convert';
import { UsageError } from './flags';
import { graphCommand } from './graph';
import { indexCommand } from './index-command';
import { phrasesCommand } from './phrases';
import { plotCommand } from './plot';
import { accuracyCommand, analogyCommand, distanceCommand } from './query';
import { trainCommand } from './train';

const COMMANDS: Record<string, { run: (args: string[]) => Promise<void>; help: string }> = {
  train: { run: trainCommand, help: 'train word vectors (the original word2vec flags)' },
  distance: { run: (a) => distanceCommand(a), help: 'nearest words to a word or sentence (the original distance)' },
  analogy: { run: (a) => analogyCommand(a), help: 'b - a + c for three words (the original word-analogy)' },
  phrases: { run: phrasesCommand, help: 'join frequent word pairs into phrases (the original word2phrase)' },
  accuracy: { run: (a) => accuracyCommand(a), help: 'FILE QUESTIONS [THRESHOLD]: analogy accuracy (the original compute-accuracy)' },
  plot: { run: (a) => plotCommand(a), help: 'MODEL: the top words in 2D (PCA or UMAP) as SVG or HTML' },
  graph: { run: graphCommand, help: 'node vectors from an edge list: DeepWalk / node2vec walks and skip-gram' },
  index: { run: indexCommand, help: 'build MODEL -output FILE | query FILE MODEL -words a,b: a nearest-neighbour index' },
  convert: {
    run: convertCommand,
    help: `INPUT OUTPUT: a model to another format (${MODEL_FORMATS.flatMap((f) => MODEL_FORMAT_EXTENSIONS[f] ?? []).join(' ')}) or a Projector directory`,
  },
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
