// The block runner: decoded instructions are cached as blocks (straight-line
// runs of compiled Ops ending at a branch, a stop or the page end), chained to
// their last successors, and dropped when their page is written or unmapped.

import { decode, type Insn } from "./decode.js";
import { type BlockFn, compileBlock, LOOP } from "./jit.js";
import { createExecutor, endsBlock, type Executor, flagEffects, type Op, STOP_BP, STOP_OP, STOP_SYSCALL, STOP_TAKEN } from "./exec.js";
import { FAULT_NONE, type CodeCacheHooks, type Mmu, PF_INSTR, PF_USER } from "./mmu.js";
import { CpuState, FLAGS_ARITH, RSP } from "./state.js";
import { type CpuModel, DEFAULT_CPU } from "./model.js";

export { STOP_BP, STOP_DE, STOP_GP, STOP_MF, STOP_PAGE_FAULT, STOP_SYSCALL, STOP_UD, STOP_XM } from "./exec.js";
export const STOP_BUDGET = 7;
export const STOP_NAMES = ["", "PAGE_FAULT", "GP", "UD", "DE", "BP", "SYSCALL", "BUDGET", "MF", "XM"];

const TWO32 = 4294967296;
const MAX_BLOCK = 64;
/**
 * The conditional jumps a loop's block may go on past (see InsnDef.conditional),
 * so that a loop whose exit tests are not its last instruction (strlen's and
 * memchr's in glibc) runs inside one translated function.
 */
const MAX_SIDE_EXITS = 2;
const JCACHE = 4096;
/**
 * A translated loop runs at most this many instructions a call (then the
 * runner calls it again), so that V8 optimizes it on a call rather than on a
 * back edge while it runs in the interpreter (on-stack replacement), whose
 * code keeps every register boxed. The same instructions run either way.
 */
const LOOP_SLICE = 8192;
/**
 * A translation's first calls run short slices: V8 runs a new function in its
 * interpreter, then its baseline code, and enters its optimized code only at a
 * later call, so a long first slice runs all of it at the slow tiers (a slice
 * of mem_sum's loop took 9-23 ms there, 15-25 us optimized).
 */
const WARM_SLICE = 256;
const WARM_CALLS = 64;

/** Where a block-ending direct jmp or jcc goes; -1 for any other instruction (a call, an indirect jump, a stop). */
function directTarget(insn: Insn): number {
  const t = insn.ops[0];
  return endsBlock(insn) && t !== undefined && t.k === "j" && insn.op !== "call" ? t.target : -1;
}

class Block {
  valid = true;
  /** Runs so far, and the translated function once the block is hot. */
  hits = 0;
  fn: BlockFn | null = null;
  /** Calls of fn so far, up to WARM_CALLS. */
  calls = 0;
  /** The last two successors (a branch target and its fall-through, usually). */
  succA: Block | null = null;
  succB: Block | null = null;
  constructor(
    readonly start: number,
    readonly ops: Op[],
    /** The address of each instruction, and of the one after the last. */
    readonly addrs: Float64Array,
    readonly end: number,
    /** Kept for the translation, dropped after it. */
    public insns: Insn[] | null,
    public lives: number[] | null,
  ) {}
}

export class Cpu implements CodeCacheHooks {
  readonly state = new CpuState();
  private readonly exec: Executor;
  private readonly blocks = new Map<number, Block>();
  private readonly jcache: (Block | null)[] = new Array<Block | null>(JCACHE).fill(null);
  /** Blocks by virtual page (a block reaching into the next page is in both), and the pages decoded from each frame. */
  private readonly pageBlocks = new Map<number, Block[]>();
  private readonly framePages = new Map<number, number[]>();
  private readonly window = new Uint8Array(16);
  /** Set by a stop: PAGE_FAULT's cr2 (a number; exact for user addresses) and error code. */
  cr2 = 0;
  errorCode = 0;
  /** Instructions retired by the last run(). */
  lastRetired = 0;
  /**
   * A block is translated to a JavaScript function (jit.ts) once it has run
   * this many times: 0 translates every block at once, Infinity never.
   */
  jitThreshold = 40;

  constructor(readonly mmu: Mmu, /** What cpuid announces, and whether xsave runs (xsave.ts). */ readonly model: CpuModel = DEFAULT_CPU) {
    this.exec = createExecutor(this.state, mmu, model);
    mmu.hooks = this;
  }

