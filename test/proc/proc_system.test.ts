// The system-wide /proc files (stat, uptime, loadavg, version, cpuinfo,
// mounts, mountinfo) and statfs/fstatfs. What does not depend on the host
// (the pseudo file systems' statfs, the errors, strace's lines for them) is
// compared with a native run; the rest has the shape native Linux 6.18
// prints (regexes taken from its output) and the values faultline's own
// state gives: the same twice, tmpfs's size from RAM, cpuid's vendor and
// features, uname's release, the mount table.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";

const SOURCE = new URL("../native/proc/statfs_probe.c", import.meta.url).pathname;
const BUSYBOX = "/bin/busybox";

/** faultline's busybox running `script`. */
const busybox = (script: string) => faultlineRun(BUSYBOX, "sh", "-c", script);

describe.each([
  ["glibc", "gcc", TOOLS.gcc],
  ["musl", "musl-gcc", TOOLS.musl_gcc],
])("statfs and fstatfs (%s)", (_, cc, tool) => {
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.dist))("give the pseudo file systems' magic and sizes and the errors as native Linux does; tmpfs its limits and usage", () => {
    const exe = buildStatic(cc, SOURCE);
    const native = runIn(exe, []);
    const run = faultlineRun(exe);
    expect(run.status).toBe(0);
    const [nativeCommon] = native.stdout.split("--\n");
    const [common, own] = run.stdout.split("--\n");
    expect(common).toBe(nativeCommon);
    // /proc is read-only here (faultline's files are written only through their handlers).
    expect(own).toMatch(/^\/proc flags=0x1021\npipe flags=0x20\n/);
    // tmpfs: half of RAM in blocks and in inodes (shmem_default_max_blocks, _max_inodes), the root inode in use; 12 KiB take 3 blocks and an inode.
    const memTotalKb = Number(/^MemTotal: +(\d+) kB/m.exec(busybox("cat /proc/meminfo").stdout)![1]);
    const half = Math.floor(memTotalKb / 4 / 2);
    expect(own).toContain(`/tmp: type=0x1021994 bsize=4096 namelen=255 frsize=4096 blocks=${half} bfree=${half} files=${half} ffree=${half - 1}\n/tmp flags=0x1020\n`);
    expect(own).toContain(`/tmp after 12 KiB: type=0x1021994 bsize=4096 namelen=255 frsize=4096 blocks=${half} bfree=${half - 3} files=${half} ffree=${half - 2}\n`);
  });
});

/** A native strace line with its struct statfs's values (which depend on the file system) left open: the same fields, in the same notation. */
function structPattern(line: string): RegExp {
  const escaped = line.replace(/[()[\]{}|.*+?^$\\]/g, "\\$&");
  return new RegExp("^" + escaped.replace(/f_type=[A-Z0-9_]+/, "f_type=[A-Z0-9_]+").replace(/=\d+/g, "=\\d+")
    .replace(/val=\\\[.*?\\\]/, "val=\\[(0x[0-9a-f]+|0), (0x[0-9a-f]+|0)\\]").replace(/f_flags=[A-Z_|\\]+/, "f_flags=ST_[A-Z_|]+") + "$");
}

