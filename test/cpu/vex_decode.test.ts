// The VEX decoder against iced-x86: a generated sample over the three VEX
// maps (c4 and c5 forms) with random R, X, B, W, vvvv, L and pp, ModRM/SIB,
// displacements and immediates, and prefixes that make VEX #UD (66, F2, F3,
// REX, lock before it). Where we decode, iced must agree; where we say #UD,
// iced must say invalid or name an instruction we never decoded (iced.ts).
import { describe, expect, it } from "vitest";
import { random, sampleAgainstIced } from "./iced.js";

describe("VEX decoder against iced-x86", () => {
  it("agrees on a generated sample of the VEX maps", () => {
    const rnd = random(0x7e57a5e5);
    const bytes = new Uint8Array(15);
    const { agreed, bad } = sampleAgainstIced(bytes, (emit) => {
      for (let map = 1; map <= 3; map++) {
        for (let opc = 0; opc < 256; opc++) {
          for (let t = 0; t < 60; t++) {
            let n = 0;
            if (rnd(12) === 0) bytes[n++] = [0x66, 0xf2, 0xf3, 0xf0, 0x40 | rnd(16), 0x64, 0x67][rnd(7)];
            const vvvv = rnd(2) ? 15 : rnd(16), L = rnd(2), pp = rnd(4);
            if (map === 1 && rnd(2)) {
              bytes[n++] = 0xc5;
              bytes[n++] = (rnd(2) << 7) | (vvvv << 3) | (L << 2) | pp;
            } else {
              bytes[n++] = 0xc4;
              bytes[n++] = (rnd(8) << 5) | (rnd(16) === 0 ? rnd(32) : map);
              bytes[n++] = (rnd(2) << 7) | (vvvv << 3) | (L << 2) | pp;
            }
            bytes[n++] = opc;
            const mod = rnd(4), rm = rnd(3) === 0 ? 4 : rnd(8);
            bytes[n++] = (mod << 6) | (rnd(8) << 3) | rm;
            while (n < 15) bytes[n++] = rnd(4) === 0 ? [0, 0xff, 0x80, 0x7f][rnd(4)] : rnd(256);
            emit();
          }
        }
      }
    });
    expect(agreed).toBeGreaterThan(1800);
    expect(bad).toEqual([]);
  });
});