  // ---- registers, for the loader and the syscall layer ----

  /** Register r (0..15) as a signed number (exact while |value| < 2^53). */
  getReg(r: number): number {
    return this.state.H[r] * TWO32 + (this.state.L[r] >>> 0);
  }
  /** Register r as an unsigned number (exact below 2^53). */
  getRegU(r: number): number {
    return (this.state.H[r] >>> 0) * TWO32 + (this.state.L[r] >>> 0);
  }
  /** Sets register r from an integer in (-2^63, 2^64); negative values are two's complement. */
  setReg(r: number, v: number): void {
    this.state.L[r] = v % TWO32 | 0;
    this.state.H[r] = Math.floor(v / TWO32) | 0;
  }
  get rip(): number {
    return this.state.rip[0];
  }
  set rip(v: number) {
    this.state.rip[0] = v;
  }
  get rsp(): number {
    return this.getReg(RSP);
  }
  set rsp(v: number) {
    this.setReg(RSP, v);
  }
  get fsBase(): number {
    return this.state.seg[1] * TWO32 + (this.state.seg[0] >>> 0);
  }
  set fsBase(v: number) {
    this.state.seg[0] = v % TWO32 | 0;
    this.state.seg[1] = Math.floor(v / TWO32) | 0;
  }
  get gsBase(): number {
    return this.state.seg[3] * TWO32 + (this.state.seg[2] >>> 0);
  }
  set gsBase(v: number) {
    this.state.seg[2] = v % TWO32 | 0;
    this.state.seg[3] = Math.floor(v / TWO32) | 0;
  }
  get rflags(): number {
    return this.exec.x.rflags();
  }
  set rflags(v: number) {
    this.exec.x.setRflags(v);
  }
  /** Instructions retired since the Cpu was made. */
  get retired(): number {
    return this.state.retired;
  }

  /**
   * The bytes of the instruction at va, for a SIGILL's message: as many as the
   * decoder read before it refused (at most 15, fewer where the pages end).
   */
  insnBytes(va: number): Uint8Array {
    const b = new Uint8Array(15);
    let n = 0;
    // page by page, so that the readable part of an instruction running into a bad page is still named
    while (n < 15) {
      const len = Math.min(15 - n, 4096 - ((va + n) % 4096));
      if (this.mmu.copyFromUser(b.subarray(n, n + len), va + n, len) !== 0) break;
      n += len;
    }
    this.mmu.fault.kind = FAULT_NONE;
    const insn = decode(b, n, va);
    return b.slice(0, insn === null ? n : Math.min(insn.len, n));
  }

  // ---- running ----

  /**
   * Runs until something needs the kernel, or `budget` instructions retired.
   * @return a STOP_* code; rip is at the faulting instruction for PAGE_FAULT,
   * GP, UD and DE (nothing changed), after the instruction for SYSCALL and BP.
   */
  run(budget: number): number {
    const st = this.state;
    const RIP = st.rip;
    let done = 0;
    let b = this.lookup(RIP[0]);
    for (;;) {
      if (b === null) return this.stop(done, this.mmu.fault.kind);
      const ops = b.ops;
      let n = ops.length;
      const left = budget - done;
      if (left <= 0) return this.stop(done, STOP_BUDGET);
      const partial = n > left;
      if (partial) n = left;
      RIP[0] = partial ? b.addrs[n] : b.end;
      let s = 0, i = 0;
      if (b.fn === null && !partial && b.hits++ >= this.jitThreshold) this.translate(b);
      if (b.fn !== null && !partial) {
        const slice = b.calls < WARM_CALLS ? (b.calls++, WARM_SLICE) : LOOP_SLICE;
        const r = b.fn(Math.min(left, slice));
        if (r !== 0) {
          const low = r % LOOP, back = (r - low) / LOOP;
          // a loop's whole iterations before the last one
          done += back * n;
          st.retired += back * n;
          s = low & 255;
          i = low >>> 8;
          // what the translation leaves to the Ops: the rest of this pass runs as Ops
          if (s === STOP_OP) for (s = 0; i < n; i++) {
            s = ops[i]();
            if (s !== 0) break;
          }
        }
      } else {
        for (; i < n; i++) {
          s = ops[i]();
          if (s !== 0) break;
        }
      }
      if (s === STOP_TAKEN) {
        // a conditional jump left the block: what ran is whole, and the budget may go on
        n = i + 1;
        s = 0;
      } else if (s !== 0) {
        if (s === STOP_SYSCALL || s === STOP_BP) {
          st.retired += i + 1;
          return this.stop(done + i + 1, s);
        }
        RIP[0] = b.addrs[i];
        st.retired += i;
        return this.stop(done + i, s);
      }
      done += n;
      st.retired += n;
      if (partial && done === budget) return this.stop(done, STOP_BUDGET);
      const rip = RIP[0];
      let nb = b.succA;
      if (nb === null || nb.start !== rip || !nb.valid) {
        nb = b.succB;
        if (nb === null || nb.start !== rip || !nb.valid) {
          nb = this.lookup(rip);
          b.succB = b.succA;
          b.succA = nb;
        }
      }
      b = nb;
    }
  }

