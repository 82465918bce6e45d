// fallocate of a tmpfs file in the kernel (shmem_fallocate): the pages it
// allocates are shmem pages (nr_shmem, st_blocks), FALLOC_FL_KEEP_SIZE
// leaves i_size, a punched hole frees whole pages and zeroes the partial
// ones, out of memory the call takes back what it allocated; and the
// seals a memfd takes refuse what they name. The same calls against this
// machine's Linux: test/native/libc/memfd.c (libc_programs.test.ts).
import { describe, expect, it } from "vitest";
import { allocIno } from "../../src/fs/pagecache.js";
import { F_SEAL_GROW, F_SEAL_SHRINK, F_SEAL_WRITE } from "../../src/fs/shmem.js";
import { machine, withLeakCheck } from "../helpers/machine.js";

const PAGE = 4096;
const KEEP_SIZE = 1, PUNCH_HOLE = 2, ZERO_RANGE = 0x10;
const EPERM = -1, ENOMEM = -12, EOPNOTSUPP = -95;
/** No RLIMIT_FSIZE: every size is allowed. */
const NO_LIMIT = () => 0;

describe("shmem_fallocate", () => {
  it("allocates shmem pages, keeps i_size when asked, and a punched hole frees and zeroes", () => {
    const k = machine("64M", "debug");
    withLeakCheck(k, () => {
      const f = k.pageCache.shmemFile(allocIno())!;
      expect(f.fallocate(0, 100, 2 * PAGE, NO_LIMIT)).toBe(0);
      expect([f.size(), f.blocks(), k.counter("nr_shmem")]).toEqual([100 + 2 * PAGE, 24, 3]);
      expect(f.fallocate(KEEP_SIZE, 5 * PAGE, PAGE, NO_LIMIT)).toBe(0);
      expect([f.size(), f.blocks(), k.counter("nr_shmem")]).toEqual([100 + 2 * PAGE, 32, 4]);
      expect(f.fallocate(ZERO_RANGE, 0, PAGE, NO_LIMIT)).toBe(EOPNOTSUPP);
      // An allocated page reads as zeros until written.
      const back = new Uint8Array(PAGE).fill(1);
      expect(f.read(PAGE, back)).toBe(PAGE);
      expect(back.every((b) => b === 0)).toBe(true);
      f.write(0, new Uint8Array(3 * PAGE).fill(7));
      expect(f.fallocate(PUNCH_HOLE | KEEP_SIZE, 10, 2 * PAGE, NO_LIMIT)).toBe(0);
      expect([f.size(), f.blocks(), k.counter("nr_shmem")]).toEqual([3 * PAGE, 24, 3]);
      const all = new Uint8Array(3 * PAGE);
      f.read(0, all);
      const sevens = (from: number, to: number) => all.subarray(from, to).filter((b) => b === 7).length;
      expect([sevens(0, 10), sevens(10, 2 * PAGE + 10), sevens(2 * PAGE + 10, 3 * PAGE)]).toEqual([10, 0, PAGE - 10]);
      expect(k.checkInvariants(), k.dmesg()).toBe(0);
      f.release();
      expect(k.counter("nr_shmem")).toBe(0);
    });
  });

  it("out of memory, takes back the pages it allocated and keeps the file's own", () => {
    const k = machine("16M", "debug");
    withLeakCheck(k, () => {
      const f = k.pageCache.shmemFile(allocIno())!;
      f.write(0, new Uint8Array(PAGE).fill(3));
      expect(f.fallocate(0, 0, 64 << 20, NO_LIMIT)).toBe(ENOMEM);
      expect([f.size(), k.counter("nr_shmem")]).toEqual([PAGE, 1]);
      const back = new Uint8Array(PAGE);
      f.read(0, back);
      expect(back.every((b) => b === 3)).toBe(true);
      expect(k.checkInvariants(), k.dmesg()).toBe(0);
      f.release();
    });
  });

  it("refuses what the seals name: growing, shrinking, writing and punching", () => {
    const k = machine("64M", "debug");
    withLeakCheck(k, () => {
      const f = k.pageCache.shmemFile(allocIno())!;
      f.truncate(2 * PAGE);
      f.seals = F_SEAL_GROW | F_SEAL_SHRINK;
      expect([f.truncate(PAGE), f.truncate(3 * PAGE), f.fallocate(0, PAGE, 2 * PAGE, NO_LIMIT), f.fallocate(0, 0, 2 * PAGE, NO_LIMIT)]).toEqual([EPERM, EPERM, EPERM, 0]);
      // A write stops where it would grow the file.
      expect(f.write(2 * PAGE - 1, new Uint8Array(3))).toBe(1);
      f.seals |= F_SEAL_WRITE;
      expect([f.write(0, new Uint8Array(1)), f.fallocate(PUNCH_HOLE | KEEP_SIZE, 0, PAGE, NO_LIMIT)]).toEqual([EPERM, EPERM]);
      f.release();
    });
  });
});
