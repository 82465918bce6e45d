// Everything the command prints, written with write(2) before the call
// returns, as a process's write is. Node's process.stdout and stderr keep
// what a pipe did not take (its reader had not emptied it) and write it
// later, from the event loop: an exit would lose it. Nothing is held here,
// so main.ts exits as soon as it has the command's status, without letting
// the event loop drain first (the tasks V8 posted meanwhile, a scavenge of
// the run's garbage among them, and the isolate's teardown).

import { writeSync } from "node:fs";

/**
 * Writes all of `data` to `fd` (1 or 2). A closed pipe (`| head`) ends the
 * command as Linux's SIGPIPE would: quietly, exit status 128 + 13.
 */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(fd, bytes, done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EPIPE") process.exit(128 + 13);
      if (code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);  // a non-blocking pipe is full
    }
  }
}

/** The command's stdout. */
export const out = (text: string): void => writeAll(1, text);

/** The command's stderr. */
export const err = (text: string): void => writeAll(2, text);
