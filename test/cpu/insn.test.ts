// The instruction descriptors (src/cpu/insn.ts): no encoding hides another,
// and the encoding language that family files use decodes as iced-x86 does,
// including the forms the coming families need (mandatory-prefix 0F maps,
// 0F 38 / 0F 3A, XMM operands, x87 escapes with register and memory forms).
import { Instruction } from "iced-x86";
import { describe, expect, it, vi } from "vitest";
import { decode } from "../../src/cpu/decode.js";
import { STOP_SYSCALL } from "../../src/cpu/exec.js";
import {
  DEFS, defineWaiting, FEAT_AVX, FEAT_AVX2, FEAT_BMI1, FEAT_BMI2, FEAT_CMOV, FEAT_CX16, FEAT_CX8, FEAT_ERMS, FEAT_F16C, FEAT_FMA, FEAT_LAHF,
  FEAT_LZCNT, FEAT_MOVBE, FEAT_OSXSAVE, FEAT_POPCNT, FEAT_SSE3, FEAT_SSE41, FEAT_SSE42, FEAT_SSSE3, FEAT_TSC, FEAT_XSAVE, type Feature, LATER, MAPS,
} from "../../src/cpu/insn.js";
import { assemble, haveToolchain, machineWith } from "./flat.js";
import { check, hex, random } from "./iced.js";
import { auxvValues } from "../../src/loader/stack.js";
import { X86_64_V2, X86_64_V3 } from "../../src/cpu/model.js";

