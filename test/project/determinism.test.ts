// Determinism across processes: the same program and options, run by two
// separate node processes, give byte-identical output, traces and /proc
// views (a fresh module instance each, nothing shared but the files).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";

const root = join(import.meta.dirname, "../..");
const cli = join(root, "dist", "cli", "faultline.js");

describe.runIf(needs(TOOLS.dist))("two processes, one run", () => {
  for (const [program, ...args] of [["mmap_churn", "3"], ["touch_write", "64"]]) {
    it(`${program}: identical stdout, stderr (traces, /proc views) and trace file`, () => {
      const dir = mkdtempSync(join(tmpdir(), "faultline-determinism-"));
      try {
        const once = (n: number) => {
          const out = join(dir, `trace-${n}.json`);
          const r = spawnSync(process.execPath, [cli, "run", "--mem", "64M", "--thp", "always", "--trace", "syscalls", "--trace", "faults",
            "--proc", "vmstat", "--proc", "zoneinfo", "--proc", "pagetypeinfo", "--proc", "self/smaps_rollup", "--trace-out", out,
            join(root, "programs", "bin", program), ...args], { encoding: "buffer", timeout: 120_000 });
          expect(r.status, r.stderr.toString()).not.toBe(null);
          return { stdout: r.stdout, stderr: r.stderr, trace: readFileSync(out), status: r.status };
        };
        const a = once(1), b = once(2);
        expect(a.stderr.length).toBeGreaterThan(1000);   // the traces and views are there
        expect(a.trace.length).toBeGreaterThan(100);
        expect(b.status).toBe(a.status);
        expect(b.stdout.equals(a.stdout)).toBe(true);
        expect(b.stderr.toString()).toBe(a.stderr.toString());
        expect(b.trace.equals(a.trace)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
