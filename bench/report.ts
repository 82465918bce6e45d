// What a benchmark suite prints: one line per measurement, ratios against a
// baseline measured in the same run (never a time asserted anywhere); and
// the best-of-n timing the suites share.

export interface Reporter {
  /** A section heading. */
  section(title: string): void;
  /** One measurement; `ratio` is ours / baseline when a baseline ran. */
  row(name: string, value: string, ratio?: number, note?: string): void;
}

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
