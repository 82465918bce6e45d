// printf's padding, as /proc's seq_printf formats use it.

/** %Ns: right-aligned in N columns. */
export function padStart(v: string | number, width: number): string {
  return String(v).padStart(width, " ");
}

/** %-Ns: left-aligned in N columns. */
export function padEnd(v: string | number, width: number): string {
  return String(v).padEnd(width, " ");
}
