// strace's view of a program case run natively, for comparing with
// faultline's --trace syscalls output.
import { spawnSync } from "node:child_process";
import { binDir } from "../../programs/native.mjs";
import type { ProgramCase } from "./program_cases.js";
import { needs, TOOLS } from "./tools.js";

const tool = (name: string) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();

/** Whether strace can run here (under CI=true: always, and a missing strace fails). */
export const straceHere = () => needs(TOOLS.x86_64_linux, TOOLS.strace, TOOLS.setarch);

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
 * aligns large anonymous mappings for THP) and stack addresses (no
 * AT_RSEQ_* entries: rsp sits 32 bytes higher).
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

/**
 * What differs by design in the file syscalls: what /proc and /dev/urandom
 * give (faultline's own kernel and seed, read through the fd they were
 * opened on), and what describes the host rather than the guest (sysinfo,
 * the CPU mask, the resource limits, the wall clock).
 */
export function normalizeFileTrace(lines: string[]): string[] {
  const special = new Map<string, string>();
  return lines.map((line) => {
    const open = /^open(?:at)?\((?:AT_FDCWD, )?"(\/proc\/[^"]*|\/dev\/urandom)".*= (\d+)$/.exec(line);
    if (open) special.set(open[2], open[1]);
    const close = /^close\((\d+)\)/.exec(line);
    if (close) special.delete(close[1]);
    const read = /^read\((\d+), /.exec(line);
    if (read && special.has(read[1])) return `read(${read[1]}, <${special.get(read[1])}>)`;
    return line
      .replace(/^sysinfo\(\{.*\}\)/, "sysinfo({HOST})")
      .replace(/^(sched_getaffinity\(.*), \[[\d ]*\]\)(\s+)= \d+$/, "$1, [CPUS])$2= SIZE")
      .replace(/\{rlim_cur=[^}]*\}/, "{RLIMIT}")
      .replace(/\{tv_sec=\d+, tv_usec=\d+\}/, "{TIME}")
      .replace(/^(time\(NULL\)\s+)= .*$/, "$1= TIME");
  });
}
