// A memfd's pages count as Shmem in /proc/meminfo, under faultline exactly
// (test/native/shmem/memfd_shmem.c; natively the whole machine's Shmem moves too).
import { describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";
import { buildStatic, faultlineRun } from "../helpers/native_build.js";

const SOURCE = new URL("../native/shmem/memfd_shmem.c", import.meta.url).pathname;

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist))("memfd pages in /proc/meminfo", () => {
  it("Shmem grows by the pages written or touched, and shrinks by a hole punched and the last close", () => {
    const r = faultlineRun(buildStatic("gcc", SOURCE, ["-Wall"]));
    expect(r.stdout).toBe("written: +256 kB\nmapped and touched: +512 kB\nhole punched: +256 kB\nclosed: +0 kB\n");
    expect(r.status).toBe(0);
  });
});