describe("statfs in the syscall trace", () => {
  it.runIf(needs(TOOLS.gcc, TOOLS.libc_a, TOOLS.strace, TOOLS.dist))("is strace's line: every field, the magic's name, the flags; NULL and the errors as strace prints them", () => {
    const exe = buildStatic("gcc", SOURCE);
    const strace = spawnSync("strace", ["-e", "trace=statfs,fstatfs", exe], { encoding: "utf8" }).stderr;
    const ours = faultlineRun("--trace", "syscalls", exe).stderr;
    const lines = (s: string) => s.split("\n").filter((l) => /^f?statfs\(/.test(l)).map((l) => l.replace(/0x7ff[0-9a-f]+/g, "ADDR"));
    const native = lines(strace), traced = lines(ours);
    expect(traced.length).toBe(native.length);
    // The pipe's line, and every failing call's, are the host's own.
    for (const [i, l] of native.entries()) {
      if (l.includes("PIPEFS_MAGIC") || l.includes("= -1")) expect(traced[i]).toBe(l);
      else expect(traced[i]).toMatch(structPattern(l));
    }
  });
});

describe("the system-wide /proc files", () => {
  const script = "sleep 1 & cat /proc/stat /proc/uptime /proc/loadavg /proc/version; wait; echo; cat /proc/uptime /proc/loadavg";

  it.runIf(needs(TOOLS.busybox, TOOLS.dist))("have Linux's formats, filled from the virtual clock and the tasks, the same twice", () => {
    const first = busybox(script);
    expect(first.status).toBe(0);
    expect(busybox(script).stdout).toBe(first.stdout);
    const [before, after] = first.stdout.split("\n\n");
    // show_stat: one CPU, ten times in ticks; intr, ctxt, btime, processes, procs_running, procs_blocked, softirq.
    expect(before).toMatch(/^cpu  (\d+)( \d+){9}\ncpu0 \d+( \d+){9}\nintr \d+( \d+)+\nctxt \d+\nbtime \d+\nprocesses \d+\nprocs_running \d+\nprocs_blocked \d+\nsoftirq \d+( \d+){10}\n/);
    const stat = before.split("\n");
    expect(stat[0].slice(4)).toBe(stat[1].slice(4));
    // btime: the virtual wall clock at boot (2026-01-01).
    expect(before).toContain("\nbtime 1767225600\n");
    // The kernel threads (kthreadd, kswapd0, kcompactd0), then the shell, its sleep and its cat.
    expect(before).toMatch(/\nprocesses 6\nprocs_running 1\n/);
    // uptime: seconds since boot, then idle seconds; the sleep idles the CPU about a second.
    const [up1, idle1] = before.split("\n")[9].split(" ").map(Number);
    const [up2, idle2] = after.split("\n")[0].split(" ").map(Number);
    expect(up1).toBeGreaterThanOrEqual(0);
    expect(up2 - up1).toBeGreaterThanOrEqual(1);
    expect(idle2 - idle1).toBeGreaterThanOrEqual(0.9);
    // loadavg: three averages (no task ran 5 s), runnable/all tasks, the last pid (cat's).
    expect(before.split("\n")[10]).toBe("0.00 0.00 0.00 1/6 6");
    // sh runs its last command itself: the cat is pid 1, with the kernel threads.
    expect(after.split("\n")[1]).toBe("0.00 0.00 0.00 1/4 6");
    // version: uname's release and version.
    const uname = busybox("uname -r; uname -v").stdout.split("\n");
    expect(before.split("\n")[11]).toBe(`Linux version ${uname[0]} (faultline@faultline) (AssemblyScript) ${uname[1]}`);
  });

  it.runIf(needs(TOOLS.busybox, TOOLS.dist))("cpuinfo: the one processor cpuid describes, in show_cpuinfo's fields (an x86-64-v2 CPU)", () => {
    const run = faultlineRun("--cpu", "x86-64-v2", BUSYBOX, "sh", "-c", "cat /proc/cpuinfo; grep -c ^processor /proc/cpuinfo");
    const fields = [...run.stdout.matchAll(/^([a-zA-Z_ ]+?)\t*: ?(.*)$/gm)].map((m) => [m[1], m[2]]);
    // The native file's fields, in its order (the per-vendor ones faultline's CPU does not have left out: microcode, TLB size, vmx flags).
    const native = [...spawnSync("cat", ["/proc/cpuinfo"], { encoding: "utf8" }).stdout.split("\n\n")[0].matchAll(/^([a-zA-Z_ ]+?)\t*: ?(.*)$/gm)]
      .map((m) => m[1]).filter((n) => !["microcode", "TLB size", "vmx flags"].includes(n));
    expect(fields.map(([n]) => n)).toEqual(native);
    const f = Object.fromEntries(fields);
    expect(f.vendor_id).toBe("AuthenticAMD");
    expect(f.processor).toBe("0");
    expect(f.siblings).toBe("1");
    expect(f["cache size"]).toBe("512 KB");
    expect(f.flags.split(" ")).toEqual(expect.arrayContaining(["fpu", "tsc", "cmov", "mmx", "fxsr", "sse", "sse2", "syscall", "nx", "lm",
      "pni", "ssse3", "cx16", "sse4_1", "sse4_2", "popcnt", "lahf_lm"]));
    expect(run.stdout.endsWith("\n\n1\n")).toBe(true);
    // x86-64-v2: no AVX, no XSAVE, no leaf 7
    expect(f.flags.split(" ")).not.toEqual(expect.arrayContaining(["avx"]));
    expect(f["cpuid level"]).toBe("1");
  });

  it.runIf(needs(TOOLS.busybox, TOOLS.dist))("cpuinfo on the default CPU, x86-64-v3: v2's flags and AVX2's, named as this machine's /proc/cpuinfo names them", () => {
    const run = busybox("cat /proc/cpuinfo");
    const f = Object.fromEntries([...run.stdout.matchAll(/^([a-zA-Z_ ]+?)\t*: ?(.*)$/gm)].map((m) => [m[1], m[2]]));
    const v3 = ["fma", "movbe", "xsave", "avx", "f16c", "abm", "bmi1", "avx2", "bmi2", "erms"];
    expect(f.flags.split(" ")).toEqual(expect.arrayContaining(["sse4_2", "popcnt", ...v3]));
    expect(f["cpuid level"]).toBe("13");
    // in the native line's order (capflags' words: leaf 1 ecx, 0x80000001 ecx, then leaf 7 ebx)
    const native = /^flags\t*: (.*)$/m.exec(spawnSync("cat", ["/proc/cpuinfo"], { encoding: "utf8" }).stdout)![1].split(" ");
    if (v3.every((x) => native.includes(x))) expect(native.filter((x) => v3.includes(x))).toEqual(f.flags.split(" ").filter((x: string) => v3.includes(x)));
  });

  it.runIf(needs(TOOLS.busybox, TOOLS.dist))("mounts and mountinfo: faultline's namespace; mount and df read them, df statfs's tmpfs", () => {
    // The host's /tmp entries, each a mount, may be thousands: the guest itself checks their lines.
    const run = busybox(`head -2 /proc/mounts; tail -4 /proc/mounts; echo
      sed -n '3,$p' /proc/mounts | grep -c -v '^/dev/root /tmp/[^ ]* ext4 ro,relatime 0 0$'; echo
      head -2 /proc/self/mountinfo; grep -c -v -E '^[0-9]+ [0-9]+ [0-9]+:[0-9]+ /[^ ]* /[^ ]* r[ow],relatime - [^ ]+ [^ ]+ r[ow]$' /proc/self/mountinfo; echo
      mount | head -2; echo; df /tmp /dev/shm; echo; head -2 /proc/1/mounts`);
    const [mounts, others, mountinfo, mount, df, pid1] = run.stdout.split("\n\n");
    const table = mounts.split("\n");
    expect(table).toEqual(["/dev/root / ext4 ro,relatime 0 0", "tmpfs /tmp tmpfs rw,relatime 0 0",
      "devtmpfs /dev devtmpfs ro,relatime 0 0", "tmpfs /dev/shm tmpfs rw,relatime 0 0", "proc /proc proc ro,relatime 0 0", "sysfs /sys sysfs ro,relatime 0 0"]);
    // Between /tmp and /dev, only the host's /tmp entries (the lines of /dev, /dev/shm, /proc and /sys are the 4 left).
    expect(others).toBe("4");
    // show_mountinfo: id, parent, major:minor, root, mount point, options, "-", type, source, super options; every line that shape.
    expect(mountinfo).toBe("1 1 8:1 / / ro,relatime - ext4 /dev/root ro\n2 1 0:26 / /tmp rw,relatime - tmpfs tmpfs rw\n0");
    expect(mount.split("\n").slice(0, 2)).toEqual(["/dev/root on / type ext4 (ro,relatime)", "tmpfs on /tmp type tmpfs (rw,relatime)"]);
    const memTotalKb = Number(/^MemTotal: +(\d+) kB/m.exec(busybox("cat /proc/meminfo").stdout)![1]);
    const kb = Math.floor(memTotalKb / 4 / 2) * 4;
    // Each tmpfs has its own size limit, half of RAM.
    expect(df).toMatch(new RegExp(`^Filesystem +1K-blocks +Used +Available +Use% +Mounted on\ntmpfs +${kb} +0 +${kb} +0% /tmp\ntmpfs +${kb} +0 +${kb} +0% /dev/shm$`));
    expect(pid1).toBe(table.slice(0, 2).join("\n") + "\n");
  });

  it.runIf(needs(TOOLS.busybox, TOOLS.dist))("busybox top -b -n1 and uptime run to the end with the load and the processes", () => {
    const run = busybox("top -b -n1 | head -4; uptime");
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^Mem: \d+K used, \d+K free, \d+K shrd, \d+K buff, \d+K cached$/);
    expect(lines[1]).toMatch(/^CPU: +\d+% usr +\d+% sys +\d+% nic +\d+% idle +\d+% io +\d+% irq +\d+% sirq$/);
    expect(lines[2]).toMatch(/^Load average: 0\.00 0\.00 0\.00 \d+\/\d+ \d+$/);
    expect(lines[3]).toMatch(/^ +PID +PPID USER +STAT +VSZ %VSZ %CPU COMMAND$/);
    expect(lines[4]).toMatch(/^ \d\d:\d\d:\d\d up 0 min, +0 users, +load average: 0\.00, 0\.00, 0\.00$/);
  });
});
