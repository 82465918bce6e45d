// src/loader: the load plan and the initial stack against what Linux does
// on this machine (the stack_dump probes run natively under setarch -R),
// against readelf, and against hostile files.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { binDir } from "../../programs/native.mjs";
import { ELF_ET_DYN_BASE, parseElf, PROT_EXEC, PROT_READ, PROT_WRITE, STACK_TOP, TASK_SIZE } from "../../src/loader/elf.js";
import { FPSTATE_SIZE } from "../../src/task/signal.js";
import { DEFAULT_CPU, X86_64_V2, X86_64_V3 } from "../../src/cpu/model.js";
import { AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM, auxvValues, buildInitialStack } from "../../src/loader/stack.js";
import { needs, TOOLS } from "../helpers/tools.js";

const nativeHost = () => needs(TOOLS.x86_64_linux, TOOLS.setarch);
const program = (name: string) => new Uint8Array(readFileSync(join(binDir, name)));

// Linux auxv entries faultline leaves out: AT_SYSINFO_EHDR (no vDSO) and
// AT_RSEQ_FEATURE_SIZE/AT_RSEQ_ALIGN (no rseq).
const NOT_PROVIDED = new Set([33, 27, 28]);
// Values that describe the host CPU or user rather than the program.
const HOST_SPECIFIC = new Set([16, 26, 51, 11, 12, 13, 14]);

interface Dump {
  rsp: number;
  brk: number;
  argv: number[];
  envp: number[];
  auxv: [number, number][];
}

function parseDump(text: string): Dump {
  const d: Dump = { rsp: 0, brk: 0, argv: [], envp: [], auxv: [] };
  for (const line of text.split("\n")) {
    const [key, a, b] = line.split(" ");
    if (key === "rsp") d.rsp = Number(a);
    if (key === "brk") d.brk = Number(a);
    if (key === "argv") d.argv.push(Number(a));
    if (key === "envp") d.envp.push(Number(a));
    if (key === "auxv") d.auxv.push([Number(a), Number(b)]);
  }
  return d;
}

function readWord(bytes: Uint8Array, at: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  return v.getUint32(at + 4, true) * 0x1_0000_0000 + v.getUint32(at, true);
}

/** Read the stack the way the guest's _start does. */
function decodeStack(rsp: number, bytes: Uint8Array) {
  const word = (addr: number) => readWord(bytes, addr - rsp);
  const cstr = (addr: number) => {
    let end = addr - rsp;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(addr - rsp, end));
  };
  const argc = word(rsp);
  const argv = Array.from({ length: argc }, (_, i) => word(rsp + 8 + 8 * i));
  let at = rsp + 8 + 8 * argc + 8;
  const envp: number[] = [];
  for (; word(at) !== 0; at += 8) envp.push(word(at));
  at += 8;
  const auxv: [number, number][] = [];
  for (; ; at += 16) {
    auxv.push([word(at), word(at + 8)]);
    if (word(at) === AT_NULL) break;
  }
  return { argc, argv, envp, auxv, cstr };
}

