// What a benchmark suite prints: one line per measurement, ratios against a
// baseline measured in the same run (never a time asserted anywhere); and
// the best-of-n timing the suites share.

import { resolve } from "node:path";
import { packageRoot } from "../src/cli/load.js";
import type { Reporter } from "../src/cli/bench.js";

export type { Reporter };

export const consoleReporter: Reporter = {
  section(title) {
    process.stdout.write(`\n## ${title}\n`);
  },
  row(name, value, ratio, note) {
    const r = ratio === undefined ? "" : `  ${ratio.toFixed(2)}x native`;
    process.stdout.write(`${name.padEnd(44)} ${value.padStart(14)}${r}${note ? `  (${note})` : ""}\n`);
  },
};

/** Best of `n` timings of f. */
export function best<T extends { ms: number }>(n: number, f: () => T): T {
  let b = f();
  for (let i = 1; i < n; i++) {
    const r = f();
    if (r.ms < b.ms) b = r;
  }
  return b;
}

/** Ratios over alternated rounds, as the A/B tools print them: "median [min-max]". */
export function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return `${median.toFixed(3)} [${s[0].toFixed(3)}-${s[s.length - 1].toFixed(3)}]`;
}

/**
 * An A/B tool's arguments, `BEFORE_DIR [AFTER_DIR] [--rounds N]`: the two
 * trees (AFTER_DIR defaults to this package) and the rounds (12).
 */
export function abArgs(tool: string, args: string[]): { trees: string[]; rounds: number } {
  const at = args.indexOf("--rounds");
  const rounds = at >= 0 ? Number(args.splice(at, 2)[1]) : 12;
  if (args.length < 1 || !(rounds > 0)) {
    process.stderr.write(`usage: ${tool} BEFORE_DIR [AFTER_DIR] [--rounds N]\n`);
    process.exit(2);
  }
  return { trees: [resolve(args[0]), resolve(args[1] ?? packageRoot())], rounds };
}
