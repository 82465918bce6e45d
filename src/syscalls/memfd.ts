// mm/memfd.c: memfd_create, a tmpfs file no name holds, which /proc shows
// as "/memfd:NAME (deleted)"; and the seals fcntl adds to a tmpfs file and
// reads back (F_ADD_SEALS, F_GET_SEALS: memfd_fcntl). Browser-safe.

import { O_CLOEXEC, O_RDWR, type OpenFile } from "../fs/fdtable.js";
import {
  F_SEAL_EXEC, F_SEAL_FUTURE_WRITE, F_SEAL_GROW, F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_WRITE, ShmemData,
} from "../fs/shmem.js";
import { EBUSY, EINVAL, ENOSYS, EPERM } from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { strncpyFromUser } from "./namei.js";
import { installNew } from "./open.js";

export const MFD_CLOEXEC = 0x1, MFD_ALLOW_SEALING = 0x2, MFD_HUGETLB = 0x4, MFD_NOEXEC_SEAL = 0x8, MFD_EXEC = 0x10;
const MFD_ALL_FLAGS = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;
/** MFD_HUGETLB's page size, log2 in bits 26..31 (MFD_HUGE_SHIFT, MFD_HUGE_MASK). */
const MFD_HUGE_BITS = 0x3f << 26;
/** NAME_MAX less the "memfd:" prefix. */
const MFD_NAME_MAX_LEN = 249;
export const F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
const F_ALL_SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC;

const decoder = new TextDecoder();

/** memfd_create(name, flags): the new descriptor, or -errno in Linux's order (flags, then the name). */
export function memfdCreate(files: FileSyscalls, nameAddr: number, flags: number): number {
  flags >>>= 0;
  if (flags & ~(MFD_ALL_FLAGS | (flags & MFD_HUGETLB ? MFD_HUGE_BITS : 0))) return -EINVAL;
  if (flags & MFD_EXEC && flags & MFD_NOEXEC_SEAL) return -EINVAL;
  const name = memfdName(files, nameAddr);
  if (typeof name === "number") return name;
  // hugetlb_file_setup of a kernel without hugetlbfs.
  if (flags & MFD_HUGETLB) return -ENOSYS;
  const made = files.ns.unnamedFile(flags & MFD_NOEXEC_SEAL ? 0o666 : 0o777);
  if (typeof made === "number") return made;
  const data = made.node.open();
  // A tmpfs file is sealed against seals; these start open to them (MFD_NOEXEC_SEAL's with F_SEAL_EXEC).
  if (data instanceof ShmemData && flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL)) data.seals = flags & MFD_NOEXEC_SEAL ? F_SEAL_EXEC : 0;
  const path = `/memfd:${name}`;
  const fd = installNew(files, made.node, O_RDWR | (flags & MFD_CLOEXEC ? O_CLOEXEC : 0), null, path);
  made.release();
  if (fd >= 0) files.cache?.names?.set(made.node.ino, { path: `${path} (deleted)`, dev: made.node.mount.dev });
  return fd;
}

/** The name, at most MFD_NAME_MAX_LEN bytes before its NUL (strnlen_user, then copied): EFAULT, EINVAL. */
function memfdName(files: FileSyscalls, addr: number): string | number {
  const bytes = strncpyFromUser(files, addr, MFD_NAME_MAX_LEN + 1);
  return bytes === null ? -EINVAL : typeof bytes === "number" ? bytes : decoder.decode(bytes);
}

/** fcntl's F_ADD_SEALS and F_GET_SEALS (memfd_fcntl): `arg` as an int. @return the seals, 0 or -errno. */
export function memfdFcntl(files: FileSyscalls, f: OpenFile, cmd: number, arg: number): number {
  const data = f.data instanceof ShmemData ? f.data : null;
  if (cmd === F_GET_SEALS) return data ? data.seals : -EINVAL;
  // memfd_add_seals
  if (!f.writable) return -EPERM;
  let seals = arg >>> 0;
  if (seals & ~F_ALL_SEALS) return -EINVAL;
  if (!data) return -EINVAL;
  if (data.seals & F_SEAL_SEAL) return -EPERM;
  if (seals & F_SEAL_WRITE && !(data.seals & F_SEAL_WRITE)) {
    // mapping_deny_writable: no shared mapping may write it now.
    const kfile = files.cached.get(f);
    if (kfile !== undefined && files.cache?.writablyMapped?.(kfile)) return -EBUSY;
  }
  // F_SEAL_EXEC on an executable file seals it against writes too: W^X from the start.
  if (seals & F_SEAL_EXEC && f.inode.mode & 0o111) seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
  data.seals |= seals;
  return 0;
}
