// Hostile guests, end to end through the Machine: garbage for code, jumps to
// nowhere, a loop that never ends, a program that eats all memory, files
// that are not programs. Each ends as Linux would end it (a signal, the OOM
// killer, ENOEXEC), never as a host exception, and afterwards the kernel's
// invariants hold, no page is leaked, and the machine runs the next program.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadKernelModule } from "../src/cli/load.js";
import { parseElf } from "../src/loader/index.js";
import { Machine, type MachineOptions, type RunEnd } from "../src/machine.js";
import { programPath } from "./program-cases.js";

const kernel = loadKernelModule("debug");
const hello = new Uint8Array(readFileSync(programPath({ program: "hello" })));
const touchWrite = new Uint8Array(readFileSync(programPath({ program: "touch_write" })));

/** A machine, its free pages at boot (pcp lists drained), and a check that it is whole again. */
function machine(options: MachineOptions = {}) {
  const m = new Machine(kernel, options);
  m.kernel.drainAllPages();
  const free = m.kernel.counter("nr_free_pages");
  const whole = () => {
    expect(m.mm).toBe(0);
    expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
    m.kernel.drainAllPages();
    expect(m.kernel.counter("nr_free_pages")).toBe(free);
  };
  /** The next program still runs. */
  const runsHello = () => {
    let out = "";
    const h = new Machine(kernel, { stdout: (b) => (out += new TextDecoder().decode(b)) });
    h.exec(hello, ["./hello"]);
    expect(h.run(1e6)).toEqual({ kind: "exit", status: 0 });
    expect(out).toBe("Hello, world!\n");
  };
  return { m, whole, runsHello };
}

/** hello with its code from the entry point on replaced by `code`. */
function withCode(code: Uint8Array): Uint8Array {
  const plan = parseElf(hello);
  const text = plan.segments.find((s) => s.vaddr <= plan.entry && plan.entry < s.vaddr + s.filesz)!;
  const at = text.offset + (plan.entry - text.vaddr);
  const room = text.offset + text.filesz - at;
  const elf = hello.slice();
  elf.set(code.subarray(0, room), at);
  return elf;
}

function ended(end: RunEnd): number {
  expect(end.kind).not.toBe("exit");
  return end.kind === "signal" ? end.signal.signo : -1;
}

describe("hostile guests end as Linux would end them", () => {
  it("random bytes as code end in a signal or the budget, never a host exception", () => {
    const { m, whole } = machine();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), (code) => {
        m.exec(withCode(code), ["./garbage"]);
        const end = m.run(100_000);
        if (end.kind === "budget") m.exit(end);
        else if (end.kind === "signal") expect([4, 5, 7, 8, 11]).toContain(end.signal.signo);
        whole();
      }),
      { numRuns: 150 },
    );
  });

  it("a jump to nowhere is a SIGSEGV at the target, an instruction fetch (SEGV_MAPERR)", () => {
    const { m, whole } = machine();
    // movabs $0x0000123456789000, %rax; jmp *%rax
    m.exec(withCode(Uint8Array.of(0x48, 0xb8, 0x00, 0x90, 0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0xff, 0xe0)), ["./jump"]);
    const end = m.run(1000);
    expect(ended(end)).toBe(11);
    if (end.kind !== "signal") return;
    expect(end.signal).toMatchObject({ code: 1, addr: 0x123456789000, rip: 0x123456789000 });
    whole();
  });

  it("a jump into the stack, which is not executable, is SEGV_ACCERR", () => {
    const { m, whole } = machine();
    // mov %rsp, %rax; jmp *%rax
    m.exec(withCode(Uint8Array.of(0x48, 0x89, 0xe0, 0xff, 0xe0)), ["./stackjump"]);
    const end = m.run(1000);
    expect(ended(end)).toBe(11);
    if (end.kind === "signal") expect(end.signal.code).toBe(2);
    whole();
  });

  it("a loop that never ends stops at the budget, and the machine tears it down", () => {
    const { m, whole, runsHello } = machine();
    m.exec(withCode(Uint8Array.of(0xeb, 0xfe)), ["./spin"]); // jmp .
    expect(m.run(1_000_000)).toEqual({ kind: "budget", retired: 1_000_000 });
    m.exit();
    whole();
    runsHello();
  });

  it("a program touching more memory than is free is killed by the OOM killer (SIGKILL), and the kernel survives", () => {
    const { m, whole, runsHello } = machine({ mem: "32M" });
    // 30 MiB: under the overcommit heuristic (a mapping larger than RAM is refused with ENOMEM),
    // over what the buddy allocator can give once the kernel has its own.
    m.exec(touchWrite, ["./touch_write", String(30 * 256)]);
    const end = m.run(1e9);
    expect(ended(end)).toBe(9);
    expect(end.kind === "signal" && end.status).toBe(137);
    expect(m.kernel.dmesg()).toMatch(/Out of memory: Killed process 1 \(touch_write\)/);
    expect(m.kernel.counter("oom_kill")).toBe(1);
    whole();
    // The same machine runs the next task.
    m.exec(touchWrite, ["./touch_write", "256"]);
    expect(m.run(1e8)).toEqual({ kind: "exit", status: 0 });
    whole();
    runsHello();
  });

  it("files that are not programs are refused with ENOEXEC and change nothing", () => {
    const { m, whole } = machine();
    const broken = hello.slice();
    broken[18] = 3; // e_machine i386
    for (const file of [new Uint8Array(0), Uint8Array.from("#!/bin/sh\n", (c) => c.charCodeAt(0)), broken]) {
      expect(() => m.exec(file, ["./bad"])).toThrow(/^exec format error: /);
      whole();
    }
    m.exec(hello, ["./hello"]);
    expect(m.run(1e6)).toEqual({ kind: "exit", status: 0 });
    whole();
  });
});
