// echo 1 > /proc/sys/vm/drop_caches (drop_caches_sysctl_handler →
// invalidate_mapping_pages over every inode): the same program run on this
// machine's kernel and under faultline drops a file's unmapped cached pages,
// keeps its mapped ones, frees memory and counts the write.
import { fsyncSync, mkdtempSync, openSync, closeSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCE = new URL("../native/procsys/drop_caches.c", import.meta.url).pathname;

/** A 4 MB file nobody else uses, written back so that its cached pages are clean. */
function dataFile(dir: string): string {
  const path = join(mkdtempSync(join(dir, "data-")), "data.bin");
  const fd = openSync(path, "w");
  writeSync(fd, Buffer.alloc(4_000_000, 0x5a));
  fsyncSync(fd);
  closeSync(fd);
  return path;
}

describe.runIf(needs(TOOLS.gcc, TOOLS.dist))("drop_caches.c", () => {
  it("drops what this kernel drops, keeps the mapped pages, and refuses what it refuses", () => {
    const exe = buildStatic("gcc", SOURCE);
    const data = dataFile(join(exe, "..", ".."));
    const native = runIn(exe, [data]);
    expect(native.stdout).toContain("unmapped pages were dropped: yes");
    expect(faultlineRun(exe, data)).toEqual(native);
  }, 300_000);
});
