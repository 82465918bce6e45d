// The decoder against iced-x86: a generated sample of encodings over every
// one-byte, 0F, 0F 38 and 0F 3A opcode with random prefixes, REX, ModRM/SIB, displacements
// and immediates (the comparison is in iced.ts).
import { describe, expect, it } from "vitest";
import { random, sampleAgainstIced } from "./iced.js";

describe("decoder against iced-x86", () => {
  it("agrees on a generated sample across the subset", () => {
    const rnd = random(0x9e3779b9);
    const bytes = new Uint8Array(15);
    const legacy = [0x66, 0xf2, 0xf3, 0x64, 0x65, 0x2e, 0x3e, 0x67, 0xf0];
    const { decoded, agreed, bad } = sampleAgainstIced(bytes, (emit) => {
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
          emit();
        }
      }
    });
    expect(decoded).toBeGreaterThan(60000);
    // most of the sample is inside the subset, not refused
    expect(agreed).toBeGreaterThan(25000);
    expect(bad).toEqual([]);
  });
});
