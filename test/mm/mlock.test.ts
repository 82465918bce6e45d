// mlock as Linux does it: mlocked pages on the unevictable LRU (PG_mlocked,
// PG_unevictable, the mlock_count), the unevictable_pgs_* events, VmLck and
// smaps' Locked, against native runs of the same static programs; a locked
// region that stays resident while reclaim swaps the rest out; the exact
// counters and the kernel's invariants through fork, copy-on-write, munmap,
// mremap, THP, compaction and exit; RLIMIT_MEMLOCK for an unprivileged task
// and root's CAP_IPC_LOCK.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PG_mlocked, PG_unevictable } from "../../src/abi.js";
import { needs, TOOLS } from "../helpers/tools.js";
import { buildStatic, runIn, vmstatOf } from "../helpers/native_build.js";
import { bootProcs, expectInvariants, Proc, PAGE, type Procs } from "../helpers/processes.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const UNEVICTABLE = new URL("../native/mlock/unevictable.c", import.meta.url).pathname;
const UNDER_PRESSURE = new URL("../native/mlock/locked_under_pressure.c", import.meta.url).pathname;
const THP_BOUNDARY = new URL("../native/mlock/thp_boundary.c", import.meta.url).pathname;
const MiB = 1 << 20;
const MLOCK_ONFAULT = 1, MCL_CURRENT = 1, MCL_FUTURE = 2;
const MAP_LOCKED = 0x2000, ANON = 0x22;
const ENOMEM = 12, EPERM = 1, EAGAIN = 11;
const LOCKED_VM = 7, SWAPENTS = 2;

describe.each([
  ["glibc", "gcc", TOOLS.gcc],
  ["musl", "musl-gcc", TOOLS.musl_gcc],
] as const)("a %s program's mlocked pages", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.dist, TOOLS.taskset))("count in /proc as natively: the unevictable_pgs_* events, VmLck and Locked, step by step", () => {
    const exe = buildStatic(cc, UNEVICTABLE);
    const ours = runIn(process.execPath, [CLI, "run", exe]);
    expect(ours.status).toBe(0);
    expect(ours.stdout).toMatch(/mlock of 64 present pages: unevictable_pgs_culled\+64 unevictable_pgs_mlocked\+64 \|/);
    // /proc/vmstat's events are the whole machine's: another process's mlock or munlock
    // during a native run (a daemon under mlockall allocating) moves them too, so one
    // native run of eight must agree, not each.
    let native = "";
    for (let attempt = 0; attempt < 8 && native !== ours.stdout; attempt++) {
      const r = spawnSync("taskset", ["-c", "0", exe], { encoding: "utf8", timeout: 60_000 });
      expect(r.status).toBe(0);
      native = r.stdout;
    }
    expect(ours.stdout).toBe(native);
  });
});

describe.each([
  ["glibc", "gcc", TOOLS.gcc],
  ["musl", "musl-gcc", TOOLS.musl_gcc],
] as const)("a %s program's THP cut by munlock, madvise or mprotect of a part", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.dist))("has its pmd split, as natively: no VMA counts its neighbour's 2 MiB (AnonHugePages, Locked)", () => {
    const exe = buildStatic(cc, THP_BOUNDARY);
    const native = runIn(exe, []);
    expect(native.stdout).toContain("munlock of its first half (0): AnonHugePages 0 kB, Locked 1024 kB\n");
    const ours = runIn(process.execPath, [CLI, "run", exe]);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.status).toBe(0);
  });
});

describe.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.dist))("a locked region under memory pressure", () => {
  it("stays resident, never swapped, while reclaim swaps out the rest: the native output", () => {
    const exe = buildStatic("gcc", UNDER_PRESSURE);
    const native = runIn(exe, ["2", "24"]);
    const ours = runIn(process.execPath, [CLI, "run", "--mem", "16M", "--swap", "64M", "--proc", "vmstat", exe, "2", "24"]);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.stdout).toContain("after the hog: locked region resident 512/512\n");
    expect(ours.stdout).toContain("Swap:                  0 kB\n");
    expect(ours.status).toBe(0);
    const v = vmstatOf(ours.stderr);
    // The hog really was swapped out, and the locked pages were never reclaim's.
    expect(v.get("pswpout")).toBeGreaterThan(24 * MiB / PAGE / 2);
    expect(v.get("oom_kill")).toBe(0);
    expect(v.get("nr_mlock")).toBe(512);
    expect(v.get("nr_unevictable")).toBe(512);
    expect(v.get("unevictable_pgs_mlocked")).toBe(512);
    expect(v.get("unevictable_pgs_culled")).toBe(512);
  });
});

