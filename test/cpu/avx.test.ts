// AVX, AVX2, BMI1 and BMI2 against the real CPU: every encoding of the VEX
// maps (avx_gen.ts) runs natively and under the emulator, interpreted and
// translated, and every record (registers, memory, RFLAGS, MXCSR) must agree.
import { describe, expect, it } from "vitest";
import { STOP_GP, STOP_PAGE_FAULT } from "../../src/cpu/index.js";
import { assemble, differentRecords, EXECUTION_MODES, haveToolchain, machineWith, nativeRecords, runGenerated } from "./flat.js";
import { rng } from "./sse_gen.js";
import { BLOCK_RECORD, generate, generateBlocks, RECORD, UNDEFINED_FLAGS } from "./avx_gen.js";

describe.skipIf(!haveToolchain())("AVX/AVX2 and BMI against the real CPU", () => {
  const { asm, cases } = generate();
  const { text, ref } = nativeRecords(asm);

  it("covers every VEX instruction defined", () => {
    const ops = new Set(cases.map((c) => c.op));
    expect(ops.has("?") || ops.has("ud")).toBe(false);
    for (const op of ["vpaddd", "vaddps", "vmovdqu", "vpbroadcastb", "vpermq", "vperm2i128", "vpsllvd", "shlx", "mulx", "pdep", "vldmxcsr", "vstmxcsr", "vblendvps", "vblendvpd", "vpblendvb"]) expect(ops).toContain(op);
  });

  it.each(EXECUTION_MODES)("the emulator gives the hardware's results (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, cases.length * RECORD + 8192, jitThreshold);
    expect(out.length).toBe(ref.length);
    // word 40: RFLAGS, whose bits the instruction leaves undefined are not compared
    const bad = differentRecords(cases, ref, out, RECORD, (i) => new Map([[40, UNDEFINED_FLAGS[cases[i].op] ?? 0]]));
    expect(bad.slice(0, 12)).toEqual([]);
    expect(bad.length).toBe(0);
  }, 300_000);
});

describe.skipIf(!haveToolchain())("blocks of the VEX instructions the block translator writes out, against the real CPU", () => {
  const { asm, cases } = generateBlocks();
  const { text, ref } = nativeRecords(asm);

  it.each(EXECUTION_MODES)("the emulator gives the hardware's registers, YMM high halves, memory and flags (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, cases.length * BLOCK_RECORD + 8192, jitThreshold);
    expect(out.length).toBe(ref.length);
    // word 80: RFLAGS, whose OF, SF, AF and PF bsf and tzcnt leave undefined, and CF bsf
    const scans = (i: number): Map<number, number> =>
      new Map(/\bbsf\b/.test(cases[i].desc) ? [[80, 0x895]] : /\btzcnt\b/.test(cases[i].desc) ? [[80, 0x894]] : []);
    const bad = differentRecords(cases, ref, out, BLOCK_RECORD, scans);
    expect(bad.slice(0, 6)).toEqual([]);
  }, 300_000);
});

describe.skipIf(!haveToolchain())("a fault inside a translated block of VEX instructions", () => {
  // A loop whose access steps 8 bytes a pass towards the unmapped page at 0x601000 (the aligned moves: that
  // is misaligned on its second pass, #GP): every pass but the first and last takes the translated fast path;
  // the last leaves the architectural state of the faulting instruction (the loop's earlier instructions done,
  // its own nothing), as the compiled Ops do.
  const faulting = [
    ["vmovdqu 8(%rsi), %ymm7", STOP_PAGE_FAULT], ["vmovdqu %ymm2, 12(%rsi)", STOP_PAGE_FAULT], ["vmovdqu %xmm2, 3(%rsi)", STOP_PAGE_FAULT],
    ["vpcmpeqb 6(%rsi), %ymm2, %ymm2", STOP_PAGE_FAULT], ["vpminub (%rsi), %xmm4, %xmm4", STOP_PAGE_FAULT], ["vpshufb 1(%rsi), %ymm4, %ymm2", STOP_PAGE_FAULT],
    ["vptest 2(%rsi), %ymm2", STOP_PAGE_FAULT], ["vpbroadcastq 4(%rsi), %ymm2", STOP_PAGE_FAULT], ["vpbroadcastb 7(%rsi), %xmm4", STOP_PAGE_FAULT],
    ["vmovdqa 32(%rsi), %ymm2", STOP_GP], ["vmovaps %xmm2, 16(%rsi)", STOP_GP],
  ] as const;
  const run = (insn: string, threshold: number) => {
    const code = assemble(["1: vpaddb %ymm1, %ymm2, %ymm2", "vpxor %xmm4, %xmm5, %xmm4", "add %eax, %ebx", insn,
      "vpor %ymm2, %ymm4, %ymm6", "add $8, %rsi", "inc %eax", "jmp 1b"].join("\n"));
    const m = machineWith(code, 0x401000, 1024);
    m.cpu.jitThreshold = threshold;
    m.map(0x600000, 4096, 3);
    const r = rng(0x5eed);
    m.poke(0x600000, new Uint8Array(4096).map(() => r() & 0xff));
    m.cpu.state.xmm.forEach((_, i, a) => { if (i < 64) a[i] = r(); });
    m.cpu.state.ymmh.forEach((_, i, a) => { a[i] = r(); });
    m.cpu.state.L[6] = 0x600000 + 4096 - 8 * 40;
    const stop = m.cpu.run(100_000);
    const st = m.cpu.state;
    return { stop, rip: st.rip[0], cr2: stop === STOP_PAGE_FAULT ? m.cpu.cr2 : 0, flags: m.cpu.rflags, retired: m.cpu.retired,
      L: [...st.L.slice(0, 16)], H: [...st.H.slice(0, 16)], xmm: [...st.xmm.slice(0, 64)], ymmh: [...st.ymmh], mem: [...m.peek(0x600000, 4096)] };
  };
  it.each(faulting)("%s: as the compiled Ops leave it", (insn, stop) => {
    const ops = run(insn, Infinity), translated = run(insn, 0);
    expect(ops.stop).toBe(stop);
    if (stop === STOP_PAGE_FAULT) expect(ops.cr2 >= 0x601000 && ops.cr2 < 0x601020).toBe(true);
    // at the fourth instruction of a pass (0x40100a); a misaligned one on the second pass, its first having run the Op
    expect(ops.rip).toBe(0x40100a);
    expect(ops.retired % 8).toBe(3);
    if (stop === STOP_GP) expect(ops.retired).toBe(11);
    expect(translated).toEqual(ops);
  });
});
