// The package as embedders use it (src/index.ts, README "Embedding"):
// createMachine from bytes, a compiled Module or a URL; and the built
// package imported by its name, with its kernel from "faultline/kernel.wasm".

import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createMachine, compileKernel, buddyinfo, classifyFrames, FrameState } from "../src/index.js";
import { needs, TOOLS } from "./helpers/tools.js";

const root = join(import.meta.dirname, "..");
const wasm = readFileSync(join(root, "build", "kernel.wasm"));
const touchWrite = readFileSync(join(root, "programs", "bin", "touch_write"));

describe("createMachine", () => {
  it("takes the kernel as bytes, a Module, or a URL to fetch", async () => {
    const dataUrl = `data:application/wasm;base64,${wasm.toString("base64")}`;
    for (const source of [wasm, await compileKernel(wasm), dataUrl, new URL(dataUrl)]) {
      const out: string[] = [];
      const m = await createMachine(source, { mem: "16M", stdout: (b) => out.push(new TextDecoder().decode(b)) });
      m.exec(touchWrite, ["./touch_write", "8"]);
      expect(m.run()).toEqual({ kind: "exit", status: 0 });
      expect(out.join("")).toBe("touched 8 pages, checksum 204\n"); // as the program prints natively
      expect(m.faults).toBeGreaterThanOrEqual(8);
    }
  });

  it("runs fault by fault, with the frame census between faults", async () => {
    const m = await createMachine(wasm, { mem: "16M" });
    m.exec(touchWrite, ["./touch_write", "16"]);
    let anon = 0;
    while (m.runToNextFault() === null) anon = Math.max(anon, classifyFrames(m.kernel).counts[FrameState.Anon]);
    expect(anon).toBeGreaterThanOrEqual(16);
    expect(buddyinfo(m.kernel)).toMatch(/^Node 0, zone      DMA /);
  });

  it("says what went wrong when the URL does not serve a kernel", async () => {
    await expect(createMachine("data:text/plain,not%20wasm")).rejects.toThrow(WebAssembly.CompileError);
  });
});

describe.runIf(needs(TOOLS.dist))("the built package", () => {
  it('imports as "faultline" in Node, kernel from "faultline/kernel.wasm" (the README example)', () => {
    const script = `
      import { readFile } from "node:fs/promises";
      import { createMachine, buddyinfo } from "faultline";
      const wasm = await readFile(new URL(import.meta.resolve("faultline/kernel.wasm")));
      const m = await createMachine(wasm, { mem: "256M", stdout: (b) => process.stdout.write(b) });
      m.exec(await readFile("programs/bin/touch_write"), ["./touch_write", "256"]);
      console.log(JSON.stringify(m.run()), m.faults);
      console.log(buddyinfo(m.kernel));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    expect(out).toMatch(/^touched 256 pages, checksum 32640\n\{"kind":"exit","status":0\} \d+\nNode 0, zone      DMA/);
  });
});