/** The page flags of the frame at physical address pa. */
const flagsAt = (q: Procs, pa: number) => q.k.pages.flags(Math.floor(pa / PAGE));
const mlocked = (q: Procs, pa: number) => (flagsAt(q, pa) & (PG_mlocked | PG_unevictable)) === (PG_mlocked | PG_unevictable);
const counters = (q: Procs) => ({
  nr_mlock: q.k.counter("nr_mlock"), nr_unevictable: q.k.counter("nr_unevictable"),
  culled: q.k.counter("unevictable_pgs_culled"), rescued: q.k.counter("unevictable_pgs_rescued"),
  mlocked: q.k.counter("unevictable_pgs_mlocked"), munlocked: q.k.counter("unevictable_pgs_munlocked"),
  stranded: q.k.counter("unevictable_pgs_stranded"), cleared: q.k.counter("unevictable_pgs_cleared"),
});

describe("mlocked pages in the kernel", () => {
  it("are PG_mlocked and unevictable, counted exactly, through mlock, fork, copy-on-write, munmap and exit", () => {
    const q = bootProcs("64M");
    const p = Proc.create(q, 10);
    const a = p.mmap(64 * PAGE);
    const pa: number[] = [];
    for (let i = 0; i < 64; i++) pa.push(p.write(a + i * PAGE, i));
    expect(p.run().p.x.sys_mlock2(a, 64 * PAGE, 0)).toBe(0);
    expect(pa.every((x) => mlocked(q, x))).toBe(true);
    expect(counters(q)).toMatchObject({ nr_mlock: 64, nr_unevictable: 64, culled: 64, mlocked: 64 });
    expect(q.k.counter("nr_inactive_anon") + q.k.counter("nr_active_anon")).toBeLessThan(q.k.counter("nr_anon_pages"));
    expectInvariants(q);
    // A second mlock of the same pages counts nothing.
    expect(q.x.sys_mlock2(a, 64 * PAGE, 0)).toBe(0);
    expect(counters(q)).toMatchObject({ nr_mlock: 64, culled: 64, mlocked: 64 });
    // The child's copies are not locked; a write by the parent breaks COW: the copy is mlocked, the old page rescued.
    const c = p.fork(11);
    expect(c.counters()[LOCKED_VM]).toBe(0);
    expect(mlocked(q, pa[0])).toBe(true);
    const copy = p.write(a, 0xaa);
    expect(copy).not.toBe(pa[0]);
    q.x.lru_add_drain();   // the mlock batch
    expect(mlocked(q, copy)).toBe(true);
    expect(mlocked(q, pa[0])).toBe(false);
    expect(counters(q)).toMatchObject({ nr_mlock: 64, nr_unevictable: 64, culled: 65, mlocked: 65, munlocked: 1, rescued: 1 });
    expectInvariants(q);
    // The child writes its copies and exits: nothing locked moves.
    for (let i = 1; i < 4; i++) c.write(a + i * PAGE, 0xcc);
    c.exit();
    expect(counters(q)).toMatchObject({ nr_mlock: 64, munlocked: 1 });
    expect(p.read(a + PAGE).byte).toBe(1);
    // munlock of half, munmap of a quarter: munlocked and rescued, then freed.
    expect(p.run().p.x.sys_munlock(a + 32 * PAGE, 32 * PAGE)).toBe(0);
    expect(counters(q)).toMatchObject({ nr_mlock: 32, nr_unevictable: 32, munlocked: 33, rescued: 33 });
    expect(q.x.sys_munmap(a, 16 * PAGE)).toBe(0);
    expect(counters(q)).toMatchObject({ nr_mlock: 16, nr_unevictable: 16, munlocked: 49, rescued: 49, cleared: 0 });
    expectInvariants(q);
    // Exit munlocks the rest.
    p.exit();
    expect(counters(q)).toMatchObject({ nr_mlock: 0, nr_unevictable: 0, munlocked: 65, rescued: 65, stranded: 0, cleared: 0 });
    expectInvariants(q);
  });

  it("mlock2(MLOCK_ONFAULT) and mlockall(MCL_FUTURE) lock pages as they fault in; VmLck counts the VMAs regardless", () => {
    const q = bootProcs("64M");
    const p = Proc.create(q, 10);
    const a = p.mmap(16 * PAGE);
    expect(p.run().p.x.sys_mlock2(a, 16 * PAGE, MLOCK_ONFAULT)).toBe(0);
    expect(p.counters()[LOCKED_VM]).toBe(16);
    expect(counters(q)).toMatchObject({ nr_mlock: 0, mlocked: 0 });
    for (let i = 0; i < 5; i++) p.write(a + i * PAGE, 1);
    q.x.lru_add_drain();
    expect(counters(q)).toMatchObject({ nr_mlock: 5, nr_unevictable: 5, mlocked: 5, culled: 5 });
    expect(p.run().p.x.sys_mlockall(MCL_FUTURE)).toBe(0);
    const b = p.mmap(4 * PAGE);
    expect(counters(q).nr_mlock).toBe(5 + 4);   // MCL_FUTURE: the new mapping is populated, locked
    expect(p.counters()[LOCKED_VM]).toBe(20);
    expect(p.run().p.x.sys_munlockall()).toBe(0);
    expect(counters(q)).toMatchObject({ nr_mlock: 0, nr_unevictable: 0, munlocked: 9, rescued: 9 });
    expect(p.counters()[LOCKED_VM]).toBe(0);
    expect(q.x.sys_munmap(b, 4 * PAGE)).toBe(0);
    expectInvariants(q);
    p.exit();
    expectInvariants(q);
  });

  it("MAP_LOCKED maps populated and mlocked; mremap and mprotect keep the locked pages locked", () => {
    const q = bootProcs("64M");
    const p = Proc.create(q, 10);
    const a = p.mmap(8 * PAGE, 3, ANON | MAP_LOCKED);
    expect(counters(q)).toMatchObject({ nr_mlock: 8, mlocked: 8 });
    const moved = p.run().p.x.sys_mremap(a, 8 * PAGE, 24 * PAGE, 1, 0);   // MREMAP_MAYMOVE
    expect(moved).toBeGreaterThan(0);
    q.x.lru_add_drain();
    expect(counters(q)).toMatchObject({ nr_mlock: 24, nr_unevictable: 24, mlocked: 24, munlocked: 0 });
    expect(q.x.sys_mprotect(moved + 4 * PAGE, 4 * PAGE, 1)).toBe(0);
    expect(counters(q)).toMatchObject({ nr_mlock: 24, munlocked: 0 });
    expect(p.counters()[LOCKED_VM]).toBe(24);
    expectInvariants(q);
    p.exit();
    expect(counters(q)).toMatchObject({ nr_mlock: 0, munlocked: 24 });
    expectInvariants(q);
  });

  it("a locked process keeps its pages while reclaim swaps another's out", () => {
    const q = bootProcs("16M", "64M");
    const locked = Proc.create(q, 10);
    const a = locked.mmap(2 * MiB);
    const pa: number[] = [];
    for (let i = 0; i < 512; i++) pa.push(locked.write(a + i * PAGE, i & 0xff));
    expect(locked.run().p.x.sys_mlock2(a, 2 * MiB, 0)).toBe(0);
    const hog = Proc.create(q, 11);
    const h = hog.mmap(24 * MiB);
    for (let pass = 0; pass < 2; pass++) for (let i = 0; i < 24 * MiB / PAGE; i++) hog.write(h + i * PAGE, pass);
    expect(q.k.counter("pswpout")).toBeGreaterThan(24 * MiB / PAGE / 2);
    expect(hog.counters()[SWAPENTS]).toBeGreaterThan(0);
    expect(locked.counters()[SWAPENTS]).toBe(0);
    expect(pa.every((x) => mlocked(q, x))).toBe(true);
    for (let i = 0; i < 512; i++) expect(locked.frame(a + i * PAGE)).toBe(pa[i]);
    expect(counters(q)).toMatchObject({ nr_mlock: 512, nr_unevictable: 512, culled: 512 });
    expectInvariants(q);
    // Unlocked, they are reclaim's like any other.
    expect(locked.run().p.x.sys_munlock(a, 2 * MiB)).toBe(0);
    for (let i = 0; i < 24 * MiB / PAGE; i++) hog.write(h + i * PAGE, 2);
    expect(locked.counters()[SWAPENTS]).toBeGreaterThan(0);
    for (let i = 0; i < 512; i++) expect(locked.read(a + i * PAGE).byte).toBe(i & 0xff);
    expectInvariants(q);
    hog.exit();
    locked.exit();
    expectInvariants(q);
  });

  it("a THP in a locked VMA is mlocked whole; unlocking part of it splits it first (a pmd maps one VMA), then only that part is munlocked", () => {
    // Linux splits the pmd too but keeps the folio whole, mapped by ptes, and munlocks all of it
    // (munlocked 512): faultline splits the folio with its pmd, so the half still locked stays mlocked.
    const q = bootProcs("64M");
    q.x.thp_set_enabled(2);
    const p = Proc.create(q, 10);
    const raw = p.mmap(4 * MiB);
    const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
    p.write(a, 1);
    expect(q.k.counter("thp_fault_alloc")).toBe(1);
    expect(p.run().p.x.sys_mlock2(a, 2 * MiB, 0)).toBe(0);
    expect(counters(q)).toMatchObject({ nr_mlock: 512, nr_unevictable: 512, culled: 512, mlocked: 512 });
    expectInvariants(q);
    expect(p.run().p.x.sys_munlock(a + MiB, MiB)).toBe(0);
    expect(q.k.counter("thp_split_pmd")).toBe(1);
    expect(counters(q)).toMatchObject({ nr_mlock: 256, nr_unevictable: 256, munlocked: 256, rescued: 256 });
    expectInvariants(q);
    // Locked again whole (only the unlocked half is new), then unmapped: munlocked, freed.
    expect(p.run().p.x.sys_mlock2(a, 2 * MiB, 0)).toBe(0);
    expect(counters(q)).toMatchObject({ nr_mlock: 512, nr_unevictable: 512, mlocked: 768, culled: 768 });
    expect(q.x.sys_munmap(a, 2 * MiB)).toBe(0);
    expect(counters(q)).toMatchObject({ nr_mlock: 0, nr_unevictable: 0, munlocked: 768, rescued: 768 });
    expectInvariants(q);
    p.exit();
    expect(counters(q)).toMatchObject({ nr_mlock: 0, nr_unevictable: 0 });
    expectInvariants(q);
  });

  it("compaction migrates mlocked pages: stranded on the way, mlocked again where they land", () => {
    const q = bootProcs("64M");
    const p = Proc.create(q, 10);
    const filler = Proc.create(q, 11);
    // Interleave the locked pages with pages that are then freed: compaction has room to move them.
    const a = p.mmap(256 * PAGE);
    const f = filler.mmap(256 * PAGE);
    for (let i = 0; i < 256; i++) {
      p.write(a + i * PAGE, i & 0xff);
      filler.write(f + i * PAGE, 1);
    }
    expect(p.run().p.x.sys_mlock2(a, 256 * PAGE, 0)).toBe(0);
    filler.exit();
    const before = counters(q);
    q.x.compact_memory();
    q.x.lru_add_drain();
    const moved = q.k.counter("pgmigrate_success");
    expect(moved).toBeGreaterThan(0);
    const after = counters(q);
    expect(after.nr_mlock).toBe(256);
    expect(after.nr_unevictable).toBe(256);
    expect(after.stranded - before.stranded).toBe(moved);
    expect(after.mlocked - before.mlocked).toBe(moved);
    for (let i = 0; i < 256; i++) {
      expect(mlocked(q, p.frame(a + i * PAGE))).toBe(true);
      expect(p.read(a + i * PAGE).byte).toBe(i & 0xff);
    }
    expectInvariants(q);
    p.exit();
    expect(counters(q)).toMatchObject({ nr_mlock: 0, nr_unevictable: 0 });
    expectInvariants(q);
  });
});

