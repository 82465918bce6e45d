// The memory-policy syscalls against this machine's Linux and against
// Linux's placement rules. test/native/numa/mempolicy_errors.c (built with
// glibc and musl) prints every error path and nodemask rule that does not
// depend on the node count, and mempolicy_api.c set_mempolicy_home_node,
// masks naming nodes up to 1023, Mems_allowed, getcpu and sched_getcpu: a
// one-node faultline must print exactly what the native run prints, and
// strace must decode the calls as faultline's --trace syscalls does. test/native/numa/placement.c shows where pages land
// under first touch, bind, interleave (mbind's and the task's) and
// preferred, and after move_pages: on one node as natively, on two nodes as
// Linux's rules say (interleave_nid: the (vm_pgoff + offset)-th node of the mask).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKernelModule } from "../../src/cli/load.js";
import { Machine, type MachineOptions } from "../../src/machine.js";
import { normalizeTrace } from "../helpers/strace.js";
import { needs, TOOLS, which } from "../helpers/tools.js";

const SOURCES = new URL("../native/numa/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "faultline-numa-"));
const module = loadKernelModule("release");

function build(cc: string, name: string): string {
  const exe = join(dir, `${name}-${cc}`);
  const r = spawnSync(cc, ["-O2", "-static", "-Wall", "-o", exe, join(SOURCES, `${name}.c`)], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  return exe;
}

/** The program under faultline: its stdout, exit and (with trace) its strace lines. */
function ours(exe: string, options: MachineOptions = {}, trace = false) {
  let stdout = "";
  const lines: string[] = [];
  const m = new Machine(module, {
    ...options, stdout: (b) => (stdout += new TextDecoder().decode(b)), traceSyscalls: trace ? (l) => lines.push(l) : undefined,
  });
  m.exec(new Uint8Array(readFileSync(exe)), [exe]);
  const end = m.run(5e8);
  return { stdout, end, lines, m };
}

const MEMPOLICY_CALLS = /^(set_mempolicy|get_mempolicy|mbind|migrate_pages|move_pages)\(/;

describe.each([
  ["glibc", "gcc", TOOLS.gcc],
  ["musl", "musl-gcc", TOOLS.musl_gcc],
] as const)("mempolicy syscalls of a %s program", (_libc, cc, tool) => {
  /** The probe under faultline (one node) prints what it prints natively. */
  const asNative = (name: string) => () => {
    const exe = build(cc, name);
    const native = spawnSync(exe, { encoding: "utf8" });
    expect(native.status).toBe(0);
    const r = ours(exe);
    expect(r.end).toEqual({ kind: "exit", status: 0 });
    expect(r.stdout).toBe(native.stdout);
  };

  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.x86_64_linux))("fail and succeed on one node exactly as on this machine's Linux",
    asNative("mempolicy_errors"));

  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.x86_64_linux))(
    "set home nodes, take 1024-bit masks and tell the CPU's node as this machine's Linux does", asNative("mempolicy_api"));

  it.runIf(needs(tool, TOOLS.libc_a))("getcpu tells the node --cpu-node gives the CPU", () => {
    const exe = build(cc, "mempolicy_api");
    for (const cpuNode of [0, 1]) {
      const r = ours(exe, { numa: 2, cpuNode });
      expect(r.end).toEqual({ kind: "exit", status: 0 });
      expect(r.stdout).toContain(`getcpu(&cpu, &node, NULL)                        = 0\n  cpu known 1 node ${cpuNode}\n`);
      expect(r.stdout).toContain(`getcpu(bad, &node, NULL)                         = -1 errno 14\n  node ${cpuNode}\n`);
      expect(r.stdout).toContain(`Mems_allowed:\t${"00000000,".repeat(31)}00000003\n  Mems_allowed_list:\t0-1\n`);
    }
  });

  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.x86_64_linux))("place pages on one node as this machine's Linux does", () => {
    const exe = build(cc, "placement");
    const native = spawnSync(exe, { encoding: "utf8" });
    expect(native.status).toBe(0);
    expect(ours(exe).stdout).toBe(native.stdout);
  });
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.x86_64_linux, TOOLS.strace, TOOLS.setarch))("strace's decoding of the mempolicy syscalls", () => {
  it("is --trace syscalls' for every call of the error probe", () => {
    const exe = build("gcc", "mempolicy_errors");
    const st = spawnSync(which("setarch"), ["-R", which("strace"), "-e", "trace=set_mempolicy,get_mempolicy,mbind,migrate_pages,move_pages", exe],
      { encoding: "utf8", env: {} });
    const native = st.stderr.split("\n").filter((l) => MEMPOLICY_CALLS.test(l)).map(normalizeTrace);
    const traced = ours(exe, {}, true).lines.filter((l) => MEMPOLICY_CALLS.test(l)).map(normalizeTrace);
    expect(native.length).toBe(73);
    expect(traced).toEqual(native);
  });

  it("is --trace syscalls' for set_mempolicy_home_node, getcpu and 1024-bit masks", () => {
    const exe = build("gcc", "mempolicy_api");
    const calls = /^(set_mempolicy|get_mempolicy|mbind|migrate_pages|move_pages|set_mempolicy_home_node|getcpu)\(/;
    const st = spawnSync(which("setarch"), ["-R", which("strace"), "-e",
      "trace=set_mempolicy,get_mempolicy,mbind,migrate_pages,move_pages,set_mempolicy_home_node,getcpu", exe], { encoding: "utf8", env: {} });
    // The CPU natively is any of this machine's; faultline's is CPU 0.
    const cpu0 = (l: string) => l.replace(/^getcpu\(\[\d+\]/, "getcpu([0]");
    const native = st.stderr.split("\n").filter((l) => calls.test(l)).map(normalizeTrace).map(cpu0);
    const traced = ours(exe, {}, true).lines.filter((l) => calls.test(l)).map(normalizeTrace);
    expect(native.filter((l) => l.startsWith("set_mempolicy_home_node(")).length).toBe(19);
    // sched_getcpu reads rseq's cpu_id natively; without rseq glibc asks the vDSO: no syscall either way.
    expect(traced).toEqual(native);
  });
});

/** Linux's interleave_nid: the ilx-th node of the mask, ilx counting pages from the first page's index. */
function interleaved(nodes: number[], firstIndex: number, pages: number): string {
  return Array.from({ length: pages }, (_, i) => nodes[(firstIndex + i) % nodes.length]).join("");
}

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a))("placement on two nodes", () => {
  for (const cpuNode of [0, 1]) {
    it(`follows Linux's rules with the CPU on node ${cpuNode}`, () => {
      const exe = build("gcc", "placement");
      const r = ours(exe, { numa: 2, cpuNode });
      expect(r.end).toEqual({ kind: "exit", status: 0 });
      const line = (label: string) => {
        const m = new RegExp(`^${label} +([0-9!]{16})(?:  \\(first page's index mod 2: (\\d)\\))?`, "m").exec(r.stdout);
        expect(m, `${label} in\n${r.stdout}`).not.toBeNull();
        return { nodes: m![1], first: Number(m![2]) };
      };
      expect(r.stdout.split("\n")[0]).toBe("nodes: 0 1");
      expect(line("first touch").nodes).toBe(String(cpuNode).repeat(16));
      expect(line("mbind bind last").nodes).toBe("1".repeat(16));
      const il = line("mbind interleave all");
      expect(il.nodes).toBe(interleaved([0, 1], il.first, 16));
      expect(line("mbind preferred last").nodes).toBe("1".repeat(16));
      const task = line("task interleave all");
      expect(task.nodes).toBe(interleaved([0, 1], task.first, 16));
      expect(line("move_pages to last").nodes).toBe("1".repeat(16));
      expect(r.stdout).toMatch(/move_pages to last .*\(returned 0\)$/m);
      expect(r.m.kernel.checkInvariants()).toBe(0);
    });
  }
});

describe("numa_demo", () => {
  it("tells first touch, bind and interleave apart on two nodes", () => {
    const r = ours(new URL("../../programs/bin/numa_demo", import.meta.url).pathname, { numa: 2 });
    expect(r.end).toEqual({ kind: "exit", status: 0 });
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("Where 64 freshly written pages land under three memory policies, on nodes {0,1}:");
    expect(lines[2]).toMatch(/^policy +node 0  node 1   why$/);
    expect(lines[3]).toMatch(/^first touch \(no policy\) +64 +0   the node of the CPU/);
    expect(lines[4]).toMatch(/^mbind MPOL_BIND \{1\} +0 +64   only the bound nodes/);
    expect(lines[5]).toMatch(/^mbind MPOL_INTERLEAVE \{0,1\} +32 +32   page i on node/);
    expect(lines[7]).toMatch(/: (01){16}$|: (10){16}$/);
  });
});
