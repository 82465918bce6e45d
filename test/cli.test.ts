// The faultline command, as a user runs it (the built dist/, as npm test builds it).

import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/src/cli/main.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

describe("faultline boot", () => {
  it("prints the /proc files asked for, in order", () => {
    const r = run("boot", "--mem", "64M", "--proc", "buddyinfo", "--proc=vmstat");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Node 0, zone      DMA( +\d+){11} \nNode 0, zone    DMA32( +\d+){11} \nnr_free_pages \d+\n/);
  });

  it("prints dmesg with no --proc, and demo prints buddyinfo then zoneinfo", () => {
    expect(run("boot", "--mem", "16M").stdout).toMatch(/^Built 1 zonelists/);
    const demo = run("demo");
    expect(demo.status).toBe(0);
    expect(demo.stdout).toMatch(/^Node 0, zone      DMA .*\nNode 0, zone    DMA32 .*\nNode 0, zone      DMA\n  per-node stats\n/);
  });

  it("explains bad sizes and names, exit status 1", () => {
    for (const [args, msg] of [
      [["--mem", "lots"], /bad memory size "lots"/],
      [["--mem", "8G"], /above 4G/],
      [["--mem", "1000000"], /not a multiple of 64K/],
      [["--mem", "1M"], /too small for the kernel's own reservations/],
      [["--proc", "nope"], /no \/proc\/nope here/],
      [["--bogus"], /unknown option --bogus/],
    ] as Array<[string[], RegExp]>) {
      const r = run("boot", ...args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe("");
    }
  });
});
