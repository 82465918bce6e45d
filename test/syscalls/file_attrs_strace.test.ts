// The attribute and name calls (chmod, chown, the utime family, symlink,
// link, mknod, fsync, sync) as --trace syscalls prints them, against
// strace -f on the same static program natively: test/native/libc/file_attrs.c,
// whose results libc_programs.test.ts compares. Every line of those calls,
// arguments, decoded structures and results, in the same order.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SOURCE = new URL("../native/libc/file_attrs.c", import.meta.url).pathname;
const CALLS = [
  "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat", "utimensat", "utimes", "futimesat", "utime",
  "symlink", "symlinkat", "link", "linkat", "mknod", "mknodat", "fsync", "fdatasync", "sync",
];

/** The lines of CALLS, without strace -f's "[pid N] " and with one space before "=". */
function lines(stderr: string): string[] {
  return stderr.split("\n").map((l) => l.replace(/^\[pid +\d+\] /, "")).filter((l) => CALLS.some((c) => l.startsWith(`${c}(`)))
    .map((l) => l.replace(/\) +=/, ") ="));
}

describe.each([["glibc", "gcc", TOOLS.gcc], ["musl", "musl-gcc", TOOLS.musl_gcc]] as const)("%s", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.strace, TOOLS.dist))("file attribute and name calls: strace's lines", () => {
    const exe = join(mkdtempSync(join(tmpdir(), "faultline-attrs-")), "file_attrs");
    expect(spawnSync(cc, ["-O2", "-static", "-o", exe, SOURCE], { encoding: "utf8" }).stderr).toBe("");
    const native = spawnSync("strace", ["-f", "-e", `trace=${CALLS.join(",")}`, exe], { encoding: "utf8", env: {} });
    const ours = spawnSync(process.execPath, [CLI, "run", "--trace", "syscalls", exe], { encoding: "utf8", env: {}, timeout: 300_000 });
    expect(ours.stdout).toBe(native.stdout);
    const expected = lines(native.stderr);
    expect(expected.length).toBeGreaterThan(30);
    expect(lines(ours.stderr)).toEqual(expected);
  }, 300_000);
});
