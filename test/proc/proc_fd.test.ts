// /proc/<pid>/fd, /proc/<pid>/fdinfo, /dev/fd and /dev/std{in,out,err}
// (fs/proc/fd.c), and a zombie's /proc/<pid>, against native runs of the
// same static programs (glibc and musl) and of busybox. What a native run
// cannot repeat (inode numbers, mount ids, dates) the programs check
// against their own fstat and mountinfo, and the busybox scripts' output
// shows as N; faultline's own numbers are checked to repeat run to run.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const fds = new URL("../native/proc/proc_fds.c", import.meta.url).pathname;
const zombie = new URL("../native/proc/zombie_proc.c", import.meta.url).pathname;

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.dist))("proc_fds.c: each kind of file's link, fdinfo and reopening are Linux's", () => {
    const exe = buildStatic(cc, fds);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain("fd 7 -> anon_inode:[eventfd]");
    const ours = faultlineRun(exe);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.status).toBe(0);
  }, 300_000);

  it.runIf(needs(tool, TOOLS.dist))("zombie_proc.c: a zombie's /proc/<pid> until it is reaped", () => {
    const exe = buildStatic(cc, zombie);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain("state Z threads 1");
    const ours = faultlineRun(exe);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.status).toBe(0);
  }, 300_000);
});

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const BUSYBOX = "/bin/busybox";

/** Descriptors a native shell inherits beyond 0-2 go first: faultline's processes start with none. */
const CLOSE_INHERITED = 'for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done';

const SCRIPT = `${CLOSE_INHERITED}
ls -l /proc/self/fd; readlink /proc/self/fd/1; readlink /dev/fd/0; cat /proc/self/fdinfo/2
ls -l /dev/fd /dev/stdin /dev/stdout /dev/stderr
echo to stderr > /dev/stderr; echo to stdout > /dev/stdout; echo through a pipe | cat /dev/stdin; echo again | cat /dev/fd/0
cd $(mktemp -d); seq 3 > nums; exec 5<nums 6>>log; ls -l /proc/$$/fd > out; sed "s|$PWD|D|" out; cat /proc/$$/fdinfo/6; cat /proc/self/fd/5
rm nums; readlink /proc/$$/fd/5 | sed "s|$PWD|D|"; exec 5<&- 6>&-; cd /; rm -r "$OLDPWD"
readlink /proc/self/exe; ls -ld /proc/self/fd /proc/self/fdinfo
set -- $(sed -n 1p /proc/$$/maps); echo "maps names the program $6"; [ "$5" = "$(stat -L -c %i /proc/$$/exe)" ] && echo "with its inode"`;

/** Inode numbers, mount ids and dates: what differs between any two native runs. */
const shape = (s: string) => s.replace(/\[\d+\]/g, "[N]").replace(/^(mnt_id|ino):\t\d+$/gm, "$1:\tN")
  .replace(/ [A-Z][a-z]{2} [ \d]\d +(\d\d:\d\d|\d{4}) /g, " DATE ");

describe.runIf(needs(TOOLS.busybox, TOOLS.dist))("busybox on /proc/self/fd, /dev/fd and /dev/stdin", () => {
  it("ls -l, readlink, cat and redirections match a native run whose standard streams are pipes, as faultline's are", () => {
    // Natively each stream a pipe of its own: stdin from `:`, stdout to one cat, stderr to another.
    const wrapper = `{ : | ${BUSYBOX} sh -c "$0" 2>&1 1>&3 3>&- | ${BUSYBOX} cat >&2 3>&-; } 3>&1 | ${BUSYBOX} cat`;
    const native = spawnSync("/bin/sh", ["-c", wrapper, SCRIPT], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(native.status).toBe(0);
    expect(native.stdout).toMatch(/^l-wx------ .* 1 -> pipe:\[\d+\]$/m);
    expect(native.stdout).toMatch(/^maps names the program \/\S*busybox\nwith its inode$/m);
    const ours = spawnSync(process.execPath, [CLI, "run", BUSYBOX, "sh", "-c", SCRIPT], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(shape(ours.stdout)).toBe(shape(native.stdout));
    expect(shape(ours.stderr)).toBe(shape(native.stderr));
    expect(ours.status).toBe(0);
    // faultline's own numbers repeat: the pipes' inodes and the dates. (The mount table, and with it mount ids and
    // the numbers of inodes made after it is read, holds an entry per entry of the host's /tmp, which others change.)
    const again = spawnSync(process.execPath, [CLI, "run", BUSYBOX, "sh", "-c", SCRIPT], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    const ownNumbers = (s: string) => s.replace(/^(mnt_id|ino):\t\d+$/gm, "");
    expect(ownNumbers(again.stdout)).toBe(ownNumbers(ours.stdout));
  }, 300_000);
});
