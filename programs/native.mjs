// Run one programs/manifest.json case natively, the way the manifest says:
// cwd programs/bin, argv ["./<program>", ...args], empty environment,
// no randomization (setarch -R), stdin from the case. Shared by record.mjs
// and test/programs/programs.test.ts. With { siCode: true } it runs under strace to
// learn the si_code and si_addr of a fatal signal.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const binDir = join(dirname(fileURLToPath(import.meta.url)), "bin");

// The guest's environment is empty, so the tools are found on our PATH first.
function which(tool) {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const path = join(dir || ".", tool);
    if (existsSync(path)) return path;
  }
  throw new Error(`${tool} not found on PATH`);
}

export function runNative(c, { siCode = false } = {}) {
  const argv = ["-R", `./${c.program}`, ...(c.args ?? [])];
  const cmd = siCode ? which("strace") : which("setarch");
  const args = siCode ? ["-qq", "-e", "trace=none", "-e", "signal=all", which("setarch"), ...argv] : argv;
  const r = spawnSync(cmd, args, { cwd: binDir, env: {}, input: c.stdin ?? "", encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.error) throw r.error;
  // strace and setarch both exec; a signal reaches us as the child's own
  // death (setarch) or, under strace, as strace re-raising it.
  let signal = r.signal ?? undefined;
  let code, addr;
  if (siCode) {
    // The last signal to arrive is the one that killed (a handler may have caught earlier ones).
    const m = [...r.stderr.matchAll(/--- (SIG\w+) \{si_signo=\w+, si_code=(\w+)(?:, si_addr=(\w+))?/g)].pop();
    if (m && r.stderr.includes("+++ killed by")) {
      signal = m[1];
      code = m[2];
      addr = m[3] === undefined || m[3] === "NULL" ? "0x0" : m[3];
    }
  }
  const status = signal ? 128 + constants.signals[signal] : r.status;
  return { stdout: r.stdout, stderr: r.stderr, status, signal, siCode: code, siAddr: addr };
}
