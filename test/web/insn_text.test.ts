// The playground's instruction formatter (web/insn_text.ts) over the CPU's
// decoder: Intel syntax as objdump -M intel spells operands, hex immediates.

import { describe, it, expect } from "vitest";
import { decode } from "../../src/cpu/decode.js";
import { formatInsn } from "../../web/insn_text.js";

function fmt(hex: string, ip = 0x401000): string {
  const b = new Uint8Array(hex.split(" ").map((h) => parseInt(h, 16)));
  return formatInsn(decode(b, b.length, ip)!);
}

describe("formatInsn", () => {
  it("prints registers by size, memory operands with their width, immediates in hex", () => {
    expect(fmt("48 8b 07")).toBe("mov rax, qword ptr [rdi]");
    expect(fmt("c7 40 08 2a 00 00 00")).toBe("mov dword ptr [rax+0x8], 0x2a");
    expect(fmt("48 89 44 24 f8")).toBe("mov qword ptr [rsp-0x8], rax");
    expect(fmt("0f b6 04 0a")).toBe("movzx eax, byte ptr [rdx+rcx]");
    expect(fmt("88 24 1e")).toBe("mov byte ptr [rsi+rbx], ah");
    expect(fmt("41 80 3c 24 00")).toBe("cmp byte ptr [r12], 0x0");
    expect(fmt("48 8b 04 c5 10 00 00 00")).toBe("mov rax, qword ptr [rax*8+0x10]");
    expect(fmt("48 c7 c0 ff ff ff ff")).toBe("mov rax, -0x1");
    expect(fmt("66 41 0f ef 0c 24")).toBe("pxor xmm1, xmmword ptr [r12]");
    expect(fmt("41 0f fc c9")).toBe("paddb mm1, mm1");
    expect(fmt("0f 6f 07")).toBe("movq mm0, qword ptr [rdi]");
  });

  it("resolves branch targets and RIP-relative addresses, and shows prefixes", () => {
    expect(fmt("75 fe")).toBe("jne 0x401000");
    expect(fmt("e8 00 00 00 00")).toBe("call 0x401005");
    expect(fmt("48 8d 05 f9 0f 00 00")).toBe("lea rax, [rip → 0x402000]");
    expect(fmt("64 48 8b 04 25 28 00 00 00")).toBe("mov rax, qword ptr fs:[0x28]");
    expect(fmt("f3 48 ab")).toBe("rep stosq");
    expect(fmt("f3 a6")).toBe("repe cmpsb");
    expect(fmt("f2 67 ae")).toBe("repne scasb");
    expect(fmt("0f 05")).toBe("syscall");
    expect(fmt("c3")).toBe("ret");
  });

  it("marks what raises #UD", () => {
    expect(fmt("0f 0b")).toBe("(bad: raises #UD)");
    expect(fmt("0f 0f c1 b4")).toBe("(bad: raises #UD)"); // pfmul: 3DNow! is outside the subset
  });
});