describe.runIf(nativeHost())("the initial stack and load plan match Linux (setarch -R)", () => {
  const argv = ["ARGV0-ignored", "a", "bb", "a longer argument with spaces"];
  const envp = ["A=1", "HOME=/nowhere", "EMPTY="];
  for (const name of ["stack_dump", "stack_dump_pie"]) {
    it(name, () => {
      const setarch = execFileSync("sh", ["-c", "command -v setarch"], { encoding: "utf8" }).trim();
      const execfn = `./${name}`;
      const args = [execfn, ...argv.slice(1)];
      // setarch execs ./name with our argv[1..]; argv[0] becomes the path.
      const out = execFileSync(setarch, ["-R", execfn, ...argv.slice(1)], { cwd: binDir, env: Object.fromEntries(envp.map((e) => e.split("=") as [string, string])), encoding: "utf8" });
      const native = parseDump(out);
      const plan = parseElf(program(name));
      const stack = buildInitialStack({
        stackTop: STACK_TOP,
        argv: args,
        envp: envp,
        execfn,
        auxv: auxvValues(plan),
        random: new Uint8Array(16).fill(7),
        platform: "x86_64",
      });
      const ours = decodeStack(stack.rsp, stack.bytes);

      expect(ours.argv).toEqual(native.argv);
      expect(ours.envp).toEqual(native.envp);
      expect(ours.argv.map(ours.cstr)).toEqual(args);
      const nativeAuxv = native.auxv.filter(([t]) => !NOT_PROVIDED.has(t));
      expect(ours.auxv.map(([t]) => t)).toEqual(nativeAuxv.map(([t]) => t));
      for (const [type, value] of nativeAuxv)
        if (!HOST_SPECIFIC.has(type)) expect([type, ours.auxv.find(([t]) => t === type)![1]]).toEqual([type, value]);
      expect(ours.cstr(ours.auxv.find(([t]) => t === AT_EXECFN)![1])).toBe(execfn);
      expect(ours.cstr(ours.auxv.find(([t]) => t === AT_PLATFORM)![1])).toBe("x86_64");
      // Three auxv pairs fewer: rsp sits 48 bytes higher, still 16-aligned.
      expect(stack.rsp).toBe(native.rsp + 16 * (native.auxv.length - nativeAuxv.length));
      expect(stack.rsp % 16).toBe(0);
      expect(plan.brk).toBe(native.brk);
    });
  }
});

describe("AT_MINSIGSTKSZ", () => {
  it("is init_sigframe_size's worst case for a CPU without XSAVE (x86-64-v2) under IA32 emulation", () => {
    // sigframe_ia32 (732) + 15 alignment + fxsave image (512) + fsave header (112) + 63 XSAVE alignment = 1434, rounded up to 16
    expect(auxvValues({ phdr: 0, phent: 56, phnum: 0, entry: 0 }, 0, 0, X86_64_V2).minsigstksz).toBe(1440);
    // what faultline writes fits: the fxsave image 64-aligned, then rt_sigframe (440 bytes) 16-aligned below it
    expect(63 + FPSTATE_SIZE + 15 + 440).toBeLessThanOrEqual(1440);
  });

  it("with XSAVE (x86-64-v3) counts the XSAVE image and MAGIC2 instead of the fxsave image", () => {
    // 732 + 15 + (832 + 4 + 112) + 63 = 1758, rounded up to 16
    expect(auxvValues({ phdr: 0, phent: 56, phnum: 0, entry: 0 }, 0, 0, X86_64_V3).minsigstksz).toBe(1760);
    // the default CPU
    expect(DEFAULT_CPU).toBe(X86_64_V3);
    expect(auxvValues({ phdr: 0, phent: 56, phnum: 0, entry: 0 }).minsigstksz).toBe(1760);
    expect(63 + 836 + 15 + 440).toBeLessThanOrEqual(1760);
  });
});

