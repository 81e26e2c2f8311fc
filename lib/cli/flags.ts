/**
 * The command line's flags: the original tool's `-flag value` pairs, their parsing and help
 * text, and the error a bad command line raises. Shared by every command.
 * @packageDocumentation
 */

/** A flag of the original tool. */
export interface FlagSpec {
  flag: string;
  kind: 'int' | 'real' | 'string' | 'bool01';
  defaultValue: string;
  help: string;
  /** How help shows the value; default <file>, <int> or <float> by kind. */
  arg?: string;
}

/** Thrown for bad command lines; printed without a stack. */
export class UsageError extends Error {}

/** Help text listing every flag with its default. */
export function usage(flags: FlagSpec[], title: string): string {
  const lines = [title, '', 'Options:'];
  for (const f of flags) {
    const arg = f.arg !== undefined ? ` ${f.arg}` : f.kind === 'string' ? ' <file>' : f.kind === 'real' ? ' <float>' : ' <int>';
    lines.push(`\t${f.flag}${arg}`, `\t\t${f.help}${f.defaultValue ? `; default is ${f.defaultValue}` : ''}`);
  }
  return lines.join('\n');
}

/** Parses `-flag value` pairs against a flag table. */
export function parseFlags(args: string[], flags: FlagSpec[]): Map<string, string> {
  const known = new Map(flags.map((f) => [f.flag, f]));
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!;
    const spec = known.get(flag);
    if (!spec) throw new UsageError(`unknown flag ${JSON.stringify(flag)}`);
    const value = args[i + 1];
    if (value === undefined) throw new UsageError(`flag ${flag} needs a value`);
    if (spec.kind === 'int' && !/^-?\d+$/.test(value)) throw new UsageError(`${flag} must be an integer, got ${JSON.stringify(value)}`);
    if (spec.kind === 'real' && !Number.isFinite(Number(value))) throw new UsageError(`${flag} must be a number, got ${JSON.stringify(value)}`);
    if (spec.kind === 'bool01' && value !== '0' && value !== '1') throw new UsageError(`${flag} must be 0 or 1, got ${JSON.stringify(value)}`);
    values.set(flag, value);
  }
  return values;
}

/** Splits a command line into file arguments and `-flag value` pairs (a lone "-" is a file). */
export function splitArgs(args: string[]): { positional: string[]; flagArgs: string[] } {
  const positional: string[] = [];
  const flagArgs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-') && a.length > 1) {
      flagArgs.push(a);
      if (i + 1 < args.length) flagArgs.push(args[++i]!);
    } else {
      positional.push(a);
    }
  }
  return { positional, flagArgs };
}
