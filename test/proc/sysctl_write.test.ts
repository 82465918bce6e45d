// write() to /proc/sys/vm knobs (proc_sys_write → the sysctl's handler):
// what Linux refuses is compared with this machine's kernel (a refused
// write changes nothing, so the native run is safe); what Linux takes is
// checked by reading it back under faultline only, as Linux's rules say.
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCE = new URL("../native/sysctl/sysctl_write.c", import.meta.url).pathname;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("sysctl_write.c built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.dist))("refuses what this kernel refuses, and takes, shows and acts on what Linux takes", () => {
    const exe = buildStatic(cc, SOURCE);
    const native = runIn(exe, []);
    expect(native.stdout).toContain("Invalid argument");
    expect(faultlineRun(exe)).toEqual(native);
    expect(faultlineRun(exe, "effects").stdout).toBe([
      "write 3 bytes to /proc/sys/vm/swappiness: 3 ",
      "swappiness 33",
      "write 6 bytes to /proc/sys/vm/swappiness: 6 ",
      "swappiness 42",
      // sysctl_writes_strict: a write past the start is ignored, its bytes counted.
      "pwrite at 1: 1",
      "swappiness 42",
      "write 3 bytes to /proc/sys/vm/swappiness: 3 ",
      "swappiness 200",
      "write 2 bytes to /proc/sys/vm/compact_memory: 2 ",
      "compaction scanned pages: yes",
      "",
    ].join("\n"));
  }, 300_000);
});

describe.runIf(needs(TOOLS.busybox, TOOLS.dist))("busybox sh's echo and cat on /proc/sys/vm", () => {
  it("refuses and lists as this kernel does", () => {
    const script = [
      "stat -c '%A %n' /proc/sys/vm/compact_memory /proc/sys/vm/swappiness /proc/sys/vm/min_free_kbytes /proc/sys/vm/page-cluster",
      "cat /proc/sys/vm/compact_memory; echo rc=$?",
      "for v in 201 abc -1 5x 4294967296 ''; do echo \"$v\" > /proc/sys/vm/swappiness; echo rc=$?; done",
      "echo 3 > /proc/sys/vm/overcommit_memory; echo rc=$?",
    ].join("\n");
    expect(faultlineRun("/bin/busybox", "sh", "-c", script)).toEqual(runIn("/bin/busybox", ["sh", "-c", script]));
  }, 300_000);

  it("shows the value written, read back by cat", () => {
    const r = faultlineRun("/bin/busybox", "sh", "-c",
      "cat /proc/sys/vm/swappiness; echo 17 > /proc/sys/vm/swappiness && cat /proc/sys/vm/swappiness; echo 1 > /proc/sys/vm/compact_memory; echo rc=$?");
    expect(r.stdout).toBe("60\n17\nrc=0\n");
  }, 300_000);
});