describe("parseElf", () => {
  it("agrees with readelf on every program's segments and entry", { skip: !needs(TOOLS.readelf) }, () => {
    for (const name of readdirSync(binDir)) {
      const plan = parseElf(program(name));
      const text = execFileSync("readelf", ["-lhW", join(binDir, name)], { encoding: "utf8" });
      const loads = [...text.matchAll(/^\s*LOAD\s+(\S+)\s+(\S+)\s+\S+\s+(\S+)\s+(\S+)\s+(.{3})\s+(\S+)/gm)];
      expect(plan.segments.map((s) => [s.offset, s.vaddr - plan.loadBias, s.filesz, s.memsz, s.prot]), name).toEqual(
        loads.map((m) => [
          Number(m[1]),
          Number(m[2]),
          Number(m[3]),
          Number(m[4]),
          (m[5].includes("R") ? PROT_READ : 0) | (m[5].includes("W") ? PROT_WRITE : 0) | (m[5].includes("E") ? PROT_EXEC : 0),
        ]),
      );
      expect(plan.entry - plan.loadBias).toBe(Number(/Entry point address:\s+(\S+)/.exec(text)![1]));
      expect(plan.execStack).toBe(/GNU_STACK.*RWE/.test(text));
    }
  });

  it("loads a static PIE top-down from the mmap base and starts its brk at ELF_ET_DYN_BASE", () => {
    const plan = parseElf(program("pie_hello"));
    expect(plan.type).toBe("ET_DYN");
    // Its extent [0, 0x4008) takes five pages just below mmap_base (0x7ffff7fff000).
    expect(plan.loadBias).toBe(0x7ffff7fff000 - 5 * 4096);
    expect(plan.brk).toBe(0x555555555000);
    expect(ELF_ET_DYN_BASE).toBe(0x555555554aaa);
  });

  it("gives ET_EXEC's brk at the page after the highest segment end", () => {
    const plan = parseElf(program("mem_sum"));
    const end = Math.max(...plan.segments.map((s) => s.vaddr + s.memsz));
    expect(plan.brk).toBe(Math.ceil(end / 4096) * 4096);
    const bss = plan.segments.find((s) => s.memsz > s.filesz)!;
    // mem_sum's 1 MiB array: file pages, padzero to the page end, anonymous pages after.
    expect(bss.mapEnd).toBe(bss.bssStart);
    expect(bss.zeroEnd).toBe(bss.bssStart);
    expect(bss.bssEnd).toBe(Math.ceil((bss.vaddr + bss.memsz) / 4096) * 4096);
    expect(bss.bssEnd - bss.bssStart).toBeGreaterThanOrEqual(1 << 20);
  });
});

// Real-world executables: glibc's static and static-PIE builds (PT_TLS,
// PT_GNU_RELRO, notes, larger images) report where Linux put them.
const GLIBC_PROBE = `#include <stdio.h>
#include <sys/auxv.h>
int main(void) {
  printf("%lx %lx\\n", getauxval(AT_PHDR), getauxval(AT_ENTRY));
  return 0;
}
`;

