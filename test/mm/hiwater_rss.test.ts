// VmHWM's source, hiwater_rss: Linux raises it to the RSS (file + anon
// pages) just before a zap lowers the RSS (update_hiwater_rss in
// unmap_page_range's callers), so after an munmap it is the peak RSS.

import { describe, expect, it } from "vitest";
import { bootKernel, counters, MAP, PROT, PAGE } from "../helpers/mm_kernel.js";

describe("hiwater_rss (update_hiwater_rss)", () => {
  it("is the peak RSS after an munmap lowers the RSS, and keeps it", () => {
    const k = bootKernel(64);
    const x = k.exports;
    const mm = x.mm_create();
    x.mm_switch(mm);
    const a = x.sys_mmap(0, 10 * PAGE, PROT.READ | PROT.WRITE, MAP.PRIVATE | MAP.ANONYMOUS, 0, 0);
    expect(a).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) expect(k.cpu.access(a + i * PAGE, "w").signal).toBe(0);
    expect(counters(k, mm).anon).toBe(10);
    expect(x.sys_munmap(a + 6 * PAGE, 4 * PAGE)).toBe(0);   // the RSS falls from 10 to 6
    expect([counters(k, mm).anon, counters(k, mm).hiwater_rss]).toEqual([6, 10]);
    expect(x.sys_munmap(a, 6 * PAGE)).toBe(0);              // and to 0: the peak stays 10
    expect([counters(k, mm).anon, counters(k, mm).hiwater_rss]).toEqual([0, 10]);
    x.mm_exit(mm);
  });
});
