// fs/exec.c's part of the machine: execve (the program from the task's
// namespace, argv and envp from its memory), the loader's part of it, and
// the task's name. Browser-safe.

import type { Machine } from "../machine.js";
import { CpuState } from "../cpu/state.js";
import { withCode } from "../errors.js";
import type { FileData } from "../fs/file_data.js";
import { RegularInode } from "../fs/inode.js";
import { exec } from "../loader/index.js";
import { SIGSEGV, SI_KERNEL, EACCES, EAGAIN, EFAULT, E2BIG, ENOENT, ENOEXEC } from "../syscalls/index.js";
import { RLIMIT_NPROC } from "./fork.js";
import { ERRNO } from "../syscalls/errno.js";
import { d_path, getname } from "../syscalls/namei.js";
import { release } from "./exit.js";
import { exit_robust_list } from "./futex.js";
import { KILLED_WITH_INIT } from "./sched.js";
import { type Task, copyRegisters } from "./task.js";
import type { Cred } from "./cred.js";
import { exec_itimers } from "./timers.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The loader's part of execve, into the task's (current) mm: its image,
 * registers, name and /proc/self/exe. @raise Error as exec() describes
 */
export function load(m: Machine, task: Task, data: FileData, argv: string[], envp: string[], path: string, execfn: string, beginNewExec?: () => void): void {
  const image = exec(
    {
      kernel: m.k,
      files: m.kernel.pageCache,
      copyToUser: (addr, bytes) => m.user.copyToUser(addr, bytes) === 0,
      // begin_new_exec names the task before the new image is mapped: the loader's faults are already its.
      beginNewExec: () => {
        beginNewExec?.();
        task.comm = setComm(m, task, encoder.encode(execfn.slice(execfn.lastIndexOf("/") + 1)));
      },
      openInterpreter: (interp) => {
        const r = openExec(m, task, interp);
        return typeof r === "number" ? r : r.data;
      },
    },
    data,
    { argv, envp, execfn, random: m.random.bytes(16), ids: auxvIds(task.cred), cpu: m.cpu.model },
  );
  task.image = image;
  task.exe = { path, data };
  task.execPath = argv[0] ?? "";
  task.faults = 0;
  // start_thread: every register zero but rip and rsp, a fresh FPU.
  copyRegisters(new CpuState(), m.cpu.state);
  m.cpu.rip = image.entry;
  m.cpu.rsp = image.rsp;
}

/**
 * The ids exec tells the program (create_elf_tables): AT_SECURE when its
 * effective ids are not its real ones (cap_bprm_creds_from_file's
 * is_setid), and glibc then ignores LD_* and other variables.
 */
function auxvIds(c: Cred) {
  return { uid: c.uid, euid: c.euid, gid: c.gid, egid: c.egid, secure: c.euid !== c.uid || c.egid !== c.gid ? 1 : 0 };
}

/**
 * open_exec: a regular file with an execute bit, found from the task's
 * working directory; its name (d_path: where its links lead) goes to the
 * page cache for /proc/<pid>/maps.
 * @return its data and name, or -ENOENT, -EACCES (or the walk's -errno)
 */
function openExec(m: Machine, task: Task, path: string): { data: FileData; path: string } | number {
  const found = m.fs.walk(task.sys.files.cwd, path, true);
  if (typeof found === "number") return found;
  const node = found.node;
  if (!node) return -ENOENT;
  if (!(node instanceof RegularInode) || (node.mode & 0o111) === 0) return -EACCES;
  const data = node.open();
  const name = d_path(m.fs, found);
  m.kernel.pageCache.names.set(data.ino, { path: name, dev: node.mount.dev });
  return { data, path: name };
}

/** task->comm: the first 15 bytes of `name` (exec's basename, or prctl's PR_SET_NAME), told to the kernel with the pid. */
export function setComm(m: Machine, task: Task, name: Uint8Array): string {
  const comm = new Uint8Array(16);
  const end = name.indexOf(0);
  comm.set(name.subarray(0, Math.min(15, end < 0 ? name.length : end)));
  const w = new Uint32Array(comm.buffer);
  // The kernel names an mm by its process: its leader's.
  if (task.mm && task === task.group.leader) m.k.set_task(task.mm, task.pid, task.cred.euid, w[0], w[1], w[2], w[3]);
  return decoder.decode(comm.subarray(0, comm.indexOf(0)));
}

/**
 * execve: the file from the task's namespace, argv and envp from its
 * memory; past the checks (begin_new_exec) a fresh mm replaces the old,
 * close-on-exec files close and handled signals go back to SIG_DFL. A
 * failure after that point kills the task with SIGSEGV, as Linux does.
 */
