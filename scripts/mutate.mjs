#!/usr/bin/env node
// Mutation testing (npm run mutate; not part of CI). StrykerJS cannot test
// the kernel: it compiles every mutant into one file switched at run time
// through a JavaScript global, which AssemblyScript cannot compile. So this
// script does it the plain way, one mutant at a time in a scratch copy of
// the tree (which builds its own kernels and src/abi_generated.ts, so a
// checkout needs no build first):
//   - the targets (files, or a region of one) are listed in scripts/mutate.json;
//     a target whose file moved is found again by its marker line;
//   - the tests run for a kernel target are the test files that read a kernel
//     build at baseline (seen from the builds' access times), for a host
//     target the test files that import it; the files run in order (those
//     that killed most mutants so far, then the target's own "tests" from
//     scripts/mutate.json), the first few alone, the rest in one vitest,
//     until one fails;
//   - a mutant rebuilds only the kernel builds the next test file reads, and
//     skips a file whose builds came out byte-identical to the unmutated ones;
//   - each test file runs with the watchdog set from its baseline time, and is
//     killed at a hard limit beyond that (a looping mutant counts as killed);
//   - the sample is deterministic: mutants ordered by a hash of the seed and
//     their text, so --sample N is the first N of that order and a larger N
//     extends it; results go to a file as they come, and a rerun resumes;
//   - mutants that do not compile are not counted, nor those listed in
//     scripts/mutate.json as equivalent (each with its reason).
//
// Usage: node scripts/mutate.mjs [options], or npm run mutate -- [options]
// (npm passes options on only after --: npm run mutate -- --report)
//   --only a,b          run these targets (page_alloc, memory, fault, cpu_flags)
//   --sample N          at most N mutants per target (or page_alloc=60,memory=40)
//   --seed S            sample seed (default 1)
//   --results FILE      results file (default .mutate/results.json)
//   --focus             run only the target's own test files ("tests" in
//                       scripts/mutate.json): a quick screen, whose survivors
//                       a run without --focus --recheck confirms
//   --recheck           run the survivors in the results file again
//   --list              print the sampled mutants and stop
//   --report            print the score from the results file and stop

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
// --help prints the usage above; an option it does not list is an error, not a full run.
const OPTIONS = { "--only": 1, "--sample": 1, "--seed": 1, "--results": 1, "--focus": 0, "--recheck": 0, "--list": 0, "--report": 0 };
{
  const usage = readFileSync(import.meta.filename, "utf8").split("\n").filter((l) => l.startsWith("//"));
  const text = usage.slice(usage.findIndex((l) => l.startsWith("// Usage"))).map((l) => l.slice(3)).join("\n");
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(text);
    process.exit(0);
  }
  for (let i = 0; i < argv.length; i += 1 + (OPTIONS[argv[i]] ?? 0)) {
    if (!(argv[i] in OPTIONS)) {
      console.error(`mutate: unknown option ${argv[i]}\n${text}`);
      process.exit(2);
    }
  }
}
const config = JSON.parse(readFileSync(join(import.meta.dirname, "mutate.json"), "utf8"));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : process.argv[i + 1];
};
const ONLY = arg("--only", null)?.split(",");
const SEED = arg("--seed", "1");
const RESULTS = join(root, arg("--results", ".mutate/results.json"));
const sampleArg = arg("--sample", "Infinity");
const sampleOf = (name) => {
  if (!sampleArg.includes("=")) return Number(sampleArg);
  const m = new RegExp(`(?:^|,)${name}=(\\d+)`).exec(sampleArg);
  return m ? Number(m[1]) : 0;
};
const LIST = process.argv.includes("--list");
const REPORT = process.argv.includes("--report");
const RECHECK = process.argv.includes("--recheck");
const FOCUS = process.argv.includes("--focus");

// ---- targets ----

