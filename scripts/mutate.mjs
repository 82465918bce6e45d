#!/usr/bin/env node
// Mutation testing (npm run mutate; not part of CI). StrykerJS cannot test
// the kernel: it compiles every mutant into one file switched at run time
// through a JavaScript global, which AssemblyScript cannot compile. So this
// script does it the plain way: one mutant at a time in a scratch copy of
// the tree, rebuild the kernel, run the tests that cover the file, and count
// the mutant killed when they fail (the watchdog turns a looping mutant into
// a failure). Mutants that do not compile are not counted.
//
// Usage: node scripts/mutate.mjs [--max N] [--only name] [--out file.json]
//   --max N    at most N mutants per target, evenly spread over the file
//              (or per target: --max page_alloc=10,memory=6,fault=5,cpu_flags=8)
//   --only     run one target (page_alloc, memory, fault, cpu_flags)
//   --list     print the mutants and stop

import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : process.argv[i + 1];
};
// --max N, or per target: --max page_alloc=10,memory=6
const maxArg = arg("--max", "Infinity");
const maxOf = (name) => {
  if (!maxArg.includes("=")) return Number(maxArg);
  const m = new RegExp(`(?:^|,)${name}=(\\d+)`).exec(maxArg);
  return m ? Number(m[1]) : 0;
};
const ONLY = arg("--only", null);
const OUT = arg("--out", null);
const LIST = process.argv.includes("--list");

