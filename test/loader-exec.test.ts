// exec() against a model kernel: a program's memory as it sees it after
// the loader's calls must hold its file bytes, zeroed bss, and the stack.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { binDir } from "../programs/native.mjs";
import { exec, type ExecKernel, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, STACK_TOP } from "../src/loader/index.js";

interface Vma {
  start: number;
  end: number;
  prot: number;
}

/** A model of the kernel calls exec makes: eager private mappings in a page map. */
function modelKernel() {
  const ram = new Uint8Array(64 * PAGE_SIZE);
  let nextFrame = 0;
  const files = new Map<number, number[]>(); // inode -> frames
  const pages = new Map<number, Uint8Array>(); // user page -> contents
  const vmas: Vma[] = [];
  const state = { brk: 0, stack: [0, 0, 0], putFiles: 0 };
  const mapVma = (start: number, end: number, prot: number) => {
    for (let i = vmas.length - 1; i >= 0; i--) if (vmas[i].start < end && start < vmas[i].end) vmas.splice(i, 1);
    vmas.push({ start, end, prot });
  };
  const kernel: ExecKernel = {
    file_create(size) {
      const frames = Array.from({ length: Math.ceil(size / PAGE_SIZE) }, () => nextFrame++ * PAGE_SIZE);
      files.set(files.size + 1, frames);
      return files.size;
    },
    file_page: (file, index) => files.get(file)![index],
    file_put: () => void state.putFiles++,
    vm_mmap(addr, len, prot, flags, file, pgoff) {
      expect(flags & 0x10).toBe(0x10); // MAP_FIXED: exec places everything itself
      for (let off = 0; off < len; off += PAGE_SIZE) {
        const frame = file ? files.get(file)![pgoff + off / PAGE_SIZE] : undefined;
        pages.set(addr + off, frame === undefined ? new Uint8Array(PAGE_SIZE) : ram.slice(frame, frame + PAGE_SIZE));
      }
      mapVma(addr, addr + len, prot);
      return addr;
    },
    mm_set_brk: (start) => void (state.brk = start),
    mm_set_stack(start, end, prot) {
      state.stack = [start, end, prot];
      for (let a = start; a < end; a += PAGE_SIZE) pages.set(a, new Uint8Array(PAGE_SIZE));
      mapVma(start, end, prot);
      return 0;
    },
  };
  const copyToUser = (addr: number, bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i++) {
      const page = pages.get(addr + i - ((addr + i) % PAGE_SIZE));
      const vma = vmas.find((v) => v.start <= addr + i && addr + i < v.end);
      if (!page || !vma || !(vma.prot & PROT_WRITE)) return false;
      page[(addr + i) % PAGE_SIZE] = bytes[i];
    }
    return true;
  };
  const read = (addr: number, len: number) =>
    Uint8Array.from({ length: len }, (_, i) => pages.get(addr + i - ((addr + i) % PAGE_SIZE))![(addr + i) % PAGE_SIZE]);
  return { env: { kernel, ram, copyToUser }, vmas, state, read };
}

const options = { argv: ["./x", "arg"], envp: ["K=V"], execfn: "./x", random: new Uint8Array(16).fill(9) };

describe("exec", () => {
  for (const name of ["hello", "mem_sum", "sha256", "pie_hello"]) {
    it(`lays out ${name} as the program expects to see itself`, () => {
      const file = new Uint8Array(readFileSync(join(binDir, name)));
      const m = modelKernel();
      const image = exec(m.env, file, options);
      for (const s of image.plan.segments) {
        expect([...m.read(s.vaddr, s.filesz)]).toEqual([...file.subarray(s.offset, s.offset + s.filesz)]);
        expect(m.read(s.vaddr + s.filesz, s.memsz - s.filesz).every((b) => b === 0)).toBe(true);
        const vma = m.vmas.find((v) => v.start <= s.vaddr && s.vaddr < v.end)!;
        expect(vma.prot).toBe(s.prot);
      }
      expect(m.state.brk).toBe(image.brk);
      expect(m.state.putFiles).toBe(1);
      expect(m.state.stack).toEqual([image.stack.vmStart, STACK_TOP, PROT_READ | PROT_WRITE]);
      expect([...m.read(image.rsp, image.stack.bytes.length)]).toEqual([...image.stack.bytes]);
      expect(m.vmas.some((v) => v.prot & PROT_EXEC && v.start <= image.entry && image.entry < v.end)).toBe(true);
    });
  }

  it("refuses a file before touching the kernel", () => {
    const m = modelKernel();
    expect(() => exec(m.env, new Uint8Array(10), options)).toThrow(/^exec format error/);
    expect(m.vmas).toHaveLength(0);
  });

  it("reports a kernel refusal with its errno", () => {
    const m = modelKernel();
    m.env.kernel.vm_mmap = () => -12;
    const file = new Uint8Array(readFileSync(join(binDir, "hello")));
    expect(() => exec(m.env, file, options)).toThrow("exec failed: mapping the segment at 0x400000 (errno 12)");
    expect(m.state.putFiles).toBe(1);
  });
});
