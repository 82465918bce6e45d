// The seam (src/abi.ts) against the kernel's own sources: each constant the
// host names is evaluated from its definition in assembly/, each record's
// field order read from the code that fills it, and each export of
// build/kernel.d.ts is documented in docs/abi.md. A change on one side that
// the other misses fails here.

import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as abi from "../../src/abi.js";
import { Kernel } from "../../src/kernel.js";
import { loadKernelModule } from "../../src/cli/load.js";

const root = new URL("../../", import.meta.url).pathname;

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourcesUnder(join(dir, e.name)) : e.name.endsWith(".ts") ? [readFileSync(join(dir, e.name), "utf8")] : []);
}
const kernelSources = sourcesUnder(join(root, "assembly"));

// Every top-level constant of the kernel: name -> [declared type, expression] (one per definition).
const definitions = new Map<string, Array<[string, string]>>();
for (const text of kernelSources) {
  for (const [, name, type, expr] of text.matchAll(/^(?:@inline\s+)?(?:export\s+)?const\s+(\w+)\s*(?::\s*(\w+))?\s*=\s*([^;]+);/gm)) {
    definitions.set(name, [...(definitions.get(name) ?? []), [type ?? "u64", expr]]);
  }
}

const BITS: Record<string, number> = { u8: 8, i8: 8, u16: 16, i16: 16, u32: 32, i32: 32, usize: 32, u64: 64, i64: 64 };

/** The kernel's value of constant `name`, as an unsigned integer of its declared width. */
function kernelValue(name: string, seen = new Set<string>()): bigint {
  const defs = definitions.get(name);
  if (!defs) throw new Error(`no constant ${name} in assembly/`);
  if (seen.has(name)) throw new Error(`constant ${name} defined in terms of itself`);
  const values = defs.map(([type, expr]) => {
    const js = expr
      .replace(/<(?:u8|i8|u16|i16|u32|i32|u64|i64|usize|isize)>/g, "")
      .replace(/\b(0x[0-9a-fA-F_]+|\d[\d_]*)\b/g, (n) => `${n.replace(/_/g, "")}n`)
      .replace(/\b([A-Za-z_]\w*)\b(?!n\b)/g, (id) => `(${kernelValue(id, new Set([...seen, name]))}n)`);
    if (!/^[\s\d\w()|&^~<>+\-*/]*$/.test(js)) throw new Error(`${name} = ${expr}: not a constant expression`);
    return BigInt.asUintN(BITS[type] ?? 64, new Function(`return ${js};`)() as bigint);
  });
  if (values.some((v) => v !== values[0])) throw new Error(`${name} has differing definitions in assembly/`);
  return values[0];
}

const sameValue = (name: string, host: number) =>
  expect(BigInt.asUintN(64, BigInt(host)) & ((1n << 64n) - 1n), name).toBe(kernelValue(name));

describe("src/abi.ts against the kernel's sources", () => {
  it("every numeric constant has the kernel's value under the kernel's name", () => {
    const numbers = Object.entries(abi).filter(([, v]) => typeof v === "number") as Array<[string, number]>;
    expect(numbers.length).toBeGreaterThan(30);
    for (const [name, value] of numbers) sameValue(name, value);
  });

  it("GFP's flags are assembly/mm/gfp.ts's", () => {
    for (const [name, value] of Object.entries(abi.GFP)) sameValue(name, value);
  });

  it("SMAPS indexes proc_smaps_range's record as task_mmu.ts fills it", () => {
    for (const [name, i] of Object.entries(abi.SMAPS)) sameValue(name === "count" ? "NR_SMAPS" : `SMAPS_${name}`, i);
    sameValue("PSS_SHIFT", abi.PSS_SHIFT);
  });

  it("VMA_RECORD and MM_VIEW list the fields in the order task_mmu.ts writes them", () => {
    const text = readFileSync(join(root, "assembly/fs/proc/task_mmu.ts"), "utf8");
    const written = (record: string) => [...text.matchAll(new RegExp(`put\\(${record}, (\\d+), <f64>(?:vma\\.(\\w+)|mm\\.(\\w+)|get_mm_counter\\(mm, (\\w+)\\)|(\\w+)\\((?:vma)?\\))`, "g"))]
      .map(([, i, ...names]) => [Number(i), names.find(Boolean)]);
    expect(written("vma_record")).toEqual(abi.VMA_RECORD.map((f, i) => [i, f]));
    expect(written("mm_view")).toEqual(abi.MM_VIEW.map((f, i) => [i, f]));
    sameValue("NR_MM_VIEW", abi.MM_VIEW.length);
  });

  it("the layout's struct page offsets are the ones the host reads pages with", () => {
    const k = new Kernel(loadKernelModule("release"), { mem: "16M" });
    // One allocated page: the host sees its refcount and flags where the kernel put them.
    const pfn = k.allocPages(abi.GFP.GFP_KERNEL, 0);
    const page = k.layout.mem_map + pfn * k.layout.sizeof_page;
    expect(k.u32[(page + k.layout.page_refcount) >>> 2]).toBe(1);
    expect(k.u32[(page + k.layout.page_flags) >>> 2] & (abi.PG_buddy | abi.PG_reserved)).toBe(0);
    k.freePages(pfn, 0);
    expect(Object.keys(k.layout)).toEqual([...abi.LAYOUT_FIELDS]);
    expect(abi.LAYOUT_FIELDS.length).toBe([...readFileSync(join(root, "assembly/kernel/layout.ts"), "utf8").matchAll(/^\s*put\(/gm)].length);
  });

  it("every export of build/kernel.d.ts is documented in docs/abi.md", () => {
    const dts = readFileSync(join(root, "build/kernel.d.ts"), "utf8");
    const docs = readFileSync(join(root, "docs/abi.md"), "utf8");
    const names = [...dts.matchAll(/export function (\w+)\(/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(40);
    expect(names.filter((n) => !docs.includes("`" + n + "("))).toEqual([]);
  });
});
