// Ordinary C programs built with the host's glibc (`gcc -O2 -static`) and
// musl (`musl-gcc -static`), and Debian's static busybox: the faultline CLI
// gives the same stdout, stderr and exit status as the native run, with the
// same environment and working directory, also with every block of guest
// code translated from its first run; some also on an x86-64-v2 CPU.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { needs, TOOLS, ZERO_PAGE_AS_HOST } from "../helpers/tools.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SOURCES = new URL("../native/libc/", import.meta.url).pathname;
const ENV = { FOO: "1", PATH: "/usr/bin:/bin" };

interface Ran { stdout: string; stderr: string; status: number | null }

function run(cmd: string, args: string[], cwd: string, input = ""): Ran {
  const r = spawnSync(cmd, args, { cwd, env: ENV, input, encoding: "utf8", timeout: 120_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/**
 * The program natively, then under faultline, with hot blocks translated (the
 * default) and with every block translated before its first run: each must
 * agree exactly with the native run.
 */
function compare(program: string, args: string[], cwd: string, input = "", retries = 0, options: string[] = []): Ran {
  let native = run(program, args, cwd, input);
  const ours = run(process.execPath, [CLI, "run", ...ZERO_PAGE_AS_HOST, ...options, program, ...args], cwd, input);
  for (let k = 0; k < retries && !isDeepStrictEqual(ours, native); k++) native = run(program, args, cwd, input);
  expect(ours).toEqual(native);
  expect(run(process.execPath, [CLI, "run", ...ZERO_PAGE_AS_HOST, ...options, "--jit-threshold", "0", program, ...args], cwd, input)).toEqual(native);
  return ours;
}

const programs = readdirSync(SOURCES).filter((f) => f.endsWith(".c")).map((f) => f.slice(0, -2)).sort();
/**
 * Programs whose native run reads a count that every process of the user shares (RLIMIT_SIGPENDING's
 * queued signals): the tests running beside it can move that count in the middle of a run, so the
 * native run is made again, a few times, while it disagrees with faultline's.
 */
const SHARED_COUNTS = new Set(["timer_sigpending"]);

describe.each([
  ["glibc", "gcc", ["-O2", "-static"], TOOLS.gcc],
  ["musl", "musl-gcc", ["-O2", "-static"], TOOLS.musl_gcc],
] as const)("%s programs under faultline match their native runs", (_libc, cc, flags, tool) => {
  // under the host's /tmp, which the guest's /tmp shows (its entries are bind-mounted there), by absolute path
  const dir = mkdtempSync(join(tmpdir(), "faultline-libc-"));
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.dist)).each(programs)("%s", (name) => {
    const exe = join(dir, name);
    const built = spawnSync(cc, [...flags, "-o", exe, join(SOURCES, `${name}.c`), "-lm"], { encoding: "utf8" });
    expect(built.stderr).toBe("");
    const r = compare(exe, ["one", "two"], dir, "", SHARED_COUNTS.has(name) ? 4 : 0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });
});

/** The programs of `dir` (test/native/…) and those of test/native/libc named, as [name, source]. */
const sources = (dir: string, libc: string[]): string[][] => [
  ...readdirSync(dir).filter((f) => f.endsWith(".c")).map((f) => [f.slice(0, -2), join(dir, f)]),
  ...libc.map((n) => [n, join(SOURCES, `${n}.c`)]),
].sort();

/** glibc programs built with `flags`, each compared with its native run under faultline with `options`. */
function describeGlibc(title: string, programs: string[][], flags: string[], options: string[] = []): void {
  describe(title, () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-v3-"));
    it.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist)).each(programs)("%s", (name, source) => {
      const exe = join(dir, name);
      const built = spawnSync("gcc", [...flags, "-static", "-o", exe, source, "-lm"], { encoding: "utf8" });
      expect(built.stderr).toBe("");
      const r = compare(exe, ["one", "two"], dir, "", 0, options);
      expect(r.stdout.length).toBeGreaterThan(0);
    });
  });
}

// Built for x86-64-v3 (AVX2, FMA, BMI1/BMI2, as RHEL 10 builds everything): the vectorised programs
// of test/native/x86_64_v3, and ordinary ones from test/native/libc that gcc vectorises there too.
describeGlibc("glibc programs built with -O3 -march=x86-64-v3 under faultline match their native runs",
  sources(new URL("../native/x86_64_v3/", import.meta.url).pathname, ["file_attrs", "malloc", "printf", "processes", "sort"]),
  ["-O3", "-march=x86-64-v3"]);

// On the x86-64-v3 CPU (the default) glibc picks its AVX2 string and memory functions
// (__memmove_avx_unaligned_erms, __strlen_avx2 …), and a signal frame holds the XSAVE image:
// test/native/v3_cpu's programs, whose handler clobbers the YMM registers, and libm's FMA variants.
describeGlibc("glibc programs using AVX2 on the x86-64-v3 CPU match their native runs",
  sources(new URL("../native/v3_cpu/", import.meta.url).pathname, []), ["-O2", "-mavx2"]);

// On an x86-64-v2 CPU (--cpu x86-64-v2) glibc keeps its SSE string and memory functions
// (__memmove_ssse3, __strlen_sse2 …), and a signal frame holds the fxsave image: the string,
// memory and signal programs (not libm's: natively, on an FMA machine, it takes its FMA variants).
describeGlibc("glibc programs on an x86-64-v2 CPU match their native runs",
  ["files", "float_jmp", "itimers", "printf", "processes", "sigmask_waits", "signalfd", "sigqueue", "sort"].map((n) => [n, join(SOURCES, `${n}.c`)]),
  ["-O2"], ["--cpu", "x86-64-v2"]);

describe.runIf(needs(TOOLS.busybox, TOOLS.dist))("busybox applets under faultline match their native runs", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-busybox-"));
  writeFileSync(join(dir, "data.txt"), Array.from({ length: 1000 }, (_, i) => `${(i * 7919) % 1000} line ${i}`).join("\n") + "\n");
  const cases: Array<[string, string[], string?]> = [
    ["echo", ["hello", "world"]],
    ["cat", ["data.txt"]],
    ["sha256sum", ["data.txt"]],
    ["md5sum", ["data.txt"]],
    ["wc", ["-l", "data.txt"]],
    ["sort", ["-n", "data.txt"]],
    ["head", ["-3", "data.txt"]],
    ["tail", ["-2", "data.txt"]],
    ["grep", ["-c", "line 9", "data.txt"]],
    ["sed", ["s/line/LINE/", "data.txt"]],
    ["awk", ["{ s += $1 } END { print s, NR }", "data.txt"]],
    ["tr", ["a-z", "A-Z"], "from stdin\n"],
    ["sh", ["-c", "x=3; echo $((x * 14)); for i in 1 2 3; do echo $i; done"]],
    ["ls", ["-1", "."]],
    ["cat", ["missing.txt"]],
  ];
  it.each(cases)("busybox %s %j", (applet, args, input) => {
    compare("/bin/busybox", [applet, ...args], dir, input ?? "");
  });
});
