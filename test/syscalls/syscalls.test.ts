// src/syscalls: the dispatcher against a fake CPU, memory and kernel;
// Linux's numbers, errno values and strace's format as references.
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { bytesReader } from "../../src/machine.js";
import {
  ERRNO,
  formatSyscall,
  SeededRandom,
  SYSCALL_NAMES,
  type SyscallKernel,
  Syscalls,
  uaccess,
  type UserMemory,
} from "../../src/syscalls/index.js";
import { needs, TOOLS } from "../helpers/tools.js";

const RAX = 0, RDX = 2, RSI = 6, RDI = 7, R8 = 8, R9 = 9, R10 = 10;
const PAGE = 4096;

/** Registers as the Cpu exposes them (signed numbers). */
class FakeRegs {
  regs = new Map<number, number>();
  fsBase = 0;
  gsBase = 0;
  retired = 0;
  getReg(r: number) {
    return this.regs.get(r) ?? 0;
  }
  setReg(r: number, v: number) {
    this.regs.set(r, v);
  }
}

/** User memory: mapped pages, some read-only; everything else faults (EFAULT). */
class FakeMemory implements UserMemory {
  pages = new Map<number, { bytes: Uint8Array; writable: boolean }>();
  map(addr: number, len: number, writable = true) {
    for (let a = addr; a < addr + len; a += PAGE) this.pages.set(a, { bytes: new Uint8Array(PAGE), writable });
  }
  private each(addr: number, len: number, write: boolean, f: (page: Uint8Array, off: number, i: number) => void) {
    for (let i = 0; i < len; i++) {
      const p = this.pages.get(addr + i - ((addr + i) % PAGE));
      if (!p || (write && !p.writable)) return false;
    }
    for (let i = 0; i < len; i++) f(this.pages.get(addr + i - ((addr + i) % PAGE))!.bytes, (addr + i) % PAGE, i);
    return true;
  }
  copyFromUser(dst: Uint8Array, addr: number, len = dst.length) {
    return this.each(addr, len, false, (p, off, i) => (dst[i] = p[off])) ? 0 : -14;
  }
  copyToUser(addr: number, src: Uint8Array) {
    return this.each(addr, src.length, true, (p, off, i) => (p[off] = src[i])) ? 0 : -14;
  }
  put(addr: number, bytes: Uint8Array | string) {
    const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    expect(this.copyToUser(addr, b)).toBe(0);
  }
  get(addr: number, len: number) {
    const b = new Uint8Array(len);
    expect(this.copyFromUser(b, addr, len)).toBe(0);
    return b;
  }
}

const BUF = 0x10000; // two writable pages
const RO = 0x20000; // one read-only page

function machine(stdin = "") {
  const regs = new FakeRegs();
  const mem = new FakeMemory();
  mem.map(BUF, 2 * PAGE);
  mem.map(RO, PAGE, false);
  const calls: string[] = [];
  const kernel: SyscallKernel = {
    sys_brk: (a) => (calls.push(`brk ${a}`), 0x403000),
    sys_mmap: (...a) => (calls.push(`mmap ${a.join(" ")}`), 0x7ffff7ff9000),
    sys_munmap: (...a) => (calls.push(`munmap ${a.join(" ")}`), 0),
    sys_mprotect: (...a) => (calls.push(`mprotect ${a.join(" ")}`), -12),
    sys_mremap: (...a) => (calls.push(`mremap ${a.join(" ")}`), -12),
    sys_madvise: (...a) => (calls.push(`madvise ${a.join(" ")}`), 0),
  };
  const out: number[] = [];
  const err: number[] = [];
  const trace: string[] = [];
  const io = {
    stdin: bytesReader(new TextEncoder().encode(stdin)),
    stdout: (b: Uint8Array) => out.push(...b),
    stderr: (b: Uint8Array) => err.push(...b),
    trace: (line: string) => trace.push(line),
  };
  const sys = new Syscalls({ regs, mem, kernel, io, random: new SeededRandom(42) });
  const call = (nr: number, ...args: number[]) => {
    regs.setReg(RAX, nr);
    [RDI, RSI, RDX, R10, R8, R9].forEach((r, i) => regs.setReg(r, args[i] ?? 0));
    const exited = sys.dispatch();
    return exited ? "exited" : regs.getReg(RAX);
  };
  const text = (b: number[]) => new TextDecoder().decode(Uint8Array.from(b));
  return { regs, mem, sys, call, calls, trace, stdout: () => text(out), stderr: () => text(err) };
}

