// faultline bench: every benchmark suite (bench/suites.ts), with progress
// on stderr as the measurements come in, then a summary table on stdout
// (Markdown, with the machine it ran on), or --json for machines. Every
// figure is measured in this run; a ratio compares against a baseline
// measured in the same run (native code, or tracing off).

import { cpus, totalmem } from "node:os";

/** What a benchmark suite prints to: sections and measurements (the suites are bench/*.ts). */
export interface Reporter {
  /** A section heading. */
  section(title: string): void;
  /** One measurement; `ratio` is ours / baseline when a baseline ran. */
  row(name: string, value: string, ratio?: number, note?: string): void;
}

/** A suite by name (bench/suites.ts lists them; BENCH_SUITES names them for the usage text). */
export type Suite = [string, (r: Reporter) => Promise<void>];

/** The suites of bench/suites.ts, in its order (test/cli/bench_cli.test.ts checks they agree). */
export const BENCH_SUITES = ["allocator", "cpu", "fault", "e2e", "trace", "frames", "fork", "reclaim", "compaction"];

/**
 * The SUITES of dist/bench/suites.js, an ES module: imported from here, as
 * the command's launcher (faultline.cts) loads this file as Node loads any
 * CommonJS file, where import() works.
 */
export async function importSuites(path: string): Promise<Suite[]> {
  return ((await import(path)) as { SUITES: Suite[] }).SUITES;
}

export const BENCH_USAGE = `usage: faultline bench [--json] [SUITE...]
Runs every benchmark suite (or the ones named): ${BENCH_SUITES.join(", ")}.
Progress goes to stderr; the summary table (or --json) to stdout.`;

export interface BenchRow {
  suite: string;
  section: string;
  name: string;
  value: string;
  ratio?: number;
  note?: string;
}

export interface BenchReport {
  machine: { cpu: string; cores: number; memory: string; node: string; platform: string };
  date: string;
  rows: BenchRow[];
}

export function machineInfo(): BenchReport["machine"] {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? "unknown CPU",
    cores: c.length,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** A Reporter that keeps every row of `suite` and reports progress as rows arrive. */
export function collectingReporter(suite: string, rows: BenchRow[], progress: (line: string) => void): Reporter {
  let section = "";
  return {
    section(title) {
      section = title;
      progress(`  ${title}\n`);
    },
    row(name, value, ratio, note) {
      rows.push({ suite, section, name, value, ratio, note });
      progress(`    ${name}: ${value}${ratio === undefined ? "" : `, ${ratio.toFixed(2)}x`}${note ? ` (${note})` : ""}\n`);
    },
  };
}

const cell = (s: string) => s.replace(/\|/g, "\\|");

/** The summary: a Markdown table per suite, under the machine it ran on. */
export function benchTable(report: BenchReport): string {
  const m = report.machine;
  let out = `Measured ${report.date} on ${m.cpu} (${m.cores} cores, ${m.memory}), Node ${m.node}, ${m.platform}.\n`;
  for (const suite of [...new Set(report.rows.map((r) => r.suite))]) {
    out += `\n### ${suite}\n\n| measurement | value | ratio | note |\n| --- | ---: | ---: | --- |\n`;
    let section = "";
    for (const r of report.rows.filter((row) => row.suite === suite)) {
      if (r.section !== section) {
        section = r.section;
        out += `| **${cell(section)}** | | | |\n`;
      }
      out += `| ${cell(r.name)} | ${cell(r.value)} | ${r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}x`} | ${cell(r.note ?? "")} |\n`;
    }
  }
  return out;
}

/** Runs the suites; `write` and `progress` take stdout and stderr text. */
export async function bench(args: string[], suites: Suite[], write: (s: string) => void, progress: (s: string) => void): Promise<number> {
  const json = args.includes("--json");
  const names = args.filter((a) => a !== "--json");
  const bad = names.filter((n) => n.startsWith("-") || !suites.some(([s]) => s === n));
  if (bad.length) throw new Error(`bench: no suite or option '${bad[0]}'\n${BENCH_USAGE}`);
  const chosen = suites.filter(([s]) => !names.length || names.includes(s));
  const report: BenchReport = { machine: machineInfo(), date: new Date().toISOString().slice(0, 10), rows: [] };
  for (const [i, [name, run]] of chosen.entries()) {
    const t0 = performance.now();
    progress(`[${i + 1}/${chosen.length}] ${name}\n`);
    await run(collectingReporter(name, report.rows, progress));
    progress(`[${i + 1}/${chosen.length}] ${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  write(json ? JSON.stringify(report, null, 2) + "\n" : benchTable(report));
  return 0;
}
