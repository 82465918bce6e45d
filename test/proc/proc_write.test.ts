// Writes root makes to /proc and /sys/kernel/mm: what this machine's kernel
// answers for a read-only /proc file (EIO, or EINVAL for a /proc/<pid> one),
// how proc_dointvec reads one int out of more text, and what the THP and
// weighted-interleave sysfs parsers refuse, compared with the same program
// run natively (it writes nothing that changes this machine); then what the
// sysfs writes that take do, under faultline only.
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const native = (name: string) => new URL(`../native/procsys/${name}.c`, import.meta.url).pathname;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("proc_write.c built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.dist))("gets this kernel's byte counts and errors, on a machine of two nodes", () => {
    const exe = buildStatic(cc, native("proc_write"));
    const ran = runIn(exe, []);
    // EIO, whatever the libc calls it; ENODEV for auto's true.
    expect(ran.stdout).toMatch(/\/proc\/meminfo: -1 (Input\/output|I\/O) error/);
    expect(ran.stdout).toContain("No such device");
    expect(faultlineRun("--numa", "2", exe)).toEqual(ran);
  }, 300_000);
});

describe.runIf(needs(TOOLS.gcc, TOOLS.dist))("sysfs_effects.c under faultline", () => {
  it("THP's enabled word decides who gets huge pages; nodeN weights share the pages out", () => {
    const exe = buildStatic("gcc", native("sysfs_effects"));
    expect(faultlineRun("--numa", "2", exe).stdout).toBe([
      "enabled <- never: 6, reads always madvise [never]",
      "AnonHugePages +0 kB",
      "enabled <- madvise: 8, reads always [madvise] never",
      "AnonHugePages +4096 kB",
      "enabled <- always: 7, reads [always] madvise never",
      "AnonHugePages +4096 kB",
      "defrag <- defer+madvise: 14, reads always defer [defer+madvise] madvise never",
      "auto <- false: 6, reads false",
      "node0 <- 3: 2, reads 3",
      "node1 <- 0x1: 4, reads 1",
      "set_mempolicy: 0",
      // 16 pages at weights 3 and 1.
      " N0=12 N1=4 kernelpagesize_kB=4",
      "",
    ].join("\n"));
  }, 300_000);

  it.runIf(needs(TOOLS.busybox))("a one-node machine, a UMA kernel, has no mempolicy directory; busybox sees the THP files", () => {
    const script = "ls /sys/kernel/mm/transparent_hugepage; ls /sys/kernel/mm/mempolicy; echo rc=$?";
    const r = faultlineRun("/bin/busybox", "sh", "-c", script);
    expect(r.stdout).toBe("defrag\nenabled\nhpage_pmd_size\nrc=1\n");
  }, 300_000);
});
