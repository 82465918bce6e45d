// Physical memory as one cell per page frame on a canvas: one pixel per
// frame in an ImageData the browser scales up (image-rendering: pixelated),
// so 65,536 frames cost one putImageData. Only frames whose state changed
// are repainted into the image. A keyboard/mouse cursor names the frame
// under it in text, so the map reads without colour. Free blocks are
// shaded by order along viridis (lightness rises with the order, so a
// projector or a colour-blind viewer still tells them apart), and the
// first frame of every free block of order 2 or more is drawn darker, so
// blocks show as a pattern too. Lines mark where each zone starts. On a
// machine of several nodes, each node's frames are a map of their own.

import { FrameState, type FrameMap } from "../src/index.js";

/** Fill colours by FrameState; free frames are shaded by order instead. */
export const STATE_COLOURS: string[] = [];
STATE_COLOURS[FrameState.Free] = "#74c476";
STATE_COLOURS[FrameState.Pcp] = "#ff9da7";
STATE_COLOURS[FrameState.KernelImage] = "#303030";
STATE_COLOURS[FrameState.MemMap] = "#6b6b6b";
STATE_COLOURS[FrameState.Reserved] = "#a8a8a8";
STATE_COLOURS[FrameState.PageTable] = "#f28e2b";
STATE_COLOURS[FrameState.Slab] = "#9467bd";
STATE_COLOURS[FrameState.Anon] = "#d55e00";
STATE_COLOURS[FrameState.File] = "#1f5fb4";
STATE_COLOURS[FrameState.Zero] = "#cc79a7";
STATE_COLOURS[FrameState.Allocated] = "#8c564b";
STATE_COLOURS[FrameState.AnonShared] = "#00d0ff";

/** viridis at 0, 0.1, … 1: perceptually uniform, lightness rising, safe for colour-blind viewers. */
const VIRIDIS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c", "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"];

/** Free blocks: the smaller the order, the darker (fragmentation stands out). */
export function freeColour(order: number, maxOrder: number): string {
  return VIRIDIS[Math.round((order / Math.max(1, maxOrder - 1)) * (VIRIDIS.length - 1))];
}

/** The same colour, darker: the first frame of a free block. */
function darker(abgr: number): number {
  const c = (shift: number) => Math.round(((abgr >>> shift) & 0xff) * 0.55) << shift;
  return ((255 << 24) | c(16) | c(8) | c(0)) >>> 0;
}

function rgba(css: string): number {
  const m = /^#(..)(..)(..)$/.exec(css) ?? /^rgb\((\d+), (\d+), (\d+)\)$/.exec(css);
  if (!m) throw new Error(`colour ${css}`);
  const [r, g, b] = css.startsWith("#") ? m.slice(1).map((h) => parseInt(h, 16)) : m.slice(1).map(Number);
  return (255 << 24) | (b << 16) | (g << 8) | r; // little-endian RGBA in a Uint32Array
}

