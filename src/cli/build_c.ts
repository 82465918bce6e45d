// `faultline run prog.c`: the program is built first with the host's C
// compiler (gcc -O2 -static, or --cc musl-gcc), once per source content,
// compiler and flags; the binary is kept in a cache directory.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./load.js";

export const C_FLAGS = ["-O2", "-static"];

/** $XDG_CACHE_HOME/faultline, else node_modules/.cache/faultline in the package. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, "faultline") : join(packageRoot(), "node_modules", ".cache", "faultline");
}

export type BuildResult = { ok: true; path: string; cached: boolean } | { ok: false; status: number };

/**
 * Builds `source` with `cc`, or finds it built. The compiler's messages go
 * to `stderr` as it wrote them. @return the binary's path, or the status to exit with.
 */
export function buildC(source: string, cc: string, stderr: (text: string) => void, env: NodeJS.ProcessEnv = process.env): BuildResult {
  let text: Buffer;
  try {
    text = readFileSync(source);
  } catch (e) {
    stderr(`faultline: ${source}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (e as Error).message}\n`);
    return { ok: false, status: 127 };
  }
  const version = spawnSync(cc, ["--version"], { encoding: "utf8" });
  if (version.error) {
    stderr(`faultline: cannot run the C compiler ${cc}: ${version.error.message}\n`);
    return { ok: false, status: 127 };
  }
  const key = createHash("sha256").update(JSON.stringify([cc, version.stdout, C_FLAGS])).update(text).digest("hex").slice(0, 32);
  const dir = cacheDir(env);
  const path = join(dir, key);
  if (existsSync(path)) return { ok: true, path, cached: true };
  mkdirSync(dir, { recursive: true });
  // Built under a temporary name and renamed: a half-written binary is never found in the cache.
  const tmp = `${path}.${process.pid}.tmp`;
  const r = spawnSync(cc, [...C_FLAGS, "-o", tmp, source], { encoding: "utf8" });
  if (r.stderr) stderr(r.stderr);
  if (r.error || r.status !== 0) return { ok: false, status: r.status ?? 1 };
  renameSync(tmp, path);
  return { ok: true, path, cached: false };
}
