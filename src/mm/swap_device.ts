// The swap device: a block device on the host, outside guest RAM, as
// DESIGN.md's seam says. The kernel's swap_writepage and swap_readpage
// (assembly/mm/page_io.ts) call its two imports to copy one page between
// RAM and a slot. Slots never written read as zeros; the store grows with
// the slots written, up to the device's size. Browser-safe.

const PAGE_SIZE = 4096;

export class SwapDevice {
  private readonly slots = new Map<number, Uint8Array>();
  private ram: Uint8Array | null = null;

  /** A device of `pages` pages; slot 0 is its header, as in Linux. */
  constructor(readonly pages: number) {}

  /** Wires RAM once the memory exists. */
  attach(memory: WebAssembly.Memory): void {
    this.ram = new Uint8Array(memory.buffer);
  }

  /** The kernel's env imports. */
  imports(): Record<string, (offset: number, pa: number) => void> {
    return {
      swap_write_page: (offset, pa) => {
        let slot = this.slots.get(offset);
        if (!slot) this.slots.set(offset, (slot = new Uint8Array(PAGE_SIZE)));
        slot.set(this.ram!.subarray(pa, pa + PAGE_SIZE));
      },
      swap_read_page: (offset, pa) => {
        const slot = this.slots.get(offset);
        if (slot) this.ram!.set(slot, pa);
        else this.ram!.fill(0, pa, pa + PAGE_SIZE);
      },
    };
  }

  /** Bytes the host holds for written slots. */
  get storedBytes(): number {
    return this.slots.size * PAGE_SIZE;
  }
}
