// Prints, before vitest's summary, one line naming every skipped test and
// why (the reasons test/helpers/tools.ts logged). Under CI=true a skipped
// test or a missing tool fails the run.

import { existsSync, readFileSync, rmSync } from "node:fs";
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const log = process.env.FAULTLINE_SKIP_LOG;
    const lines = log && existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
    if (log) rmSync(log, { force: true });
    const why = new Map<string, Set<string>>();
    const missing = new Set<string>();
    for (const l of lines) {
      const [kind, file, what] = l.split("\t");
      if (kind === "missing") missing.add(`${file}: ${what}`);
      else why.set(file, (why.get(file) ?? new Set()).add(what));
    }
    const skipped: string[] = [];
    for (const m of modules) {
      const file = relative(process.cwd(), m.moduleId);
      const names: string[] = [];
      for (const t of m.children.allTests()) {
        const r = t.result();
        if (r.state === "skipped") names.push(r.note ? `${t.fullName} (${r.note})` : t.fullName);
      }
      if (names.length === 0) continue;
      const reasons = [...(why.get(file) ?? [])];
      skipped.push(`${file}: ${names.length} [${reasons.length ? "needs " + reasons.join(", ") : "no reason given"}] ${names.slice(0, 3).join("; ")}${names.length > 3 ? `; and ${names.length - 3} more` : ""}`);
    }
    const ci = process.env.CI === "true";
    const msg = skipped.length ? `skipped tests: ${skipped.length} file(s): ${skipped.join(" | ")}` : "skipped tests: none";
    console.log(`\n${msg}`);
    if (ci && missing.size) console.log(`CI=true, missing tools: ${[...missing].join(" | ")}`);
    if (ci && (skipped.length || missing.size)) process.exitCode = 1;
  }
}
