// Boot, sizes, the host wrapper, and the allocator's basic contract.

import { describe, it, expect } from "vitest";
import { Kernel, GFP, parseSize, KernelPanic } from "../../src/kernel.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { newRam } from "../../src/ram.js";
import { machine, withLeakCheck } from "../helpers/machine.js";

const MiB = 1 << 20;

describe("parseSize", () => {
  it("takes bytes and K/M/G suffixes", () => {
    expect(parseSize("256M")).toBe(256 * MiB);
    expect(parseSize("4G")).toBe(4 * 1024 * MiB);
    expect(parseSize("1048576")).toBe(MiB);
    expect(parseSize("64K")).toBe(65536);
    expect(parseSize(2 * MiB)).toBe(2 * MiB);
  });
  it("rejects what is not a size, above 4G, or not a multiple of 64K", () => {
    expect(() => parseSize("lots")).toThrow(/bad memory size "lots"/);
    expect(() => parseSize("-1M")).toThrow(/bad memory size/);
    expect(() => parseSize("5G")).toThrow(/above 4G/);
    expect(() => parseSize("4097M")).toThrow(/above 4G/);
    expect(() => parseSize("100000")).toThrow(/not a multiple of 64K/);
  });
});

describe("boot", () => {
  it("boots in RAM made ahead (options.memory) of the size mem gives, and refuses another size", () => {
    const memory = newRam(16 * MiB);
    const k = new Kernel(loadKernelModule(), { mem: "16M", memory });
    expect(k.memory).toBe(memory);
    expect(k.counter("nr_free_pages")).toBe(k.totalramPages);
    expect(() => new Kernel(loadKernelModule(), { mem: "32M", memory: newRam(16 * MiB) })).toThrow("options.memory must be a WebAssembly.Memory of the RAM's 33554432 bytes");
  });

  it("boots 256M with DMA and DMA32 as x86-64 Linux lays them out", () => {
    const k = machine("256M");
    const zones = k.zones();
    expect(zones.map((z) => z.name)).toEqual(["DMA", "DMA32", "Normal", "Movable", "Device"]);
    expect(zones[0]).toMatchObject({ startPfn: 0, spanned: 4096, present: 4096 });
    expect(zones[1]).toMatchObject({ startPfn: 4096, spanned: 65536 - 4096, present: 65536 - 4096 });
    expect(zones.slice(2).map((z) => z.present)).toEqual([0, 0, 0]);
    // Everything not reserved at boot is free, and the checker agrees.
    expect(k.counter("nr_free_pages")).toBe(k.totalramPages);
    expect(zones[0].managed + zones[1].managed).toBe(k.totalramPages);
    expect(k.checkInvariants()).toBe(0);
    expect(k.dmesg()).toMatch(/Built 1 zonelists, mobility grouping on\.  Total pages: 65536\n/);
    expect(k.dmesg()).toMatch(/Memory: \d+K\/262144K available/);
  });

  it("reserves the image, mem_map (32 bytes a page), the zero page and the trace ring", () => {
    const k = machine("256M");
    const reserved = k.maxPfn - k.totalramPages;
    const memMapPages = (65536 * 32) / 4096;
    const traceRingPages = (65536 * 16) / 4096;   // TRACE_RING_EVENTS 16-byte events
    // image + mem_map + zero page + trace ring + pageblock bytes (one page per zone)
    expect(reserved).toBeGreaterThanOrEqual(memMapPages + traceRingPages + 1 + 2);
    expect(reserved).toBeLessThan(memMapPages + traceRingPages + 1 + 2 + 64);
    const zp = k.zeroPfn;
    expect(zp).toBeGreaterThan(0);
    expect(new Uint8Array(k.memory.buffer, zp * 4096, 4096).every((b) => b === 0)).toBe(true);
  });

  it("boots 4G", () => {
    const k = machine("4G");
    expect(k.zones()[1]).toMatchObject({ startPfn: 4096, spanned: (1 << 20) - 4096 });
    expect(k.zones()[1].nrFree[10]).toBeGreaterThan(1000);
  });

  it("refuses RAM too small for the kernel's own reservations", () => {
    expect(() => machine("64K")).toThrow(/too small for the kernel's own reservations/);
    expect(() => machine("1M")).toThrow(/too small/);
  });

  it("boots a 2M machine with only ZONE_DMA and mobility grouping off", () => {
    const k = machine("2M");
    expect(k.zones().filter((z) => z.present).map((z) => z.name)).toEqual(["DMA"]);
    expect(k.dmesg()).toMatch(/mobility grouping off/);
    expect(k.checkInvariants()).toBe(0);
  });

  it("takes a compiled module or bytes, browser-style", async () => {
    const k = await Kernel.create(loadKernelModule(), { mem: "4M" });
    expect(k.ramBytes).toBe(4 * MiB);
    expect(k.memory.buffer.byteLength).toBe(4 * MiB);
    // RAM never grows, so views never detach.
    expect(() => k.memory.grow(1)).toThrow();
    expect(k.u32.buffer).toBe(k.memory.buffer);
    expect(k.u32.buffer.byteLength).toBe(4 * MiB);
  });
});

describe("alloc and free", () => {
  it("allocates and frees blocks of every order, counting pgalloc and pgfree", () => {
    const k = machine("256M");
    withLeakCheck(k, () => {
      const allocBefore = k.counter("pgalloc_dma32");
      const freeBefore = k.counter("pgfree");
      const blocks: Array<[number, number]> = [];
      for (let order = 0; order < 11; order++) {
        const pfn = k.allocPages(GFP.GFP_KERNEL, order);
        expect(pfn).toBeGreaterThanOrEqual(4096);
        expect(pfn % (1 << order)).toBe(0);
        blocks.push([pfn, order]);
      }
      expect(k.checkInvariants()).toBe(0);
      expect(k.counter("pgalloc_dma32") - allocBefore).toBe(2047);
      for (const [pfn, order] of blocks) k.freePages(pfn, order);
      expect(k.counter("pgfree") - freeBefore).toBe(2047);
    });
  });

  it("refuses order >= MAX_ORDER and forbidden zone bits with no page", () => {
    const k = machine("16M");
    expect(k.allocPages(GFP.GFP_KERNEL, 11)).toBe(-1);
    expect(k.dmesg()).toMatch(/__alloc_pages: order 11 >= MAX_ORDER/);
    expect(k.allocPages(GFP.GFP_KERNEL | GFP.__GFP_DMA | GFP.__GFP_DMA32, 0)).toBe(-1);
    expect(k.checkInvariants()).toBe(0);
  });

  it("zeroes pages for __GFP_ZERO", () => {
    const k = machine("16M");
    const pfn = k.allocPages(GFP.GFP_KERNEL, 2);
    new Uint8Array(k.memory.buffer, pfn * 4096, 4 * 4096).fill(0xa5);
    k.freePages(pfn, 2);
    const again = k.allocPages(GFP.GFP_KERNEL | GFP.__GFP_ZERO, 2);
    expect(again).toBe(pfn);
    expect(new Uint8Array(k.memory.buffer, pfn * 4096, 4 * 4096).every((b) => b === 0)).toBe(true);
  });

  it("refuses to free what is not an allocated block, and loses nothing", () => {
    const k = machine("16M");
    const pfn = k.allocPages(GFP.GFP_KERNEL, 1);
    expect(() => k.freePages(pfn + 1, 0)).toThrow(/not an allocated block/);   // a tail page
    expect(() => k.freePages(pfn, 12)).toThrow(/not an allocated block/);
    expect(() => k.freePages(k.zeroPfn, 0)).toThrow(/not an allocated block/);
    expect(() => k.freePages(1 << 30, 0)).toThrow(/not an allocated block/);
    // A larger order than allocated would free pages that are free or someone else's.
    const other = k.allocPages(GFP.GFP_KERNEL, 0);
    expect(() => k.freePages(pfn, 2)).toThrow(/not an allocated block/);
    expect(() => k.freePages(other & ~1, 1)).toThrow(/not an allocated block/);
    k.freePages(other, 0);
    k.freePages(pfn, 1);
    expect(() => k.freePages(pfn, 1)).toThrow(/not an allocated block/);     // double free
    expect(() => k.freePages(pfn, 0)).toThrow(/not an allocated block/);     // on a pcp list now
    k.drainAllPages();
    expect(() => k.freePages(pfn + 1, 0)).toThrow(/not an allocated block/); // inside a free buddy block
    expect(k.checkInvariants()).toBe(0);
  });

  it("turns a trap into a KernelPanic carrying the panic line (debug build)", () => {
    const k = machine("32M", "debug");
    // Corrupt the zone id of the upper half of the smallest free movable
    // block in DMA32: splitting it must hit expand's VM_BUG_ON_PAGE.
    let order = 1;
    while (k.freeBlocks(1, order, 1).length === 0) order++;
    const pfn = k.freeBlocks(1, order, 1)[0] + (1 << (order - 1));
    const flags = k.pages.address(pfn) >>> 2;
    k.u32[flags] &= ~(3 << 24);
    let err: unknown;
    try {
      k.allocPages(GFP.GFP_HIGHUSER_MOVABLE, order - 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelPanic);
    expect((err as KernelPanic).message).toBe("Kernel panic - not syncing: expand: buddy outside its zone");
    expect((err as KernelPanic).dmesg).toMatch(/page dumped because: expand: buddy outside its zone/);
  });
});
