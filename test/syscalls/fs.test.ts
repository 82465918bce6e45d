// src/fs and the file syscalls over an in-memory host file system (what a
// web page gives the guest): what a read-only mount refuses (EROFS, EXDEV,
// EBUSY, as Linux's namei and do_*at functions order their checks), tmpfs,
// the magic /proc/self/exe link and the seeded /dev/urandom. The same calls
// against this machine's Linux are in programs/src/files_probe.c.
import { describe, expect, it } from "vitest";
import { MemoryHostFs } from "../../src/fs/host.js";
import { type Found, Namespace } from "../../src/fs/namespace.js";
import { SeededRandom } from "../../src/syscalls/random.js";
import { FileSyscalls } from "../../src/syscalls/files.js";
import { bytesFile } from "../../src/fs/pagecache.js";

const BASE = 0x10000;
const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_TRUNC = 0o1000, O_DIRECTORY = 0o200000;
const EROFS = -30, EEXIST = -17, EXDEV = -18, EBUSY = -16, ENOENT = -2, ELOOP = -40;

function setup(seed = 1) {
  const ram = new Uint8Array(0x10000);
  const inRange = (addr: number, len: number) => addr >= BASE && addr + len <= BASE + ram.length;
  const mem = {
    copyFromUser: (dst: Uint8Array, addr: number, len = dst.length) => (inRange(addr, len) ? (dst.set(ram.subarray(addr - BASE, addr - BASE + len)), 0) : -14),
    copyToUser: (addr: number, src: Uint8Array) => (inRange(addr, src.length) ? (ram.set(src, addr - BASE), 0) : -14),
  };
  const host = new MemoryHostFs();
  host.add("/data/hello.txt", new TextEncoder().encode("hello\n"));
  host.add("/data/sub/deep.txt", new Uint8Array(5000).fill(7));
  const random = new SeededRandom(seed);
  const program = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2]);
  const ns = new Namespace({
    host, random: (n) => random.bytes(n), now: () => 1767225600, proc: (name) => (name === "buddyinfo" ? "Node 0\n" : null),
    procNames: ["buddyinfo", "self/maps"], exe: () => ({ path: "/not/visible/prog", data: bytesFile(program) }),
  });
  const sys = new FileSyscalls(mem, ns, { stdin: () => null, stdout: () => {}, stderr: () => {} }, "/data");
  let strings = 0x8000;
  /** A NUL-terminated string in guest memory. */
  const str = (s: string) => {
    const b = new TextEncoder().encode(s + "\0");
    const at = BASE + strings;
    ram.set(b, strings);
    strings += b.length;
    return at;
  };
  const buf = BASE;
  const call = (nr: number, ...a: number[]) => sys.call(nr, [...a, 0, 0, 0, 0, 0, 0].slice(0, 6))!;
  const text = (n: number) => new TextDecoder().decode(ram.subarray(0, n));
  return { sys, call, str, buf, text, ram };
}

