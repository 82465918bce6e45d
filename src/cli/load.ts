// Node only: finds and compiles build/kernel.wasm (or the traced or debug build).

import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Whether dir holds the package's package.json: one with a name (dist/cli's only says its files are CommonJS). */
function isPackageRoot(dir: string): boolean {
  const file = join(dir, "package.json");
  try {
    return existsSync(file) && "name" in (JSON.parse(readFileSync(file, "utf8")) as object);
  } catch {
    return false;
  }
}

/**
 * The package root: the nearest directory above this file holding the
 * package's package.json. (import.meta.dirname: Node 20.11 and later; the
 * CLI's CommonJS bundle has it as __dirname, without a URL parsed.)
 */
export function packageRoot(): string {
  const here = import.meta.dirname ?? dirname(fileURLToPath(import.meta.url));
  let dir = here;
  while (!isPackageRoot(dir)) {
    const up = dirname(dir);
    if (up === dir) throw new Error("faultline: package.json not found above " + here);
    dir = up;
  }
  return dir;
}

const modules = new Map<string, WebAssembly.Module>();

/** The kernel builds (asconfig.json's targets): release has no tracers, trace is release with them, debug adds CONFIG_DEBUG_VM. */
export type KernelBuild = "release" | "trace" | "debug";
const BUILD_FILES: Record<KernelBuild, string> = { release: "kernel.wasm", trace: "kernel.trace.wasm", debug: "kernel.debug.wasm" };

/** The file of a kernel build, which must exist. */
function kernelFile(build: KernelBuild): string {
  const file = join(packageRoot(), "build", BUILD_FILES[build]);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  return file;
}

/** The compiled kernel: "release" (build/kernel.wasm), "trace" (CONFIG_FTRACE) or "debug" (CONFIG_DEBUG_VM and CONFIG_FTRACE). */
export function loadKernelModule(build: KernelBuild = "release"): WebAssembly.Module {
  let mod = modules.get(build);
  if (!mod) {
    mod = new WebAssembly.Module(readFileSync(kernelFile(build)));
    modules.set(build, mod);
  }
  return mod;
}

/**
 * loadKernelModule's module, compiled on V8's background threads: the
 * compile and what this thread does meanwhile (loading the machine's code)
 * overlap.
 */
export async function compileKernelModule(build: KernelBuild = "release"): Promise<WebAssembly.Module> {
  let mod = modules.get(build);
  if (!mod) {
    mod = await WebAssembly.compile(readFileSync(kernelFile(build)));
    modules.set(build, mod);
  }
  return mod;
}
