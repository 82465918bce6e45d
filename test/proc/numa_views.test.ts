// The per-node views on a machine of two nodes (--numa 2), and numa_maps
// and /sys/devices/system/node against this machine's Linux: the same
// program prints the same numa_maps lines on a one-node faultline as
// natively, node0/meminfo has the host's labels and columns, and the guest
// reads /sys/devices/system/node through its file system while the host's
// other /sys entries stay.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKernelModule } from "../../src/cli/load.js";
import { nodeHostFs } from "../../src/cli/host_fs.js";
import { GFP, NUMA_EVENT_NAMES } from "../../src/kernel.js";
import { Machine, type MachineOptions } from "../../src/machine.js";
import { buddyinfo, pagetypeinfo, vmstat, zoneinfo } from "../../src/proc/index.js";
import { nodeMeminfo } from "../../src/proc/node.js";
import { machine } from "../helpers/machine.js";
import { needs, TOOLS } from "../helpers/tools.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-numa-views-"));
const module = loadKernelModule("release");

function run(exe: string, argv: string[], options: MachineOptions = {}) {
  let stdout = "";
  const m = new Machine(module, { ...options, stdout: (b) => (stdout += new TextDecoder().decode(b)) });
  m.exec(new Uint8Array(readFileSync(exe)), argv);
  const end = m.run(5e8);
  return { stdout, end, m };
}

describe("the kernel-wide views of a two-node machine", () => {
  const k = machine("256M", "release", { numa: 2 });
  for (let i = 0; i < 100; i++) k.allocPages(GFP.GFP_KERNEL, i % 3);

  it("lists each node's populated zones in buddyinfo: node 0 DMA and DMA32, node 1 DMA32", () => {
    const lines = buddyinfo(k).split("\n").filter(Boolean);
    expect(lines.map((l) => l.slice(0, 21))).toEqual(["Node 0, zone      DMA", "Node 0, zone    DMA32", "Node 1, zone    DMA32"]);
    // Every free page is in some node's lists.
    const free = lines.reduce((sum, l) => sum + l.trim().split(/ +/).slice(4).reduce((s, n, o) => s + Number(n) * 2 ** o, 0), 0);
    k.drainAllPages();
    expect(free).toBeLessThanOrEqual(k.counter("nr_free_pages"));
  });

  it("prints every zone of every node in zoneinfo, per-node stats once a node, NUMA events per populated zone", () => {
    const text = zoneinfo(k);
    const heads = [...text.matchAll(/^Node (\d), zone +(\w+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(heads).toEqual(["0 DMA", "0 DMA32", "0 Normal", "0 Movable", "0 Device", "1 DMA", "1 DMA32", "1 Normal", "1 Movable", "1 Device"].filter((h) => heads.includes(h)));
    expect(heads).toContain("1 DMA32");
    expect(text.match(/per-node stats/g)).toHaveLength(2);
    expect(text.match(/^ {6}numa_interleave \d+$/gm)).toHaveLength(3);
    const node1 = text.slice(text.indexOf("Node 1, zone    DMA32"));
    expect(node1).toMatch(/start_pfn: +32768\n/);
  });

  it("repeats pagetypeinfo's tables per node", () => {
    const text = pagetypeinfo(k);
    expect(text.match(/^Page block order: 9$/gm)).toHaveLength(2);
    expect(text).toMatch(/^Node    1, zone    DMA32, type      Movable /m);
    expect(text).toMatch(/^Node 1, zone    DMA32 /m);
  });

  it("puts the NUMA events after the zone counters in vmstat, each the sum of the zones'", () => {
    const lines = vmstat(k).split("\n");
    const at = lines.findIndex((l) => l.startsWith("numa_hit "));
    expect(at).toBe(k.zoneStatNames.length);
    expect(lines.slice(at, at + 6).map((l) => l.split(" ")[0])).toEqual(NUMA_EVENT_NAMES);
    const sums = NUMA_EVENT_NAMES.map((_, i) => k.nodes().flatMap((nid) => k.zones(nid).filter((z) => z.present)
      .map((z) => k.numaEvents({ nid, idx: z.idx })[i])).reduce((a, b) => a + b, 0));
    expect(lines.slice(at, at + 6).map((l) => Number(l.split(" ")[1]))).toEqual(sums);
    expect(sums[0]).toBeGreaterThan(0);
  });

  it("has no NUMA lines on a one-node machine", () => {
    const one = machine("256M");
    expect(vmstat(one)).not.toMatch(/^numa_/m);
    expect(zoneinfo(one)).not.toMatch(/numa_/);
    expect(buddyinfo(one)).not.toMatch(/^Node 1/m);
  });
});

describe.runIf(needs(TOOLS.x86_64_linux))("node meminfo", () => {
  it("has this machine's node0/meminfo labels and columns", () => {
    // Each line's label and length: the numbers are right-aligned (%8lu kB, %5u).
    const shape = (text: string) => text.split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf(":") + 1), l.length]);
    const host = readFileSync("/sys/devices/system/node/node0/meminfo", "utf8");
    const ours = nodeMeminfo(machine("256M", "release", { numa: 2 }), 1).replace(/^Node 1/gm, "Node 0");
    expect(shape(ours)).toEqual(shape(host));
  });
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.x86_64_linux))("numa_maps", () => {
  const exe = join(dir, "numa_maps");
  const built = () => {
    const r = spawnSync("gcc", ["-O2", "-static", "-Wall", "-o", exe, new URL("../native/numa/numa_maps.c", import.meta.url).pathname], { encoding: "utf8" });
    expect(r.stderr).toBe("");
  };

  it("prints on one node what this machine's Linux prints", () => {
    built();
    const native = spawnSync(exe, { encoding: "utf8" });
    expect(native.status).toBe(0);
    const r = run(exe, [exe]);
    expect(r.end).toEqual({ kind: "exit", status: 0 });
    expect(r.stdout).toBe(native.stdout);
  });

  it("shows each node's pages and each VMA's policy on two nodes", () => {
    built();
    const r = run(exe, [exe], { numa: 2 });
    expect(r.end).toEqual({ kind: "exit", status: 0 });
    const lines = r.stdout.split("\n");
    const line = (when: number, name: string) => lines[lines.indexOf(when ? "task policy preferred:" : "default task policy:") + 1 + ["plain", "bound", "interleaved", "split-off"].indexOf(name)];
    expect(line(0, "interleaved")).toMatch(/^ {2}interleaved interleave:0-1 anon=8 dirty=8 (active=\d )?N0=4 N1=4 kernelpagesize_kB=4$/);
    expect(line(0, "bound")).toMatch(/^ {2}bound bind:1 anon=8 dirty=8 (active=\d )?N1=8 kernelpagesize_kB=4$/);
    expect(line(0, "plain")).toMatch(/^ {2}plain default anon=8 dirty=8 (active=\d )?N0=8 kernelpagesize_kB=4$/);
    expect(line(1, "plain")).toMatch(/^ {2}plain prefer:1 anon=8 /);
    expect(line(1, "split-off")).toMatch(/^ {2}split-off prefer:1 anon=8 /);
    expect(line(1, "interleaved")).toMatch(/^ {2}interleaved interleave:0-1 /);
  });
});

