// The host tools a test compares against. A test that needs one asks
// `needs(...)`: outside CI a missing tool skips it, and the run's last
// report line names the skip and why (test/helpers/skip_reporter.ts); under
// CI=true (.ci/run installs every tool) the test runs anyway and fails, and
// the reporter fails the run naming the tool.

import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";

export interface Tool { name: string; present: () => boolean; install: string }

const onPath = (cmd: string) => () => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const file = (path: string) => () => existsSync(path);

/** Every tool a test compares against, with the Debian package that has it. */
export const TOOLS = {
  x86_64_linux: { name: "x86-64 Linux", present: () => process.platform === "linux" && process.arch === "x64", install: "run on x86-64 Linux" },
  strace: { name: "strace", present: onPath("strace"), install: "apt-get install strace" },
  setarch: { name: "setarch", present: onPath("setarch"), install: "apt-get install util-linux" },
  taskset: { name: "taskset", present: onPath("taskset"), install: "apt-get install util-linux" },
  gcc: { name: "gcc", present: onPath("gcc"), install: "apt-get install gcc" },
  libc_a: { name: "libc.a", present: file("/usr/lib/x86_64-linux-gnu/libc.a"), install: "apt-get install libc6-dev" },
  unistd_64: { name: "<asm/unistd_64.h>", present: file("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"), install: "apt-get install linux-libc-dev" },
  as: { name: "as", present: onPath("as"), install: "apt-get install binutils" },
  ld: { name: "ld", present: onPath("ld"), install: "apt-get install binutils" },
  objcopy: { name: "objcopy", present: onPath("objcopy"), install: "apt-get install binutils" },
  objdump: { name: "objdump", present: onPath("objdump"), install: "apt-get install binutils" },
  readelf: { name: "readelf", present: onPath("readelf"), install: "apt-get install binutils" },
  bash: { name: "bash", present: onPath("bash"), install: "apt-get install bash" },
  sha256sum: { name: "sha256sum", present: onPath("sha256sum"), install: "apt-get install coreutils" },
  dynamic_ls: { name: "a dynamically linked /bin/ls", present: file("/bin/ls"), install: "apt-get install coreutils" },
  musl_gcc: { name: "musl-gcc", present: onPath("musl-gcc"), install: "apt-get install musl-tools" },
  busybox: { name: "/bin/busybox", present: file("/bin/busybox"), install: "apt-get install busybox-static" },
  chromium: { name: "chromium", present: file("/usr/bin/chromium"), install: "apt-get install chromium" },
  dist: { name: "dist/ (npm run build:host)", present: file(new URL("../../dist/src/index.js", import.meta.url).pathname), install: "npm run build" },
} satisfies Record<string, Tool>;

export const CI = process.env.CI === "true";

const seen = new Map<Tool, boolean>();
function present(t: Tool): boolean {
  let p = seen.get(t);
  if (p === undefined) seen.set(t, (p = t.present()));
  return p;
}

/** Where the reporter collects reasons (vitest.config.ts sets it). */
const LOG = process.env.FAULTLINE_SKIP_LOG;

/**
 * True when the test may run: every tool is here, or CI=true (then a
 * missing tool is logged as an error and the test fails on its own).
 * False, with the reason logged for the final report, otherwise.
 */
export function needs(...tools: Tool[]): boolean {
  const missing = tools.filter((t) => !present(t));
  if (missing.length === 0) return true;
  const what = missing.map((t) => `${t.name} (${t.install})`).join(", ");
  const where = new Error().stack?.split("\n").map((l) => /(test\/[\w/.-]+\.test\.ts)/.exec(l)?.[1]).find(Boolean) ?? "?";
  if (LOG) appendFileSync(LOG, `${CI ? "missing" : "skip"}\t${where}\t${what}\n`);
  if (CI) console.error(`${where}: CI=true and ${what} is missing: failing instead of skipping`);
  return CI;
}

/**
 * Whether this machine's Linux maps the zero page on an anonymous read
 * fault: not when booted with pvm_no_zero_page=1 (some virtual machines'
 * kernels). A native comparison that reads untouched memory runs faultline
 * as that kernel behaves (ZERO_PAGE_AS_HOST).
 */
export function hostZeroPage(path = "/proc/cmdline"): boolean {
  try {
    return !/(^|\s)pvm_no_zero_page=1(\s|$)/.test(readFileSync(path, "utf8"));
  } catch {
    return true;   // not Linux
  }
}

/** `faultline run`'s options that make its zero page this machine's kernel's. */
export const ZERO_PAGE_AS_HOST: readonly string[] = hostZeroPage() ? [] : ["--zero-page", "no"];

/** The absolute path of a command on PATH (throws when absent). */
export function which(cmd: string): string {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} is not on PATH`);
  return r.stdout.trim();
}