export function execve(m: Machine, t: Task, pathAddr: number, argvAddr: number, envpAddr: number): number {
  const files = t.sys.files;
  const path = getname(files, pathAddr);
  if (typeof path === "number") return path;
  // A set*uid made the task a user's past RLIMIT_NPROC: refused while that user still is.
  if (t.nprocExceeded && m.sched.userTasks(t.cred.uid) > t.sys.rlimit(RLIMIT_NPROC)) return -EAGAIN;
  t.nprocExceeded = false;
  const argv = strings(m, argvAddr);
  if (typeof argv === "number") return argv;
  const envp = strings(m, envpAddr);
  if (typeof envp === "number") return envp;
  const opened = openExec(m, t, path);
  if (typeof opened === "number") return opened;
  const data = opened.data;
  let committed = false;
  const old = t.mm;
  try {
    load(m, t, data, argv, envp, opened.path, path, () => {
      de_thread(m, t);
      // exec_mm_release: the old image's robust futexes die with it; neither list nor tid word carries over.
      if (t.sys.robustList) exit_robust_list(m, t, t.sys.robustList);
      t.sys.robustList = t.clearChildTid = 0;
      const fresh = m.kernel.call(() => m.k.mm_exec(old));
      if (fresh === 0) throw withCode(new Error("exec failed: out of memory for a new address space"), "ENOMEM");
      committed = true;
      t.mm = fresh;
      m.mmu.flushAll();
      t.completeVforkDone();
      files.fds.closeOnExec();
      t.signals.exec();
      t.cred = t.cred.execed();
      exec_itimers(t.group);
    });
  } catch (e) {
    if (!committed) {
      // The refusal's errno: E2BIG, ENOMEM, the interpreter's ENOENT, EACCES, EIO, ELIBBAD; ENOEXEC otherwise.
      const code = (e as { code?: string }).code;
      const errno = ERRNO.findIndex((x) => x?.[0] === code);
      return errno > 0 ? -errno : -ENOEXEC;
    }
    t.signals.force({ signo: SIGSEGV, code: SI_KERNEL });
  }
  return 0;
}

/**
 * de_thread: an exec ends the caller's other threads; a thread that is not
 * the leader then takes the leader's place: its pid (exchange_tids), its
 * parent, children and process group, and the leader is gone.
 */
function de_thread(m: Machine, t: Task): void {
  const g = t.group;
  for (const other of g.threads.filter((x) => x !== t)) release(m, other, KILLED_WITH_INIT);
  const leader = g.leader;
  if (leader === t) return;
  const { pgid, sid } = leader;
  const tasks = m.sched.tasks;
  tasks.splice(tasks.indexOf(t), 1);
  tasks[tasks.indexOf(leader)] = t;
  t.pid = leader.pid;
  t.parent = leader.parent;
  const siblings = t.parent?.children;
  if (siblings) siblings[siblings.indexOf(leader)] = t;
  for (const c of leader.children) c.parent = t;
  t.children.push(...leader.children.splice(0));
  t.exitSignal = leader.exitSignal;
  t.childRetired = leader.childRetired;
  t.childMinflt = leader.childMinflt;
  t.childMajflt = leader.childMajflt;
  g.exitedRetired += leader.retired;
  g.leader = t;
  t.pgid = pgid;
  t.sid = sid;
}

/** A NULL-terminated array of string pointers (argv, envp) from the current mm, or -EFAULT/-E2BIG. */
function strings(m: Machine, addr: number): string[] | number {
  const out: string[] = [];
  if (addr === 0) return out;
  const ptr = new Uint8Array(8);
  const files = m.current!.sys.files;
  for (;;) {
    if (out.length >= 0x7fffffff) return -E2BIG;
    if (m.user.copyFromUser(ptr, addr + 8 * out.length, 8) !== 0) return -EFAULT;
    const v = new DataView(ptr.buffer);
    const p = v.getUint32(4, true) * 0x1_0000_0000 + v.getUint32(0, true);
    if (p === 0) return out;
    const s = getname(files, p, true);
    if (typeof s === "number") return s === -EFAULT ? s : -E2BIG;
    out.push(s);
  }
}

/** `path` from `cwd`, with "." and ".." taken away, as the kernel's d_path would print it. */
export function absolute(cwd: string, path: string): string {
  const out: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (part === "..") out.pop();
    else if (part && part !== ".") out.push(part);
  }
  return "/" + out.join("/");
}