function walk(dir, out = [], base = root) {
  for (const e of readdirSync(join(base, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out, base);
    else out.push(p);
  }
  return out;
}

/** The target's file: where the config says, or wherever its marker line is now. */
function locate(t) {
  const has = (f) => existsSync(join(root, f)) && readFileSync(join(root, f), "utf8").includes(t.marker);
  if (has(t.file)) return t.file;
  const found = walk(t.file.split("/")[0]).filter((f) => f.endsWith(".ts") && has(f));
  if (found.length !== 1) throw new Error(`${t.name}: ${t.file} moved, and "${t.marker}" is in ${found.length} files`);
  process.stderr.write(`${t.name}: ${t.file} moved to ${found[0]}\n`);
  return found[0];
}

const targets = config.targets.filter((t) => !ONLY || ONLY.includes(t.name)).map((t) => ({ ...t, file: locate(t), kernel: t.file.startsWith("assembly/") }));

// ---- mutants ----

// Operators swapped for their nearest wrong neighbour, the way off-by-one
// and inverted-condition bugs look; and a call statement deleted, the way a
// forgotten flush or unlock looks.
const SWAPS = [
  [/ <= /g, " < "], [/ >= /g, " > "], [/ < /g, " <= "], [/ > /g, " >= "],
  [/ === /g, " !== "], [/ !== /g, " === "], [/ == /g, " != "], [/ != /g, " == "], [/ && /g, " || "], [/ \|\| /g, " && "],
  [/ >>>? /g, " << "], [/ << /g, " >> "], [/ \+ /g, " - "], [/ - /g, " + "], [/ & /g, " | "], [/ \| /g, " & "],
  [/(?<=[\s(])!(?=[\w(])/g, ""], [/\btrue\b/g, "false"], [/\bfalse\b/g, "true"],
  [/(?<=[\s(,])([0-9])(?=[\s),;\]])/g, (d) => String(Number(d) + 1)], [/(?<=[\s(,])([1-9])(?=[\s),;\]])/g, (d) => String(Number(d) - 1)],
  [/\+\+/g, "--"], [/--(?!>)/g, "++"],
];
const CALL_STATEMENT = /^[\w.]+\(.*\);$/;

function mutants(target, text) {
  const lines = text.split("\n");
  const out = [];
  const seen = new Map(); // line text -> occurrences so far, so an id survives lines moving
  let inside = !target.from, block = false;
  lines.forEach((line, i) => {
    if (target.from && line.includes(target.from)) inside = true;
    if (target.to && line.includes(target.to)) inside = false;
    if (!inside) return;
    const t = line.trim();
    if (block || t.startsWith("/*")) { block = !t.includes("*/"); return; }
    if (!t || t.startsWith("//") || t.startsWith("*") || t.startsWith("import ") || t.startsWith("export {") || t.startsWith("@")) return;
    const nth = seen.get(t) ?? 0;
    seen.set(t, nth + 1);
    // the code part: no trailing comment, no string literal
    const cut = line.search(/\/\/(?![^"]*"[^"]*$)/);
    const code = cut < 0 ? line : line.slice(0, cut);
    const add = (to) => {
      const id = createHash("sha1").update(`${target.name}\0${t}\0${nth}\0${to}`).digest("hex").slice(0, 12);
      out.push({ id, line: i + 1, from: t, to });
    };
    for (const [re, by] of SWAPS) {
      for (const m of code.matchAll(re)) {
        const before = code.slice(0, m.index);
        if ((before.match(/["'`]/g)?.length ?? 0) % 2) continue;
        const rep = typeof by === "function" ? by(m[0]) : by;
        add((before + rep + code.slice(m.index + m[0].length)).trim());
      }
    }
    if (CALL_STATEMENT.test(code.trim())) add(`/* deleted */`);
  });
  return out;
}

const rank = (m) => createHash("sha1").update(`${SEED}\0${m.id}`).digest("hex");
function sample(target) {
  const all = mutants(target, readFileSync(join(root, target.file), "utf8"));
  const chosen = [...all].sort((a, b) => (rank(a) < rank(b) ? -1 : 1)).slice(0, sampleOf(target.name));
  return { all, chosen };
}

if (LIST) {
  for (const t of targets) {
    const { all, chosen } = sample(t);
    for (const m of chosen) console.log(`${t.file}:${m.line}: ${m.from}  →  ${m.to}`);
    console.log(`${t.name}: ${chosen.length} of ${all.length} mutants`);
  }
  process.exit(0);
}

// ---- results ----

const results = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, "utf8")) : { baseline: {}, mutants: {}, kills: {} };
const save = () => {
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 1));
};
// An entry names its mutant by text, and by id too when the same line is in
// the file more than once and only one of them is equivalent.
const equivalent = (t, m) => config.equivalent.find((e) => e.target === t.name && e.from === m.from && e.to === m.to && (!e.id || e.id === m.id));

/** Wilson score interval, 95%. */
function wilson(k, n) {
  if (!n) return [0, 1];
  const z = 1.96, p = k / n, d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d, h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

function report() {
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  for (const t of targets) {
    const { all, chosen } = sample(t);
    const rs = chosen.map((m) => ({ m, r: results.mutants[m.id] })).filter((x) => x.r);
    const count = (v) => rs.filter((x) => x.r.verdict === v).length;
    const eq = rs.filter((x) => x.r.verdict === "survived" && equivalent(t, x.m));
    const survivors = rs.filter((x) => x.r.verdict === "survived" && !equivalent(t, x.m));
    const killed = count("killed") + count("timeout");
    const valid = killed + survivors.length;
    const [lo, hi] = wilson(killed, valid);
    const what = rs.length === all.length ? "all" : `a sample (seed ${SEED}) of ${rs.length}`;
    console.log(`${t.name} (${t.file}): ${killed}/${valid} killed = ${valid ? pct(killed / valid) : "-"}` +
      (rs.length < all.length ? `, 95% CI ${pct(lo)}–${pct(hi)}` : "") +
      ` — ${what} of ${all.length} mutants; ${count("timeout")} by timeout, ${count("invalid")} did not compile, ` +
      `${count("identical")} compiled identical, ${eq.length} equivalent`);
    for (const { m, r } of survivors) console.log(`  survived${r.focus ? " its own tests" : ""} ${t.file}:${m.line}: ${m.from}  →  ${m.to}`);
    for (const { m } of eq) console.log(`  equivalent ${t.file}:${m.line}: ${m.from}  →  ${m.to}  (${equivalent(t, m).why})`);
  }
}
if (REPORT) {
  report();
  process.exit(0);
}

// ---- the scratch tree ----

setPriority(10); // nice, as every heavy command here
const scratch = mkdtempSync(join(tmpdir(), "faultline-mutate-"));
let running = null; // the vitest being run, a process group of its own
process.on("exit", () => {
  if (running) try { process.kill(-running.pid, "SIGKILL"); } catch {}
  rmSync(scratch, { recursive: true, force: true });
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));
cpSync(root, scratch, { recursive: true, filter: (src) => !/^(node_modules|\.git|\.mutate)$/.test(relative(root, src)) });
symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"));
const asc = join(root, "node_modules", "assemblyscript", "bin", "asc.js");
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
// Every kernel build asconfig.json names (release, trace, debug), by its output file.
const BUILDS = Object.fromEntries(Object.entries(JSON.parse(readFileSync(join(scratch, "asconfig.json"), "utf8")).targets)
  .map(([name, target]) => [name, target.outFile]));
// Release as npm run build makes it: at -O0 the image, and so the boot
// layout and the pfns golden traces expect, would differ.
let buildError = "";
const build = (b) => {
  const r = spawnSync(process.execPath, [asc, "assembly/index.ts", "--target", b], { cwd: scratch, encoding: "utf8", maxBuffer: 1 << 26 });
  buildError = r.status === 0 ? "" : `${r.error ?? ""}${r.stdout}${r.stderr}`.slice(-2000);
  return r.status === 0;
};
const wasm = (b) => readFileSync(join(scratch, BUILDS[b]));
for (const b of Object.keys(BUILDS)) if (!build(b)) throw new Error(`the unmutated ${b} kernel does not build`);
// The host imports src/abi_generated.ts, which npm run build:kernel writes from the build: written here from the scratch's own.
const abi = spawnSync(process.execPath, ["scripts/abi.mjs"], { cwd: scratch, encoding: "utf8" });
if (abi.status !== 0) throw new Error(`scripts/abi.mjs could not write src/abi_generated.ts from the scratch build:\n${abi.stderr}`);
const original = Object.fromEntries(Object.keys(BUILDS).map((b) => [b, wasm(b)]));

/** Runs test files in one vitest; resolves to its wall time, or the verdict and the failing file. */
function runFiles(files, watchdogMs, limitMs) {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(process.execPath, [vitest, "run", "--bail", "1", ...files], {
      cwd: scratch, detached: true, stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CI: "", FAULTLINE_WATCHDOG_MS: String(watchdogMs) },
    });
    running = child;
    let out = "", timedOut = false;
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    const timer = setTimeout(() => { timedOut = true; process.kill(-child.pid, "SIGKILL"); }, limitMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      running = null;
      try { process.kill(-child.pid, "SIGKILL"); } catch {} // its forks, if any are left
      out = out.replace(/\x1b\[[0-9;]*m/g, "");
      const failed = /FAIL\s+(\S+\.test\.ts)/.exec(out);
      resolve(timedOut ? { verdict: "timeout" } : code === 0 ? Date.now() - start : { verdict: "killed", by: failed?.[1], out });
    });
  });
}

// ---- the tests of each target ----

const testFiles = walk("test", [], scratch).filter((f) => f.endsWith(".test.ts") && !(f in config.excludeTests)).sort();

/** Host targets: the test files whose imports reach the file. */
function importers(file) {
  const reach = new Map();
  const reaches = (f) => {
    if (reach.has(f)) return reach.get(f);
    reach.set(f, false);
    const text = existsSync(join(root, f)) ? readFileSync(join(root, f), "utf8") : "";
    const deps = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].map((m) => join(dirname(f), m[1]).replace(/\.js$/, ".ts"));
    const r = f === file || deps.some(reaches);
    reach.set(f, r);
    return r;
  };
  return testFiles.filter(reaches);
}

// Baseline: every test file once, unmutated, noting its time and which
// kernel builds it reads; kept in the results file while the file and the
// code it tests are the same, so adding a test file runs only that one.
const hashOf = (files) => {
  const h = createHash("sha1");
  for (const f of files) h.update(f).update(readFileSync(join(root, f)));
  return h.digest("hex");
};
const code = hashOf(["assembly", "src", "programs", "test/helpers"].flatMap((d) => walk(d).sort()));
if (results.baseline.code !== code) results.baseline = { code, files: {} };
mkdirSync(dirname(RESULTS), { recursive: true });
// --focus runs only the targets' own test files, so only they need a baseline.
for (const f of testFiles.filter((f) => !FOCUS || targets.some((t) => t.tests?.includes(f)))) {
  const hash = hashOf([f]);
  if (results.baseline.files[f]?.hash === hash && results.baseline.files[f].ms !== null) continue;
  for (const b of Object.values(BUILDS)) utimesSync(join(scratch, b), new Date(0), statSync(join(scratch, b)).mtime);
  const r = await runFiles([f], 150_000, 900_000);
  const reads = Object.keys(BUILDS).filter((b) => statSync(join(scratch, BUILDS[b])).atimeMs > 1000);
  results.baseline.files[f] = { hash, ms: typeof r === "number" ? r : null, reads };
  if (r.out) writeFileSync(`${RESULTS}.${f.replaceAll("/", "_")}.log`, r.out);
  process.stderr.write(`baseline ${f}: ${typeof r === "number" ? `${r} ms` : r.verdict}${reads.length ? `, reads ${reads.join(" and ")}` : ""}\n`);
  save();
}
const broken = Object.entries(results.baseline.files).filter(([, b]) => b.ms === null).map(([f]) => f);
if (broken.length) process.stderr.write(`left out, failing before any mutation (logs next to ${RESULTS}): ${broken.join(", ")}\n`);

function testsOf(t) {
  const files = t.kernel
    ? testFiles.filter((f) => results.baseline.files[f]?.reads.length)
    : importers(t.file);
  return files.filter((f) => results.baseline.files[f]?.ms != null);
}

// ---- the run ----

const FIRST = 3; // test files run alone before the rest run together

// The targets take turns, so a run cut short still samples each of them.
const queue = [];
for (const t of targets) {
  const { all, chosen } = sample(t);
  process.stderr.write(`${t.name}: ${chosen.length} of ${all.length} mutants, ${testsOf(t).length} test files\n`);
  chosen.forEach((m, i) => queue.push({ t, m, i, of: chosen.length }));
}
queue.sort((a, b) => a.i - b.i);
for (const { t, m, i, of } of queue) {
  const done = results.mutants[m.id];
  if (done && !(RECHECK && done.verdict === "survived")) continue;
  if (equivalent(t, m)) {
    // Shown equivalent (scripts/mutate.json): no test can kill it, so it is not run.
    results.mutants[m.id] = { target: t.name, line: m.line, from: m.from, to: m.to, verdict: "survived", by: null, focus: false };
    save();
    continue;
  }
  const tests = testsOf(t);
  const kills = (results.kills[t.name] ??= {});
  const text = readFileSync(join(scratch, t.file), "utf8");
  const lines = text.split("\n");
  lines[m.line - 1] = lines[m.line - 1].match(/^\s*/)[0] + m.to;
  writeFileSync(join(scratch, t.file), lines.join("\n"));
  // The files that killed most mutants so far one by one, then the rest
  // in one vitest (fewer start-ups for a mutant that survives).
  const prior = (f) => { const i = (t.tests ?? []).indexOf(f); return i < 0 ? Infinity : i; };
  const order = tests.filter((f) => !FOCUS || prior(f) < Infinity)
    .sort((a, b) => (kills[b] ?? 0) - (kills[a] ?? 0) || prior(a) - prior(b) || results.baseline.files[a].ms - results.baseline.files[b].ms);
  const built = {}, same = {};
  let verdict = "identical", by = null;
  for (const group of [...order.slice(0, FIRST).map((f) => [f]), order.slice(FIRST)]) {
    const run = [];
    for (const f of group) {
      const reads = t.kernel ? results.baseline.files[f].reads : [];
      if (reads.some((b) => (built[b] ??= build(b)) === false)) { verdict = "invalid"; break; }
      for (const b of reads) same[b] ??= wasm(b).equals(original[b]);
      if (!reads.length || !reads.every((b) => same[b])) run.push(f);
    }
    if (verdict === "invalid") break;
    if (!run.length) continue;
    const ms = run.reduce((s, f) => s + results.baseline.files[f].ms, 0);
    const r = await runFiles(run, Math.max(15_000, 3 * Math.max(...run.map((f) => results.baseline.files[f].ms))), Math.max(60_000, 4 * ms));
    if (typeof r !== "number") { verdict = r.verdict; by = run.length === 1 ? run[0] : r.by ?? null; break; }
    verdict = "survived";
  }
  if (by) kills[by] = (kills[by] ?? 0) + 1;
  results.mutants[m.id] = { target: t.name, line: m.line, from: m.from, to: m.to, verdict, by, focus: FOCUS && verdict === "survived", ...(verdict === "invalid" ? { buildError } : {}) };
  save();
  process.stderr.write(`${t.name} ${i + 1}/${of} ${verdict}${by ? ` by ${by}` : ""}: ${t.file}:${m.line}: ${m.to}\n`);
  writeFileSync(join(scratch, t.file), text);
  for (const b of Object.keys(built)) writeFileSync(join(scratch, BUILDS[b]), original[b]);
}
report();