describe.runIf(needs(TOOLS.x86_64_linux, TOOLS.setarch, TOOLS.gcc, TOOLS.libc_a))("glibc-built executables", () => {
  // -pie and -no-pie: dynamically linked, AT_PHDR and AT_ENTRY are the program's (ld.so's entry runs first).
  for (const flag of ["-static", "-static-pie", "-pie", "-no-pie"]) {
    // (Not the brk: glibc's start-up has moved it by the time main runs.)
    it(`gcc ${flag}: AT_PHDR and AT_ENTRY are where Linux puts them`, () => {
      const dir = mkdtempSync(join(tmpdir(), "faultline-glibc-"));
      try {
        writeFileSync(join(dir, "probe.c"), GLIBC_PROBE);
        execFileSync("gcc", ["-O2", flag, "-o", join(dir, "probe"), join(dir, "probe.c")]);
        const setarch = execFileSync("sh", ["-c", "command -v setarch"], { encoding: "utf8" }).trim();
        const out = execFileSync(setarch, ["-R", join(dir, "probe")], { encoding: "utf8" });
        const plan = parseElf(new Uint8Array(readFileSync(join(dir, "probe"))));
        expect([plan.phdr, plan.entry]).toEqual(out.trim().split(" ").map((h) => parseInt(h, 16)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it.runIf(needs(TOOLS.dynamic_ls))("a dynamically linked PIE names its interpreter and loads at ELF_ET_DYN_BASE, its brk after its image", () => {
    const plan = parseElf(new Uint8Array(readFileSync("/bin/ls")));
    expect(plan.interp).toBe("/lib64/ld-linux-x86-64.so.2");
    expect(plan.loadBias).toBe(0x555555554000);
    const end = Math.max(...plan.segments.map((s) => s.vaddr + s.memsz));
    expect(plan.brk).toBe(Math.ceil(end / 4096) * 4096);
  });
});

// Malformed files, each built from a good one by one edit.
const good = program("hello");
const u16 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer).setUint16(at, v, true);
const u32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer).setUint32(at, v, true);
const u64 = (b: Uint8Array, at: number, v: number) => {
  u32(b, at, v >>> 0);
  u32(b, at + 4, Math.floor(v / 2 ** 32));
};
const PH = 64; // hello's program headers start right after the ELF header
const ph = (i: number, field: number) => PH + 56 * i + field;
function edit(f: (b: Uint8Array) => void): Uint8Array {
  const b = good.slice();
  f(b);
  return b;
}

const malformed: [string, Uint8Array, RegExp][] = [
  ["empty file", new Uint8Array(0), /too short/],
  ["truncated header", good.slice(0, 40), /too short/],
  ["bad magic", edit((b) => (b[1] = 0x45 + 1)), /bad magic/],
  ["32-bit class", edit((b) => (b[4] = 1)), /64-bit/],
  ["big-endian", edit((b) => (b[5] = 2)), /little-endian/],
  ["EI_VERSION 0", edit((b) => (b[6] = 0)), /version/],
  ["e_version 2", edit((b) => u32(b, 20, 2)), /version/],
  ["relocatable object", edit((b) => u16(b, 16, 1)), /not an executable/],
  ["machine i386", edit((b) => u16(b, 18, 3)), /x86-64/],
  ["e_phentsize 32", edit((b) => u16(b, 54, 32)), /e_phentsize/],
  ["no program headers", edit((b) => u16(b, 56, 0)), /absurd/],
  ["e_phnum 65535", edit((b) => u16(b, 56, 65535)), /absurd/],
  ["program headers past the end", edit((b) => u64(b, 32, b.length - 10)), /past the end/],
  ["truncated program headers", good.slice(0, PH + 56 + 20), /past the end/],
  ["e_phoff 2^63", edit((b) => u32(b, 36, 0x80000000)), /past the end/],
  ["p_filesz > p_memsz", edit((b) => u64(b, ph(1, 40), 1)), /p_filesz larger/],
  ["segment past TASK_SIZE", edit((b) => u64(b, ph(1, 16), TASK_SIZE - 0x10)), /beyond the user address space/],
  ["segment wrapping", edit((b) => u32(b, ph(1, 20), 0xffffffff)), /beyond the user address space/],
  ["p_offset past the file", edit((b) => u64(b, ph(1, 8), 0x100000)), /past the end of the file/],
  ["p_offset and p_vaddr disagree", edit((b) => u64(b, ph(1, 8), 0x1008)), /disagree modulo the page size/],
  ["p_align not a power of two", edit((b) => u64(b, ph(1, 48), 0x3000)), /p_align/],
  ["p_align inconsistent", edit((b) => u64(b, ph(1, 48), 0x800000)), /p_align/],
  ["overlapping segments", edit((b) => u64(b, ph(0, 40), 0x2000)), /overlaps/],
  ["segments out of order", edit((b) => u64(b, ph(2, 16), 0x400000)), /overlaps or precedes/],
  ["entry outside every executable segment", edit((b) => u64(b, 24, 0x402000)), /entry point 0x402000 outside/],
  ["entry in no segment", edit((b) => u64(b, 24, 0x10)), /entry point/],
  ["no PT_LOAD", edit((b) => [0, 1, 2].forEach((i) => u32(b, ph(i, 0), 4))), /no PT_LOAD/],
  ["segment at address 0", edit((b) => [0, 1, 2].forEach((i) => u64(b, ph(i, 16), i * 0x1000))), /mmap_min_addr/],
  ["dynamically linked", edit((b) => {
    u32(b, ph(3, 0), 3); // PT_GNU_STACK becomes PT_INTERP naming bytes in the file
    u64(b, ph(3, 8), 0x2000);
    u64(b, ph(3, 32), 5);
  }), /PT_INTERP path not NUL-terminated/],
];

describe("malformed ELF files are refused as exec format errors", () => {
  it("hello is the good file these are made from", () => {
    expect(parseElf(good).segments).toHaveLength(3);
    expect(new DataView(good.buffer).getUint16(56, true)).toBe(4);
  });
  for (const [what, bytes, reason] of malformed) {
    it(what, () => {
      expect(() => parseElf(bytes)).toThrow(/^exec format error: /);
      expect(() => parseElf(bytes)).toThrow(reason);
    });
  }
});

describe("hostile files never crash or hang the parser", () => {
  const seeds = ["hello", "sha256", "pie_hello"].map(program);
  const check = (bytes: Uint8Array) => {
    let plan;
    try {
      plan = parseElf(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).message).toMatch(/^exec format error: /);
      return;
    }
    // Whatever is accepted is loadable: in user space, page-consistent, entry executable.
    for (const s of plan.segments) {
      expect(s.vaddr + s.memsz).toBeLessThanOrEqual(TASK_SIZE);
      expect(s.mapStart % 4096).toBe(0);
      expect(s.bssEnd).toBeGreaterThanOrEqual(s.bssStart);
      if (s.filesz > 0) expect(s.offset + s.filesz).toBeLessThanOrEqual(bytes.length);
    }
    expect(plan.brk % 4096).toBe(0);
  };

  it("random byte edits in the headers", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 64 + 56 * 6 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (which, edits) => {
          const b = seeds[which].slice();
          for (const [at, v] of edits) b[at] = v;
          check(b);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("truncations and random bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length }), (n) => check(good.slice(0, n))),
      { numRuns: 200 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => check(b)), { numRuns: 200 });
  });
});

describe("buildInitialStack", () => {
  const base = {
    stackTop: STACK_TOP,
    execfn: "/bin/prog",
    auxv: auxvValues({ phdr: 0x400040, phent: 56, phnum: 4, entry: 0x401000 }),
    random: Uint8Array.from({ length: 16 }, (_, i) => i),
    platform: "x86_64",
  };

  it("keeps rsp 16-byte aligned for any argument and environment count", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }).map((s) => s.replace(/\0/g, "")), { maxLength: 12 }), fc.array(fc.string({ maxLength: 20 }).map((s) => s.replace(/\0/g, "")), { maxLength: 12 }), (argv, envp) => {
        const s = buildInitialStack({ ...base, argv, envp });
        expect(s.rsp % 16).toBe(0);
        expect(s.rsp + s.bytes.length).toBe(STACK_TOP);
        const d = decodeStack(s.rsp, s.bytes);
        expect(d.argv.map(d.cstr)).toEqual(argv.length ? argv : [""]);
        expect(d.envp.map(d.cstr)).toEqual(envp);
        expect(d.auxv).toEqual(s.auxv);
        const random = d.auxv.find(([t]) => t === AT_RANDOM)![1];
        expect([...s.bytes.subarray(random - s.rsp, random - s.rsp + 16)]).toEqual([...base.random]);
        expect(s.vmStart).toBeLessThanOrEqual(s.rsp - 120 * 1024);
      }),
      { numRuns: 100 },
    );
  });

  it("gives a program started without arguments argv[0] = \"\", as Linux does", () => {
    const s = buildInitialStack({ ...base, argv: [], envp: [] });
    const d = decodeStack(s.rsp, s.bytes);
    expect(d.argc).toBe(1);
    expect(d.cstr(d.argv[0])).toBe("");
  });

  it("refuses what execve refuses", () => {
    expect(() => buildInitialStack({ ...base, argv: ["a\0b"], envp: [] })).toThrow(/NUL/);
    expect(() => buildInitialStack({ ...base, argv: ["x".repeat(32 * 4096)], envp: [] })).toThrow(/^argument list too long/);
    expect(() => buildInitialStack({ ...base, argv: Array(100).fill("y".repeat(30000)), envp: [] })).toThrow(/^argument list too long/);
  });
});
