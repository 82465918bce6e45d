// Dynamically linked programs (PIEs whose PT_INTERP is musl's
// /lib/ld-musl-x86_64.so.1 or glibc's /lib64/ld-linux-x86-64.so.2) under
// faultline against their native runs with address randomization off
// (setarch -R): stdout and exit status, /proc/self/maps as the program prints
// it (test/native/dynlink/maps_check.h: each file's device and inode checked
// against stat(2)), dlopen/dlsym, fork and exec of dynamic programs, threads,
// execve's errno for a missing or malformed interpreter, busybox sh starting
// one, the dynamic loader's calls against strace -f, and what glibc's loader
// makes of the CPU (its ISA level and cache sizes from cpuid). faultline maps
// no vDSO, so the mappings below the interpreter sit higher by the vDSO's
// size natively, and glibc's loader, which keeps a link map for the vDSO,
// allocates differently there.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { needs, TOOLS, ZERO_PAGE_AS_HOST } from "../helpers/tools.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SOURCES = new URL("../native/dynlink/", import.meta.url).pathname;
const LIBC_SOURCES = new URL("../native/libc/", import.meta.url).pathname;
const THREAD_SOURCES = new URL("../native/threads/", import.meta.url).pathname;
const ENV = { FOO: "1", PATH: "/usr/bin:/bin" };

interface Ran { stdout: string; stderr: string; status: number | null }

