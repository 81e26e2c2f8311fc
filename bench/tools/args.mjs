// The bench tools' one reader of `--name value` flags.

/** A reader of argv: flag(name, fallback) is the value after `name`, or `fallback`. */
export function flagReader(argv) {
  return (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : fallback;
  };
}