describe("RLIMIT_MEMLOCK", () => {
  it("limits an unprivileged task (ENOMEM, EAGAIN; EPERM at 0) and not root (CAP_IPC_LOCK), as can_do_mlock and mlock_fixup's callers do", () => {
    const q = bootProcs("64M");
    const user = Proc.create(q, 10);   // uid 1000
    const x = q.x;
    const a = user.mmap(12 * MiB);
    user.run();
    expect(x.sys_mlock2(a, 8 * MiB + PAGE, 0)).toBe(-ENOMEM);
    expect(x.sys_mlock2(a, 8 * MiB, 0)).toBe(0);
    // Already locked pages do not count twice (count_mm_mlocked_page_nr).
    expect(x.sys_mlock2(a, 8 * MiB, 0)).toBe(0);
    expect(x.sys_mmap(0, PAGE, 3, ANON | MAP_LOCKED, 0, 0)).toBe(-EAGAIN);
    expect(x.sys_mlockall(MCL_CURRENT)).toBe(-ENOMEM);   // total_vm above the limit
    expect(x.sys_munlock(a, 8 * MiB)).toBe(0);
    x.mm_set_rlimit(8, 0);   // RLIMIT_MEMLOCK 0
    expect(x.sys_mlock2(a, PAGE, 0)).toBe(-EPERM);
    expect(x.sys_mlockall(MCL_FUTURE)).toBe(-EPERM);
    expect(x.sys_mmap(0, PAGE, 3, ANON | MAP_LOCKED, 0, 0)).toBe(-EPERM);
    // Root: the same calls succeed, with the limit 0 too.
    x.set_task(user.mm, 10, 0, 0, 0, 0, 0);
    expect(x.sys_mlock2(a, 12 * MiB, 0)).toBe(0);
    expect(user.counters()[LOCKED_VM]).toBe(12 * MiB / PAGE);
    expect(x.sys_mmap(0, PAGE, 3, ANON | MAP_LOCKED, 0, 0)).toBeGreaterThan(0);
    expect(x.sys_mlockall(MCL_CURRENT | MCL_FUTURE)).toBe(0);
    expect(x.sys_munlockall()).toBe(0);
    expect(counters(q).nr_mlock).toBe(0);
    user.exit();
    expectInvariants(q);
  });
});
