// Node only: the host's file system for the guest's namespace (src/fs),
// read-only, as qemu-user shows it.

import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from "node:fs";
import type { HostFs, HostStat } from "../fs/host.js";

export function nodeHostFs(): HostFs {
  return {
    lstat(path: string): HostStat | null {
      try {
        const st = lstatSync(path);
        const type = st.isDirectory() ? "dir" : st.isSymbolicLink() ? "link" : st.isFile() ? "file" : "other";
        return { type, perm: st.mode & 0o7777, size: st.size, mtime: Math.floor(st.mtimeMs / 1000) };
      } catch {
        return null;
      }
    },
    readdir(path: string): string[] | null {
      try {
        return readdirSync(path);
      } catch {
        return null;
      }
    },
    readlink(path: string): string | null {
      try {
        return readlinkSync(path);
      } catch {
        return null;
      }
    },
    read(path: string, pos: number, dst: Uint8Array): number {
      let fd: number;
      try {
        fd = openSync(path, "r");
      } catch {
        return 0;
      }
      try {
        let done = 0;
        while (done < dst.length) {
          const n = readSync(fd, dst, done, dst.length - done, pos + done);
          if (n === 0) break;
          done += n;
        }
        return done;
      } finally {
        closeSync(fd);
      }
    },
  };
}
