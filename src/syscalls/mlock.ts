// The mm calls of mm/msync.c, mm/mincore.c and mm/mlock.c: msync (26),
// mincore (27), mlock (149), munlock (150), mlockall (151), munlockall
// (152), mlock2 (325). The kernel's exports do the work; mincore's vector
// goes out to the user a chunk at a time, as sys_mincore copies it. Browser-safe.

import type { KernelExports } from "../abi.js";
import { GFP, PAGE_SIZE, TASK_SIZE } from "../abi.js";
import { EAGAIN, EFAULT, EINVAL, ENOMEM } from "./errno.js";
import { unsigned } from "./args.js";
import type { UserMemory } from "./index.js";

export type MlockKernel = Pick<KernelExports, "sys_msync" | "do_mincore" | "alloc_pages" | "free_pages" | "sys_mlock2" | "sys_munlock"
  | "sys_mlockall" | "sys_munlockall">;

/** access_ok: [addr, addr + size) lies below the top of user space, without wrapping. */
const accessOk = (addr: number, size: number) => addr + size <= TASK_SIZE - 1;

export class MlockCalls {
  constructor(
    private readonly mem: UserMemory,
    private readonly kernel: MlockKernel,
    /** The kernel's memory: mincore's chunk is there. */
    private readonly ram: WebAssembly.Memory,
  ) {}

  /** The syscall's result, or undefined when `nr` is not one of these. */
  call(nr: number, a: number[]): number | undefined {
    const k = this.kernel;
    switch (nr) {
      case 26: return k.sys_msync(unsigned(a[0]), unsigned(a[1]), a[2] | 0);
      case 27: return this.mincore(unsigned(a[0]), unsigned(a[1]), unsigned(a[2]));
      case 149: return k.sys_mlock2(unsigned(a[0]), unsigned(a[1]), 0);
      case 325: return k.sys_mlock2(unsigned(a[0]), unsigned(a[1]), a[2] >>> 0);
      case 150: return k.sys_munlock(unsigned(a[0]), unsigned(a[1]));
      case 151: return k.sys_mlockall(a[0] >>> 0);
      case 152: return k.sys_munlockall();
      default: return undefined;
    }
  }

  /** sys_mincore: the range's checks, then do_mincore a chunk at a time into a page of its own, each copied out to `vec`. */
  private mincore(start: number, len: number, vec: number): number {
    if (start % PAGE_SIZE) return -EINVAL;
    if (!accessOk(start, len)) return -ENOMEM;
    let pages = Math.floor(len / PAGE_SIZE) + (len % PAGE_SIZE ? 1 : 0);
    if (!accessOk(vec, pages)) return -EFAULT;
    const tmp = this.kernel.alloc_pages(GFP.GFP_USER, 0);
    if (tmp < 0) return -EAGAIN;
    let ret = 0;
    while (pages > 0) {
      ret = this.kernel.do_mincore(start, Math.min(pages, PAGE_SIZE), tmp);
      if (ret <= 0) break;
      const chunk = new Uint8Array(this.ram.buffer, tmp * PAGE_SIZE, ret).slice();
      if (this.mem.copyToUser(vec, chunk) < 0) {
        ret = -EFAULT;
        break;
      }
      pages -= ret;
      vec += ret;
      start += ret * PAGE_SIZE;
      ret = 0;
    }
    this.kernel.free_pages(tmp, 0);
    return ret;
  }
}
