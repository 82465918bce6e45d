// A syscall's arguments as the dispatcher reads them: each register as a
// signed number (SyscallRegs.getReg). Browser-safe.

/** A register's signed value read as unsigned, as an unsigned long parameter takes it (exact below 2^53). */
export function unsigned(v: number): number {
  return v < 0 ? v + 2 ** 64 : v;
}
