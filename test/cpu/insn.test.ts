// The instruction descriptors (src/cpu/insn.ts): no encoding hides another,
// and the encoding language that family files use decodes as iced-x86 does,
// including the forms the coming families need (mandatory-prefix 0F maps,
// 0F 38 / 0F 3A, XMM operands, x87 escapes with register and memory forms).
import { Instruction } from "iced-x86";
import { describe, expect, it } from "vitest";
import { decode } from "../../src/cpu/decode.js";
import { STOP_UD } from "../../src/cpu/exec.js";
import { define, MAPS } from "../../src/cpu/insn.js";
import { check, hex, random } from "./iced.js";

describe("instruction descriptors", () => {
  it("no encoding is hidden by an earlier one with the same constraints", () => {
    const hidden: string[] = [];
    MAPS.forEach((map, m) => map.forEach((slot, op) => {
      slot.forEach((e, i) => {
        for (const f of slot.slice(0, i)) {
          const same = f.prefix === e.prefix && f.rexW === e.rexW && f.reg === e.reg && f.mod === e.mod && f.exact === e.exact;
          if (same && f.when === null) hidden.push(`map ${m} opcode ${op.toString(16)}: ${String(e.def.name)} behind ${String(f.def.name)}`);
        }
      });
    }));
    expect(hidden).toEqual([]);
  });

  it("decodes prefixed 0F, 0F 38, 0F 3A, XMM and x87 forms as iced-x86 does", () => {
    // descriptors for forms outside today's subset, defined here only to decode them
    const notRun = { compile: () => () => STOP_UD };
    define({ name: "movdqa", enc: ["66 0F 6F /r: V,Wdq", "66 0F 7F /r: Wdq,V"], ...notRun });
    define({ name: "movdqu", enc: ["F3 0F 6F /r: V,Wdq", "F3 0F 7F /r: Wdq,V"], ...notRun });
    define({ name: "movq", enc: ["F3 0F 7E /r: V,Wq"], ...notRun });
    define({ name: (insn) => (insn.ops[0].k === "r" && insn.ops[0].sz === 8) || (insn.ops[0].k === "m" && insn.ops[0].sz === 8) ? "movq" : "movd", enc: ["66 0F 7E /r: Ey,V"], ...notRun });
    define({ name: "psrldq", enc: ["66 0F 73 /3: U,Ib"], ...notRun });
    define({ name: "pshufb", enc: ["66 0F 38 00 /r: V,Wdq"], ...notRun });
    define({ name: "palignr", enc: ["66 0F 3A 0F /r: V,Wdq,Ib"], ...notRun });
    define({ name: "fld1", enc: ["D9 E8"], ...notRun });
    define({ name: "fadd", enc: ["D8 /0: ST0,STi", "D8 /0: Md", "DC /0: Mq", "DC /0: STi,ST0"], ...notRun });
    define({ name: "fld", enc: ["D9 /0: Md", "DD /0: Mq", "DB /5: Mt", "D9 /0: STi"], ...notRun });

    const encodings: number[][] = [[0x0f, 0x6f], [0x0f, 0x7f], [0x0f, 0x7e], [0x0f, 0x73], [0x0f, 0x38, 0x00], [0x0f, 0x3a, 0x0f],
      [0xd8], [0xd9], [0xdb], [0xdc], [0xdd]];
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
          // the MMX forms of the same opcodes (no 66 prefix) stay outside the subset
          if (pass === 1 && d && !/iced \w+_mmm?\d*(_|$)/.test(d) && bad.length < 20) bad.push(`${hex(bytes)}: ${d}`);
          if (pass === 1) seen.add(decode(bytes, 15, 0)!.op);
        }
      }
    }
    ins.free();
    expect(bad).toEqual([]);
    expect([...seen].sort()).toEqual(["fadd", "fld", "fld1", "movd", "movdqa", "movdqu", "movq", "palignr", "pshufb", "psrldq", "ud"]);
  });
});
