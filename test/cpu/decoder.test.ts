// The decoder against iced-x86: a generated sample of encodings over every
// one-byte, 0F, 0F 38 and 0F 3A opcode with random prefixes, REX, ModRM/SIB, displacements
// and immediates (the comparison is in iced.ts).
import { Instruction } from "iced-x86";
import { describe, expect, it } from "vitest";
import { decode } from "../../src/cpu/decode.js";
import { check, hex, IP, random } from "./iced.js";

describe("decoder against iced-x86", () => {
  it("agrees on a generated sample across the subset", () => {
    const rnd = random(0x9e3779b9);
    const bytes = new Uint8Array(15);
    const ins = new Instruction();
    const bad: string[] = [];
    const kinds = new Set<string>();
    let decoded = 0;
    let agreed = 0;
    const legacy = [0x66, 0xf2, 0xf3, 0x64, 0x65, 0x2e, 0x3e, 0x67, 0xf0];
    // two passes: the first learns which mnemonics are in the subset
    for (let pass = 0; pass < 2; pass++) {
      for (let opc = 0; opc < 1024; opc++) {
        for (let t = 0; t < 120; t++) {
          let n = 0;
          const np = rnd(4) === 0 ? rnd(3) + 1 : 0;
          for (let k = 0; k < np; k++) bytes[n++] = legacy[rnd(legacy.length)];
          // the SSE opcodes: often a mandatory prefix (66, F3, F2) right before REX
          if (opc >= 256 && rnd(2)) bytes[n++] = [0x66, 0xf3, 0xf2][rnd(3)];
          if (rnd(2)) bytes[n++] = 0x40 | rnd(16);
          if (opc >= 256) bytes[n++] = 0x0f;
          if (opc >= 512) bytes[n++] = opc >= 768 ? 0x3a : 0x38;
          bytes[n++] = opc & 0xff;
          // ModRM: favour memory forms with SIB and both displacement sizes
          const mod = rnd(4), rm = rnd(3) === 0 ? 4 : rnd(8);
          bytes[n++] = (mod << 6) | (rnd(8) << 3) | rm;
          while (n < 15) bytes[n++] = rnd(4) === 0 ? [0, 0xff, 0x80, 0x7f][rnd(4)] : rnd(256);
          const d = check(bytes, ins);
          if (pass === 1) {
            decoded++;
            if (!d && !ins.isInvalid && decode(bytes, 15, IP)?.op !== "ud") agreed++;
            // one example of each kind of disagreement
            const kind = d.replace(/-?[0-9a-f]{2,}/g, "");
            if (d && !kinds.has(kind) && bad.length < 40) {
              kinds.add(kind);
              bad.push(`${hex(bytes)}: ${d}`);
            }
          }
        }
      }
    }
    ins.free();
    expect(decoded).toBeGreaterThan(60000);
    // most of the sample is inside the subset, not refused
    expect(agreed).toBeGreaterThan(25000);
    expect(bad).toEqual([]);
  });
});
