// The contents of one file as the rest of the machine sees them: the fd
// table's read/write, and the kernel's page cache, which fills a page by
// asking the host for it (a block driver's readpage) and never holds file
// bytes anywhere else in guest RAM.

/** One file's bytes, named for the kernel's page cache by its inode number. */
export interface FileData {
  /** The inode number: unique among the machine's live files, never 0. */
  readonly ino: number;
  /** The file's size in bytes. */
  size(): number;
  /** Copies the bytes at `pos` into `dst`; returns how many (0 at or past the end). */
  read(pos: number, dst: Uint8Array): number;
  /** Writable files only: copies `src` to `pos`, growing the file; returns how many, or -errno when none could go. */
  write?(pos: number, src: Uint8Array): number;
  /** Writable files only: sets the size, zero-filling when it grows; returns 0 or -errno. */
  truncate?(size: number): number;
  /**
   * A /proc file with a read of its own (pagemap, kpageflags: built at each
   * read, from the position): the first bytes of [pos, pos + count), a
   * chunk of them at a time, none at the end; or -errno. Such a file stays
   * out of the page cache, and lseek takes SEEK_SET and SEEK_CUR alone (mem_lseek).
   */
  readOp?(pos: number, count: number): Uint8Array | number;
  /** It has no splice_read: sendfile from it is EINVAL (a /proc/<pid> file: its seq_file or read op gives it none). */
  noSplice?: boolean;
}
