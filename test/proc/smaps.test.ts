// /proc/self/smaps and smaps_rollup (show_smap, __show_smap) against this
// machine's kernel: the same static program prints both; each anonymous
// mapping it made must read the same, field for field, and every other
// mapping must have Linux's fields in Linux's order (its values, and the
// layout, depend on the loader and read-ahead). The special mappings have
// tests of their own (test/programs/vdso.test.ts, vsyscall.test.ts).
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCE = new URL("../native/procsys/smaps.c", import.meta.url).pathname;
const SPECIAL = /\[(vvar|vvar_vclock|vdso|vsyscall)\]$/;

interface Smaps { made: Map<string, string>; blocks: string[][]; rollup: string[] }

/** The program's output: its mappings' addresses, then smaps blocks (maps line first) and the rollup. */
function parse(out: string): Smaps {
  const lines = out.split("\n").filter(Boolean);
  const made = new Map(lines.slice(0, 3).map((l) => [l.split(" ")[1].split("-")[0], l.split(" ")[0]]));
  const blocks: string[][] = [];
  for (const l of lines.slice(3)) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(l)) blocks.push([l]);
    else blocks[blocks.length - 1].push(l);
  }
  const rollup = blocks.pop()!;
  return { made, blocks: blocks.filter((b) => !SPECIAL.test(b[0])), rollup };
}

/** A maps line's permissions, offset and name's last component (a file here has no device, and its path is the one it was run by). */
const mapsFields = (l: string) => { const f = l.split(/ +/); return [f[1], f[2], f.slice(5).join(" ").split("/").pop()]; };
const names = (block: string[]) => block.slice(1).map((l) => l.split(":")[0]);

describe.runIf(needs(TOOLS.gcc, TOOLS.dist))("smaps.c", () => {
  it("reads as this kernel's smaps: the same fields per mapping, the same counts for its anonymous ones", () => {
    const exe = buildStatic("gcc", SOURCE);
    const native = parse(runIn(exe, []).stdout);
    const ours = parse(faultlineRun(exe).stdout);
    // Every block, the program's and the loader's, has the same fields.
    for (const b of [...ours.blocks, ...native.blocks]) expect(names(b), b[0]).toEqual(names(native.blocks[0]));
    const block = (s: Smaps, what: string) => {
      const at = [...s.made].find(([, w]) => w === what)![0];
      return s.blocks.find((b) => b[0].startsWith(at + "-"))!;
    };
    for (const what of ["thp", "shared", "written"]) {
      expect(mapsFields(block(ours, what)[0]), what).toEqual(mapsFields(block(native, what)[0]));
      expect(block(ours, what).slice(1), what).toEqual(block(native, what).slice(1));
    }
    expect(block(ours, "thp").find((l) => l.startsWith("AnonHugePages"))).toMatch(/ 4096 kB$/);
    expect(ours.rollup[0].indexOf("[rollup]")).toBe(73);
    expect(names(ours.rollup)).toEqual(names(native.rollup));
    expect(ours.rollup.find((l) => l.startsWith("Pss_Shmem"))).toMatch(/ 8 kB$/);
  }, 300_000);
});
