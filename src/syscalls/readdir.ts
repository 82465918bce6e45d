// fs/readdir.c: getdents64. Browser-safe.

import { O_PATH } from "../fs/fdtable.js";
import { DirInode, S_IFMT } from "../fs/inode.js";
import { EBADF, EFAULT, EINVAL, ENOTDIR } from "./errno.js";
import type { FileSyscalls } from "./files.js";

const encoder = new TextEncoder();

/** d_type by the mode's S_IFMT >> 12 (DT_FIFO 1, DT_CHR 2, DT_DIR 4, DT_REG 8, DT_LNK 10). */
const DT: Record<number, number> = { 1: 1, 2: 2, 4: 4, 8: 8, 10: 10 };

export function getdents64(files: FileSyscalls, fd: number, buf: number, count: number): number {
  const f = files.fds.get(fd);
  if (!f || f.flags & O_PATH) return -EBADF;
  if (!(f.inode instanceof DirInode) || !f.loc) return -ENOTDIR;
  const dir = f.inode;
  const loc = f.loc;
  const names = [".", "..", ...dir.names()];
  const parent = loc.length > 1 ? loc[loc.length - 2].dir : dir;
  const out = new Uint8Array(Math.min(count, 1 << 20));
  const view = new DataView(out.buffer);
  let used = 0;
  let i = f.pos;
  for (; i < names.length; i++) {
    const name = encoder.encode(names[i]);
    const node = i === 0 ? dir : i === 1 ? parent : dir.lookup(names[i]);
    if (!node) continue;
    const reclen = (19 + name.length + 1 + 7) & ~7;
    if (used + reclen > out.length) {
      if (used === 0) return -EINVAL;
      break;
    }
    view.setUint32(used, node.ino, true);
    view.setUint32(used + 8, i + 1, true);
    view.setUint16(used + 16, reclen, true);
    out[used + 18] = DT[(node.mode & S_IFMT) >> 12] ?? 0;
    out.set(name, used + 19);
    used += reclen;
  }
  if (used && files.mem.copyToUser(buf, out.subarray(0, used)) !== 0) return -EFAULT;
  f.pos = i;
  return used;
}