  private translate(b: Block): void {
    b.fn = compileBlock(this.exec.x, b.insns!, b.addrs, b.lives!, b.ops);
    b.insns = b.lives = null;
    if (b.fn === null) b.hits = -Infinity; // not worth it: never try again
  }

  private stop(done: number, code: number): number {
    this.lastRetired = done;
    const f = this.mmu.fault;
    if (code === 1) {
      this.cr2 = f.addr;
      this.errorCode = f.errorCode;
    }
    f.kind = FAULT_NONE;
    return code;
  }

  /** The block at rip, decoded now if need be; null on a fetch fault (left in mmu.fault). */
  private lookup(rip: number): Block | null {
    const h = ((rip | 0) ^ ((rip | 0) >>> 12) ^ (rip / TWO32)) & (JCACHE - 1);
    const c = this.jcache[h];
    if (c !== null && c.start === rip && c.valid) return c;
    let b = this.blocks.get(rip);
    if (b === undefined) {
      const nb = this.build(rip);
      if (nb === null) return null;
      b = nb;
    }
    this.jcache[h] = b;
    return b;
  }

  /** Translates the page holding va for execution; the frame, or -1 with mmu.fault set. */
  private fetchPage(va: number): number {
    const frame = this.mmu.translate(va % TWO32 | 0, Math.floor(va / TWO32) | 0, PF_USER | PF_INSTR);
    if (frame < 0) return -1;
    const pfn = frame / 4096;
    this.mmu.markCode(pfn);
    const vpn = Math.floor(va / 4096);
    const list = this.framePages.get(pfn);
    if (list === undefined) this.framePages.set(pfn, [vpn]);
    else if (!list.includes(vpn)) list.push(vpn);
    return frame;
  }

