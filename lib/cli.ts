#!/usr/bin/env node
/**
 * The `w2v` executable (package.json's bin): runs the command line of lib/cli/ on the
 * process's arguments and sets the exit code it returns.
 * @packageDocumentation
 */
import { main } from './cli/main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`w2v: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
