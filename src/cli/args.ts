// Command-line parsing for every faultline command: the strict form of
// Node's util.parseArgs that the commands use (--name VALUE, --name=VALUE,
// -x; repeatable options; `--` ends the options), written here because
// loading parseArgs costs every run about a millisecond; its errors said the
// way the rest of the CLI says them ("unknown option --bogus", "--plot needs
// a value"); and the split of `run`'s argv at the program: what follows
// PROGRAM (or `--`) is the guest's, even when it looks like an option.

/** An option: its value's type, whether it may be given again, its one-letter alias. */
export interface Option {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
}

export type Options = Record<string, Option>;

type Value<O extends Option> = O extends { type: "boolean" } ? (O extends { multiple: true } ? boolean[] : boolean) : O extends { multiple: true } ? string[] : string;

export interface Parsed<O extends Options> {
  values: { [K in keyof O]?: Value<O[K]> };
  positionals: string[];
}

/** A usage error: main prints it with the usage text and exits 2, as Linux tools do. */
export class UsageError extends Error {
  readonly code = "ERR_USAGE";
}

/**
 * argv's options and, when `positionals` allows them, its other words.
 * @raise UsageError for an unknown option, a missing or unwanted value, or an unwanted word
 */
export function parse<O extends Options>(argv: string[], options: O, positionals = true): Parsed<O> {
  const values: Record<string, string | boolean | Array<string | boolean>> = {};
  const rest: string[] = [];
  const set = (name: string, value: string | boolean) => {
    if (options[name].multiple) ((values[name] ??= []) as Array<string | boolean>).push(value);
    else values[name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      rest.push(a);
      continue;
    }
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq < 0 ? a : a.slice(0, eq);
    const name = flag.startsWith("--") ? flag.slice(2) : Object.keys(options).find((n) => options[n].short === flag.slice(1));
    if (name === undefined || !Object.hasOwn(options, name)) throw new UsageError(`unknown option ${flag}`);
    if (options[name].type === "boolean") {
      if (eq >= 0) throw new UsageError(`${flag} takes no value`);
      set(name, true);
    } else if (eq >= 0) {
      set(name, a.slice(eq + 1));
    } else {
      // A value that looks like an option is refused, as parseArgs refuses it: --name=-VALUE gives one.
      const v = argv[i + 1];
      if (v === undefined || (v.startsWith("-") && v !== "-")) throw new UsageError(`${flag} needs a value`);
      set(name, v);
      i++;
    }
  }
  if (!positionals && rest.length) throw new UsageError(`unexpected argument ${rest[0]}`);
  return { values: values as Parsed<O>["values"], positionals: rest };
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
