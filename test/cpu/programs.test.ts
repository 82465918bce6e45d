// The guest programs that only read, write and exit, run on the CPU alone
// (a flat page map instead of the kernel): real gcc -O2 code must give the
// stdout and status recorded natively in programs/manifest.json.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STOP_SYSCALL } from "../../src/cpu/index.js";
import { loadElf } from "./flat.js";

interface ManifestCase { name: string; program: string; args?: string[]; stdin?: string; stdout: string; status: number }
const manifest = JSON.parse(readFileSync(new URL("../../programs/manifest.json", import.meta.url), "utf8")) as { cases: ManifestCase[] };
const CPU_ONLY = ["hello", "compute_loop", "mem_sum", "sort", "hashtable", "sha256", "matmul", "sieve", "upcase", "upcase-empty"];

describe.each([
  ["hot blocks translated, cold ones run as Ops", 2],
  ["every block translated before its first run", 0],
])("programs on the CPU alone (%s)", (_mode, jitThreshold) => {
  for (const c of manifest.cases.filter((c) => CPU_ONLY.includes(c.name))) {
    it(`${c.name} ${(c.args ?? []).join(" ")}`, () => {
      const file = new Uint8Array(readFileSync(new URL(`../../programs/bin/${c.program}`, import.meta.url)));
      const m = loadElf(file, ["./" + c.program, ...(c.args ?? [])]);
      m.cpu.jitThreshold = jitThreshold;
      const r = m.runProgram(2e9, new TextEncoder().encode(c.stdin ?? ""));
      expect(r.stop).toBe(STOP_SYSCALL);
      expect(new TextDecoder().decode(r.out)).toBe(c.stdout);
      expect(r.exit).toBe(c.status);
    });
  }
});
