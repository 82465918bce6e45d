// The vDSO image (src/loader/vdso.ts): its hand-encoded instructions against
// iced-x86 and objdump, its ELF structure against readelf, and its code run
// on the CPU against the syscalls it stands for, at the same instruction.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decoder, DecoderOptions, Formatter, FormatterSyntax } from "iced-x86";
import { buildVdsoImage, updateVsyscall, VD_CLOCK_MODE, VDSO_FUNCTIONS } from "../../src/loader/vdso.js";
import { PAGE_SIZE, VDSO_PAGES, VVAR_PAGES, VVAR_VCLOCK_PAGES } from "../../src/abi.js";
import { DEFAULT_EPOCH, SeededRandom, Syscalls, VirtualClock } from "../../src/syscalls/index.js";
import { STOP_SYSCALL, STOP_UD } from "../../src/cpu/index.js";
import { FlatMachine, PROT_R, PROT_W, PROT_X } from "../cpu/flat.js";
import { needs, TOOLS } from "../helpers/tools.js";

const image = buildVdsoImage();
const hex = (n: number) => `0x${BigInt.asUintN(64, BigInt(n)).toString(16)}`;

function dumped(): string {
  const path = join(mkdtempSync(join(tmpdir(), "faultline-vdso-")), "vdso.so");
  writeFileSync(path, image.bytes);
  return path;
}

function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout;
}