function run(cmd: string, args: string[], cwd: string): Ran {
  const r = spawnSync(cmd, args, { cwd, env: ENV, encoding: "utf8", timeout: 300_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
const native = (exe: string, args: string[], cwd: string) => run("setarch", ["-R", exe, ...args], cwd);
const faultline = (exe: string, args: string[], cwd: string, options: string[] = []) => run(process.execPath, [CLI, "run", ...ZERO_PAGE_AS_HOST, ...options, exe, ...args], cwd);

/** The program's own lines: faultline names its first program by the path it was started by, with no device or inode. */
function ownLines(stdout: string, exe: string): string {
  return stdout.replace(new RegExp(`^(\\S+ \\S+ \\S+) (=stat|00:00 0) (${exe}|\\./\\S+)$`, "gm"), "$1 <program>");
}

/**
 * A run's output with what faultline shows differently by design: the
 * addresses of mappings below the interpreter (natively the vDSO sits
 * between), and the program's own lines.
 */
function normal(stdout: string, exe: string): string {
  return ownLines(stdout.replace(/^7ffff7f[0-9a-f]{5}-7ffff7f[0-9a-f]{5} /gm, "<below ld.so> "), exe);
}

function build(dir: string, name: string, args: string[], cc = "musl-gcc"): string {
  const out = join(dir, name);
  const r = spawnSync(cc, ["-O2", "-o", out, ...args], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return out;
}

/**
 * A glibc program's output with its own lines as ownLines() makes them and
 * the maps below the interpreter reduced to the files there (their order, sizes, offsets,
 * permissions, devices and inodes): the anonymous ones are glibc's loader's
 * allocations, which natively hold the vDSO's link map too.
 */
function normalGlibc(stdout: string, exe: string): string {
  const ld = /^([0-9a-f]+)-[0-9a-f]+ .*\/ld-linux-x86-64\.so\.2$/m.exec(stdout);
  expect(ld).not.toBeNull();
  const interp = parseInt(ld![1], 16);
  return ownLines(stdout.split("\n").flatMap((line) => {
    const m = /^(7[0-9a-f]+)-([0-9a-f]+) (.*)$/.exec(line);
    if (!m || parseInt(m[1], 16) >= interp) return [line];
    if (/ 00:00 0 $/.test(line)) return [];
    return [`<below ld.so> ${(parseInt(m[2], 16) - parseInt(m[1], 16)).toString(16)} ${m[3]}`];
  }).join("\n"), exe);
}

describe.runIf(needs(TOOLS.musl_gcc, TOOLS.setarch, TOOLS.dist))("musl dynamic programs match their native runs", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-dynlink-"));

  it("hello: stdout, exit status, and the maps ld-musl leaves", () => {
    const exe = build(dir, "hello", [join(SOURCES, "hello.c")]);
    const n = native(exe, ["one"], dir);
    const f = faultline(exe, ["one"], dir);
    expect(f.status).toBe(3);
    expect(n.status).toBe(3);
    expect(normal(f.stdout, exe)).toBe(normal(n.stdout, exe));
    // The interpreter is named by its own path (the symlink resolved), with its device and inode.
    expect(f.stdout).toMatch(/^7ffff7f50000-7ffff7f65000 r--p 00000000 =stat \/usr\/lib\/x86_64-linux-musl\/libc\.so$/m);
    expect(faultline(exe, ["one"], dir)).toEqual(f);
  });

  it("libm and dlopen/dlsym of a shared object", () => {
    const plugin = join(dir, "libplugin.so");
    const r = spawnSync("musl-gcc", ["-O2", "-shared", "-fPIC", "-o", plugin, join(SOURCES, "plugin.c"), "-lm"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const exe = build(dir, "dlopen", [join(SOURCES, "dlopen.c"), "-lm"]);
    const n = native(exe, [plugin], dir);
    const f = faultline(exe, [plugin], dir);
    expect(n.status).toBe(0);
    expect(f.status).toBe(0);
    expect(normal(f.stdout, exe)).toBe(normal(n.stdout, exe));
    expect(f.stdout).toContain("twice 42 hypot 5 calls 0");
    expect(f.stdout).toMatch(/ rw-p 00003000 =stat \S+\/libplugin\.so$/m);
  });

  it("the dynamic loader's calls are strace's (open, fstat, read, file mmap with offsets, MAP_FIXED, mprotect, munmap)", () => {
    const plugin = join(dir, "libplugin.so");
    const exe = join(dir, "dlopen");
    const calls = ["arch_prctl", "set_tid_address", "brk", "open", "openat", "fcntl", "fstat", "read", "pread64", "mmap", "mprotect", "munmap", "close"];
    const n = spawnSync("setarch", ["-R", "strace", "-f", "-q", "-e", `trace=${calls.join(",")}`, exe, plugin], { encoding: "utf8", env: ENV });
    const f = spawnSync(process.execPath, [CLI, "run", "--trace", "syscalls", exe, plugin], { encoding: "utf8", env: ENV, timeout: 300_000 });
    // Up to the program's own reading of /proc/self/maps; set_tid_address returns the pid.
    const lines = (stderr: string) => {
      const all = stderr.split("\n").filter((l) => calls.some((c) => l.startsWith(`${c}(`)));
      return all.slice(0, all.findIndex((l) => l.startsWith('open("/proc/self/maps"')))
        .map((l) => l.replace(/\) +=/, ") =").replace(/0x7ffff7f[0-9a-f]{5}\b/g, "<below ld.so>").replace(/^(set_tid_address\(.*\) =) \d+$/, "$1 <pid>"));
    };
    const expected = lines(n.stderr);
    expect(expected.length).toBeGreaterThan(12);
    expect(expected.some((l) => /^mmap\(<below ld.so>, \d+, PROT_READ\|PROT_EXEC, MAP_PRIVATE\|MAP_FIXED, 3, 0x1000\)/.test(l))).toBe(true);
    expect(lines(f.stderr)).toEqual(expected);
  });

  it("fork and exec of dynamic programs; a missing or malformed interpreter fails execve as Linux does", () => {
    const hello = build(dir, "hello", [join(SOURCES, "hello.c")]);
    const execs = build(dir, "execs", [join(SOURCES, "execs.c")]);
    const bad = mkdtempSync(join(dir, "interp-"));
    const ld = readFileSync("/lib/ld-musl-x86_64.so.1");
    const interps: Record<string, Uint8Array | null> = {
      missing: null,
      short: new TextEncoder().encode("hello\n"), // shorter than an ELF header: EIO
      text: new Uint8Array(200).fill(0x41), // no ELF magic: ELIBBAD
      machine: Uint8Array.from(ld, (b, i) => (i === 18 ? 3 : b)), // EM_386: ELIBBAD
      nophdrs: Uint8Array.from(ld.subarray(0, 4096), (b, i) => (i >= 64 ? 0 : b)), // no PT_LOAD: SIGSEGV past the point of no return
    };
    const programs: string[] = [hello];
    for (const [name, bytes] of Object.entries(interps)) {
      const path = join(bad, `ld-${name}`);
      if (bytes) {
        writeFileSync(path, bytes);
        chmodSync(path, 0o755);
      }
      programs.push(build(bad, name, [`-Wl,--dynamic-linker=${path}`, join(SOURCES, "execs.c")]));
    }
    mkdirSync(join(bad, "ld-dir"));
    programs.push(build(bad, "dir", [`-Wl,--dynamic-linker=${join(bad, "ld-dir")}`, join(SOURCES, "execs.c")]));
    writeFileSync(join(bad, "ld-noexec"), ld, { mode: 0o644 }); // no execute bit: EACCES
    programs.push(build(bad, "noexec", [`-Wl,--dynamic-linker=${join(bad, "ld-noexec")}`, join(SOURCES, "execs.c")]));
    const n = native(execs, programs, dir);
    const f = faultline(execs, programs, dir);
    expect(n.status).toBe(0);
    for (const [errno, what] of [[2, "missing"], [5, "short"], [80, "text"], [80, "machine"], [13, "dir"], [13, "noexec"]] as const)
      expect(n.stdout).toContain(`${join(bad, what)}: execve errno ${errno} `);
    expect(n.stdout).toContain(`${join(bad, "nophdrs")}: signal 11`);
    expect(f.status).toBe(0);
    expect(normal(f.stdout, hello)).toBe(normal(n.stdout, hello));
    // Run directly, the CLI ends as bash does: 127 for a missing interpreter, 126 for a bad one.
    for (const what of ["missing", "text"]) expect(faultline(join(bad, what), [], dir).status).toBe(run("bash", ["-c", join(bad, what)], dir).status);
  });

  it.runIf(needs(TOOLS.busybox))("busybox sh runs a dynamic program and sees its status", () => {
    const hello = build(dir, "hello", [join(SOURCES, "hello.c")]);
    const script = `${hello} sh | head -1; ${hello} >/dev/null; echo status $?`;
    const n = native("/bin/busybox", ["sh", "-c", script], dir);
    const f = faultline("/bin/busybox", ["sh", "-c", script], dir);
    expect(n.stdout).toBe("hello from sh, 2 arguments\nstatus 3\n");
    expect(f).toEqual(n);
  });

  const programs = ["files", "malloc", "printf", "processes", "sort", "truncate_mmap", "float_jmp"];
  it.each(programs)("test/native/libc/%s.c, dynamically linked", (name) => {
    const exe = build(dir, name, [join(LIBC_SOURCES, `${name}.c`), "-lm"]);
    const n = run(exe, ["one", "two"], dir);
    expect(faultline(exe, ["one", "two"], dir)).toEqual(n);
  });
});

describe.runIf(needs(TOOLS.gcc, TOOLS.setarch, TOOLS.dist))("glibc dynamic programs match their native runs", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-dynlink-glibc-"));
  const gcc = (name: string, args: string[]) => build(dir, name, args, "gcc");

  it("hello: stdout, exit status, and the files ld.so maps", () => {
    const exe = gcc("hello", [join(SOURCES, "hello.c")]);
    const n = native(exe, ["one"], dir);
    const f = faultline(exe, ["one"], dir);
    expect(n.status).toBe(3);
    expect(f.status).toBe(3);
    expect(normalGlibc(f.stdout, exe)).toBe(normalGlibc(n.stdout, exe));
    expect(f.stdout).toMatch(/ r-xp 00026000 =stat \/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6$/m);
    expect(faultline(exe, ["one"], dir)).toEqual(f);
  });

  it("libm and dlopen/dlsym of a shared object", () => {
    const plugin = join(dir, "libplugin.so");
    const r = spawnSync("gcc", ["-O2", "-shared", "-fPIC", "-o", plugin, join(SOURCES, "plugin.c"), "-lm"], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const exe = gcc("dlopen", [join(SOURCES, "dlopen.c"), "-lm"]);
    const n = native(exe, [plugin], dir);
    const f = faultline(exe, [plugin], dir);
    expect(n.status).toBe(0);
    expect(f.status).toBe(0);
    expect(normalGlibc(f.stdout, exe)).toBe(normalGlibc(n.stdout, exe));
    expect(f.stdout).toContain("twice 42 hypot 5 calls 0");
    expect(f.stdout).toMatch(/ rw-p 00003000 =stat \S+\/libplugin\.so$/m);
  });

  it("fork and exec of dynamic programs, and threads", () => {
    const hello = gcc("hello", [join(SOURCES, "hello.c")]);
    const sum = gcc("sum", ["-pthread", join(THREAD_SOURCES, "sum.c")]);
    const execs = gcc("execs", [join(SOURCES, "execs.c")]);
    const programs = [hello, sum, join(dir, "missing")];
    const n = native(execs, programs, dir);
    const f = faultline(execs, programs, dir);
    expect(n.status).toBe(0);
    expect(n.stdout).toContain(`${join(dir, "missing")}: execve errno 2 `);
    expect(f.status).toBe(0);
    expect(normalGlibc(f.stdout, hello)).toBe(normalGlibc(n.stdout, hello));
    expect(faultline(sum, [], dir)).toEqual(native(sum, [], dir));
  });

  /** What glibc's loader makes of the CPU (ld.so --list-diagnostics): x86.cpu_features.KEY's value. */
  const diagnostics = (options: string[] = []) => {
    const f = faultline("/lib64/ld-linux-x86-64.so.2", ["--list-diagnostics"], dir, options);
    expect(f.status).toBe(0);
    return (key: string) => new RegExp(`^x86\\.cpu_features\\.${key.replace(/[.[\]]/g, "\\$&")}=(\\S+)$`, "m").exec(f.stdout)?.[1];
  };

  it("on an x86-64-v2 CPU glibc's loader finds the x86-64-v2 ISA level, AMD's vendor and the declared caches", () => {
    const value = diagnostics(["--cpu", "x86-64-v2"]);
    // kind 2 is arch_kind_amd; isa_1 bit 0 the baseline (CMOV, CX8, FPU, FXSR, MMX, SSE, SSE2),
    // bit 1 x86-64-v2 (CMPXCHG16B, LAHF/SAHF, POPCNT, SSE3, SSSE3, SSE4.1, SSE4.2)
    expect(value("basic.kind")).toBe("0x2");
    expect(value("isa_1")).toBe("0x3");
    // system.ts's geometry: L1d and L1i 32 KiB 8-way, L2 512 KiB 8-way, 64-byte lines, no L3;
    // the non-temporal threshold 3/4 of the L2, which stands in for the shared cache
    const caches = ["level1_dcache_size", "level1_dcache_assoc", "level1_dcache_linesize", "level1_icache_size", "level2_cache_size",
      "level2_cache_assoc", "level2_cache_linesize", "level3_cache_size", "shared_cache_size", "non_temporal_threshold"].map(value);
    expect(caches).toEqual(["0x8000", "0x8", "0x40", "0x8000", "0x80000", "0x8", "0x40", "0x0", "0x80000", "0x60000"]);
    expect(value("xsave_state_size")).toBe("0x0");
  });

  it("on the default CPU, x86-64-v3, glibc's loader finds the x86-64-v3 ISA level, the AVX2 preferences and the XSAVE area", () => {
    const value = diagnostics();
    // isa_1 bit 2: x86-64-v3 (AVX, AVX2, BMI1, BMI2, F16C, FMA, LZCNT, MOVBE, OSXSAVE)
    expect(value("isa_1")).toBe("0x7");
    expect(value("preferred.AVX_Fast_Unaligned_Load")).toBe("0x1");
    // the lazy-binding trampoline saves the registers with xsave (no XSAVEC announced): 832 bytes and its own 64, rounded to 64
    expect([value("xsave_state_size"), value("xsave_state_full_size")]).toEqual(["0x380", "0x380"]);
  });

  // Lazily bound (Debian's gcc links without -z now): on x86-64-v3 each first call of a function goes
  // through _dl_runtime_resolve_xsave (xsave and xrstor); on x86-64-v2, through _dl_runtime_resolve_fxsave.
  const onV2 = ["float_jmp", "printf", "processes", "sigqueue", "sort"];
  it.each(onV2)("test/native/libc/%s.c, dynamically linked, on an x86-64-v2 CPU", (name) => {
    const exe = gcc(`${name}-v2`, [join(LIBC_SOURCES, `${name}.c`), "-lm"]);
    const n = run(exe, ["one", "two"], dir);
    expect(faultline(exe, ["one", "two"], dir, ["--cpu", "x86-64-v2"])).toEqual(n);
  });

  it("libm, dlopen and a handler that clobbers the YMM registers, dynamically linked, on the x86-64-v3 CPU", () => {
    const plugin = join(dir, "libplugin.so");
    expect(spawnSync("gcc", ["-O2", "-shared", "-fPIC", "-o", plugin, join(SOURCES, "plugin.c"), "-lm"], { encoding: "utf8" }).stderr).toBe("");
    const exe = gcc("dlopen", [join(SOURCES, "dlopen.c"), "-lm"]);
    const n = native(exe, [plugin], dir);
    const f = faultline(exe, [plugin], dir);
    expect(f.status).toBe(0);
    expect(normalGlibc(f.stdout, exe)).toBe(normalGlibc(n.stdout, exe));
    const sig = gcc("sig_ymm", ["-mavx2", new URL("../native/v3_cpu/sig_ymm.c", import.meta.url).pathname]);
    expect(faultline(sig, [], dir)).toEqual(run(sig, [], dir));
  });

  const programs = readdirSync(LIBC_SOURCES).filter((f) => f.endsWith(".c")).map((f) => f.slice(0, -2)).sort();
  it.each(programs)("test/native/libc/%s.c, dynamically linked", (name) => {
    const exe = gcc(name, [join(LIBC_SOURCES, `${name}.c`), "-lm"]);
    const n = run(exe, ["one", "two"], dir);
    expect(faultline(exe, ["one", "two"], dir)).toEqual(n);
  });
});