describe.runIf(needs(TOOLS.busybox))("/sys/devices/system/node in the guest", () => {
  const sh = (script: string, options: MachineOptions) =>
    run("/bin/busybox", ["sh", "-c", script], { ...options, fs: nodeHostFs(), cwd: "/" }).stdout;

  it("lists the nodes, their distances, CPUs and memory, and keeps the host's other /sys entries", () => {
    const out = sh("cd /sys/devices/system/node; cat online possible has_memory has_cpu; ls; cat node0/distance node1/distance node0/cpulist node1/cpulist; head -1 node1/meminfo; cat node1/numastat | head -1; ls /sys/devices/system | grep -cx cpu",
      { numa: "96M,160M", numaDistance: "10,21;17,10", cpuNode: 1 });
    expect(out.split("\n").slice(0, 13)).toEqual([
      "0-1", "0-1", "0-1", "1",
      "has_cpu", "has_memory", "has_normal_memory", "node0", "node1", "online", "possible",
      "10 21", "17 10",
    ]);
    expect(out).toMatch(/\n\n0\nNode 1 MemTotal: +\d+ kB\nnuma_hit \d+\n1\n$/);
  });

  it("is one node on an ordinary machine", () => {
    expect(sh("cat /sys/devices/system/node/online /sys/devices/system/node/node0/distance", {})).toBe("0\n10\n");
  });
});
