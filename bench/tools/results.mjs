// Where benchmark results go, so bench/results stays readable:
//   bench/results/current/<name>.{md,json,svg}   the latest result of each benchmark
//   bench/results/INDEX.md                       one line per benchmark: its file, command, date, machine, commit
//   bench/results/history/<date>-<name>.*        earlier results, out of the way
//   bench/results/studies/*.md                   one-off studies written by hand from measured runs
//                                                (each says its method, commands and machine)
// Every result records the command that made it, the commit it ran on (and whether the tree
// had uncommitted changes) and the machine, so a figure can be traced and rerun.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describeMachine, machineDescription } from './machine.mjs';
import { REPO_ROOT as root } from './paths.mjs';

export const RESULTS = join(root, 'bench', 'results');
const CURRENT = join(RESULTS, 'current');
const HISTORY = join(RESULTS, 'history');

/** The commit the working tree is at, with "+changes" when it differs from it. */
export function gitRevision() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    // Benchmark outputs themselves do not count as changes to the code measured.
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '.', ':!bench/results', ':!README.md'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit}+changes` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** What every result records besides its figures. */
export function resultMeta(command) {
  const machine = machineDescription();
  return { date: new Date().toISOString(), command, commit: gitRevision(), machine, machineLine: describeMachine(machine) };
}

/** The footer of a result's markdown: command, commit, machine. */
export function provenance(meta) {
  return `Command: \`${meta.command}\`; commit ${meta.commit}; ${meta.date.slice(0, 16).replace('T', ' ')} UTC; machine: ${meta.machineLine}.`;
}

/**
 * Writes a study's `${out}.md` and, when `json` is given, `${out}.json` (`out`: a path without
 * extension). A "## Notes" section written by hand under the previous markdown is kept.
 */
export function writeStudy(out, md, json) {
  const previous = existsSync(`${out}.md`) ? readFileSync(`${out}.md`, 'utf8') : '';
  const at = previous.indexOf('\n## Notes');
  writeFileSync(`${out}.md`, md + (at >= 0 ? '\n' + previous.slice(at + 1) : ''));
  if (json !== undefined) writeFileSync(`${out}.json`, JSON.stringify(json, null, 2) + '\n');
}

/**
 * Saves the result of benchmark `name` as the current one, moving the previous one to history,
 * and rewrites the index. `files`: { md, json, svg? } contents. Returns the paths written.
 */
export function saveResult(name, meta, files) {
  mkdirSync(CURRENT, { recursive: true });
  mkdirSync(HISTORY, { recursive: true });
  // The previous result's date, read before its JSON moves (its SVG, moved last, was filed as
  // undated when the date was read per file).
  let when = 'undated';
  try {
    when = JSON.parse(readFileSync(join(CURRENT, `${name}.json`), 'utf8')).meta.date.replace(/[:.]/g, '-');
  } catch {
    // no readable JSON beside it: keep the files undated
  }
  for (const ext of ['md', 'json', 'svg']) {
    const path = join(CURRENT, `${name}.${ext}`);
    if (existsSync(path)) renameSync(path, join(HISTORY, `${when}-${name}.${ext}`));
  }
  const written = {};
  for (const [ext, text] of Object.entries(files)) {
    if (text === undefined) continue;
    const path = join(CURRENT, `${name}.${ext}`);
    writeFileSync(path, text);
    written[ext] = relative(root, path);
  }
  writeIndex();
  return written;
}

export function writeIndex() {
  const rows = [];
  for (const file of readdirSync(CURRENT).filter((f) => f.endsWith('.json')).sort()) {
    const name = file.slice(0, -'.json'.length);
    let meta;
    try {
      meta = JSON.parse(readFileSync(join(CURRENT, file), 'utf8')).meta;
    } catch {
      continue;
    }
    rows.push(`| [${name}](current/${name}.md) | \`${meta.command}\` | ${meta.date.slice(0, 10)} | ${meta.commit} | ${meta.machineLine} |`);
  }
  const studies = [];
  const studiesDir = join(RESULTS, 'studies');
  if (existsSync(studiesDir)) {
    for (const file of readdirSync(studiesDir).filter((f) => f.endsWith('.md')).sort()) {
      const title = /^# (.*)$/m.exec(readFileSync(join(studiesDir, file), 'utf8'))?.[1] ?? file;
      studies.push(`- [${title}](studies/${file})`);
    }
  }
  const text = [
    '# Benchmark results',
    '',
    'The current result of each benchmark (bench/results/current/), the command that made it, and',
    'where it ran. Earlier results are in bench/results/history/, named by date. `npm run bench --',
    '--readme` reruns every benchmark the README cites and rewrites its tables from these files.',
    '',
    '| result | command | date | commit | machine |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...(studies.length > 0 ? ['## Studies', '', 'Measured once by hand, each with its method, commands and machine:', '', ...studies, ''] : []),
  ].join('\n');
  writeFileSync(join(RESULTS, 'INDEX.md'), text);
}
