/**
 * `npm run demo`: trains skip-gram on the embedded default corpus (the State of the Union
 * addresses) with a progress bar, then shows nearest neighbours and an analogy.
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';

import { defaultCorpusPath } from './corpus/default-corpus';
import { progressPrinter, trainingSummary } from './cli/progress-bar';
import { train } from './training/train';

async function demo(): Promise<void> {
  const corpus = defaultCorpusPath();
  const threads = availableParallelism();
  process.stdout.write(`Training skip-gram (dim 100, window 5, 5 epochs, ${threads} threads) on ${corpus}\n`);
  const printProgress = progressPrinter(process.stderr);
  const model = await train(corpus, { model: 'skipgram', dim: 100, window: 5, epochs: 5, threads, seed: 1 }, { onProgress: printProgress });
  const stats = model.trainingStats!;
  process.stdout.write(trainingSummary(model.size, model.dim, stats) + '\n\n');
  for (const word of ['war', 'france', 'tax', 'army', 'freedom', 'railroad']) {
    if (!model.has(word)) continue;
    const near = model.mostSimilar(word, { topK: 6 });
    process.stdout.write(`${word.padEnd(9)} -> ${near.map((n) => `${n.word} (${n.score.toFixed(2)})`).join(', ')}\n`);
  }
  const [a, b, c] = ['army', 'soldiers', 'navy'];
  const answer = model.analogy(a, b, c, { topK: 3 });
  process.stdout.write(`\nAnalogy: ${a} is to ${b} as ${c} is to ... ${answer.map((n) => `${n.word} (${n.score.toFixed(2)})`).join(', ')}\n`);
}

demo().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
