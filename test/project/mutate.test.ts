// scripts/mutate.mjs on a tree of its own (a one-function kernel, a host
// module over the generated ABI, one test): from a checkout where no build
// has run, its scratch copy has what the tests import, so the baseline run
// passes and the report comes out.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

it("runs from a tree with no build in it: the scratch copy generates src/abi_generated.ts", () => {
  const tree = mkdtempSync(join(tmpdir(), "faultline-mutate-tree-"));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  };
  for (const f of ["scripts/mutate.mjs", "scripts/abi.mjs"]) {
    mkdirSync(dirname(join(tree, f)), { recursive: true });
    copyFileSync(join(root, f), join(tree, f));
  }
  symlinkSync(join(root, "node_modules"), join(tree, "node_modules"));
  mkdirSync(join(tree, "programs"));
  mkdirSync(join(tree, "test/helpers"), { recursive: true });
  put("asconfig.json", JSON.stringify({
    options: { runtime: "stub", bindings: "raw" },
    targets: { release: { outFile: "build/kernel.wasm", optimizeLevel: 1 }, debug: { outFile: "build/kernel.debug.wasm", debug: true } },
  }));
  put("assembly/index.ts", "export function add(a: i32, b: i32): i32 {\n  return a + b;\n}\n");
  put("assembly/kernel/layout.ts", "// no fields\n");
  put("src/seam.ts", 'import { LAYOUT_FIELDS } from "./abi_generated.js";\nexport const fields = LAYOUT_FIELDS.length;\n');
  put("test/add.test.ts", `import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { fields } from "../src/seam.js";
it("adds", async () => {
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL("../build/kernel.wasm", import.meta.url)));
  expect((instance.exports.add as (a: number, b: number) => number)(2, 3)).toBe(5);
  expect(fields).toBe(0);
});
`);
  put("scripts/mutate.json", JSON.stringify({
    targets: [{ name: "add", file: "assembly/index.ts", marker: "function add(", tests: ["test/add.test.ts"] }],
    excludeTests: {}, equivalent: [],
  }));
  const r = spawnSync(process.execPath, ["scripts/mutate.mjs", "--only", "add", "--focus", "--sample", "0"], { cwd: tree, encoding: "utf8", timeout: 300_000 });
  rmSync(tree, { recursive: true, force: true });
  expect(r.stderr).toMatch(/^baseline test\/add\.test\.ts: \d+ ms, reads release$/m);
  expect(r.stderr).not.toContain("left out");
  expect(r.stdout).toContain("add (assembly/index.ts): 0/0 killed");
  expect(r.status).toBe(0);
}, 300_000);
