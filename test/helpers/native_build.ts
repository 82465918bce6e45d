// Static test programs built from test/native sources, runs of them and
// of the faultline CLI, and the vmstat lines `faultline run --proc vmstat`
// prints on stderr.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { basename, join } from "node:path";
import { expect } from "vitest";

const BUILD = new URL("../../node_modules/.cache/faultline-test/", import.meta.url).pathname;

/** Builds `source` (a path) with `cc -O2 -static` (and `flags`) into a fresh directory. @return the executable's path. */
export function buildStatic(cc: string, source: string, flags: string[] = []): string {
  mkdirSync(BUILD, { recursive: true });
  const name = basename(source, ".c");
  const exe = join(mkdtempSync(join(BUILD, `${name}-`)), name);
  const built = spawnSync(cc, ["-O2", "-static", ...flags, "-o", exe, source], { encoding: "utf8" });
  expect(built.stderr).toBe("");
  return exe;
}

export interface Ran { stdout: string; stderr: string; status: number | null }

/** `cmd args` in the build directory with a fixed environment, as a native run and a faultline run of a test program both need. */
export function runIn(cmd: string, args: string[]): Ran {
  const r = spawnSync(cmd, args, { cwd: BUILD, env: { FOO: "1", PATH: "/usr/bin:/bin" }, encoding: "utf8", timeout: 300_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const CLI = new URL("../../dist/src/cli/main.js", import.meta.url).pathname;

/** `faultline run args`. */
export function faultlineRun(...args: string[]): Ran {
  return runIn(process.execPath, [CLI, "run", ...args]);
}

/** The "name value" lines of /proc/vmstat in a run's stderr. */
export function vmstatOf(stderr: string): Map<string, number> {
  return new Map([...stderr.matchAll(/^([a-z_0-9]+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

/**
 * Runs `exe args` natively, then `faultline run ...options --proc vmstat exe args`
 * twice: each must exit 0 with the native output, the second byte for byte
 * like the first (stderr too). @return the first run's vmstat lines.
 */
export function runLikeNative(exe: string, args: string[], options: string[]): Map<string, number> {
  const native = runIn(exe, args);
  expect(native.status).toBe(0);
  const a = faultlineRun(...options, "--proc", "vmstat", exe, ...args);
  expect(a.stdout).toBe(native.stdout);
  expect(a.status).toBe(0);
  const b = faultlineRun(...options, "--proc", "vmstat", exe, ...args);
  expect(b.stdout).toBe(a.stdout);
  expect(b.stderr).toBe(a.stderr);
  return vmstatOf(a.stderr);
}
