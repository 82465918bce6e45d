// get_user and put_user of one 32-bit word at a user address, through the
// machine's user memory (copy_from_user, copy_to_user). Browser-safe.

import type { Machine } from "../machine.js";

/** The word at uaddr (unsigned), or null when it cannot be read. */
export function get_user(m: Machine, uaddr: number): number | null {
  const word = new Uint8Array(4);
  if (m.user.copyFromUser(word, uaddr, 4) !== 0) return null;
  return new DataView(word.buffer).getUint32(0, true);
}

/** Stores the word v at uaddr. @return false when it cannot be written */
export function put_user(m: Machine, uaddr: number, v: number): boolean {
  const word = new Uint8Array(4);
  new DataView(word.buffer).setUint32(0, v >>> 0, true);
  return m.user.copyToUser(uaddr, word) === 0;
}
