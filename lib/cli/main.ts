/**
 * `w2v`: the commands of the command line, taking the original word2vec tool's flags with the same meanings
 * and defaults, printing its style of progress line, writing files its tools read.
 * @packageDocumentation
 */
import { UsageError } from './flags';

type Command = (args: string[]) => Promise<void>;

/**
 * Each command's module is loaded when that command runs: `w2v train` does not load the
 * plotting, format, index and graph modules (about 50 ms of a process's start).
 */
const COMMANDS: Record<string, { load: () => Promise<Command>; help: string | (() => Promise<string>) }> = {
  train: { load: async () => (await import('./train')).trainCommand, help: 'train word vectors (the original word2vec flags)' },
  distance: {
    load: async () => {
      const { distanceCommand } = await import('./query');
      return (a) => distanceCommand(a);
    },
    help: 'nearest words to a word or sentence (the original distance)',
  },
  analogy: {
    load: async () => {
      const { analogyCommand } = await import('./query');
      return (a) => analogyCommand(a);
    },
    help: 'b - a + c for three words (the original word-analogy)',
  },
  phrases: { load: async () => (await import('./phrases')).phrasesCommand, help: 'join frequent word pairs into phrases (the original word2phrase)' },
  accuracy: {
    load: async () => {
      const { accuracyCommand } = await import('./query');
      return (a) => accuracyCommand(a);
    },
    help: 'FILE QUESTIONS [THRESHOLD]: analogy accuracy (the original compute-accuracy)',
  },
  plot: {
    load: async () => {
      const { plotCommand } = await import('./plot');
      return (a) => plotCommand(a);
    },
    help: 'MODEL: the top words in 2D (PCA or UMAP) as SVG or HTML',
  },
  graph: { load: async () => (await import('./graph')).graphCommand, help: 'node vectors from an edge list: DeepWalk / node2vec walks and skip-gram' },
  index: {
    load: async () => (await import('./index-command')).indexCommand,
    help: 'build MODEL -output FILE | query FILE MODEL -words a,b: a nearest-neighbour index',
  },
  convert: {
    load: async () => (await import('./convert')).convertCommand,
    help: async () => {
      const { MODEL_FORMAT_EXTENSIONS, MODEL_FORMATS } = await import('../formats/model-format');
      return `INPUT OUTPUT: a model to another format (${MODEL_FORMATS.flatMap((f) => MODEL_FORMAT_EXTENSIONS[f] ?? []).join(' ')}) or a Projector directory`;
    },
  },
};

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const lines = ['Usage: w2v <command> [options]', '', 'Commands:'];
    for (const [name, c] of Object.entries(COMMANDS))
      lines.push(`  ${name.padEnd(10)} ${typeof c.help === 'string' ? c.help : await c.help()}`);
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
    const run = await entry.load();
    await run(rest);
    return 0;
  } catch (err) {
    process.stderr.write(`w2v ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
