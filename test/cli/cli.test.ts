// The faultline command, as a user runs it (the built dist/, as npm test builds it).

import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";

const cli = fileURLToPath(new URL("../../dist/cli/faultline.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

describe("faultline boot", () => {
  it("prints the /proc files asked for, in order", () => {
    const r = run("boot", "--mem", "64M", "--proc", "buddyinfo", "--proc=vmstat");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Node 0, zone      DMA( +\d+){11} \nNode 0, zone    DMA32( +\d+){11} \nnr_free_pages \d+\n/);
  });

  it("prints dmesg with no --proc", () => {
    expect(run("boot", "--mem", "16M").stdout).toMatch(/^Built 1 zonelists/);
  });

  it("explains bad sizes and names, exit status 1", () => {
    for (const [args, msg] of [
      [["--mem", "lots"], /bad memory size "lots"/],
      [["--mem", "8G"], /above 4G/],
      [["--mem", "1000000"], /not a multiple of 64K/],
      [["--mem", "1M"], /too small for the kernel's own reservations/],
    ] as Array<[string[], RegExp]>) {
      const r = run("boot", ...args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe("");
    }
  });

  it("names a usage error, exit status 2 as Linux tools give", () => {
    for (const [args, msg] of [
      [["--proc", "nope"], /no \/proc\/nope here/],
      [["--bogus"], /unknown option --bogus\nTry 'faultline boot --help'/],
      [["--mem"], /--mem needs a value/],
      [["extra"], /unexpected argument extra/],
    ] as Array<[string[], RegExp]>) {
      const r = run("boot", ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe("");
    }
  });
});

const program = (name: string) => fileURLToPath(new URL(`../../programs/bin/${name}`, import.meta.url));

describe("faultline demo (npm start)", () => {
  it("runs touch_write and shows its output, buddyinfo, the figures and a fault down to expand", () => {
    const r = run("demo");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("touched 1024 pages, checksum 130560\n(exit status 0)");
    expect(r.stdout).toMatch(/buddyinfo after boot:\nNode 0, zone      DMA( +\d+){11} \nNode 0, zone    DMA32( +\d+){11} \n/);
    expect(r.stdout).toMatch(/minor faults +10\d\d\n/);
    expect(r.stdout).toMatch(/do_anonymous_page\(\) \{[^]*rmqueue_bulk\(\) \{[^]*__rmqueue_smallest\(\) \{\n[^]*expand\(\);/);
  });
});

describe("faultline run", () => {
  it("gives the guest's stdout and exit status", () => {
    const r = run("run", program("hello"));
    expect([r.status, r.stdout, r.stderr]).toEqual([0, "Hello, world!\n", ""]);
  });

  it("ends a segfault as a shell reports it, 128 + SIGSEGV", () => {
    const r = run("run", program("segv_null"));
    expect(r.status).toBe(139);
    expect(r.stderr).toBe("faultline: SIGSEGV (SEGV_MAPERR) at address 0x0, rip 0x40100e\nSegmentation fault\n");
  });

  it("prints syscalls as strace does with --trace syscalls", () => {
    const r = run("run", "--trace", "syscalls", program("hello"));
    expect(r.stderr).toBe('write(1, "Hello, world!\\n", 14)         = 14\nexit_group(0)                           = ?\n+++ exited with 0 +++\n');
  });

  it("stops a runaway guest at its instruction budget with SIGXCPU, as RLIMIT_CPU would", () => {
    const r = run("run", "--max-insns", "5000", program("compute_loop"), "100000000");
    expect(r.status).toBe(128 + 24);
    expect(r.stderr).toMatch(/budget of 5000 instructions[^]*CPU time limit exceeded\n$/);
  });

  it("runs on the CPU model --cpu names; another is a usage error", () => {
    expect(run("run", "--cpu", "x86-64-v3", program("hello"))).toMatchObject({ status: 0, stdout: "Hello, world!\n" });
    const r = run("run", "--cpu", "x86-64-v4", program("hello"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--cpu: 'x86-64-v4' is not x86-64-v2 or x86-64-v3/);
    expect(run("run", "-h").stdout).toMatch(/--cpu MODEL/);
  });

  it("refuses what execve would refuse, as a shell does (126, 127)", () => {
    const notElf = run("run", fileURLToPath(new URL("../../package.json", import.meta.url)));
    expect(notElf.status).toBe(126);
    expect(notElf.stderr).toMatch(/exec format error: /);
    const missing = run("run", "/nonexistent/prog");
    expect(missing.status).toBe(127);
    expect(missing.stderr).toMatch(/No such file or directory/);
  });

  it("prints the views asked for at exit, before teardown", () => {
    const r = run("run", "--stats", "--proc", "self/status", "--proc", "buddyinfo", program("touch_write"), "64");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("touched 64 pages, checksum 7264\n");
    expect(r.stderr).toMatch(/^Name:\ttouch_write\n/m);
    expect(r.stderr).toMatch(/^VmRSS:\s+\d+ kB\n/m);
    expect(r.stderr).toMatch(/^minor faults +6\d\n/m);
  });
});

describe("faultline's options, as Linux tools take them", () => {
  it("--version, -h and --help", () => {
    const version = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;
    expect(run("--version")).toMatchObject({ status: 0, stdout: `faultline ${version}\n` });
    expect(run("-h")).toMatchObject({ status: 0, stdout: expect.stringMatching(/^usage: faultline boot/) });
    expect(run("run", "-h")).toMatchObject({ status: 0, stdout: expect.stringMatching(/^usage: faultline run/) });
    expect(run("run", "--stats", "--help")).toMatchObject({ status: 0, stdout: expect.stringMatching(/^usage: faultline run/) });
    expect(run()).toMatchObject({ status: 2, stderr: expect.stringMatching(/^usage: faultline boot/) });
    expect(run("frobnicate")).toMatchObject({ status: 2, stderr: "faultline: unknown command frobnicate\nTry 'faultline --help'.\n" });
  });

  it("names an unknown option, a missing value and an option that needs another", () => {
    expect(run("run", "--bogus", program("hello"))).toMatchObject({ status: 2, stderr: "faultline: unknown option --bogus\nTry 'faultline run --help'.\n" });
    expect(run("run", "--mem")).toMatchObject({ status: 2, stderr: expect.stringMatching(/^faultline: --mem needs a value\n/) });
    expect(run("run", "--trace-filter", "outcome=anon", program("hello"))).toMatchObject({
      status: 2, stderr: expect.stringMatching(/^faultline: --trace-filter needs --trace faults or --trace-out\n/),
    });
    expect(run("run", "--stats")).toMatchObject({ status: 2, stderr: expect.stringMatching(/^faultline: no program to run\n/) });
  });

  it("gives everything after PROGRAM, or after --, to the guest", () => {
    const argv = (r: ReturnType<typeof run>) => r.stdout.split("\n").filter((l, i, all) => all[i - 1]?.startsWith("argv ")).map((l) => l.trim());
    expect(argv(run("run", program("stack_dump"), "--bogus", "-x"))).toEqual([program("stack_dump"), "--bogus", "-x"]);
    expect(argv(run("run", "--", program("stack_dump"), "--stats"))).toEqual([program("stack_dump"), "--stats"]);
  });
});

describe("the guest's environment and stdin", () => {
  const strings = (out: string, what: string) => out.split("\n").filter((l, i, all) => all[i - 1]?.startsWith(what + " ")).map((l) => l.trim());
  it("gets exactly faultline's environment (env -i FOO=1 BAR=2), as natively", () => {
    const env = { FOO: "1", BAR: "2" };
    const native = spawnSync(program("stack_dump"), ["a"], { env, encoding: "utf8" });
    const r = spawnSync(process.execPath, [cli, "run", program("stack_dump"), "a"], { env, encoding: "utf8" });
    expect(strings(native.stdout, "envp")).toEqual(["FOO=1", "BAR=2"]);
    expect(strings(r.stdout, "envp")).toEqual(strings(native.stdout, "envp"));
  });

  it("reads stdin only as the guest reads it: what it leaves is the next command's", () => {
    const script = `"${process.execPath}" "${cli}" run "${program("hello")}" >/dev/null; cat`;
    expect(spawnSync("sh", ["-c", script], { input: "left for cat\n", encoding: "utf8" }).stdout).toBe("left for cat\n");
    const upcase = spawnSync(process.execPath, [cli, "run", program("upcase")], { input: "abc\n", encoding: "utf8" });
    expect(upcase.stdout).toBe("ABC\nbytes 4, last read 0\n");
  });

  it("writes all of its stderr to a pipe its reader empties only after a second, before it exits", () => {
    const whole = run("run", "--trace", "syscalls", program("mmap_churn"), "2000");
    expect(whole.stderr.length).toBeGreaterThan(4 * 65536);
    const script = `"${process.execPath}" "${cli}" run --trace syscalls "${program("mmap_churn")}" 2000 2>&1 >/dev/null | (sleep 1; cat)`;
    expect(spawnSync("sh", ["-c", script], { encoding: "utf8", maxBuffer: 1 << 24 }).stdout).toBe(whole.stderr);
  });

  it("ends as SIGPIPE would when its stdout is a closed pipe", () => {
    const script = `"${process.execPath}" "${cli}" run "${program("stack_dump")}" | head -1; exit \${PIPESTATUS[0]}`;
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect([r.status, r.stdout, r.stderr]).toEqual([141, expect.stringMatching(/^rsp 0x[0-9a-f]+\n$/), ""]);
  });
});