describe("instruction descriptors", () => {
  it.runIf(haveToolchain())("cpuid announces the features the defined instructions bring, and nothing else", () => {
    const m = machineWith(assemble(`
      mov $1, %eax
      cpuid
      mov %ecx, %esi
      mov %edx, %edi
      mov $0x80000001, %eax
      cpuid
      mov %ecx, %r8d
      mov %edx, %r9d
      mov $60, %eax
      syscall`));
    expect(m.cpu.run(100)).toBe(STOP_SYSCALL);
    const bit = (f: Feature): number => 2 ** f[2];
    const sum = (fs: Feature[]): number => fs.reduce((a, f) => a + bit(f), 0);
    // leaf 1: ecx, edx; leaf 0x80000001: ecx, edx (SYSCALL, NX, LM); the program ran no x87 or SSE, so
    // cpuid answered for those families before they were defined
    expect(LATER.map((f) => f.defs)).toEqual(LATER.map(() => null));
    defineWaiting();
    // x86-64-v2 (this harness's default CPU) withholds XSAVE (its family is #UD there: xsave.test.ts) and MOVBE
    const defined = [...new Set(DEFS.map((d) => d.feature).filter((f): f is Feature => f !== undefined && f !== FEAT_XSAVE && f !== FEAT_MOVBE))];
    const leaf = (l: number, r: number): number => sum(defined.filter((f) => f[0] === l && f[1] === r));
    expect([m.cpu.getRegU(6), m.cpu.getRegU(7)]).toEqual([leaf(1, 2), leaf(1, 3)]);
    expect([m.cpu.getRegU(8), m.cpu.getRegU(9)]).toEqual([leaf(0x80000001, 2), leaf(0x80000001, 3) + 2 ** 20 + 2 ** 29]);
    // what today's families implement is among them; AVX (ecx 28) and OSXSAVE (ecx 27) are not
    // (with the whole x86-64-v2 level: SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, CX16, LAHF/SAHF)
    for (const f of [FEAT_TSC, FEAT_CX8, FEAT_CMOV, FEAT_CX16, FEAT_POPCNT, FEAT_SSE3, FEAT_SSSE3, FEAT_SSE41, FEAT_SSE42]) {
      expect(m.cpu.getRegU(f[1] === 2 ? 6 : 7) & bit(f)).not.toBe(0);
    }
    expect(m.cpu.getRegU(8) & (bit(FEAT_LZCNT) | bit(FEAT_LAHF))).toBe(bit(FEAT_LZCNT) | bit(FEAT_LAHF));
    expect(m.cpu.getRegU(6) & (2 ** 28 | 2 ** 27)).toBe(0);
    // Linux hands CPUID.1:EDX to the program as AT_HWCAP.
    expect(auxvValues({ phdr: 0, phent: 56, phnum: 0, entry: 0 }).hwcap).toBe(m.cpu.getRegU(7));
  });

  it("x86-64-v3 announces v2's features and AVX, AVX2, FMA, F16C, MOVBE, BMI1, BMI2, ERMS, XSAVE with OSXSAVE, and the XSAVE area's layout", () => {
    defineWaiting();
    const bits = (fs: Feature[]): number => fs.reduce((a, f) => a | (1 << f[2]), 0);
    const v2 = X86_64_V2.cpuid(1, 0), v3 = X86_64_V3.cpuid(1, 0);
    expect(v3[2] >>> 0).toBe((v2[2] | bits([FEAT_FMA, FEAT_MOVBE, FEAT_XSAVE, FEAT_OSXSAVE, FEAT_AVX, FEAT_F16C])) >>> 0);
    expect(v3[3]).toBe(v2[3]);
    expect(X86_64_V3.cpuid(7, 0)).toEqual([0, bits([FEAT_BMI1, FEAT_AVX2, FEAT_BMI2, FEAT_ERMS]), 0, 0]);
    expect(X86_64_V3.cpuid(7, 1)).toEqual([0, 0, 0, 0]);
    // the highest basic leaf: 0xd; v2's is 1, and nothing above it
    expect([X86_64_V2.cpuid(0, 0)[0], X86_64_V3.cpuid(0, 0)[0]]).toEqual([1, 0xd]);
    expect(X86_64_V2.cpuid(7, 0)).toEqual([0, 0, 0, 0]);
    // XCR0 x87 | SSE | AVX, 832 bytes; no XSAVEOPT, XSAVEC, XSAVES; AVX's 256 bytes at 576
    expect(X86_64_V3.cpuid(0xd, 0)).toEqual([7, 832, 832, 0]);
    expect(X86_64_V3.cpuid(0xd, 1)).toEqual([0, 0, 0, 0]);
    expect(X86_64_V3.cpuid(0xd, 2)).toEqual([256, 576, 0, 0]);
    expect(X86_64_V3.cpuid(0x80000001, 0)).toEqual(X86_64_V2.cpuid(0x80000001, 0));
  });

  it("a family defined later announces the features of its instructions and owns its opcode slots", () => {
    defineWaiting();
    for (const f of LATER) {
      const defs = f.defs!;
      // the VEX family announces nothing (avx.ts): its defs carry no feature
      expect(new Set(defs.map((d) => d.feature).filter((x) => x !== undefined))).toEqual(new Set(f.features));
      const own = new Set(defs);
      for (const slot of f.maps.flatMap((m) => MAPS[m])) if (slot.some((e) => own.has(e.def))) expect(slot.every((e) => own.has(e.def))).toBe(true);
    }
    // BMI's VEX 0F 38 and 0F 3A opcodes, SSE's 0F opcodes, the x87 escapes, SSE's floating point, the 0F 38 and 0F 3A maps
    // (SSSE3, SSE4), the VEX maps and FMA's
    expect(LATER.map((f) => [f.maps, f.defs!.length > 0])).toEqual([
      [[6, 7], true], [[1], true], [[0], true], [[1], true], [[2], true], [[3], true], [[5, 6, 7], true], [[6], true],
    ]);
  });

  it("decoding an opcode of a waiting family defines it, and the slot then decodes as iced-x86 does", async () => {
    vi.resetModules();
    const insn = await import("../../src/cpu/insn.js");
    const { decode: fresh } = await import("../../src/cpu/decode.js");
    const x87 = insn.LATER.find((f) => f.maps.includes(0))!;
    expect(x87.defs).toBeNull();
    // fld1, then movaps xmm1, xmm2 (0F 28 /r)
    expect(fresh(new Uint8Array([0xd9, 0xe8]), 2, 0)!.op).toBe("fld1");
    expect(x87.defs).not.toBeNull();
    expect(insn.LATER.filter((f) => f.maps.includes(1)).map((f) => f.defs)).toEqual([null, null]);
    expect(fresh(new Uint8Array([0x0f, 0x28, 0xca]), 3, 0)!.op).toBe("movaps");
    expect(insn.LATER.filter((f) => f.maps.includes(1)).every((f) => f.defs !== null)).toBe(true);
    // pshufb xmm0, xmm1 (66 0F 38 00 /r), then palignr (66 0F 3A 0F /r ib)
    expect(insn.LATER.filter((f) => f.maps.some((m) => m === 2 || m === 3)).map((f) => f.defs)).toEqual([null, null]);
    expect(fresh(new Uint8Array([0x66, 0x0f, 0x38, 0x00, 0xc1]), 5, 0)!.op).toBe("pshufb");
    expect(fresh(new Uint8Array([0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x03]), 6, 0)!.op).toBe("palignr");
    // vmovaps ymm1, ymm2 (VEX.256 0F 28 /r): the VEX forms derive from the families defined before them
    expect(fresh(new Uint8Array([0xc5, 0xfc, 0x28, 0xca]), 4, 0)!.op).toBe("vmovaps");
    // vfmadd231ps ymm0, ymm1, ymm2 (VEX.256.66.0F38.W0 B8 /r): FMA's family
    expect(fresh(new Uint8Array([0xc4, 0xe2, 0x75, 0xb8, 0xc2]), 5, 0)!.op).toBe("vfmadd231ps");
    expect(insn.LATER.every((f) => f.defs !== null)).toBe(true);
  });

  it("the maps come out the same whatever order the waiting families are defined in", async () => {
    // every field of every encoding, slot by slot (descriptors by name: a fresh module graph has its own)
    const described = (maps: typeof MAPS): string => JSON.stringify(maps.map((map) => map.map((slot) => slot.map(({ def, when, ...e }) =>
      ({ ...e, name: String(def.name), when: String(when) })))));
    defineWaiting();
    const registered = described(MAPS);
    vi.resetModules();
    const insn = await import("../../src/cpu/insn.js");
    await import("../../src/cpu/families.js");
    // the legacy maps last to first, then the VEX maps (their forms derive from the legacy descriptors: slot() orders them so)
    for (const map of [3, 2, 1, 0, 7, 6, 5]) insn.defineWaiting(map);
    expect(insn.LATER.every((f) => f.defs !== null)).toBe(true);
    expect(described(insn.MAPS)).toBe(registered);
  });

  it("no encoding is hidden by an earlier one with the same constraints", () => {
    defineWaiting();
    const hidden: string[] = [];
    MAPS.forEach((map, m) => map.forEach((slot, op) => {
      slot.forEach((e, i) => {
        for (const f of slot.slice(0, i)) {
          const same = f.prefix === e.prefix && f.rexW === e.rexW && f.reg === e.reg && f.mod === e.mod && f.exact === e.exact &&
            f.vexW === e.vexW && f.vexL === e.vexL;
          if (same && f.when === null) hidden.push(`map ${m} opcode ${op.toString(16)}: ${String(e.def.name)} behind ${String(f.def.name)}`);
        }
      });
    }));
    expect(hidden).toEqual([]);
  });

  it("decodes prefixed 0F, 0F 38, 0F 3A, XMM and x87 forms as iced-x86 does", () => {
    // (the x87 escapes are defined by their family: test/cpu/x87_decode.test.ts checks every ModRM byte)

    const encodings: number[][] = [[0x0f, 0x6f], [0x0f, 0x7f], [0x0f, 0x7e], [0x0f, 0x73], [0x0f, 0x38, 0x00], [0x0f, 0x3a, 0x0f]];
    const rnd = random(0x2545f491);
    const bytes = new Uint8Array(15);
    const ins = new Instruction();
    const bad: string[] = [];
    const seen = new Set<string>();
    for (let pass = 0; pass < 2; pass++) {
      for (const opc of encodings) {
        for (let t = 0; t < 600; t++) {
          let n = 0;
          for (let k = rnd(3); k > 0; k--) bytes[n++] = [0x66, 0xf2, 0xf3][rnd(3)];
          if (rnd(2)) bytes[n++] = 0x40 | rnd(16);
          for (const b of opc) bytes[n++] = b;
          bytes[n++] = rnd(2) ? 0xc0 | rnd(64) : rnd(256);
          while (n < 15) bytes[n++] = rnd(256);
          const d = check(bytes, ins);
          if (pass === 1 && d && bad.length < 20) bad.push(`${hex(bytes)}: ${d}`);
          if (pass === 1) seen.add(decode(bytes, 15, 0)!.op);
        }
      }
    }
    ins.free();
    expect(bad).toEqual([]);
    expect([...seen].sort()).toEqual(["movd", "movdqa", "movdqu", "movq", "palignr", "pshufb", "pslldq", "psllq", "psrldq", "psrlq", "ud"]);
  });
});
