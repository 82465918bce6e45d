// Command-line parsing for every faultline command: Node's util.parseArgs,
// with its errors said the way the rest of the CLI says them ("unknown
// option --bogus", "--plot needs a value"), and the split of `run`'s argv
// at the program: what follows PROGRAM (or `--`) is the guest's, even when
// it looks like an option.

import { parseArgs, type ParseArgsConfig } from "node:util";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>>;

/** A usage error: main prints it with the usage text and exits 2, as Linux tools do. */
export class UsageError extends Error {
  readonly code = "ERR_USAGE";
}

/** parseArgs, strict, rephrasing its errors as UsageErrors. */
export function parse<O extends Options>(argv: string[], options: O, positionals = true): Parsed<O> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals });
  } catch (e) {
    const err = e as Error & { code?: string };
    const name = /'(-[^' ]+)/.exec(err.message)?.[1] ?? "";
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown option ${name}`);
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new UsageError(/argument missing/.test(err.message) ? `${name} needs a value` : `${name} takes no value`);
    }
    if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new UsageError(`unexpected argument ${/'([^']*)'/.exec(err.message)?.[1] ?? ""}`);
    throw e;
  }
}

/**
 * Splits argv where the program starts: at the first word that is not an
 * option or an option's value, or after `--`. @return the options' words,
 * then the program and its arguments.
 */
export function splitAtProgram(argv: string[], options: Options): [string[], string[]] {
  const takesValue = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type === "string") {
      takesValue.add(`--${name}`);
      if (o.short) takesValue.add(`-${o.short}`);
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") return [argv.slice(0, i), argv.slice(i + 1)];
    if (!a.startsWith("-") || a === "-") return [argv.slice(0, i), argv.slice(i)];
    if (takesValue.has(a)) i++;
  }
  return [argv, []];
}
