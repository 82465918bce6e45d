// src/syscalls/endings: a fatal signal ends as Linux and bash report it.
// References: the manifest's natively recorded signals, strace's lines for
// the same programs, and bash's own message for a killed job.
import { spawnSync } from "node:child_process";
import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { binDir, runNative } from "../../programs/native.mjs";
import {
  faultSignal,
  oomKill,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SIGSEGV,
  signalEnding,
  trapSignal,
} from "../../src/syscalls/endings.js";
import { programCases } from "../helpers/program_cases.js";
import { needs, TOOLS } from "../helpers/tools.js";

const killed = programCases.filter((c) => c.signal);

/** The FatalSignal faultline would build for a case, from the recorded signal. */
function signalOf(c: (typeof killed)[number]) {
  const addr = Number(c.si_addr);
  switch (c.si_code) {
    case "SEGV_MAPERR":
      return faultSignal((SIGSEGV << 16) | SEGV_MAPERR, addr, 0x401000);
    case "SEGV_ACCERR":
      return faultSignal((SIGSEGV << 16) | SEGV_ACCERR, addr, 0x401000);
    case "ILL_ILLOPN":
      return trapSignal("UD", addr);
    case "FPE_INTDIV":
      return trapSignal("DE", addr);
    case "SI_USER":
      return { signo: constants.signals[c.signal as keyof typeof constants.signals], code: 0, addr: 0, pid: 1, rip: 0x401000 };
    default:
      return trapSignal(c.signal === "SIGTRAP" ? "BP" : "GP", 0x401000);
  }
}

describe("signal endings", () => {
  it("exit status 128 + signo, as recorded natively", () => {
    for (const c of killed) expect([c.name, signalEnding(signalOf(c)).status]).toEqual([c.name, c.status]);
  });

  it.runIf(needs(TOOLS.x86_64_linux, TOOLS.strace, TOOLS.setarch))("strace's lines, as strace prints them for the same death", () => {
    for (const c of killed) {
      // The death: the last signal to arrive (signals.c catches others first), from a pid that differs.
      const native = runNative(c, { siCode: true }).stderr.split("\n").filter((l) => /^(---|\+\+\+)/.test(l)).slice(-2)
        .map((l) => l.replace(/si_pid=\d+, si_uid=\d+/, "si_pid=1, si_uid=0"));
      expect(signalEnding(signalOf(c)).trace).toEqual(native);
    }
  });

  it.runIf(needs(TOOLS.x86_64_linux, TOOLS.bash))("the description bash prints for the killed job", () => {
    for (const c of killed) {
      const r = spawnSync("bash", ["-c", `./${c.program} ${(c.args ?? []).join(" ")}; true`], { cwd: binDir, encoding: "utf8" });
      const description = signalEnding(signalOf(c)).stderr.split("\n")[1];
      // bash names the job, except for SIGTERM, which it reports alone.
      if (c.signal === "SIGTERM") expect(r.stderr).toBe(`${description}\n`);
      else expect(r.stderr).toMatch(new RegExp(`^bash: .*\\d+ ${description} *\\./${c.program}`));
    }
  });

  it("names the signal, its cause, the address and rip on stderr", () => {
    expect(signalEnding(faultSignal((11 << 16) | 1, 0, 0x401005)).stderr).toBe(
      "faultline: SIGSEGV (SEGV_MAPERR) at address 0x0, rip 0x401005\nSegmentation fault\n",
    );
    expect(signalEnding(faultSignal((7 << 16) | 2, 0x7ffff7ff6000, 0x401005))).toEqual({
      status: 135,
      stderr: "faultline: SIGBUS (BUS_ADRERR) at address 0x7ffff7ff6000, rip 0x401005\nBus error\n",
      trace: ["--- SIGBUS {si_signo=SIGBUS, si_code=BUS_ADRERR, si_addr=0x7ffff7ff6000} ---", "+++ killed by SIGBUS +++"],
    });
    expect(signalEnding({ ...trapSignal("UD", 0x401005), insn: Uint8Array.of(0x67, 0x0f, 0x0b) }).stderr).toBe(
      "faultline: SIGILL (ILL_ILLOPN) at address 0x401005, rip 0x401005: instruction bytes 67 0f 0b\nIllegal instruction\n",
    );
    expect(signalEnding(oomKill(0x401234))).toEqual({
      status: 137,
      stderr: "faultline: SIGKILL: out of memory (the OOM killer chose this process), rip 0x401234\nKilled\n",
      trace: ["+++ killed by SIGKILL +++"],
    });
  });
});