describe("the vDSO's instructions", () => {
  const { code, addrs, labels } = image.text;
  const insns = code.map((x, n) => ({ ...x, at: addrs[n] })).filter((x) => x.bytes.length);
  // Each operand a label names is its address, as iced prints it.
  const expected = (asm: string) => asm.replace(/\b([a-z_]\w*)\b/g, (w) => (w in labels ? hex(labels[w]) : w));

  it("decode with iced-x86 to the assembly beside them, at their lengths", () => {
    const f = new Formatter(FormatterSyntax.Intel);
    f.spaceAfterOperandSeparator = true;
    f.hexPrefix = "0x";
    f.hexSuffix = "";
    f.uppercaseHex = false;
    f.showBranchSize = false;
    f.branchLeadingZeros = false;
    for (const x of insns) {
      const len = x.bytes.length + (x.rel?.size ?? 0);
      const bytes = image.bytes.subarray(x.at, x.at + len);
      const d = new Decoder(64, bytes, DecoderOptions.None);
      d.ip = BigInt(x.at);
      const insn = d.decode();
      expect(insn.isInvalid, x.asm).toBe(false);
      expect(insn.length, x.asm).toBe(len);
      expect(f.format(insn)).toBe(expected(x.asm));
    }
    expect(insns.length).toBeGreaterThan(80);
  });

  it.runIf(needs(TOOLS.objdump))("disassemble with objdump to the same instructions", () => {
    const out = tool("objdump", ["-d", "-M", "intel", "-j", ".text", dumped()]);
    const lines = [...out.matchAll(/^\s+([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t(\S+)/gm)]
      .map((m) => ({ at: parseInt(m[1], 16), mnemonic: m[3] }));
    expect(lines.map((l) => l.at)).toEqual(insns.map((x) => x.at));
    // objdump spells the conditional jumps by their other names (jb: jb, jae: jae, je: je ...) as iced does.
    expect(lines.map((l) => l.mnemonic)).toEqual(insns.map((x) => x.asm.split(" ")[0]));
  });
});

describe("the vDSO's ELF image", () => {
  it("fits its pages and is a shared object readelf reads without a complaint", () => {
    expect(image.bytes.length).toBeLessThanOrEqual(VDSO_PAGES * PAGE_SIZE);
    if (!needs(TOOLS.readelf)) return;
    const out = tool("readelf", ["-W", "-a", dumped()]);
    expect(out).toMatch(/Type:\s+DYN \(Shared object file\)/);
    expect(out).toMatch(/Machine:\s+Advanced Micro Devices X86-64/);
    expect(out).toMatch(/\(SONAME\)\s+Library soname: \[linux-vdso\.so\.1\]/);
    expect(out).toMatch(/Version definition section '\.gnu\.version_d' contains 2 entries/);
    expect(out).toMatch(/Rev: 1\s+Flags: BASE\s+Index: 1\s+Cnt: 1\s+Name: linux-vdso\.so\.1/);
    expect(out).toMatch(/Rev: 1\s+Flags: none\s+Index: 2\s+Cnt: 1\s+Name: LINUX_2\.6/);
    // readelf's hash-table histogram reads DT_HASH: every symbol in a chain
    expect(out).toMatch(/Histogram for bucket list length \(total of 3 buckets\)/);
  });

  it.runIf(needs(TOOLS.readelf))("exports each function as glibc and musl look it up: __vdso_NAME@@LINUX_2.6, and NAME weak", () => {
    const out = tool("readelf", ["-W", "--dyn-syms", dumped()]);
    for (const f of VDSO_FUNCTIONS) {
      const at = image.symbols[`__vdso_${f}`].toString(16).padStart(16, "0");
      expect(out).toMatch(new RegExp(`${at}\\s+\\d+ FUNC\\s+GLOBAL DEFAULT\\s+7 __vdso_${f}@@LINUX_2\\.6\\n`));
      expect(out).toMatch(new RegExp(`${at}\\s+\\d+ FUNC\\s+WEAK\\s+DEFAULT\\s+7 ${f}@@LINUX_2\\.6\\n`));
    }
  });
});

// ─── the code on the CPU ───────────────────────────────────────────────────

const TEXT = 0x7ffff7ffd000;
const DATA = TEXT - (VVAR_PAGES + VVAR_VCLOCK_PAGES) * PAGE_SIZE;
const STUB = 0x500000;     // the return address: ud2
const BUF = 0x600000;
const NODE = 1;

/** A CPU with the vDSO and its time data mapped as exec maps them, and a clock wired as the machine wires it. */
function vdsoMachine() {
  const m = new FlatMachine();
  m.map(TEXT, VDSO_PAGES * PAGE_SIZE, PROT_R | PROT_X);
  m.poke(TEXT, image.bytes);
  m.map(DATA, PAGE_SIZE, PROT_R);
  m.map(STUB, PAGE_SIZE, PROT_R | PROT_X);
  m.poke(STUB, Uint8Array.of(0x0f, 0x0b));
  m.map(BUF, PAGE_SIZE, PROT_R | PROT_W);
  m.map(0x7ffe0000, 0x10000, PROT_R | PROT_W);
  const frame = m.pages.get(DATA / PAGE_SIZE)!.frame;
  const data = new DataView(m.memory.buffer, frame * PAGE_SIZE, PAGE_SIZE);
  const regs = { get retired() { return m.cpu.retired; } };
  const clock = new VirtualClock(regs, (idle) => updateVsyscall(data, idle, DEFAULT_EPOCH, NODE));
  return { m, data, clock };
}

/** Calls the vDSO's `fn` with `args`; stepping (one instruction a run) or not. @return the stop, rax, and the retired count its rdtsc read. */
function call(m: FlatMachine, fn: string, args: number[], step: boolean) {
  m.cpu.rsp = 0x7fff0000;
  m.cpu.rsp -= 8;
  m.poke(m.cpu.rsp, new Uint8Array(new BigUint64Array([BigInt(STUB)]).buffer));
  args.forEach((a, k) => m.cpu.setReg([7, 6, 2][k], a));
  m.cpu.rip = TEXT + image.symbols[fn];
  const rdtsc = TEXT + image.text.addrs[image.text.code.findIndex((x) => x.asm === "rdtsc")];
  let tsc = -1;
  let stop: number;
  if (step) {
    do {
      if (m.cpu.rip === rdtsc) tsc = m.cpu.retired;
      stop = m.cpu.run(1);
    } while (stop !== STOP_SYSCALL && stop !== STOP_UD);
  } else {
    stop = m.cpu.run(1e6);
  }
  return { stop, rax: m.cpu.getReg(0), tsc };
}

/**
 * The syscall `nr` made as instruction `retired`, on a clock that idled
 * `idle` ns at instruction 0 as the vDSO's did: what the kernel answers
 * (Syscalls, the machine's own).
 */
function syscallAt(idle: number, retired: number, nr: number, args: number[], mem: FlatMachine) {
  const r = new Array<number>(16).fill(0);
  const regs = { getReg: (i: number) => r[i], setReg: (i: number, v: number) => void (r[i] = v), fsBase: 0, gsBase: 0, retired: 0 };
  const clock = new VirtualClock(regs);
  clock.idleUntil(idle);
  regs.retired = retired;
  const user = {
    copyFromUser: (dst: Uint8Array, addr: number, len = dst.length) => (dst.set(mem.peek(addr, len)), 0),
    copyToUser: (addr: number, src: Uint8Array) => (mem.poke(addr, src), 0),
  };
  const io = { stdin: () => new Uint8Array(0), stdout: () => {}, stderr: () => {} };
  const sys = new Syscalls({ regs, mem: user, kernel: {} as never, io, random: new SeededRandom(1), clock, cpuNode: NODE });
  r[0] = nr;
  args.forEach((a, k) => (r[[7, 6, 2][k]] = a));
  sys.dispatch();
  return r[0];
}

describe("the vDSO's code", () => {
  const served = [0, 1, 4, 5, 6, 7, 11];
  // (the clock idles for these before each call: the time data moves with it)
  for (const idle of [0, 2_999_999_990, 7e12 + 123]) {
    it(`clock_gettime of each served clock equals the syscall's at its rdtsc (idle ${idle} ns)`, () => {
      for (const clock of served) {
        const a = vdsoMachine(), b = vdsoMachine();
        a.clock.idleUntil(idle);
        b.clock.idleUntil(idle);
        const stepped = call(a.m, "__vdso_clock_gettime", [clock, BUF], true);
        expect(stepped.stop).toBe(STOP_UD);
        expect(stepped.rax).toBe(0);
        const got = a.m.peek(BUF, 16);
        // the syscall in the rdtsc's place retires as instruction tsc + 1
        const syscallMem = vdsoMachine().m;
        expect(syscallAt(idle, stepped.tsc + 1, 228, [clock, BUF], syscallMem)).toBe(0);
        expect(got, `clock ${clock}`).toEqual(syscallMem.peek(BUF, 16));
        // run whole (blocks, translated), the vDSO reads the same count at its rdtsc
        b.m.cpu.jitThreshold = 0;
        for (let k = 0; k < 3; k++) call(b.m, "__vdso_clock_gettime", [clock, BUF], false);
        const again = vdsoMachine();
        again.clock.idleUntil(idle);
        for (let k = 0; k < 2; k++) call(again.m, "__vdso_clock_gettime", [clock, BUF], true);
        const third = call(again.m, "__vdso_clock_gettime", [clock, BUF], true);
        expect(b.m.peek(BUF, 16)).toEqual(again.m.peek(BUF, 16));
        expect(third.tsc).toBeGreaterThan(0);
      }
    });
  }

  it("gettimeofday, time, getcpu and clock_getres equal their syscalls", () => {
    const cases: Array<[fn: string, nr: number, args: number[], bytes: number]> = [
      ["__vdso_gettimeofday", 96, [BUF, BUF + 64], 72],
      ["__vdso_time", 201, [BUF], 8],
      ["__vdso_getcpu", 309, [BUF, BUF + 4], 8],
      ...served.map((c): [string, number, number[], number] => ["__vdso_clock_getres", 229, [c, BUF], 16]),
    ];
    for (const [fn, nr, args, bytes] of cases) {
      const a = vdsoMachine();
      a.m.poke(BUF, new Uint8Array(72).fill(0xaa));
      a.clock.idleUntil(5e9 + 7);
      const r = call(a.m, fn, args, true);
      expect(r.stop, fn).toBe(STOP_UD);
      const sys = vdsoMachine().m;
      sys.poke(BUF, new Uint8Array(72).fill(0xaa));
      const want = syscallAt(5e9 + 7, r.tsc + 1, nr, args, sys);
      expect(r.rax, fn).toBe(want);
      expect(a.m.peek(BUF, bytes), fn).toEqual(sys.peek(BUF, bytes));
    }
  });

  it("clocks it does not serve, and a clock mode of NONE, fall back to the syscall with the arguments unchanged", () => {
    for (const clock of [2, 3, 8, 9, 10, 12, 1000, -1]) {
      const { m } = vdsoMachine();
      const r = call(m, "__vdso_clock_gettime", [clock, BUF], false);
      expect(r.stop).toBe(STOP_SYSCALL);
      expect(r.rax).toBe(228);
      expect(m.cpu.getReg(7) | 0).toBe(clock);
      expect(m.cpu.getReg(6)).toBe(BUF);
      const g = call(vdsoMachine().m, "__vdso_clock_getres", [clock, BUF], false);
      expect([g.stop, g.rax]).toEqual([STOP_SYSCALL, 229]);
    }
    const none = vdsoMachine();
    none.data.setInt32(VD_CLOCK_MODE, 0, true);
    for (const [fn, nr] of [["__vdso_clock_gettime", 228], ["__vdso_gettimeofday", 96], ["__vdso_time", 201]] as const) {
      const r = call(none.m, fn, [1, BUF], false);
      expect([fn, r.stop, r.rax]).toEqual([fn, STOP_SYSCALL, nr]);
    }
  });
});
