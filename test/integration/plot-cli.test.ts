/** `w2v plot` and `w2v train -plot` in child processes, on a tiny corpus with one thread. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ProcessResult, rng, runProcess } from '../helpers';
import { findAll, parseXml } from '../xml';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cjs/cli.js');
const work = mkdtempSync(join(tmpdir(), 'w2v-plot-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const tmp = (name: string): string => join(work, name);

const w2v = (args: string[]): Promise<ProcessResult> => runProcess(process.execPath, [CLI, ...args], { cwd: work });

const MODEL = tmp('m.bin');
const CHART = tmp('loss.svg');
let trained: ProcessResult;

beforeAll(async () => {
  if (!existsSync(CLI)) return;
  // Three topics of ten words each; sentences draw from one topic.
  const random = rng(1);
  const lines: string[] = [];
  for (let s = 0; s < 600; s++) {
    const topic = ['red', 'dog', 'one'][s % 3]!;
    lines.push(Array.from({ length: 12 }, () => `${topic}${Math.floor(random() * 10)}`).join(' '));
  }
  writeFileSync(tmp('corpus.txt'), lines.join('\n') + '\n');
  trained = await w2v([
    'train', '-train', tmp('corpus.txt'), '-output', MODEL, '-binary', '1', '-size', '12', '-iter', '3', '-threads', '1',
    '-min-count', '1', '-cbow', '0', '-debug', '0', '-plot', CHART,
  ]);
});

describe.skipIf(!existsSync(CLI))('w2v train -plot', () => {
  it('writes the training chart next to the model', async () => {
    expect(trained.stderr).toBe('');
    expect(trained.status).toBe(0);
    const root = parseXml(readFileSync(CHART, 'utf8'));
    const loss = findAll(root, 'g').find((g) => g.attributes.class === 'loss')!;
    expect(findAll(loss, 'polyline').length).toBeGreaterThan(0);
    expect(findAll(root, 'title')[0]!.text).toBe('corpus.txt: skipgram, 12 dims, 1 thread, 3 epochs');
    expect(findAll(root, 'text').map((t) => t.text)).toContain('epoch 3');
  });

  it('lists -plot in its help and checks the name', async () => {
    expect((await w2v(['train', '--help'])).stdout).toMatch(/\t-plot <file>\n\t\tDraw the loss and words\/s over time as an SVG chart to <file> .*; default is none\n/);
    const bad = await w2v(['train', '-train', tmp('corpus.txt'), '-plot', tmp('loss.png')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`w2v train: -plot must name an .svg file, got ${JSON.stringify(tmp('loss.png'))}\n`);
  });
});

describe.skipIf(!existsSync(CLI))('w2v plot', () => {
  it('draws the top words as SVG, plot.svg by default', async () => {
    const r = await w2v(['plot', MODEL, '-top', '20']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('Wrote plot.svg\n');
    const root = parseXml(readFileSync(tmp('plot.svg'), 'utf8'));
    const titles = findAll(root, 'circle').map((c) => findAll(c, 'title')[0]!.text);
    expect(titles).toHaveLength(20);
    expect(titles).not.toContain('</s>');
    expect(findAll(root, 'text').map((t) => t.text)).toContain('PCA of the 20 most frequent words');
  });

  it('draws chosen words by UMAP into an HTML page, coloured by a groups file', async () => {
    const words = Array.from({ length: 10 }, (_, i) => [`red${i}`, `dog${i}`]).flat();
    writeFileSync(tmp('groups.tsv'), words.map((w) => `${w}\t${w.replace(/\d/, '')}`).join('\r\n') + '\r\n\r\n');
    const out = tmp('p.html');
    const r = await w2v(['plot', MODEL, '-method', 'umap', '-words', words.join(','), '-groups', tmp('groups.tsv'), '-output', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/https?:|\bsrc\s*=|\bhref\s*=|url\(/);
    const root = parseXml(html.slice(html.indexOf('<svg'), html.indexOf('</svg>') + 6));
    const colours = new Map(findAll(root, 'circle').map((c) => [findAll(c, 'title')[0]!.text, c.attributes.fill]));
    expect(colours.size).toBe(20);
    expect(colours.get('red3 (red)')).toBe(colours.get('red7 (red)'));
    expect(colours.get('red3 (red)')).not.toBe(colours.get('dog3 (dog)'));
    const legend = findAll(root, 'g').find((g) => g.attributes.class === 'legend')!;
    expect(findAll(legend, 'text').map((t) => t.text)).toEqual(['groups', 'red', 'dog']);
  });

  it('lists every flag with its default in --help', async () => {
    const help = (await w2v(['plot', '--help'])).stdout;
    for (const flag of ['-top', '-method', '-output', '-groups', '-words', '-labels', '-seed', '-width', '-height']) {
      expect(help).toMatch(new RegExp(`\\t${flag} <[^>]+>\\n\\t\\t.*; default is .+\\n`));
    }
    expect(help).toContain('default is plot.svg');
    expect(help).toContain('default is 300');
    expect((await w2v(['--help'])).stdout).toMatch(/\n {2}plot {7}MODEL: /);
  });

  it('rejects bad command lines with messages naming the value', async () => {
    const cases: Array<[string[], string]> = [
      [['-method', 'tsne'], '-method must be pca or umap, got "tsne"'],
      [['-output', 'x.png'], '-output must end in .svg or .html, got "x.png"'],
      [['-top', 'many'], '-top must be an integer, got "many"'],
      [['-top', '0'], '-top must be >= 1, got 0'],
      [['-labels', 'some'], '-labels must be auto, all or none, got "some"'],
      [['-words', 'red1,nope'], 'words not in the vocabulary: "nope"'],
      [['-width', '5'], '-width must be an integer in [200, 20000], got 5'],
      [['-method', 'umap', '-seed', '-1'], '-seed must be an integer in [0, 4294967295], got -1'],
    ];
    for (const [args, message] of cases) {
      const r = await w2v(['plot', MODEL, ...args]);
      expect(r.stderr).toBe(`w2v plot: ${message}\n`);
      expect(r.status).not.toBe(0);
    }
    writeFileSync(tmp('bad-groups.tsv'), 'red1\tred\nred2 red\n');
    expect((await w2v(['plot', MODEL, '-groups', tmp('bad-groups.tsv')])).stderr).toBe(
      `w2v plot: ${tmp('bad-groups.tsv')} line 2 must be "word<TAB>group", got "red2 red"\n`,
    );
    expect((await w2v(['plot', '-top', '5'])).stderr).toBe('w2v plot: the MODEL file comes first, got "-top"\n');
  });
});

describe.skipIf(!existsSync(join(ROOT, 'dist/esm/index.mjs')))('the built package', () => {
  it('exports the picture API to CommonJS and ES modules', async () => {
    const names = ['plotEmbedding', 'embeddingLayout', 'principalComponents', 'trainingChart', 'savePlot'];
    const esm = await runProcess(process.execPath, [
      '--input-type=module',
      '-e',
      `import * as w from 'word2vec-native'; console.log(${JSON.stringify(names)}.map((n) => typeof w[n]).join(' '))`,
    ]);
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe(names.map(() => 'function').join(' '));
    const cjs = await runProcess(process.execPath, ['-e', `const w = require('word2vec-native'); console.log(w.trainingChart([]).startsWith('<svg'))`]);
    expect(cjs.stdout.trim()).toBe('true');
  });
});
