// kernel/panic.c and kernel/printk: the kernel's last word and its log.
//
// printk appends ASCII to a ring in the kernel image (no allocation: the
// stub runtime must never bump into buddy-owned RAM). The host reads it
// through log_buf_ptr()/log_buf_len() as dmesg. panic() logs its reason
// and traps; the host turns the trap into a "Kernel panic" error.

@inline export const LOG_BUF_LEN: u32 = 16384;
const log_buf: usize = memory.data(LOG_BUF_LEN);
let log_next: u32 = 0;  // bytes ever written; the ring wraps

export function log_buf_ptr(): usize { return log_buf; }
export function log_buf_next(): u32 { return log_next; }

/** Appends one ASCII character. */
export function printk_char(c: u32): void { log_putc(c); }

function log_putc(c: u32): void {
  store<u8>(log_buf + (log_next & (LOG_BUF_LEN - 1)), c);
  log_next++;
}

/** Appends a string (ASCII; other code units become '?'). */
export function printk(s: string): void {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = <u32>s.charCodeAt(i);
    log_putc(c < 128 ? c : 0x3f);
  }
}

/** Appends an unsigned decimal. */
export function printk_u64(v: u64): void {
  const digits = memory.data(20);
  let n = 0;
  do {
    store<u8>(digits + n++, <u32>(v % 10) + 0x30);
    v /= 10;
  } while (v);
  while (n) log_putc(load<u8>(digits + --n));
}

/** Appends 0x-prefixed lowercase hex. */
export function printk_hex(v: u64): void {
  printk("0x");
  let shift: i32 = 60;
  while (shift > 0 && ((v >> <u64>shift) & 0xf) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) {
    const d = <u32>((v >> <u64>shift) & 0xf);
    log_putc(d < 10 ? d + 0x30 : d + 0x57);
  }
}

/** Appends hex without a prefix, zero-padded to `width` digits (%0*lx). */
export function printk_hex_width(v: u64, width: i32): void {
  let shift: i32 = 60;
  while (shift > 0 && ((v >> <u64>shift) & 0xf) == 0 && shift >= width * 4) shift -= 4;
  for (; shift >= 0; shift -= 4) {
    const d = <u32>((v >> <u64>shift) & 0xf);
    log_putc(d < 10 ? d + 0x30 : d + 0x57);
  }
}

/** Unrecoverable kernel bug: log "Kernel panic - not syncing: msg" and trap. */
export function panic(
  message: string | null,
  fileName: string | null = null,
  line: u32 = 0,
  column: u32 = 0
): void {
  printk("Kernel panic - not syncing: ");
  printk(message !== null ? message : "(no message)");
  if (fileName !== null) {
    printk(" at ");
    printk(fileName);
    printk(":");
    printk_u64(line);
    printk(":");
    printk_u64(column);
  }
  printk("\n");
  unreachable();
}
