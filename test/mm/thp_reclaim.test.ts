// Reclaim meets transparent huge pages: a THP is on the anon LRU as one
// folio of 512 pages; shrink_folio_list splits it (swap here takes no THP
// whole: thp_swpout_fallback), and its pages go to swap one by one. A
// program whose THPs do not fit in RAM gives its native output, and the
// invariants (LRU counts, rmap, swap_map) hold while it runs.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { needs, TOOLS } from "../helpers/tools.js";
import { buildStatic, vmstatOf } from "../helpers/native_build.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SOURCE = new URL("../native/swap/thp_sum.c", import.meta.url).pathname;

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist))("THPs larger than RAM", () => {
  it("are split by reclaim and swapped out page by page: the native output, the same twice", () => {
    const exe = buildStatic("gcc", SOURCE);
    const native = spawnSync(exe, ["48"], { encoding: "utf8" });
    expect(native.status).toBe(0);
    const args = [CLI, "run", "--mem", "32M", "--swap", "128M", "--thp", "madvise", "--proc", "vmstat", exe, "48"];
    const a = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 300_000 });
    expect(a.stdout).toBe(native.stdout);
    expect(a.status).toBe(0);
    const v = vmstatOf(a.stderr);
    expect(v.get("thp_fault_alloc")).toBeGreaterThan(4);
    // Every THP reclaim took was split first, its pmd mappings with it.
    expect(v.get("thp_swpout_fallback")).toBeGreaterThan(0);
    expect(v.get("thp_split_page")).toBe(v.get("thp_swpout_fallback"));
    expect(v.get("thp_split_pmd")).toBeGreaterThanOrEqual(v.get("thp_split_page")!);
    expect(v.get("pswpout")).toBeGreaterThan(16 * 256);
    expect(v.get("oom_kill")).toBe(0);
    const b = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 300_000 });
    expect(b.stdout).toBe(a.stdout);
    expect(b.stderr).toBe(a.stderr);
  });

  it("keep every invariant while reclaim splits them, and leave no page or swap slot behind", () => {
    const exe = readFileSync(buildStatic("gcc", SOURCE));
    let stdout = "";
    const m = new Machine(loadKernelModule("debug"), { mem: "32M", swap: "96M", thp: "madvise",
      stdout: (b) => (stdout += new TextDecoder().decode(b)) });
    let faults = 0;
    let thpsMapped = 0;
    m.faultHook = {
      beforeFault() {},
      afterFault() {
        thpsMapped = Math.max(thpsMapped, m.kernel.counter("nr_anon_transparent_hugepages"));
        if (++faults % 1500 === 0) {
          const before = m.kernel.dmesg().length;
          expect(m.kernel.checkInvariants(), m.kernel.dmesg().slice(before)).toBe(0);
        }
      },
    };
    m.exec(exe, ["thp_sum", "40"]);
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
    expect(stdout).toMatch(/^pass 0: ([0-9a-f]{16})\npass 1: \1\n$/);
    expect(thpsMapped).toBeGreaterThan(0);
    expect(m.kernel.counter("thp_split_page")).toBeGreaterThan(0);
    expect(m.kernel.counter("thp_swpout_fallback")).toBe(m.kernel.counter("thp_split_page"));
    expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
    expect(m.kernel.swapInfo().used).toBe(m.kernel.counter("nr_swapcached"));
    expect(m.kernel.counter("nr_anon_transparent_hugepages")).toBe(0);
  });
});
