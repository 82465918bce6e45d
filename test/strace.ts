// strace's view of a program case run natively, for comparing with
// faultline's --trace syscalls output.
import { spawnSync } from "node:child_process";
import { binDir } from "../programs/native.mjs";
import type { ProgramCase } from "./program-cases.js";

const tool = (name: string) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();

export const straceHere = process.platform === "linux" && process.arch === "x64" && tool("strace") !== "" && tool("setarch") !== "";

/** strace's lines for the native run of a case, from after its execve. */
export function nativeTrace(c: ProgramCase): string[] {
  const r = spawnSync(tool("setarch"), ["-R", tool("strace"), `./${c.program}`, ...(c.args ?? [])], {
    cwd: binDir,
    env: {},
    input: c.stdin ?? "",
    encoding: "utf8",
  });
  return r.stderr.split("\n").filter((l) => l && !l.startsWith("execve("));
}

/**
 * What differs by design: the pid (faultline's process is 1), the host
 * name, clock readings and random bytes, addresses in the mmap area (Linux
 * puts the vDSO and vvar pages below mmap_base first, and aligns large
 * anonymous mappings for THP) and stack addresses (no AT_SYSINFO_EHDR and
 * AT_RSEQ_* entries: rsp sits 48 bytes higher).
 */
export function normalizeTrace(line: string): string {
  return line
    .replace(/^(getpid|gettid|set_tid_address)\((.*)\)( +)= \d+$/, "$1($2)$3= PID")
    .replace(/^(kill|tkill)\(\d+,/, "$1(PID,")
    .replace(/^tgkill\(\d+, \d+,/, "tgkill(PID, PID,")
    .replace(/si_pid=\d+/, "si_pid=PID")
    // rt_sigreturn returns the interrupted rax, which may be an mmap-area address
    .replace(/^(rt_sigreturn\(.*\) += )(\d+)$/, (all, call, n) => (/^7ffff[0-7]/.test(Number(n).toString(16)) ? `${call}MMAP` : all))
    .replace(/nodename="[^"]*"/, 'nodename="HOST"')
    .replace(/\{tv_sec=\d+, tv_nsec=\d+\}/, "{TIME}")
    .replace(/^getrandom\("[^"]*"/, "getrandom(RANDOM")
    .replace(/0x7ffff[0-7][0-9a-f]{6}/g, "MMAP")
    .replace(/0x7fffffff[0-9a-f]{4}/g, "STACK")
    .replace(/ {2,}=/, " =");
}