const KERNEL_TESTS = [
  "test/page_alloc.test.ts", "test/page_alloc_property.test.ts", "test/page_alloc_rules.test.ts", "test/kernel.test.ts",
  "test/fault.test.ts", "test/extfrag.test.ts", "test/proc.test.ts", "test/proc_zoneinfo_rules.test.ts",
  "test/mmap.test.ts", "test/mmap_property.test.ts", "test/hostile.test.ts",
];
const TARGETS = [
  { name: "page_alloc", file: "assembly/mm/page_alloc.ts", kernel: true, tests: KERNEL_TESTS },
  { name: "memory", file: "assembly/mm/memory.ts", kernel: true, tests: KERNEL_TESTS },
  { name: "fault", file: "assembly/arch/x86/mm/fault.ts", kernel: true, tests: KERNEL_TESTS },
  // The CPU's lazy flags: from cf() to the condition codes.
  { name: "cpu_flags", file: "src/cpu/exec.ts", from: /^\s*function cf\(\)/, to: /^\s*function alu\(/, kernel: false, tests: ["test/cpu/"] },
];

// Operators swapped for their nearest wrong neighbour, the way off-by-one
// and inverted-condition bugs look.
const SWAPS = [
  [/ <= /g, " < "], [/ >= /g, " > "], [/ < /g, " <= "], [/ > /g, " >= "],
  [/ === /g, " !== "], [/ !== /g, " === "], [/ == /g, " != "], [/ != /g, " == "], [/ && /g, " || "], [/ \|\| /g, " && "],
  [/ >>>? /g, " << "], [/ << /g, " >> "], [/ \+ /g, " - "], [/ - /g, " + "], [/ & /g, " | "], [/ \| /g, " & "],
  [/(?<=[\s(])!(?=[\w(])/g, ""], [/\btrue\b/g, "false"], [/\bfalse\b/g, "true"],
  [/(?<=[\s(,])([0-9])(?=[\s),;\]])/g, (d) => String(Number(d) + 1)], [/(?<=[\s(,])([1-9])(?=[\s),;\]])/g, (d) => String(Number(d) - 1)],
  [/\+\+/g, "--"], [/--(?!>)/g, "++"],
];

function mutants(text, from, to) {
  const lines = text.split("\n");
  const out = [];
  let inside = !from, block = false;
  lines.forEach((line, i) => {
    if (from && from.test(line)) inside = true;
    if (to && to.test(line)) inside = false;
    if (!inside) return;
    const t = line.trim();
    if (block || t.startsWith("/*")) { block = !t.includes("*/"); return; }
    if (!t || t.startsWith("//") || t.startsWith("*") || t.startsWith("import ") || t.startsWith("export {") || t.startsWith("@")) return;
    // the code part: no trailing comment, no string literal
    const cut = line.search(/\/\/(?![^"]*"[^"]*$)/);
    const code = cut < 0 ? line : line.slice(0, cut);
    for (const [re, by] of SWAPS) {
      for (const m of code.matchAll(re)) {
        if (/["'`]/.test(code.slice(0, m.index)) && (code.slice(0, m.index).match(/["'`]/g).length % 2)) continue;
        const rep = typeof by === "function" ? by(m[0]) : by;
        const mutated = code.slice(0, m.index) + rep + code.slice(m.index + m[0].length) + (cut < 0 ? "" : line.slice(cut));
        out.push({ line: i + 1, from: t, to: mutated.trim() });
      }
    }
  });
  return out;
}

function spread(list, n) {
  if (list.length <= n) return list;
  return Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]);
}

function sh(cmd, args, cwd, timeout) {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, CI: "", FAULTLINE_WATCHDOG_MS: "30000" } });
}

if (LIST) {
  for (const t of TARGETS.filter((t) => !ONLY || t.name === ONLY)) {
    const chosen = spread(mutants(readFileSync(join(root, t.file), "utf8"), t.from, t.to), maxOf(t.name));
    for (const m of chosen) console.log(`${t.file}:${m.line}: ${m.to}`);
    console.log(`${t.name}: ${chosen.length} mutants`);
  }
  process.exit(0);
}

const scratch = mkdtempSync(join(tmpdir(), "faultline-mutate-"));
for (const dir of ["assembly", "src", "test", "programs", "asconfig.json", "package.json", "tsconfig.json", "vitest.config.ts", "web", "docs", "README.md"])
  cpSync(join(root, dir), join(scratch, dir), { recursive: true });
symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"));
const asc = join(root, "node_modules", "assemblyscript", "bin", "asc.js");
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const buildKernel = () =>
  sh(process.execPath, [asc, "assembly/index.ts", "--target", "release", "-O0"], scratch, 300_000).status === 0 &&
  sh(process.execPath, [asc, "assembly/index.ts", "--target", "debug"], scratch, 300_000).status === 0;
const runTests = (tests) => sh(process.execPath, [vitest, "run", "--bail", "1", ...tests], scratch, 900_000);

if (!buildKernel()) throw new Error("the unmutated kernel does not build");
const report = [];
const baseline = new Map();
for (const t of TARGETS.filter((t) => !ONLY || t.name === ONLY)) {
  const base = baseline.get(t.tests) ?? runTests(t.tests);
  baseline.set(t.tests, base);
  if (base.status !== 0) throw new Error(`${t.name}: tests fail before any mutation:\n${base.stdout.slice(-3000)}`);
  const original = readFileSync(join(scratch, t.file), "utf8");
  const all = mutants(original, t.from, t.to);
  const chosen = spread(all, maxOf(t.name));
  if (!chosen.length) continue;
  const r = { target: t.name, file: t.file, generated: all.length, tried: chosen.length, killed: 0, survived: [], invalid: 0 };
  for (const [n, m] of chosen.entries()) {
    const lines = original.split("\n");
    const indent = lines[m.line - 1].match(/^\s*/)[0];
    lines[m.line - 1] = indent + m.to;
    writeFileSync(join(scratch, t.file), lines.join("\n"));
    let verdict;
    if (t.kernel && !buildKernel()) verdict = "invalid";
    else verdict = runTests(t.tests).status === 0 ? "survived" : "killed";
    if (verdict === "killed") r.killed++;
    else if (verdict === "invalid") r.invalid++;
    else r.survived.push(m);
    process.stderr.write(`${t.name} ${n + 1}/${chosen.length} ${verdict}: ${t.file}:${m.line}: ${m.to}\n`);
  }
  writeFileSync(join(scratch, t.file), original);
  if (t.kernel) buildKernel();
  report.push(r);
}
rmSync(scratch, { recursive: true, force: true });

for (const r of report) {
  const valid = r.killed + r.survived.length;
  console.log(`${r.target} (${r.file}): ${r.killed}/${valid} killed = ${valid ? ((100 * r.killed) / valid).toFixed(1) : "-"}% ` +
    `(${r.tried} of ${r.generated} mutants tried, ${r.invalid} did not compile)`);
  for (const s of r.survived) console.log(`  survived ${r.file}:${s.line}: ${s.from}  →  ${s.to}`);
}
if (OUT) writeFileSync(OUT, JSON.stringify(report, null, 2));
