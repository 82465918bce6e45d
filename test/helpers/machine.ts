// Shared test helpers: machines from the release, traced or debug kernel, and the
// leak check (free pages back to the boot snapshot).

import { expect } from "vitest";
import { Kernel, type KernelOptions } from "../../src/kernel.js";
import { buddyinfo } from "../../src/proc/buddyinfo.js";
import { loadKernelModule, type KernelBuild } from "../../src/cli/load.js";

export function machine(mem: string | number = "256M", build: KernelBuild = "release", options: KernelOptions = {}): Kernel {
  return new Kernel(loadKernelModule(build), { ...options, mem });
}

/**
 * Runs fn, then checks that everything it allocated came back: after
 * draining the per-cpu lists, the free pages and buddyinfo equal the
 * snapshot taken before (itself drained), and the invariants hold.
 */
export function withLeakCheck(k: Kernel, fn: () => void): void {
  k.drainAllPages();
  const before = buddyinfo(k);
  const free = k.counter("nr_free_pages");
  fn();
  k.drainAllPages();
  expect(k.checkInvariants()).toBe(0);
  expect(k.counter("nr_free_pages")).toBe(free);
  expect(buddyinfo(k)).toBe(before);
}