  private build(start: number): Block | null {
    const ram = this.mmu.ram;
    const win = this.window;
    const insns: Insn[] = [];
    const addrs: number[] = [];
    const pages = [Math.floor(start / 4096)];
    /** The conditional jumps the block goes on past, by index. */
    const sideExits: number[] = [];
    let frame = this.fetchPage(start);
    if (frame < 0) return null;
    let ip = start;
    for (;;) {
      const off = ip % 4096;
      const avail = Math.min(15, 4096 - off);
      win.set(ram.subarray(frame + off, frame + off + avail));
      let insn: Insn | null = decode(win, avail, ip);
      let nextFrame = -1;
      if (insn === null) {
        // the instruction runs into the next page: fetch it (a fault there belongs to this instruction)
        nextFrame = this.fetchPage(ip - off + 4096);
        if (nextFrame < 0) {
          if (insns.length === 0) return null;
          this.mmu.fault.kind = FAULT_NONE; // it faults when reached, as its own block
          break;
        }
        win.set(ram.subarray(nextFrame, nextFrame + 15 - avail), avail);
        insn = decode(win, 15, ip) as Insn;
        pages.push(Math.floor(ip / 4096) + 1);
      }
      if (insn.def.alone === true && insns.length > 0) {
        if (nextFrame >= 0) pages.pop();
        break;
      }
      insns.push(insn);
      addrs.push(ip);
      ip += insn.len;
      if (endsBlock(insn)) {
        // (a jump back to the start ends the block: the block is a loop)
        if (insn.def.conditional !== true || sideExits.length === MAX_SIDE_EXITS || directTarget(insn) === start) break;
        sideExits.push(insns.length - 1);
      }
      if (insns.length >= MAX_BLOCK) break;
      if (nextFrame >= 0 || ip % 4096 === 0) break;
    }
    // a conditional jump that ended up last is the block's end, not a side exit
    if (sideExits[sideExits.length - 1] === insns.length - 1) sideExits.pop();
    if (sideExits.length > 0 && directTarget(insns[insns.length - 1]) !== start) {
      // not a loop: the block ends at its first conditional jump after all (the rest, decoded
      // for nothing, would be translated twice: here and as the jump's fall-through block)
      const cut = sideExits[0] + 1;
      ip = addrs[cut];
      insns.length = addrs.length = cut;
      pages.length = 1;
      sideExits.length = 0;
    }
    addrs.push(ip);
    // flag liveness, backwards from the block's end: there, the flags its successors may read
    const lastInsn = insns[insns.length - 1];
    // (a block stays in its first page but for its last instruction's tail: that page's bytes are known)
    const endPage = pages[0], endFrame = frame;
    const target = directTarget(lastInsn);
    const loop = target === start;
    let after = FLAGS_ARITH;
    if (!endsBlock(lastInsn)) after = this.peekLive(ip, endPage, endFrame);
    else if (target >= 0) {
      after = loop ? 0 : this.peekLive(target, endPage, endFrame);
      if (lastInsn.op !== "jmp") after |= this.peekLive(ip, endPage, endFrame);
    }
    // what a side exit's target may read, there
    const exitLive = sideExits.map((k) => this.peekLive(directTarget(insns[k]), endPage, endFrame));
    const lives: number[] = new Array<number>(insns.length);
    // a block jumping to its own start: its end also reads what its start reads (a fixed point)
    for (let entry = 0; ;) {
      let live = after | entry;
      for (let i = insns.length - 1, x = sideExits.length - 1; i >= 0; i--) {
        if (x >= 0 && sideExits[x] === i) live |= exitLive[x--];
        lives[i] = live;
        const e = flagEffects(insns[i]);
        live = (live & ~(e >>> 16)) | (e & 0xffff);
      }
      if (!loop || (live | entry) === entry) break;
      entry |= live;
    }
    const ops: Op[] = new Array<Op>(insns.length);
    for (let i = 0; i < insns.length; i++) ops[i] = this.exec.compile(insns[i], addrs[i], lives[i]);
    const b = new Block(start, ops, Float64Array.from(addrs), ip, insns, lives);
    this.blocks.set(start, b);
    for (const vpn of pages) {
      const l = this.pageBlocks.get(vpn);
      if (l === undefined) this.pageBlocks.set(vpn, [b]);
      else l.push(b);
    }
    return b;
  }

  /**
   * The flags the code at va may read before writing them, from its bytes
   * when va is in `page` (held in `frame`, a page of the block being built:
   * a write there drops the block too), else all of them.
   */
  private peekLive(va: number, page: number, frame: number): number {
    const ram = this.mmu.ram, win = this.window;
    let use = 0, def = 0;
    for (let k = 0; k < 16 && Math.floor(va / 4096) === page; k++) {
      const off = va % 4096, avail = Math.min(15, 4096 - off);
      win.set(ram.subarray(frame + off, frame + off + avail));
      const insn = decode(win, avail, va);
      if (insn === null) break;
      const e = flagEffects(insn);
      use |= e & 0xffff & ~def;
      def |= e >>> 16;
      if ((def & FLAGS_ARITH) === FLAGS_ARITH) return use;
      if (endsBlock(insn)) break;
      va += insn.len;
    }
    return use | (FLAGS_ARITH & ~def);
  }

  // ---- CodeCacheHooks: the Mmu tells us what to drop ----

  dropPage(vpn: number): void {
    const l = this.pageBlocks.get(vpn);
    if (l === undefined) return;
    this.pageBlocks.delete(vpn);
    for (const b of l) {
      b.valid = false;
      if (this.blocks.get(b.start) === b) this.blocks.delete(b.start);
    }
  }

  dropFrame(pfn: number): void {
    const vpns = this.framePages.get(pfn);
    if (vpns === undefined) return;
    this.framePages.delete(pfn);
    for (const vpn of vpns) this.dropPage(vpn);
  }

  dropAll(): void {
    for (const b of this.blocks.values()) b.valid = false;
    this.blocks.clear();
    this.pageBlocks.clear();
    this.framePages.clear();
    this.mmu.codeFrame.fill(0);
  }
}
