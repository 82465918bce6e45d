// Every x87 escape (D8..DF with each ModRM byte) against iced-x86: where we
// decode, the same mnemonic, memory operand size and ST(i) operands; where
// we say #UD, iced names an instruction faultline leaves out on purpose.
import { Decoder, DecoderOptions, Instruction, MemorySize, Mnemonic, OpKind, Register } from "iced-x86";
import { describe, expect, it } from "vitest";
import { x87Form } from "../../src/cpu/x87_insns.js";


const MEM_BYTES: Partial<Record<string, number>> = {
  Float32: 4, Float64: 8, Float80: 10, Int16: 2, Int32: 4, Int64: 8, UInt16: 2, Word: 2, FpuEnv28: 28, FpuState108: 108, Bcd: 10,
};

describe("x87 decoding against iced-x86", () => {
  it("agrees on every escape opcode and ModRM byte", () => {
    const ins = new Instruction();
    const bad: string[] = [];
    let decoded = 0;
    for (let b0 = 0xd8; b0 <= 0xdf; b0++) {
      for (let modrm = 0; modrm < 256; modrm++) {
        const bytes = new Uint8Array([b0, modrm, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
        const dec = new Decoder(64, bytes, DecoderOptions.None);
        dec.decodeOut(ins);
        dec.free();
        const f = x87Form(b0, modrm);
        const where = `${b0.toString(16)} ${modrm.toString(16).padStart(2, "0")}`;
        const mn = Mnemonic[ins.mnemonic].toLowerCase();
        if (!f) {
          if (!ins.isInvalid) bad.push(`${where}: we say #UD, iced ${mn}`);
          continue;
        }
        decoded++;
        if (ins.isInvalid) { bad.push(`${where}: iced says invalid, ours ${f.op}`); continue; }
        if (mn !== f.op) { bad.push(`${where}: iced ${mn}, ours ${f.op}`); continue; }
        const regs: string[] = [];
        let mem = 0;
        for (let i = 0; i < ins.opCount; i++) {
          if (ins.opKind(i) === OpKind.Memory) mem = MEM_BYTES[MemorySize[ins.memorySize]] ?? -1;
          else if (ins.opKind(i) === OpKind.Register) regs.push(Register[ins.opRegister(i)]);
        }
        const i = modrm & 7;
        const want = f.shape === "m" ? [] : f.shape.split(",").filter((s) => s).map((s) => (s === "st0" ? "ST0" : s === "sti" ? `ST${i}` : "AX"));
        if (mem !== f.msz) bad.push(`${where} ${f.op}: memory ${mem} bytes (${MemorySize[ins.memorySize]}), ours ${f.msz}`);
        const theirs = regs.join(",");
        if (theirs !== want.join(",")) {
          bad.push(`${where} ${f.op}: registers ${theirs}, ours ${want.join(",")}`);
        }
      }
    }
    ins.free();
    expect(bad.slice(0, 30)).toEqual([]);
    expect(decoded).toBeGreaterThan(1400);
  });
});
