// The package as a new user gets it: `npm pack`, the tarball installed in
// an empty folder (not a link to this tree), and from there the commands
// and the library import. Everything they need must be in "files".

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

describe("the installed package", () => {
  let dir: string;
  let installed: string;
  // The command as package.json's bin names it (the bundle scripts/bundle.mjs makes).
  const bin = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { bin: { faultline: string } }).bin.faultline;
  const faultline = (...args: string[]) => spawnSync(process.execPath, [join(installed, bin), ...args], { cwd: dir, encoding: "utf8" });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "faultline-pack-"));
    // The build is npm test's; packing must not rebuild (prepare) into the tree under test.
    execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], { cwd: root, stdio: "ignore" });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "user", version: "1.0.0", type: "module", private: true }));
    execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", `./${tarball}`], { cwd: dir, stdio: "ignore" });
    installed = join(dir, "node_modules", "faultline");
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is a copy, not a link to this tree", () => {
    expect(existsSync(join(installed, "test"))).toBe(false);
    expect(existsSync(join(installed, "assembly"))).toBe(false);
  });

  it("runs demo and run from there", () => {
    const demo = faultline("demo");
    expect(demo.stderr).toBe("");
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain("touched 1024 pages, checksum 130560\n(exit status 0)");
    const run = faultline("run", join(root, "programs", "bin", "hello"));
    expect([run.status, run.stdout]).toEqual([0, "Hello, world!\n"]);
    expect(faultline("--version").stdout).toBe(`faultline ${JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version}\n`);
    const bench = faultline("bench");
    expect(bench.status).toBe(1);
    expect(bench.stderr).toMatch(/bench runs from a source checkout/);
  });

  it("compiles the command's chunks with the code caches the build made", () => {
    // What faultline.js does for a run, then whether V8 took each chunk's cache.
    const launcher = join(installed, bin);
    const script = `const cli = require(${JSON.stringify(launcher)});
      process.argv = [process.execPath, ${JSON.stringify(launcher)}, "run", ${JSON.stringify(join(root, "programs", "bin", "hello"))}];
      cli.load("main.js");
      process.on("exit", () => process.stderr.write(JSON.stringify(cli.codeCacheTaken())));`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: dir, encoding: "utf8" });
    const taken = JSON.parse(r.stderr) as Record<string, boolean>;
    expect(Object.keys(taken).map((f) => f.slice(join(installed, "dist", "cli").length + 1)).sort()).toEqual(["machine.js", "main.js"]);
    expect(Object.values(taken)).toEqual([true, true]);
  });

  it("imports as a library, with its kernel from faultline/kernel.wasm", () => {
    const script = `
      import { readFileSync } from "node:fs";
      import { createRequire } from "node:module";
      import { createMachine } from "faultline";
      const wasm = readFileSync(createRequire(import.meta.url).resolve("faultline/kernel.wasm"));
      let out = "";
      const m = await createMachine(wasm, { mem: "16M", stdout: (b) => (out += new TextDecoder().decode(b)) });
      m.exec(readFileSync(${JSON.stringify(join(root, "programs", "bin", "hello"))}), ["./hello"]);
      console.log(JSON.stringify(await m.runAsync()), out.trim());`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: dir, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe('{"kind":"exit","status":0} Hello, world!\n');
  });

  it("ships the sources its source maps point at", () => {
    for (const [sub, least] of [["src", 40], ["cli", 1]] as const) {
      const maps = readdirSync(join(installed, "dist", sub), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".map"));
      expect(maps.length).toBeGreaterThan(least);
      for (const map of maps) {
        const { sources } = JSON.parse(readFileSync(join(installed, "dist", sub, map), "utf8")) as { sources: string[] };
        for (const s of sources) expect(existsSync(join(installed, "dist", sub, map, "..", s)), `${map} → ${s}`).toBe(true);
      }
    }
  });
});
