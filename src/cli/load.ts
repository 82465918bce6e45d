// Node only: finds and compiles build/kernel.wasm (or the traced or debug build).

import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Whether dir holds the package's package.json: one with a name (dist/cli's only says its files are CommonJS). */
function isPackageRoot(dir: string): boolean {
  try {
    return "name" in (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as object);
  } catch {
    return false;
  }
}

/** The package root: the nearest directory above this file holding the package's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!isPackageRoot(dir)) {
    const up = dirname(dir);
    if (up === dir) throw new Error("faultline: package.json not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

const modules = new Map<string, WebAssembly.Module>();

/** The kernel builds (asconfig.json's targets): release has no tracers, trace is release with them, debug adds CONFIG_DEBUG_VM. */
export type KernelBuild = "release" | "trace" | "debug";
const BUILD_FILES: Record<KernelBuild, string> = { release: "kernel.wasm", trace: "kernel.trace.wasm", debug: "kernel.debug.wasm" };

/** The compiled kernel: "release" (build/kernel.wasm), "trace" (CONFIG_FTRACE) or "debug" (CONFIG_DEBUG_VM and CONFIG_FTRACE). */
export function loadKernelModule(build: KernelBuild = "release"): WebAssembly.Module {
  let mod = modules.get(build);
  if (!mod) {
    const file = join(packageRoot(), "build", BUILD_FILES[build]);
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
    mod = new WebAssembly.Module(readFileSync(file));
    modules.set(build, mod);
  }
  return mod;
}
