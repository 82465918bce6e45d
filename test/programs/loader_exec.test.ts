// exec() against the model kernel: a program's memory as it sees it after
// the loader's calls must hold its file bytes, zeroed bss, and the stack.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { binDir } from "../../programs/native.mjs";
import { Mmu } from "../../src/cpu/index.js";
import { exec, type ExecEnv, PROT_EXEC, PROT_READ, PROT_WRITE, STACK_TOP } from "../../src/loader/index.js";
import { uaccess } from "../../src/syscalls/index.js";
import { ModelKernel } from "../helpers/model_kernel.js";

function machine() {
  const kernel = new ModelKernel(new ArrayBuffer(16 * 1024 * 1024));
  const mem = uaccess(new Mmu(kernel.memory, kernel.walk), kernel.handle_page_fault);
  const env: ExecEnv = { kernel, files: kernel.pageCache, copyToUser: (a, b) => mem.copyToUser(a, b) === 0 };
  const read = (addr: number, len: number) => {
    const b = new Uint8Array(len);
    expect(mem.copyFromUser(b, addr, len)).toBe(0);
    return b;
  };
  return { kernel, env, read };
}

const options = { argv: ["./x", "arg"], envp: ["K=V"], execfn: "./x", random: new Uint8Array(16).fill(9) };

describe("exec", () => {
  for (const name of ["hello", "mem_sum", "sha256", "pie_hello"]) {
    it(`lays out ${name} as the program expects to see itself`, () => {
      const file = new Uint8Array(readFileSync(join(binDir, name)));
      const m = machine();
      const image = exec(m.env, file, options);
      for (const s of image.plan.segments) {
        expect([...m.read(s.vaddr, s.filesz)]).toEqual([...file.subarray(s.offset, s.offset + s.filesz)]);
        expect(m.read(s.vaddr + s.filesz, s.memsz - s.filesz).every((b) => b === 0)).toBe(true);
        const vma = m.kernel.vmas.find((v) => v.start <= s.vaddr && s.vaddr < v.end)!;
        expect(vma.prot).toBe(s.prot);
      }
      expect(m.kernel.brk).toBe(image.brk);
      expect(m.kernel.openFiles).toBe(0);
      const stack = m.kernel.vmas.find((v) => v.growsDown)!;
      expect([stack.start, stack.end, stack.prot]).toEqual([image.stack.vmStart, STACK_TOP, PROT_READ | PROT_WRITE]);
      expect([...m.read(image.rsp, image.stack.bytes.length)]).toEqual([...image.stack.bytes]);
      expect(m.kernel.vmas.some((v) => v.prot & PROT_EXEC && v.start <= image.entry && image.entry < v.end)).toBe(true);
    });
  }

  it("records the layout load_elf_binary records: code and data extents, strings, start_stack", () => {
    const file = new Uint8Array(readFileSync(join(binDir, "hello")));
    const m = machine();
    const image = exec(m.env, file, options);
    const text = image.plan.segments.find((s) => s.prot & PROT_EXEC)!;
    const last = image.plan.segments[image.plan.segments.length - 1];
    expect(m.kernel.layout).toMatchObject({
      start_code: text.vaddr, end_code: text.vaddr + text.filesz,
      start_data: last.vaddr, end_data: last.vaddr + last.filesz,
      start_stack: image.rsp,
    });
    const { arg_start, arg_end, env_start, env_end } = m.kernel.layout;
    const strings = (from: number, to: number) => new TextDecoder().decode(m.read(from, to - from));
    expect(strings(arg_start, arg_end)).toBe("./x\0arg\0");
    expect(env_start).toBe(arg_end);
    expect(strings(env_start, env_end)).toBe("K=V\0");
  });

  it("counts the empty argv[0] execve adds for a program started with no arguments", () => {
    const m = machine();
    exec(m.env, new Uint8Array(readFileSync(join(binDir, "hello"))), { ...options, argv: [], envp: [] });
    const { arg_start, arg_end, env_start, env_end } = m.kernel.layout;
    expect([arg_end - arg_start, env_start, env_end]).toEqual([1, arg_end, arg_end]);
  });

  it("refuses a file before touching the kernel", () => {
    const m = machine();
    expect(() => exec(m.env, new Uint8Array(10), options)).toThrow(/^exec format error/);
    expect(m.kernel.vmas).toHaveLength(0);
    expect(m.kernel.framesInUse).toBe(0);
  });

  it("reports a kernel refusal with its errno", () => {
    const m = machine();
    m.kernel.vm_mmap = () => -12;
    const file = new Uint8Array(readFileSync(join(binDir, "hello")));
    expect(() => exec(m.env, file, options)).toThrow("exec failed: mapping the segment at 0x400000 (errno 12)");
    expect(m.kernel.openFiles).toBe(0);
  });
});
