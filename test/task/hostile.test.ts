// Hostile input, each ending as Linux ends it: an address in the kernel's
// half printed unsigned (against strace of the same program natively),
// exec of something that is not a regular file (EACCES, as execve says it
// natively), a million arguments (E2BIG, as execve says it natively), and
// the API's own arguments refused with a TypeError or RangeError and a code.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { needs, TOOLS } from "../helpers/tools.js";

const root = join(import.meta.dirname, "../..");
const cli = join(root, "dist", "src", "cli", "main.js");
const bin = (name: string) => join(root, "programs", "bin", name);
const faultline = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 60_000 });

describe.runIf(needs(TOOLS.x86_64_linux, TOOLS.gcc, TOOLS.strace))("an access to the kernel's half", () => {
  it("is reported with the address unsigned, as strace shows it natively", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-kernel-half-"));
    writeFileSync(join(dir, "k.c"), "void _start(void) { *(volatile char *)0xffff800000001000UL; for (;;); }\n");
    execFileSync("gcc", ["-O2", "-static", "-nostdlib", "-ffreestanding", "-fno-pie", "-no-pie", "-o", join(dir, "k"), join(dir, "k.c")]);
    const native = spawnSync("strace", ["-e", "trace=none", join(dir, "k")], { encoding: "utf8" }).stderr.split("\n")[0];
    const r = faultline("run", "--trace", "syscalls", join(dir, "k"));
    expect(r.status).toBe(139);
    expect(r.stderr.split("\n")[0]).toBe(native);
    expect(r.stderr).toContain("at address 0xffff800000001000,");
  });
});

describe("exec of what is not a regular file", () => {
  it("refuses a device and a FIFO without reading them (EACCES, as execve natively)", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-fifo-"));
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    for (const path of ["/dev/zero", fifo, dir]) {
      expect((spawnSync(path).error as NodeJS.ErrnoException).code).toBe("EACCES");
      const r = faultline("run", path);
      expect([r.status, r.stderr]).toEqual([126, `faultline: ${path}: Permission denied\n`]);
    }
  });
});

describe("a million arguments", () => {
  const argv = ["./hello", ...new Array<string>(1_000_000).fill("a")];
  it("are refused with E2BIG, as execve refuses them natively", () => {
    if (needs(TOOLS.x86_64_linux)) expect((spawnSync(bin("hello"), argv.slice(1)).error as NodeJS.ErrnoException).code).toBe("E2BIG");
    const m = new Machine(loadKernelModule(), { mem: "16M" });
    expect(() => m.exec(readFileSync(bin("hello")), argv)).toThrow(expect.objectContaining({ code: "E2BIG" }));
    // The machine is left as it was: a program runs after.
    m.exec(readFileSync(bin("hello")), ["./hello"]);
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
  });
});

describe("the API checks its arguments", () => {
  const hello = readFileSync(bin("hello"));
  const kernel = loadKernelModule();
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return `${(e as Error).constructor.name} ${(e as { code?: string }).code}`;
    }
    return "no error";
  };
  it("refuses bad options with a RangeError or TypeError and a code", () => {
    expect(code(() => new Machine(kernel, { maxInsns: -1 }))).toBe("RangeError ERR_OUT_OF_RANGE");
    expect(code(() => new Machine(kernel, { maxInsns: 0 }))).toBe("RangeError ERR_OUT_OF_RANGE");
    expect(code(() => new Machine(kernel, { maxInsns: "5" as never }))).toBe("TypeError ERR_INVALID_ARG_TYPE");
    expect(code(() => new Machine(kernel, { thp: "sometimes" as never }))).toBe("TypeError ERR_INVALID_ARG_VALUE");
    expect(code(() => new Machine(kernel, { cpu: "x86-64-v4" as never }))).toBe("TypeError ERR_INVALID_ARG_VALUE");
    expect(code(() => new Machine(kernel, { envp: ["A=1", 2 as never] }))).toBe("TypeError ERR_INVALID_ARG_TYPE");
    expect(code(() => new Machine(kernel, { stdin: 5 as never }))).toBe("TypeError ERR_INVALID_ARG_TYPE");
  });
  it("refuses bad exec and run arguments, and a run with no process", () => {
    const m = new Machine(kernel, { mem: "16M" });
    expect(code(() => m.run())).toBe("Error ERR_NO_PROCESS");
    expect(code(() => m.exec(hello, ["./hello", 7 as never]))).toBe("TypeError ERR_INVALID_ARG_TYPE");
    expect(code(() => m.exec("hello" as never, ["./hello"]))).toBe("TypeError ERR_INVALID_ARG_TYPE");
    expect(code(() => m.exec(new Uint8Array(64), ["./x"]))).toBe("Error ENOEXEC");
    expect(code(() => m.exec(hello, ["./hello\0x"]))).toBe("Error EINVAL");
    m.exec(hello, ["./hello"]);
    for (const budget of [0.5, NaN, 0, -1]) expect(code(() => m.run(budget))).toBe("RangeError ERR_OUT_OF_RANGE");
    expect(code(() => m.run("10" as never))).toBe("TypeError ERR_INVALID_ARG_TYPE");
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
  });
});

describe("Ctrl-C", () => {
  it("stops the guest, still prints what was gathered, exit status 130", async () => {
    const child = spawn(process.execPath, [cli, "run", "--stats", "--trace", "faults", "--trace-max", "1", bin("compute_loop"), "100000000000"]);
    let stderr = "";
    let sent = false;
    const status = await new Promise<number | null>((resolve) => {
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        // The first traced fault means the guest runs: interrupt it.
        if (stderr.includes("do_user_addr_fault") && child.signalCode === null && !sent) sent = child.kill("SIGINT");
      });
      child.on("exit", (c) => resolve(c));
    });
    expect(status).toBe(130);
    expect(stderr).toMatch(/faultline: interrupted after \d+ instructions \(SIGINT\)\n/);
    expect(stderr).toMatch(/^minor faults +\d+\n/m);
  });
});
