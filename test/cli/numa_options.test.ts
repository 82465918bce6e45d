// --numa, --numa-distance and --cpu-node (and the same MachineOptions):
// node sizes, the RAM they make, the SLIT as Linux's slit_valid accepts it,
// and what is said when an option is wrong.
import { describe, expect, it } from "vitest";
import { parseRunArgs } from "../../src/cli/run.js";
import { numaLayout, parseDistance } from "../../src/mm/numa.js";

const M = 1 << 20;

describe("--numa and its companions", () => {
  it("splits the RAM into N equal nodes, or takes each node's size", () => {
    expect(numaLayout(undefined, { numa: 2 }, "256M")).toEqual({ ram: 256 * M, layout: { sizes: [128 * M, 128 * M], distance: [[10, 20], [20, 10]], cpuNode: 0 } });
    expect(numaLayout("512M", { numa: "4" }, "256M").layout?.sizes).toEqual([128 * M, 128 * M, 128 * M, 128 * M]);
    // 2 MiB granules: the last node takes what is left.
    expect(numaLayout("100M", { numa: 3 }, "256M").layout?.sizes).toEqual([32 * M, 32 * M, 36 * M]);
    expect(numaLayout(undefined, { numa: "96M,160M" }, "256M")).toMatchObject({ ram: 256 * M, layout: { sizes: [96 * M, 160 * M] } });
    expect(numaLayout("256M", { numa: ["96M", "160M"], cpuNode: 1 }, "64M").layout?.cpuNode).toBe(1);
    // No NUMA option: an ordinary machine, no layout at all.
    expect(numaLayout("64M", {}, "256M")).toEqual({ ram: 64 * M, layout: null });
  });

  it("reads the SLIT as rows, or as numactl --hardware prints it", () => {
    expect(parseDistance("10,20;20,10", 2)).toEqual([[10, 20], [20, 10]]);
    expect(parseDistance("10 21\n17 10", 2)).toEqual([[10, 21], [17, 10]]);   // asymmetric: ACPI allows it
    expect(parseDistance("node distances:\nnode   0   1   2\n  0:  10  20  30\n  1:  20  10  20\n  2:  30  20  10\n", 3))
      .toEqual([[10, 20, 30], [20, 10, 20], [30, 20, 10]]);
  });

  it("parses the CLI's flags into MachineOptions", () => {
    const a = parseRunArgs(["--numa", "96M,160M", "--numa-distance", "10,30;30,10", "--cpu-node", "1", "prog"]);
    expect(a.machine).toEqual({ numa: "96M,160M", numaDistance: "10,30;30,10", cpuNode: 1 });
    expect(a.program).toBe("prog");
  });

  it("says what is wrong, naming the flag", () => {
    const err = (...argv: string[]) => () => parseRunArgs([...argv, "prog"]);
    expect(err("--numa", "96M,160M", "--mem", "512M")).toThrow("--numa: the nodes' sizes add up to 256M of RAM, but --mem is 512M: give one or the other, or make them agree");
    expect(err("--numa", "0")).toThrow(/^--numa: 0 nodes: give 1 to 8/);
    expect(err("--numa", "9")).toThrow(/^--numa: 9 nodes/);
    expect(err("--numa", "4M,4M,4M,4M,4M,4M,4M,4M,4M")).toThrow("--numa: 9 nodes: at most 8");
    expect(err("--mem", "8M", "--numa", "4")).toThrow("--numa: 8M of RAM cannot make 4 nodes of at least 4M");
    expect(err("--numa", "2M,254M")).toThrow("--numa: node 0 has 2M: a node needs at least 4M");
    expect(err("--numa", "97M,159M")).toThrow("--numa: node 0's size 97M is not a multiple of 2M (a pageblock)");
    expect(err("--numa", "96M,lots")).toThrow(/^--numa: node size lots: bad memory size "lots"/);
    expect(err("--numa", "2", "--numa-distance", "10,20")).toThrow(/^--numa-distance: 1 row of 2; the machine has 2 nodes: give 2 rows of 2 numbers \(e\.g\. 10,20;20,10\)/);
    expect(err("--numa", "2", "--numa-distance", "10,20;20,11x")).toThrow("--numa-distance: row 1, column 1: '11x' is not a number");
    expect(err("--numa", "2", "--numa-distance", "10,20;20,12")).toThrow("--numa-distance: node 1 to itself is 12; it must be 10 (the SLIT's local distance)");
    expect(err("--numa", "2", "--numa-distance", "10,10;20,10")).toThrow("--numa-distance: node 0 to node 1 is 10; a remote distance is 11 to 254");
    expect(err("--numa", "2", "--numa-distance", "10,255;20,10")).toThrow("--numa-distance: node 0 to node 1 is 255; a remote distance is 11 to 254");
    expect(err("--numa", "2", "--cpu-node", "2")).toThrow("--cpu-node 2: the machine has nodes 0-1");
    expect(err("--cpu-node", "1")).toThrow("--cpu-node 1: the machine has node 0");
    expect(err("--cpu-node", "x")).toThrow("--cpu-node: 'x' is not a node number");
  });
});
