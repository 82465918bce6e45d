// The strace formatter against strace itself: each program runs natively
// twice under strace, once with raw arguments (strace -e raw=all) and once
// decoded; the formatter, given the raw numbers, must print the decoded
// line. Lines that show user memory ("...", {...}, [...]) need the guest's
// memory and are checked in test/syscalls/syscalls.test.ts instead; lines whose
// result is the pid differ between runs.
import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { binDir } from "../../programs/native.mjs";
import { ERRNO, formatSyscall, SYSCALL_NAMES } from "../../src/syscalls/index.js";
import { needs, TOOLS } from "../helpers/tools.js";

const runs = [["mmap_churn", "3"], ["brk_grow", "4"], ["syscall_probe"], ["hello"], ["touch_write", "3"]];

function strace(args: string[], raw: boolean): string[] {
  const tool = (name: string) => execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  // setarch -R runs strace, which runs the program, without randomization.
  const r = spawnSync(tool("setarch"), ["-R", tool("strace"), ...(raw ? ["-e", "raw=all"] : []), `./${args[0]}`, ...args.slice(1)], {
    cwd: binDir,
    env: {},
    encoding: "utf8",
  });
  // the syscall lines, after the program's execve
  return r.stderr.split("\n").filter((l) => /^[a-z_0-9]+\(/.test(l)).slice(1);
}

/** "0xffffffffffffffff" as the signed number a register read gives. */
function signed(hexText: string): number {
  const v = BigInt(hexText);
  return Number(v >= 2n ** 63n ? v - 2n ** 64n : v);
}

describe.runIf(needs(TOOLS.x86_64_linux, TOOLS.strace, TOOLS.setarch))(
  "--trace syscalls prints what strace prints",
  () => {
    for (const args of runs) {
      it(args.join(" "), () => {
        const raw = strace(args, true);
        const decoded = strace(args, false);
        expect(raw.length).toBe(decoded.length);
        let compared = 0;
        raw.forEach((line, i) => {
          const m = /^(\w+)\((.*)\)\s+= (.*)$/.exec(line)!;
          const nr = SYSCALL_NAMES.indexOf(m[1]);
          const argv = m[2] ? m[2].split(", ").map(signed) : [];
          while (argv.length < 6) argv.push(0);
          const ret = m[3] === "?" ? undefined : m[3].startsWith("-1 ") ? -errnoOf(m[3]) : signed(m[3]);
          if (/["{[]/.test(decoded[i]) || ["getpid", "gettid", "set_tid_address"].includes(m[1])) return;
          expect(formatSyscall(nr, argv, ret, () => null)).toBe(decoded[i]);
          compared++;
        });
        expect(compared).toBeGreaterThan(0);
      });
    }
  },
);

/** "-1 EINVAL (Invalid argument)" -> 22 */
function errnoOf(text: string): number {
  return ERRNO.findIndex((e) => e?.[0] === text.split(" ")[1]);
}
