// Linux's `current` as the file syscalls see it: the calling process, set
// as each file syscall enters and as a sleeping task's wake condition is
// asked (files.ts). Browser-safe.

import { INIT_CRED, type Cred } from "../task/cred.js";
import type { SigInfo } from "../task/signal.js";

/** The task's pending signals as a signalfd reads them (src/task/signal.ts's Signals). */
export interface PendingSignals {
  /** dequeue_signal of the signals in `set`, blocked or not. */
  dequeue(set: Uint32Array): SigInfo | undefined;
  pendingIn(set: Uint32Array): boolean;
}

/** Whose credentials a write(2) on a socket carries (af_unix.ts), whose signals a signalfd reads (signalfd.ts). */
export const current: { pid: number; cred: Cred; signals: PendingSignals | null } = { pid: 1, cred: INIT_CRED, signals: null };