export class FrameMapView {
  readonly cols: number;
  readonly rows: number;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly image: ImageData;
  private readonly pixels: Uint32Array;
  private readonly stateRgba: number[];
  private readonly freeRgba: number[];
  private readonly freeHeadRgba: number[];
  private readonly prevState: Uint8Array;
  private readonly prevOrder: Uint8Array;
  private map: FrameMap | null = null;
  cursor = -1;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly cursorBox: HTMLElement,
    private readonly label: HTMLElement,
    private readonly maxPfn: number,
    maxOrder: number,
    private readonly describe: (pfn: number) => string,
    /** The first frame this map shows (a node's start pfn; maxPfn is then the node's frame count). */
    private readonly firstPfn = 0,
  ) {
    this.cols = Math.max(256, 2 ** Math.ceil(Math.log2(Math.sqrt(maxPfn))));
    this.rows = Math.ceil(maxPfn / this.cols);
    canvas.width = this.cols;
    canvas.height = this.rows;
    const scale = Math.max(1, Math.floor(768 / this.cols));
    canvas.style.width = `${this.cols * scale}px`; // the height follows the aspect ratio
    this.ctx = canvas.getContext("2d")!;
    this.image = this.ctx.createImageData(this.cols, this.rows);
    this.pixels = new Uint32Array(this.image.data.buffer);
    this.stateRgba = STATE_COLOURS.map(rgba);
    this.freeRgba = Array.from({ length: maxOrder }, (_, o) => rgba(freeColour(o, maxOrder)));
    this.freeHeadRgba = this.freeRgba.map((c, o) => (o >= 2 ? darker(c) : c));
    this.prevState = new Uint8Array(maxPfn).fill(0xff);
    this.prevOrder = new Uint8Array(maxPfn);

    canvas.addEventListener("mousemove", (e) => this.moveTo(this.pfnAt(e)));
    canvas.addEventListener("click", (e) => this.moveTo(this.pfnAt(e)));
    canvas.addEventListener("keydown", (e) => this.onKey(e));
    canvas.addEventListener("focus", () => { if (this.cursor < 0) this.moveTo(this.firstPfn); });
  }

  /** Repaints the frames whose state or order changed since the last draw. */
  draw(map: FrameMap): number {
    this.map = map;
    const { state, order } = map;
    let changed = 0;
    for (let i = 0; i < this.maxPfn; i++) {
      const pfn = this.firstPfn + i;
      const s = state[pfn];
      if (s === this.prevState[i] && (s !== FrameState.Free || order[pfn] === this.prevOrder[i])) continue;
      this.prevState[i] = s;
      this.prevOrder[i] = order[pfn];
      const o = order[pfn];
      this.pixels[i] = s !== FrameState.Free ? this.stateRgba[s] : pfn % (1 << o) === 0 ? this.freeHeadRgba[o] : this.freeRgba[o];
      changed++;
    }
    if (changed) this.ctx.putImageData(this.image, 0, 0);
    if (this.cursor >= 0) {
      const text = this.describe(this.cursor);
      if (this.label.textContent !== text) this.label.textContent = text;
    }
    return changed;
  }

  private pfnAt(e: MouseEvent): number {
    const r = this.canvas.getBoundingClientRect();
    const x = Math.floor(((e.clientX - r.left) / r.width) * this.cols);
    const y = Math.floor(((e.clientY - r.top) / r.height) * this.rows);
    return this.firstPfn + Math.min(this.maxPfn - 1, Math.max(0, y * this.cols + x));
  }

  /** Whether this map shows frame `pfn`. */
  holds(pfn: number): boolean {
    return pfn >= this.firstPfn && pfn < this.firstPfn + this.maxPfn;
  }

  private onKey(e: KeyboardEvent): void {
    const step: Record<string, number> = {
      ArrowLeft: -1, ArrowRight: 1, ArrowUp: -this.cols, ArrowDown: this.cols,
      PageUp: -this.cols * 16, PageDown: this.cols * 16,
    };
    const last = this.firstPfn + this.maxPfn - 1;
    if (e.key === "Home") this.moveTo(this.firstPfn);
    else if (e.key === "End") this.moveTo(last);
    else if (e.key in step) this.moveTo(Math.min(last, Math.max(this.firstPfn, this.cursor + step[e.key] * (e.shiftKey ? 8 : 1))));
    else return;
    e.preventDefault();
  }

  /** A line across the map where each zone starts, with its name (data-zone, data-pfn for tests). */
  markZones(box: HTMLElement, zones: Array<{ name: string; startPfn: number }>): void {
    box.replaceChildren(...zones.map((z) => {
      const mark = document.createElement("div");
      mark.className = "zone-mark";
      mark.dataset.zone = z.name;
      mark.dataset.pfn = String(z.startPfn);
      // As a fraction of the map, so it follows the canvas however it is scaled.
      mark.style.top = `${(Math.floor((z.startPfn - this.firstPfn) / this.cols) / this.rows) * 100}%`;
      const label = document.createElement("span");
      label.textContent = `${z.name} from pfn 0x${z.startPfn.toString(16)}`;
      mark.append(label);
      return mark;
    }));
  }

  moveTo(pfn: number): void {
    const b = this.cursorBox.style;
    if (!this.holds(pfn)) {
      this.cursor = -1;
      b.display = "none";
      return;
    }
    this.cursor = pfn;
    const i = pfn - this.firstPfn;
    const r = this.canvas.clientWidth / this.cols;
    b.display = "block";
    // +1: the canvas's border.
    b.left = `${(i % this.cols) * r + 1}px`;
    b.top = `${Math.floor(i / this.cols) * r + 1}px`;
    b.width = b.height = `${r}px`;
    if (this.map) this.label.textContent = this.describe(pfn);
  }
}
