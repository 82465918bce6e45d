// The host's file system as the guest's namespace sees it: read-only, by
// absolute host path. Node provides one over node:fs (src/cli/host_fs.ts);
// a web page fills a MemoryHostFs. Browser-safe.

import type { FileData } from "./file_data.js";

export interface HostStat {
  type: "file" | "dir" | "link" | "other";
  /** Permission bits (0o7777). */
  perm: number;
  size: number;
  /** Last modification, seconds since the epoch. */
  mtime: number;
}

/** What the namespace asks of the host; every path is absolute and normalized. null: no such file (or unreadable). */
export interface HostFs {
  /** Like lstat(2): a symbolic link is described, not followed. */
  lstat(path: string): HostStat | null;
  /** The names in a directory, without "." and "..", in a stable order. */
  readdir(path: string): string[] | null;
  readlink(path: string): string | null;
  /** Copies file bytes at `pos` into `dst`; returns how many. */
  read(path: string, pos: number, dst: Uint8Array): number;
}

/** A host file system held in memory: the files a page gives the guest (its program, files dropped on it). */
export class MemoryHostFs implements HostFs {
  private readonly files = new Map<string, Uint8Array>();
  private readonly dirs = new Map<string, Set<string>>([["/", new Set()]]);

  /** Adds (or replaces) a file at an absolute path, creating its directories. */
  add(path: string, bytes: Uint8Array): void {
    const parts = path.split("/").filter(Boolean);
    if (parts.length === 0) throw new Error(`MemoryHostFs: ${path} is not a file path`);
    let dir = "/";
    for (const part of parts.slice(0, -1)) {
      this.dirs.get(dir)!.add(part);
      dir = dir === "/" ? `/${part}` : `${dir}/${part}`;
      if (this.files.has(dir)) throw new Error(`MemoryHostFs: ${dir} is a file`);
      if (!this.dirs.has(dir)) this.dirs.set(dir, new Set());
    }
    this.dirs.get(dir)!.add(parts[parts.length - 1]);
    this.files.set("/" + parts.join("/"), bytes);
  }

  lstat(path: string): HostStat | null {
    const file = this.files.get(path);
    if (file) return { type: "file", perm: 0o755, size: file.length, mtime: 0 };
    return this.dirs.has(path) ? { type: "dir", perm: 0o755, size: 4096, mtime: 0 } : null;
  }

  readdir(path: string): string[] | null {
    const d = this.dirs.get(path);
    return d ? [...d].sort() : null;
  }

  readlink(): string | null {
    return null;
  }

  read(path: string, pos: number, dst: Uint8Array): number {
    const file = this.files.get(path);
    if (!file || pos >= file.length) return 0;
    const n = Math.min(dst.length, file.length - pos);
    dst.set(file.subarray(pos, pos + n));
    return n;
  }
}

/** A tmpfs file's bytes, in a growable buffer. */
export class BytesData implements FileData {
  private buf: Uint8Array;
  private len: number;

  constructor(readonly ino: number, initial: Uint8Array = new Uint8Array(0)) {
    this.buf = initial;
    this.len = initial.length;
  }

  size(): number {
    return this.len;
  }

  read(pos: number, dst: Uint8Array): number {
    if (pos >= this.len) return 0;
    const n = Math.min(dst.length, this.len - pos);
    dst.set(this.buf.subarray(pos, pos + n));
    return n;
  }

  write(pos: number, src: Uint8Array): number {
    this.reserve(pos + src.length);
    if (pos > this.len) this.buf.fill(0, this.len, pos);
    this.buf.set(src, pos);
    this.len = Math.max(this.len, pos + src.length);
    return src.length;
  }

  truncate(size: number): number {
    this.reserve(size);
    if (size > this.len) this.buf.fill(0, this.len, size);
    this.len = size;
    return 0;
  }

  private reserve(n: number): void {
    if (n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(n, this.buf.length * 2, 4096));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}
