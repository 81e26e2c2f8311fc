/**
 * A vitest reporter that fails the run when a test file that was scheduled did not run to its
 * end, naming the files, and lists every skipped test with its reason (skips are visible).
 *
 * Why: a worker that stops answering (e.g. "Timeout calling onTaskUpdate") ends vitest's run
 * with the files still queued never started; vitest prints only the error, and the summary
 * counts just the files that ran, so a run that tested less can read like a green one.
 */
import { relative } from 'node:path';

import type { Reporter, TestModule, TestSpecification, Vitest } from 'vitest/node';

const red = (s: string): string => (process.stdout.isTTY ? `\x1b[31m${s}\x1b[39m` : s);
const yellow = (s: string): string => (process.stdout.isTTY ? `\x1b[33m${s}\x1b[39m` : s);

export default class EveryFileRan implements Reporter {
  private readonly scheduled = new Map<string, string>();
  private readonly finished = new Set<string>();
  /** A run narrowed by test name (-t) skips the others: not worth listing then. */
  private namesFiltered = false;

  onInit(vitest: Vitest): void {
    this.namesFiltered = vitest.config.testNamePattern !== undefined;
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.scheduled.clear();
    this.finished.clear();
    for (const spec of specifications) this.scheduled.set(spec.moduleId, spec.project.name);
  }

  onTestModuleEnd(module: TestModule): void {
    const state = module.state();
    if (state === 'passed' || state === 'failed' || state === 'skipped') this.finished.add(module.moduleId);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const skipped: string[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        const note = result.note;
        skipped.push(`  ${relative(process.cwd(), module.moduleId)} > ${test.fullName}${note ? ` (${note})` : ''}`);
      }
    }
    if (skipped.length > 0 && !this.namesFiltered) process.stdout.write(yellow(`\n${skipped.length} test(s) skipped:\n`) + skipped.join('\n') + '\n');

    const missing = [...this.scheduled].filter(([id]) => !this.finished.has(id));
    if (missing.length === 0) return;
    const list = missing.map(([id, project]) => `  ${relative(process.cwd(), id)}${project ? ` [${project}]` : ''}`).join('\n');
    process.stdout.write(red(`\nFAILED: ${missing.length} of ${this.scheduled.size} test files did not run:\n${list}\n`));
    process.exitCode = 1;
  }
}
