// The faultline command, as a user runs it (the built dist/, as npm test builds it).

import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/src/cli/main.js", import.meta.url));
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
      [["--proc", "nope"], /no \/proc\/nope here/],
      [["--bogus"], /unknown option --bogus/],
    ] as Array<[string[], RegExp]>) {
      const r = run("boot", ...args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe("");
    }
  });
});

const program = (name: string) => fileURLToPath(new URL(`../programs/bin/${name}`, import.meta.url));

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

  it("refuses what execve would refuse, as a shell does (126, 127)", () => {
    const notElf = run("run", fileURLToPath(new URL("../package.json", import.meta.url)));
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