describe("the namespace over a web page's files", () => {
  it("reads host files from the starting directory, and lists / with /tmp, /dev and /proc", () => {
    const { call, str, buf, text, ram } = setup();
    const fd = call(2, str("hello.txt"), O_RDONLY);
    expect(fd).toBe(3);
    expect(call(0, fd, buf, 100)).toBe(6);
    expect(text(6)).toBe("hello\n");
    expect(call(2, str("sub/../sub/deep.txt"), O_RDONLY)).toBe(4);
    expect(call(8, 4, 0, 2)).toBe(5000);
    const root = call(2, str("/"), O_RDONLY | O_DIRECTORY);
    const n = call(217, root, buf, 4096);
    const names: string[] = [];
    for (let at = 0; at < n; at += ram[at + 16] | (ram[at + 17] << 8))
      names.push(new TextDecoder().decode(ram.subarray(at + 19, ram.indexOf(0, at + 19))));
    expect(names).toEqual([".", "..", "data", "tmp", "dev", "proc"]);
  });

  it("refuses writes outside /tmp as a read-only mount does, in Linux's order of checks", () => {
    const { call, str } = setup();
    expect(call(2, str("hello.txt"), O_WRONLY)).toBe(EROFS);
    expect(call(2, str("hello.txt"), O_RDONLY | O_TRUNC)).toBe(EROFS);
    expect(call(2, str("new.txt"), O_CREAT | O_WRONLY, 0o644)).toBe(EROFS);
    expect(call(2, str("/nodir/new.txt"), O_CREAT | O_WRONLY, 0o644)).toBe(ENOENT);
    expect(call(83, str("/data"), 0o755)).toBe(EEXIST); // an existing name is EEXIST even read-only
    expect(call(83, str("/data/x"), 0o755)).toBe(EROFS);
    expect(call(87, str("hello.txt"))).toBe(EROFS);
    expect(call(87, str("nope"))).toBe(EROFS); // mnt_want_write comes before the lookup
    expect(call(84, str("sub"))).toBe(EROFS);
    expect(call(82, str("hello.txt"), str("x"))).toBe(EROFS);
    expect(call(82, str("hello.txt"), str("/tmp/x"))).toBe(EXDEV);
    expect(call(76, str("hello.txt"), 0)).toBe(EROFS);
    expect(call(21, str("hello.txt"), 2)).toBe(EROFS);
    expect(call(84, str("/tmp"))).toBe(EROFS); // the parent's mount is asked first
    expect(call(84, str("/tmp/."))).toBe(-22);
    expect(call(82, str("/tmp/.."), str("/tmp/x"))).toBe(EBUSY);
    expect(call(2, str("/dev/null"), O_WRONLY)).toBe(3); // devices on a read-only mount stay writable
  });

  it("tmpfs keeps what is written, across opens", () => {
    const { call, str, buf, text } = setup();
    const fd = call(2, str("/tmp/f"), O_CREAT | O_RDWR, 0o600);
    const data = str("tmpfs bytes");
    expect(call(1, fd, data, 11)).toBe(11);
    expect(call(3, fd)).toBe(0);
    const again = call(2, str("/tmp/f"), O_RDONLY);
    expect(call(0, again, buf, 100)).toBe(11);
    expect(text(11)).toBe("tmpfs bytes");
    expect(call(82, str("/tmp/f"), str("/tmp/g"))).toBe(0);
    expect(call(2, str("/tmp/f"), O_RDONLY)).toBe(ENOENT);
  });

  it("/proc/self/exe is a magic link: it opens the program even where its path is not visible", () => {
    const { call, str, buf, text } = setup();
    expect(call(89, str("/proc/self/exe"), buf, 100)).toBe(17);
    expect(text(17)).toBe("/not/visible/prog");
    const fd = call(2, str("/proc/self/exe"), O_RDONLY);
    expect(call(0, fd, buf, 4)).toBe(4);
    expect(text(4)).toBe("\x7fELF");
    expect(call(2, str("/proc/self/exe"), O_RDONLY | 0o400000)).toBe(ELOOP); // O_NOFOLLOW
    const p = call(2, str("/proc/buddyinfo"), O_RDONLY);
    expect(call(0, p, buf, 100)).toBe(7);
  });

  it("/dev/urandom follows the machine's seed", () => {
    const read = (seed: number) => {
      const { call, str, buf, ram } = setup(seed);
      const fd = call(2, str("/dev/urandom"), O_RDONLY);
      expect(call(0, fd, buf, 16)).toBe(16);
      return [...ram.subarray(0, 16)];
    };
    expect(read(1)).toEqual(read(1));
    expect(read(1)).not.toEqual(read(2));
  });
});

describe("the guest's /tmp", () => {
  it("is its own tmpfs with the host's /tmp entries bind-mounted read-only on it", () => {
    const host = new MemoryHostFs();
    host.add("/tmp/work/input.txt", new TextEncoder().encode("x"));
    host.add("/tmp/note", new TextEncoder().encode("host"));
    const ns = new Namespace({ host, random: () => new Uint8Array(0), now: () => 0, proc: () => null, procNames: [], exe: () => null });
    expect(Namespace.path(ns.startDir("/tmp/work"))).toBe("/tmp/work");
    // by the absolute path and from the starting directory, the host's file
    for (const [base, path] of [[ns.rootLoc, "/tmp/work/input.txt"], [ns.startDir("/tmp/work"), "input.txt"]] as const) {
      const found = ns.walk(base, path, true);
      expect(typeof found !== "number" && found.node?.size()).toBe(1);
    }
    const tmp = ns.walk(ns.rootLoc, "/tmp", true);
    if (typeof tmp === "number" || !tmp.loc) throw new Error("no /tmp");
    const at = (name: string) => ns.walk(tmp.loc!, name, false) as Found;
    // the guest's own files go to the tmpfs, listed after the mount points
    expect(ns.create(at("mine"), 0o644)).not.toBeTypeOf("number");
    expect(tmp.node && (tmp.node as unknown as { names(): string[] }).names()).toEqual(["note", "work", "mine"]);
    // a mount point is busy (unlink, rmdir, rename either way); inside it the host's read-only mount answers
    expect(ns.remove(at("note"), false)).toBe(EBUSY);
    expect(ns.remove(at("work"), true)).toBe(EBUSY);
    expect(ns.rename(at("note"), at("other"), false)).toBe(EBUSY);
    expect(ns.rename(at("mine"), at("note"), false)).toBe(EBUSY);
    expect(ns.mkdir(at("work"), 0o755)).toBe(EEXIST);
    expect(ns.mkdir(at("work/sub"), 0o755)).toBe(EROFS);
    expect(ns.rename(at("mine"), at("work/mine"), false)).toBe(EXDEV);
    expect(ns.remove(at("mine"), false)).toBe(0);
    expect(Namespace.path(ns.startDir("/no/such/dir"))).toBe("/");
  });
});
