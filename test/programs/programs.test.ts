// The guest programs: their recorded expectations are real (a native run
// reproduces them), their binaries come from their sources, and the
// SHA-256 program agrees with the host's sha256sum.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runNative } from "../../programs/native.mjs";
import { programCases, programPath, programsDir } from "../helpers/program_cases.js";
import { needs, TOOLS, which } from "../helpers/tools.js";

// Probes of the initial stack (test/programs/loader.test.ts), not reference programs.
const probes = ["stack_dump", "stack_dump_pie"];

describe("programs/manifest.json", () => {
  it("covers every built program and names only built ones", () => {
    const built = readdirSync(join(programsDir, "bin")).sort();
    const used = new Set(programCases.map((c) => c.program));
    expect([...used, ...probes].sort()).toEqual(built);
    for (const c of programCases) expect(existsSync(programPath(c)), c.name).toBe(true);
  });

  it("holds small static ELF executables", () => {
    for (const name of readdirSync(join(programsDir, "bin"))) {
      const bytes = readFileSync(join(programsDir, "bin", name));
      expect(bytes.subarray(0, 4).toString("latin1"), name).toBe("\x7fELF");
      expect(bytes.length, name).toBeLessThan(32 * 1024);
    }
  });

  it("records a fatal signal as 128 + signo with its si_code", () => {
    const killed = programCases.filter((c) => c.signal);
    expect(killed.map((c) => [c.name, c.status, c.signal, c.si_code])).toEqual([
      ["segv_null", 139, "SIGSEGV", "SEGV_MAPERR"],
      ["segv_readonly", 139, "SIGSEGV", "SEGV_ACCERR"],
      ["trap-ud2", 132, "SIGILL", "ILL_ILLOPN"],
      ["trap-div0", 136, "SIGFPE", "FPE_INTDIV"],
      ["trap-int3", 133, "SIGTRAP", "SI_KERNEL"],
      ["trap-hlt", 139, "SIGSEGV", "SI_KERNEL"],
      ["trap-noncanon", 139, "SIGSEGV", "SI_KERNEL"],
      ["trap-nx", 139, "SIGSEGV", "SEGV_ACCERR"],
      ["signals-term", 143, "SIGTERM", "SI_USER"],
      ["signals-badstack", 139, "SIGSEGV", "SI_KERNEL"],
      ["signals-norestorer", 139, "SIGSEGV", "SI_KERNEL"],
    ]);
  });
});

describe.runIf(needs(TOOLS.x86_64_linux, TOOLS.setarch))("native runs reproduce the recorded expectations", () => {
  for (const c of programCases) {
    it(c.name, () => {
      const r = runNative(c);
      expect(r.stdout).toBe(c.stdout);
      expect(r.status).toBe(c.status);
      expect(r.signal).toBe(c.signal);
    });
  }
});

describe.runIf(needs(TOOLS.sha256sum))("sha256", () => {
  it("prints the digests sha256sum computes for the same inputs", () => {
    const c = programCases.find((c) => c.name === "sha256")!;
    const big = Buffer.alloc(Number(c.args![0]));
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff;
    const inputs: [string, Buffer][] = [["empty", Buffer.alloc(0)], ["abc", Buffer.from("abc")], [`pattern-${big.length}`, big]];
    const expected = inputs
      .map(([name, data]) => execFileSync("sha256sum", { input: data, encoding: "utf8" }).replace("-\n", `${name}\n`))
      .join("");
    expect(c.stdout).toBe(expected);
  });
});

describe.runIf(needs(TOOLS.x86_64_linux, TOOLS.gcc, TOOLS.readelf, TOOLS.setarch))("programs/build.sh", () => {
  it("rebuilds the committed binaries (byte for byte with the recorded toolchain)", () => {
    const out = mkdtempSync(join(tmpdir(), "faultline-programs-"));
    try {
      execFileSync(join(programsDir, "build.sh"), [out]);
      const committed = readdirSync(join(programsDir, "bin")).sort();
      expect(readdirSync(out).sort()).toEqual(committed);
      const toolchain = execFileSync("sh", ["-c", "gcc --version | head -1; ld --version | head -1"], { encoding: "utf8" });
      if (toolchain === readFileSync(join(programsDir, "TOOLCHAIN"), "utf8")) {
        for (const name of committed) {
          const fresh = readFileSync(join(out, name));
          expect(fresh.equals(readFileSync(join(programsDir, "bin", name))), `${name} differs from its rebuild`).toBe(true);
        }
      } else {
        // Another toolchain gives other bytes: each rebuild must still
        // behave as recorded, run natively in place of the committed one.
        for (const c of programCases) {
          const r = spawnSync(which("setarch"), ["-R", `./${c.program}`, ...(c.args ?? [])], { cwd: out, env: {}, input: c.stdin ?? "", encoding: "utf8" });
          expect([r.stdout, r.status ?? 128 + constants.signals[r.signal!]], c.name).toEqual([c.stdout, c.status]);
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