describe("syscall numbers and errno names", () => {
  const header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
  it.runIf(needs(TOOLS.unistd_64))("match the host's <asm/unistd_64.h>", () => {
    const fromHeader = [...readFileSync(header, "utf8").matchAll(/#define __NR_(\w+) (\d+)/g)];
    expect(fromHeader.length).toBeGreaterThan(300);
    for (const [, name, nr] of fromHeader) expect(SYSCALL_NAMES[Number(nr)]).toBe(name);
    expect(SYSCALL_NAMES.filter(Boolean)).toHaveLength(fromHeader.length);
  });
  it("errno names match node's os.constants.errno", () => {
    const byNumber = new Map(Object.entries(constants.errno).map(([k, v]) => [v, k]));
    for (const [n, e] of ERRNO.entries()) if (e && byNumber.has(n) && !["EAGAIN", "EDEADLK", "EOPNOTSUPP"].includes(e[0]))
      expect([n, e[0]]).toEqual([n, byNumber.get(n)]);
    expect(ERRNO[12]).toEqual(["ENOMEM", "Cannot allocate memory"]);
  });
});

describe("the dispatcher", () => {
  it("write: fds 1 and 2 to their sinks, EBADF elsewhere, EFAULT for a bad buffer, short at a fault", () => {
    const m = machine();
    m.mem.put(BUF, "ok\n");
    expect(m.call(1, 1, BUF, 3)).toBe(3);
    expect(m.call(1, 2, BUF, 2)).toBe(2);
    expect(m.call(1, 0, BUF, 3)).toBe(-9);
    expect(m.call(1, 7, BUF, 3)).toBe(-9);
    expect(m.call(1, 1, 0x5000, 3)).toBe(-14);
    expect(m.call(1, 1, -1, 3)).toBe(-14);
    // the buffer runs off the end of the mapping: what was readable is written
    expect(m.call(1, 1, BUF + 2 * PAGE - 2, 10)).toBe(2);
    expect(m.stdout()).toBe("ok\n\0\0");
    // a huge count is served from what is mapped, without allocating the count
    expect(m.call(1, 2, BUF, 2 ** 40)).toBe(2 * PAGE);
    expect(m.stderr()).toHaveLength(2 + 2 * PAGE);
    expect(m.stderr().slice(0, 2)).toBe("ok");
    expect(m.trace[0]).toBe('write(1, "ok\\n", 3)                     = 3');
    expect(m.trace[2]).toBe('write(0, "ok\\n", 3)                     = -1 EBADF (Bad file descriptor)');
  });

  it("writev gathers, checks iovcnt and iov_len", () => {
    const m = machine();
    m.mem.put(BUF + 100, "Hello, ");
    m.mem.put(BUF + 200, "world\n");
    const iov = new Uint8Array(32);
    const v = new DataView(iov.buffer);
    v.setUint32(0, BUF + 100, true);
    v.setUint32(8, 7, true);
    v.setUint32(16, BUF + 200, true);
    v.setUint32(24, 6, true);
    m.mem.put(BUF, iov);
    expect(m.call(20, 1, BUF, 2)).toBe(13);
    expect(m.stdout()).toBe("Hello, world\n");
    expect(m.trace[0]).toBe('writev(1, [{iov_base="Hello, ", iov_len=7}, {iov_base="world\\n", iov_len=6}], 2) = 13');
    expect(m.call(20, 1, BUF, -1)).toBe(-22);
    expect(m.call(20, 1, BUF, 1025)).toBe(-22);
    expect(m.call(20, 1, 0x5000, 1)).toBe(-14);
    v.setUint32(12, 0x80000000, true); // iov_len >= 2^63
    m.mem.put(BUF, iov);
    expect(m.call(20, 1, BUF, 1)).toBe(-22);
  });

  it("read: stdin until EOF, EBADF for other fds, EFAULT without consuming input", () => {
    const m = machine("abcdef");
    expect(m.call(0, 0, RO, 4)).toBe(-14);
    expect(m.call(0, 1, BUF, 4)).toBe(-9);
    expect(m.call(0, 0, BUF, 4)).toBe(4);
    expect(m.call(0, 0, BUF + 4, 100)).toBe(2);
    expect(m.call(0, 0, BUF, 100)).toBe(0);
    expect(new TextDecoder().decode(m.mem.get(BUF, 6))).toBe("abcdef");
    expect(m.trace[3]).toBe('read(0, "ef", 100)                      = 2');
  });

  it("exit and exit_group end the program with status & 0xff", () => {
    const m = machine();
    expect(m.call(231, 0x1ff)).toBe("exited");
    expect(m.sys.exitStatus).toBe(0xff);
    expect(m.trace).toEqual(["exit_group(511)                         = ?", "+++ exited with 255 +++"]);
    const n = machine();
    expect(n.call(60, 3)).toBe("exited");
    expect(n.sys.exitStatus).toBe(3);
  });

  it("forwards brk, mmap, munmap, mprotect and madvise to the kernel, results unchanged", () => {
    const m = machine();
    expect(m.call(12, 0)).toBe(0x403000);
    expect(m.call(9, 0, 4096, 3, 0x22, -1, 0)).toBe(0x7ffff7ff9000);
    expect(m.call(9, 0, 4096, 3, 0x22, -1, 100)).toBe(-22); // x86's sys_mmap: offset not page aligned
    expect(m.call(11, 0x7ffff7ff9000, 4096)).toBe(0);
    expect(m.call(10, 0x7ffff7ff9000, 4096, 1)).toBe(-12);
    expect(m.call(28, 0x7ffff7ff9000, 4096, 4)).toBe(0);
    expect(m.calls).toEqual([
      "brk 0",
      "mmap 0 4096 3 34 0 0", // no file handle: the guest's fd -1 is not the kernel's
      "munmap 140737354108928 4096",
      "mprotect 140737354108928 4096 1",
      "madvise 140737354108928 4096 4",
    ]);
    expect(m.trace).toEqual([
      "brk(NULL)                               = 0x403000",
      "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ff9000",
      "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0x64) = -1 EINVAL (Invalid argument)",
      "munmap(0x7ffff7ff9000, 4096)            = 0",
      "mprotect(0x7ffff7ff9000, 4096, PROT_READ) = -1 ENOMEM (Cannot allocate memory)",
      "madvise(0x7ffff7ff9000, 4096, MADV_DONTNEED) = 0",
    ]);
  });

  it("getpid, gettid and set_tid_address say 1", () => {
    const m = machine();
    expect([m.call(39), m.call(186), m.call(218, BUF)]).toEqual([1, 1, 1]);
    expect(m.sys.clearChildTid).toBe(BUF);
  });

  it("uname fills struct utsname", () => {
    const m = machine();
    expect(m.call(63, BUF)).toBe(0);
    const field = (i: number) => new TextDecoder().decode(m.mem.get(BUF + 65 * i, 65)).replace(/\0+$/, "");
    expect([0, 1, 2, 4].map(field)).toEqual(["Linux", "faultline", "6.18.0-faultline", "x86_64"]);
    expect(m.call(63, RO)).toBe(-14);
    expect(m.trace[0]).toBe('uname({sysname="Linux", nodename="faultline", ...}) = 0');
  });

  it("arch_prctl sets and gets FS and GS bases", () => {
    const m = machine();
    expect(m.call(158, 0x1002, 0x4032a0)).toBe(0);
    expect(m.regs.fsBase).toBe(0x4032a0);
    expect(m.call(158, 0x1001, 0x5000)).toBe(0);
    expect(m.regs.gsBase).toBe(0x5000);
    expect(m.call(158, 0x1003, BUF)).toBe(0);
    expect(new DataView(m.mem.get(BUF, 8).buffer).getUint32(0, true)).toBe(0x4032a0);
    expect(m.call(158, 0x1004, RO)).toBe(-14);
    expect(m.call(158, 0x1002, 0x7ffffffff000)).toBe(-1); // EPERM: not a user address
    expect(m.call(158, 0x9999, 0)).toBe(-22);
    // strace's lines for the same calls, from a native run of programs/bin/syscall_probe
    expect(m.trace[0]).toBe("arch_prctl(ARCH_SET_FS, 0x4032a0)       = 0");
    expect(m.trace[2]).toBe("arch_prctl(ARCH_GET_FS, [0x4032a0])     = 0");
    expect(m.trace[5]).toBe("arch_prctl(0x9999 /* ARCH_??? */, 0)    = -1 EINVAL (Invalid argument)");
  });

  it("clock_gettime: a virtual clock of one nanosecond per retired instruction", () => {
    const m = machine();
    m.regs.retired = 2_500_000_123;
    expect(m.call(228, 1, BUF)).toBe(0);
    const v = new DataView(m.mem.get(BUF, 16).buffer);
    expect([v.getUint32(0, true), v.getUint32(8, true)]).toEqual([2, 500_000_123]);
    expect(m.call(228, 0, BUF)).toBe(0);
    expect(new DataView(m.mem.get(BUF, 8).buffer).getUint32(0, true)).toBe(1767225600 + 2);
    expect(m.call(228, 100, BUF)).toBe(-22);
    expect(m.call(228, 10, BUF)).toBe(-22);
    expect(m.call(228, -2, BUF)).toBe(-22);
    expect(m.call(228, 1, 8)).toBe(-14);
    expect(m.trace[0]).toBe("clock_gettime(CLOCK_MONOTONIC, {tv_sec=2, tv_nsec=500000123}) = 0");
    expect(m.trace[2]).toBe(`clock_gettime(0x64 /* CLOCK_??? */, ${"0x" + BUF.toString(16)}) = -1 EINVAL (Invalid argument)`);
    expect(m.trace[5]).toBe("clock_gettime(CLOCK_MONOTONIC, 0x8)     = -1 EFAULT (Bad address)");
  });

  it("getrandom: seeded bytes, flags checked", () => {
    const a = machine();
    const b = machine();
    expect(a.call(318, BUF, 16, 0)).toBe(16);
    expect(b.call(318, BUF, 16, 1)).toBe(16);
    expect(a.mem.get(BUF, 16)).toEqual(b.mem.get(BUF, 16));
    expect(a.mem.get(BUF, 16).some((x) => x !== 0)).toBe(true);
    expect(a.call(318, BUF, 16, 0x100)).toBe(-22);
    expect(a.call(318, BUF, 16, 6)).toBe(-22); // GRND_RANDOM|GRND_INSECURE
    expect(a.call(318, RO, 16, 0)).toBe(-14);
    expect(a.call(318, BUF + 2 * PAGE - 4, 16, 0)).toBe(4);
    expect(a.call(318, BUF, 2 ** 40, 0)).toBe(2 * PAGE);
    expect(a.trace[0]).toMatch(/^getrandom\("(\\x[0-9a-f]{2}){16}", 16, 0\) = 16$/);
    expect(a.trace[1]).toBe(`getrandom(${"0x" + BUF.toString(16)}, 16, 0x100 /* GRND_??? */) = -1 EINVAL (Invalid argument)`);
  });

  it("rt_sigaction records actions, refuses SIGKILL/SIGSTOP and bad sizes", () => {
    const m = machine();
    const act = new Uint8Array(32);
    new DataView(act.buffer).setUint32(0, 0x401000, true); // handler
    new DataView(act.buffer).setUint32(8, 0x04000004, true); // SA_RESTORER|SA_SIGINFO
    new DataView(act.buffer).setUint32(24, 0xffffffff, true); // sa_mask: everything
    new DataView(act.buffer).setUint32(28, 0xffffffff, true);
    m.mem.put(BUF, act);
    expect(m.call(13, 11, BUF, 0, 8)).toBe(0);
    expect(m.call(13, 11, 0, BUF + 64, 8)).toBe(0);
    const old = new DataView(m.mem.get(BUF + 64, 32).buffer);
    expect(old.getUint32(0, true)).toBe(0x401000);
    expect(old.getUint32(24, true)).toBe((0xffffffff & ~(1 << 8) & ~(1 << 18)) >>> 0); // KILL and STOP dropped
    expect(m.call(13, 9, BUF, 0, 8)).toBe(-22);
    expect(m.call(13, 19, BUF, 0, 8)).toBe(-22);
    expect(m.call(13, 9, 0, BUF + 64, 8)).toBe(0); // reading SIGKILL's action is fine
    expect(m.call(13, 0, 0, BUF, 8)).toBe(-22);
    expect(m.call(13, 65, 0, BUF, 8)).toBe(-22);
    expect(m.call(13, 11, 0, BUF, 4)).toBe(-22);
    expect(m.call(13, 11, 0x5000, 0, 8)).toBe(-14);
    expect(m.call(13, 11, 0, RO, 8)).toBe(-14);
    expect(m.trace[0]).toBe(
      "rt_sigaction(SIGSEGV, {sa_handler=0x401000, sa_mask=~[], sa_flags=SA_RESTORER|SA_SIGINFO, sa_restorer=0}, NULL, 8) = 0",
    );
    expect(m.trace[7]).toBe(`rt_sigaction(SIGSEGV, NULL, ${"0x" + BUF.toString(16)}, 4) = -1 EINVAL (Invalid argument)`);
  });

  it("rt_sigprocmask blocks, unblocks, sets; never SIGKILL or SIGSTOP", () => {
    const m = machine();
    const set = (lo: number, hi = 0) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setUint32(0, lo, true);
      new DataView(b.buffer).setUint32(4, hi, true);
      m.mem.put(BUF, b);
    };
    const mask = () => new DataView(m.mem.get(BUF + 8, 8).buffer).getUint32(0, true);
    set((1 << 9) | (1 << 8)); // signal n is bit n-1: SIGUSR1 (10) and SIGKILL (9)
    expect(m.call(14, 0, BUF, 0, 8)).toBe(0); // SIG_BLOCK
    expect(m.call(14, 0, 0, BUF + 8, 8)).toBe(0);
    expect(mask()).toBe(1 << 9); // SIGKILL cannot be blocked
    set(1 << 9);
    expect(m.call(14, 1, BUF, BUF + 8, 8)).toBe(0); // SIG_UNBLOCK returns the old mask
    expect(mask()).toBe(1 << 9);
    expect(m.call(14, 0, 0, BUF + 8, 8)).toBe(0);
    expect(mask()).toBe(0);
    expect(m.call(14, 7, BUF, 0, 8)).toBe(-22);
    expect(m.call(14, 0, BUF, 0, 4)).toBe(-22);
    expect(m.call(14, 0, 0x5000, 0, 8)).toBe(-14);
    expect(m.trace[0]).toBe("rt_sigprocmask(SIG_BLOCK, [KILL USR1], NULL, 8) = 0");
    expect(m.trace[4]).toBe(`rt_sigprocmask(0x7 /* SIG_??? */, [USR1], NULL, 8) = -1 EINVAL (Invalid argument)`);
    expect(m.trace[5]).toBe(`rt_sigprocmask(SIG_BLOCK, ${"0x" + BUF.toString(16)}, NULL, 4) = -1 EINVAL (Invalid argument)`);
  });

  it("ioctl: ENOTTY on the standard fds, EBADF elsewhere", () => {
    const m = machine();
    expect(m.call(16, 1, 0x5401, BUF)).toBe(-25);
    expect(m.call(16, 5, 0x5401, BUF)).toBe(-9);
    expect(m.trace[0]).toBe(`ioctl(1, TCGETS, ${"0x" + BUF.toString(16)})               = -1 ENOTTY (Inappropriate ioctl for device)`);
  });

  it("anything else: -ENOSYS, named once on stderr", () => {
    const m = machine();
    expect(m.call(101, 0x11, 0, 0)).toBe(-38);
    expect(m.call(101, 0x11, 0, 0)).toBe(-38);
    expect(m.call(335)).toBe(-38);
    expect(m.call(-1)).toBe(-38);
    expect(m.stderr()).toBe(
      "faultline: syscall 101 (ptrace) not implemented\n" +
        "faultline: syscall 335 (unassigned) not implemented\n" +
        "faultline: syscall 4294967295 (unassigned) not implemented\n",
    );
    expect(m.trace[0]).toBe("ptrace(0x11, 0, 0, 0, 0, 0)             = -1 ENOSYS (Function not implemented)");
    expect(m.trace[2]).toBe("syscall_0x14f(0, 0, 0, 0, 0, 0)         = -1 ENOSYS (Function not implemented)");
  });
});

describe("uaccess", () => {
  it("lets the kernel fix a fault and retries; EFAULT when it cannot", () => {
    const fault = { kind: 0, addrLo: 0, addrHi: 0, errorCode: 0 };
    const present = new Set<number>();
    const walk = (va: number, access: number) => {
      if (present.has(va)) return 0;
      Object.assign(fault, { kind: 1, addrLo: va, errorCode: access });
      return -1;
    };
    const mmu = {
      fault,
      copyFromUser: (_dst: Uint8Array, va: number) => (walk(va, 0) === 0 ? 0 : -4),
      copyToUser: (va: number) => (walk(va, 2) === 0 ? 0 : -6),
    };
    const faults: [number, number][] = [];
    let fixes = (cr2: number): boolean => cr2 === 0x1000;
    const mem = uaccess(mmu, (cr2, err) => {
      faults.push([cr2, err]);
      if (!fixes(cr2)) return (11 << 16) | 1;
      if (cr2 === 0x1000) present.add(cr2);
      return 0;
    });
    expect(mem.copyFromUser(new Uint8Array(1), 0x1000, 1)).toBe(0);
    expect(mem.copyToUser(0x2000, new Uint8Array(1))).toBe(-14);
    expect(faults).toEqual([[0x1000, 0], [0x2000, 2]]);
    expect(fault.kind).toBe(0); // handled here: the CPU must not see it as its own
    // a kernel that claims to fix a fault it does not fix cannot make us loop forever
    fixes = () => true;
    faults.length = 0;
    expect(mem.copyToUser(0x3000, new Uint8Array(8))).toBe(-14);
    expect(faults.length).toBe(6);
  });
});

describe("the strace formatter", () => {
  const peek = (addr: number, len: number) => (addr === 0x1000 ? new TextEncoder().encode("x".repeat(len)) : null);
  it("prints lengths and counts unsigned, as strace's %lu", () => {
    expect(formatSyscall(11, [0x1000, -1, 0, 0, 0, 0], -22, peek)).toBe("munmap(0x1000, 18446744073709551615)    = -1 EINVAL (Invalid argument)");
  });

  it("quotes and truncates buffers as strace -s 32 does", () => {
    expect(formatSyscall(1, [1, 0x1000, 40, 0, 0, 0], 40, peek)).toBe(`write(1, "${"x".repeat(32)}"..., 40) = 40`);
    const bin = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0x31, 0x0a, 0x22, 0x5c]);
    expect(formatSyscall(1, [1, 0x2000, 12, 0, 0, 0], 12, () => bin)).toBe(
      'write(1, "\\177ELF\\2\\1\\1\\0001\\n\\"\\\\", 12) = 12',
    );
  });
});
