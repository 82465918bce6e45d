// The package as embedders use it (src/index.ts, README "Embedding"):
// createMachine from bytes, a compiled Module or a URL; and the built
// package imported by its name, with its kernel from "faultline/kernel.wasm".

import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createMachine, compileKernel, buddyinfo, classifyFrames, FrameState } from "../../src/index.js";
import { needs, TOOLS } from "../helpers/tools.js";

const root = join(import.meta.dirname, "../..");
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

  it('traces with its kernel from "faultline/kernel.trace.wasm"; "faultline/kernel.wasm" says to load that one', () => {
    const script = `
      import { readFile } from "node:fs/promises";
      import { createMachine } from "faultline";
      const load = async (name) => createMachine(await readFile(new URL(import.meta.resolve("faultline/" + name))), { mem: "16M" });
      try { (await load("kernel.wasm")).observe({ trace: true }); } catch (e) { console.log(e.message); }
      const m = await load("kernel.trace.wasm");
      let text = "";
      m.observe({ trace: true, onText: (t) => (text += t) });
      m.exec(await readFile("programs/bin/touch_write"), ["./touch_write", "4"]);
      m.run();
      console.log(text.includes("do_anonymous_page"));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    expect(out).toMatch(/needs the traced kernel build.*load build\/kernel\.trace\.wasm \(faultline\/kernel\.trace\.wasm\) instead\ntrue\n$/);
  });
});

describe.runIf(needs(TOOLS.dist))("the README's runnable example", () => {
  it("stops a run with an AbortSignal, as it says", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const script = /<!-- runnable example:[^\n]*-->\n```js\n([^]*?)```/.exec(readme)![1];
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    const said = /console\.log\(`\$\{e\.name\} after \$\{m\.faults\} faults`\);\s*\/\/ (.*)/.exec(script)![1];
    expect(out).toBe(said + "\n");
  });
});

describe("runAsync", () => {
  it("runs as run() does, counter for counter", async () => {
    const figures = async (runner: (m: Awaited<ReturnType<typeof createMachine>>) => Promise<unknown> | unknown) => {
      const m = await createMachine(wasm, { mem: "16M" });
      m.exec(touchWrite, ["./touch_write", "300"]);
      const end = await runner(m);
      return { end, retired: m.cpu.retired, faults: m.faults, buddyinfo: buddyinfo(m.kernel) };
    };
    const sync = await figures((m) => m.run());
    const async = await figures((m) => m.runAsync({ yieldEvery: 1000 }));
    expect(async).toEqual(sync);
    expect(sync.end).toEqual({ kind: "exit", status: 0 });
  });

  it("stops when its AbortSignal is aborted, leaving the process to exit()", async () => {
    const m = await createMachine(wasm, { mem: "16M" });
    m.exec(readFileSync(join(root, "programs", "bin", "compute_loop")), ["./compute_loop", "100000000000"]);
    const controller = new AbortController();
    const run = m.runAsync({ signal: controller.signal, yieldEvery: 10_000 });
    setTimeout(() => controller.abort(), 0);
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(m.cpu.retired).toBeGreaterThan(0);
    expect(m.mm).not.toBe(0);
    m.exit();
    expect(m.mm).toBe(0);
  });

  it("types the tracer as present when tracing was asked for (on the traced build)", async () => {
    const m = await createMachine(readFileSync(join(root, "build", "kernel.trace.wasm")), { mem: "16M" });
    const traced = m.observe({ trace: true });
    const names: string[] = traced.tracer.ring.names;   // no `!`: the type says it is there
    expect(names).toContain("do_anonymous_page");
    expect(m.observe({ sample: true }).tracer).toBeNull();
  });
});
