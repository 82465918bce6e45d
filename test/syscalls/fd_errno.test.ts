// The errno of read, write, ioctl, fcntl and close at fds -1, 0, 1, 2 and 3,
// against this machine's Linux running the same static probe
// (test/native/fd_errno.c) with pipes for stdin, stdout and stderr and fd 3
// closed: what faultline's guest sees on its standard streams.

import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadKernelModule } from "../../src/cli/load.js";
import { Machine } from "../../src/machine.js";
import { needs, TOOLS } from "../helpers/tools.js";

const probe = new URL("../native/fd_errno.c", import.meta.url).pathname;
const FLAGS = ["-O2", "-static", "-nostdlib", "-ffreestanding", "-fno-pic", "-no-pie", "-fno-stack-protector",
  "-mgeneral-regs-only", "-fno-asynchronous-unwind-tables", "-fcf-protection=none", "-Wall", "-Werror"];

/** The probe's lines natively and under faultline, and both exit statuses. */
function runBoth() {
  const bin = probe.replace(/\.c$/, "") + `-${process.pid}`;
  const cc = spawnSync("gcc", [...FLAGS, "-o", bin, probe], { encoding: "utf8" });
  expect(cc.status, cc.stderr).toBe(0);
  try {
    // stdin, stdout and stderr are pipes; the exit status carries close(1), close(2).
    const native = spawnSync("bash", ["-c", ': | "$0" 2>&1 | cat; exit ${PIPESTATUS[1]}', bin], { encoding: "utf8" });
    let stdout = "";
    const m = new Machine(loadKernelModule("release"), { stdin: "", stdout: (b) => (stdout += new TextDecoder().decode(b)) });
    m.exec(new Uint8Array(readFileSync(bin)), ["./fd_errno"]);
    const end = m.run(1e7);
    const lines = (text: string) => text.split("\n").filter(Boolean);
    return { native: lines(native.stdout), ours: lines(stdout), nativeStatus: native.status, end };
  } finally {
    rmSync(bin, { force: true });
  }
}

describe.runIf(needs(TOOLS.x86_64_linux, TOOLS.gcc, TOOLS.bash))("fd errno tables against Linux", () => {
  const r = runBoth();
  const rows = (lines: string[], calls: RegExp) => lines.filter((l) => calls.test(l));

  it("read, write and ioctl at fds -1, 0, 1, 2, 3", () => {
    const calls = /^(read|write|ioctl) /;
    const before = (lines: string[]) => rows(lines.slice(0, 25), calls);   // the closes come after
    expect(before(r.native)).toHaveLength(15);
    expect(before(r.ours)).toEqual(before(r.native));
  });

  it("fcntl and close at fds -1, 0, 1, 2, 3, and read after close(0)", () => {
    expect(r.ours.slice(25)).toEqual(r.native.slice(25));
    expect(rows(r.ours, /^fcntl/)).toEqual(rows(r.native, /^fcntl/));
    expect(r.end).toMatchObject({ kind: "exit", status: r.nativeStatus });
  });
});
