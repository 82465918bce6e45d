// SSE and x87 floating-point instructions through the decoder and executor
// against the real CPU: a generated program (float_gen.ts) runs natively and
// under the emulator; every 48-byte record must be identical.
import { describe, expect, it } from "vitest";
import { decode } from "../../src/cpu/decode.js";
import { haveToolchain, nativeRecords, runGenerated, sampledModes } from "./flat.js";
import { generate, RECORD } from "./float_gen.js";

const hexBytes = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

// the SSE program loads and stores XMM registers and MXCSR with the SSE moves (movups, ldmxcsr, stmxcsr)
const haveSseMoves = ["0f 10 00", "0f ae 10"].every((h) => decode(new Uint8Array(h.split(" ").map((b) => parseInt(b, 16))), 3, 0)?.op !== "ud");

const RUNS = (haveSseMoves ? ["x87", "sse"] as const : ["x87"] as const).flatMap((part) => sampledModes(7).map((m) => [part, ...m] as const));

describe.skipIf(!haveToolchain())("floating-point instructions against the real CPU", () => {
  it.each(RUNS)("runs the generated %s cases as the hardware does (%s)", (part, _mode, jitThreshold, stride) => {
    const { asm, cases } = generate(part, 24, stride);
    const { text, ref } = nativeRecords(asm);
    const out = runGenerated(text, cases.length * RECORD + 8192, jitThreshold);
    expect(out.length).toBe(ref.length);
    const bad: string[] = [];
    cases.forEach((c, i) => {
      const g = out.subarray(i * RECORD, (i + 1) * RECORD), h = ref.subarray(i * RECORD, (i + 1) * RECORD);
      if (hexBytes(g) !== hexBytes(h)) bad.push(`${c.desc}:\n    ours     ${hexBytes(g)}\n    hardware ${hexBytes(h)}`);
    });
    expect(bad.length + " of " + cases.length + "\n" + bad.slice(0, 20).join("\n")).toBe("0 of " + cases.length + "\n");
  });
});
