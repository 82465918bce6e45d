// kernel/sched: the one flag of the scheduler the kernel keeps. The
// scheduler is the host's (src/task/sched.ts, src/task/kthread.ts); a
// wakeup here of a sleeping kernel thread (try_to_wake_up: kswapd from
// wakeup_kswapd, kcompactd from wakeup_kcompactd) preempts the current
// task as wakeup_preempt does (resched_curr: TIF_NEED_RESCHED), and the
// host switches to the woken thread when the task next returns to user
// mode (exit_to_user_mode), after the fault or system call in progress.

const need_resched_flag: usize = memory.data(4, 4);

/** resched_curr: the current task gives the CPU up at its next return to user mode. */
export function resched_curr(): void {
  store<u32>(need_resched_flag, 1);
}

/** Where the flag is (a u32): the host reads it at each return to user mode and clears it when it schedules. */
export function need_resched_ptr(): usize {
  return need_resched_flag;
}
