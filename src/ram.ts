// The machine's RAM: its size as the CLI and the API give it, and the
// WebAssembly.Memory that is it (DESIGN rule 1). Apart from the kernel, so
// that the CLI can make it before it loads the machine's code.

const WASM_PAGE = 65536;
const MAX_RAM = 4 * 1024 * 1024 * 1024;
export const DEFAULT_MEM = "256M";

/**
 * Parses a RAM size as the CLI and the API take it: a byte count or a
 * number with K, M or G (powers of 1024). It must be a multiple of the
 * 64 KiB WebAssembly page, and at most 4 GiB (wasm32).
 */
export function parseSize(size: string | number): number {
  let bytes: number;
  if (typeof size === "number") {
    bytes = size;
  } else {
    const m = /^\s*(\d+)\s*([KMG]?)i?B?\s*$/i.exec(size);
    if (!m) throw new Error(`bad memory size "${size}": expected bytes or a number with K, M or G (e.g. 256M)`);
    const shift = { "": 0, K: 10, M: 20, G: 30 }[m[2].toUpperCase() as "" | "K" | "M" | "G"];
    bytes = Number(m[1]) * 2 ** shift;
  }
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`bad memory size ${String(size)}: must be a positive whole number of bytes`);
  if (bytes > MAX_RAM) throw new Error(`memory size ${String(size)} is above 4G, the most a wasm32 machine can address`);
  if (bytes % WASM_PAGE !== 0) throw new Error(`memory size ${String(size)} is not a multiple of 64K (the WebAssembly page)`);
  return bytes;
}

/**
 * RAM of `bytes` (parseSize's): initial = maximum, so that it never grows
 * and no view of it detaches. V8 counts it against its external-memory
 * limit, so that the first one starts a full garbage collection, which
 * costs less the smaller the heap is then.
 */
export function newRam(bytes: number): WebAssembly.Memory {
  const pages = bytes / WASM_PAGE;
  return new WebAssembly.Memory({ initial: pages, maximum: pages });
}
