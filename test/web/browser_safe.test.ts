// DESIGN rule 6: the core runs in browsers. Nothing under src/ outside
// src/cli/ may import a Node built-in (node:fs, or the bare "fs" spelling).

import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { builtinModules } from "node:module";

const root = join(import.meta.dirname, "../..");
const BUILTINS = new Set(builtinModules);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === join(root, "src", "cli") ? [] : sources(path);
    return /\.(ts|js|mts)$/.test(e.name) ? [path] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic import() calls. */
function importedModules(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)) out.push(m[1]);
  return out;
}

function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || BUILTINS.has(spec.split("/")[0]);
}

describe("the core is browser-safe", () => {
  it("finds imports of every form (the scanner itself)", () => {
    const text = `import { a } from "./a.js";\nexport * from './b.js';\nconst fs = await import("node:fs");\nimport "fs";`;
    expect(importedModules(text)).toEqual(["./a.js", "./b.js", "node:fs", "fs"]);
    expect(importedModules(text).filter(isNodeBuiltin)).toEqual(["node:fs", "fs"]);
  });

  it("no file under src/ outside src/cli/ imports a Node built-in", () => {
    const files = sources(join(root, "src"));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.flatMap((f) =>
      importedModules(readFileSync(f, "utf8")).filter(isNodeBuiltin).map((spec) => `${relative(root, f)}: ${spec}`));
    expect(offenders).toEqual([]);
  });
});
