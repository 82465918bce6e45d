// fadvise64 and readahead on a file of the host's disk, against this
// machine's Linux: test/native/fadvise_mincore.c prints which pages the
// page cache holds (mincore) after each advice; a native run and a
// faultline run of the same static program, glibc's and musl's, print the
// same lines. The file is written and synced first, so that natively its
// pages are clean and DONTNEED may drop them.
import { spawnSync } from "node:child_process";
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";
import { buildStatic } from "../helpers/native_build.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SOURCE = new URL("../native/fadvise_mincore.c", import.meta.url).pathname;
const PAGE = 4096;

describe.runIf(needs(TOOLS.x86_64_linux, TOOLS.dist))("fadvise64 and readahead against Linux, by mincore", () => {
  // Under the host's /tmp (a disk here), which the guest's /tmp shows read-only by the same path.
  const dir = mkdtempSync(join(tmpdir(), "faultline-fadvise-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, "data");
  const fd = openSync(data, "w");
  const bytes = new Uint8Array(47 * PAGE + PAGE / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 12)) & 0xff;
  writeSync(fd, bytes);
  fsyncSync(fd);
  closeSync(fd);

  describe.each([["glibc", "gcc", TOOLS.gcc], ["musl", "musl-gcc", TOOLS.musl_gcc]] as const)("%s", (_libc, cc, tool) => {
    it.runIf(needs(tool, TOOLS.libc_a))("the pages cached after each advice, as natively", () => {
      const exe = buildStatic(cc, SOURCE, ["-Wall"]);
      const native = spawnSync(exe, [data], { encoding: "utf8" });
      const ours = spawnSync(process.execPath, [CLI, "run", exe, data], { encoding: "utf8" });
      expect(native.status, native.stderr).toBe(0);
      expect(native.stdout).toContain("..11.1..............11........1...............1.");
      expect({ stdout: ours.stdout, stderr: ours.stderr, status: ours.status }).toEqual({ stdout: native.stdout, stderr: "", status: 0 });
    });
  });
});
