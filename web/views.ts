// The playground's text and DOM views: counters, registers, buddy bars,
// the page-table walk, the frame summary and the fault log. Each takes
// plain data and updates its own element; main.ts decides when.

import {
  FRAME_STATE_NAMES, FrameState, NR_FRAME_STATES, REG_NAMES, decodeErrorCode,
  type FrameMap, type PageWalk, type FaultRecord, type ZoneInfo, type ProcessInfo, type KthreadInfo,
} from "../src/index.js";
import { STATE_COLOURS, freeColour } from "./frame_map.js";

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

export const hex = (n: number, width = 0): string => "0x" + n.toString(16).padStart(width, "0");

/** Anonymous frames, shared ones (after fork) included. */
export const anonFrames = (map: FrameMap): number => map.counts[FrameState.Anon] + map.counts[FrameState.AnonShared];

/** Writes text only when it changed: an unchanged write still costs a layout. */
export function setText(e: Element, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

/** The same for a data- attribute. */
export function setData(e: HTMLElement, key: string, value: string): void {
  if (e.dataset[key] !== value) e.dataset[key] = value;
}

function el(tag: string, props: Record<string, string> = {}, text = ""): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

/**
 * The memory-pressure panel's pairs: the LRU lists (and on several nodes
 * each node's, from its counters in `nodes`) and swap in pages, then each
 * kernel thread's wakeups and runs.
 */
export function reclaimValues(vmstat: Map<string, number>, swap: { used: number; total: number }, threads: KthreadInfo[],
                              nodes: Array<Map<string, number>> = []): Array<[string, number]> {
  const v = (name: string): [string, number] => [name, vmstat.get(name) ?? 0];
  const lists = ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file"];
  return [
    v("nr_inactive_anon"), v("nr_active_anon"), v("nr_inactive_file"), v("nr_active_file"), v("nr_unevictable"),
    ...(nodes.length > 1 ? nodes.flatMap((s, nid) => lists.map((name): [string, number] => [`node ${nid} ${name.slice(3)}`, s.get(name) ?? 0])) : []),
    ["swap used", swap.used], ["swap total", swap.total], v("pswpout"), v("pswpin"), v("pgmajfault"),
    v("pgsteal_kswapd"), v("pgsteal_direct"),
    ...threads.filter((t) => t.comm !== "kthreadd").flatMap((t): Array<[string, number]> => [[`${t.comm} wakeups`, t.wakeups], [`${t.comm} runs`, t.runs]]),
  ];
}

/** Name/value pairs as a definition list; each value also in data-value for tests. */
export function renderCounters(dl: HTMLElement, values: Array<[string, number]>): void {
  if (dl.children.length !== values.length) {
    dl.replaceChildren(...values.map(([name]) => {
      const row = el("div", { "data-name": name });
      row.append(el("dt", {}, name), el("dd"));
      return row;
    }));
  }
  values.forEach(([, v], i) => {
    const dd = dl.children[i].lastElementChild as HTMLElement;
    const text = v.toLocaleString("en-US");
    setText(dd, text);
    setData(dl.children[i] as HTMLElement, "value", String(v));
  });
}

const FLAG_BITS: Array<[number, string]> = [[0, "CF"], [2, "PF"], [4, "AF"], [6, "ZF"], [7, "SF"], [10, "DF"], [11, "OF"]];

/** The registers as hex; the ones changed since the last call are marked (bold, red and " *"). */
export class RegisterView {
  private prev: string[] = [];
  constructor(private readonly box: HTMLElement) {}

  render(lo: Int32Array, hi: Int32Array, rip: number, rflags: number): void {
    const text = REG_NAMES.map((name, r) => `${name.padStart(3)} ${hex(hi[r] >>> 0, 8)}${(lo[r] >>> 0).toString(16).padStart(8, "0")}`);
    text.push(`rip ${hex(rip, 16)}`);
    text.push(`flags ${FLAG_BITS.filter(([b]) => (rflags >>> b) & 1).map(([, n]) => n).join(" ") || "—"}`);
    if (this.box.children.length !== text.length) this.box.replaceChildren(...text.map(() => el("span")));
    text.forEach((t, i) => {
      const span = this.box.children[i] as HTMLElement;
      setText(span, t);
      span.classList.toggle("changed", this.prev.length > 0 && this.prev[i] !== t);
    });
    this.prev = text;
  }

  clear(): void {
    this.prev = [];
    this.box.replaceChildren();
  }
}

/** Buddy free lists as bars, one group per populated zone; heights on a log scale. */
export class BuddyBars {
  private base: number[][] = [];
  private prev: number[][] = [];
  constructor(private readonly box: HTMLElement, private readonly maxPages: number) {}

  /** Deltas are shown against the free lists as they are now. */
  resetBase(zones: ZoneInfo[]): void {
    this.base = zones.map((z) => z.nrFree.slice());
  }

  render(zones: ZoneInfo[]): void {
    const populated = zones.filter((z) => z.present);
    if (this.box.children.length !== populated.length) this.build(populated);
    const top = Math.log2(1 + this.maxPages);
    populated.forEach((z, zi) => {
      const group = this.box.children[zi];
      const bars = group.querySelectorAll<HTMLElement>(".bar");
      const counts = group.querySelectorAll<HTMLElement>(".count");
      const deltas = group.querySelectorAll<HTMLElement>(".delta");
      z.nrFree.forEach((n, o) => {
        const bar = bars[o];
        const height = `${(100 * Math.log2(1 + n)) / top}%`;
        if (bar.style.height !== height) bar.style.height = height;
        setData(bar, "count", String(n));
        const before = this.prev[z.idx]?.[o];
        if (before !== undefined && before !== n) {
          // Blocks taken (split) shrink a bar, blocks merged or freed grow it: flash which
          // (Web Animations: no forced layout, unlike restarting a CSS animation).
          bar.animate([{ backgroundColor: n > before ? "#238b45" : "#f28e2b" }, {}], { duration: 600 });
        }
        setText(counts[o], String(n));
        const d = n - (this.base[z.idx]?.[o] ?? n);
        setText(deltas[o], d ? (d > 0 ? `+${d}` : `−${-d}`) : "");
      });
    });
    this.prev = zones.map((z) => z.nrFree.slice());
  }

  private build(zones: ZoneInfo[]): void {
    this.box.replaceChildren(...zones.map((z) => {
      const group = el("div", { class: "zone", "data-zone": z.name });
      const orders = z.nrFree.map((_, o) => o);
      const bars = el("div", { class: "bars", role: "img", "aria-label": `zone ${z.name}: free blocks per order (numbers below)` });
      bars.append(...orders.map((o) => el("div", { class: "bar", "data-order": String(o), title: `order ${o}: blocks of ${4 << o} KiB` })));
      const labels = el("div", { class: "bar-labels" });
      labels.append(
        ...orders.map((o) => el("span", {}, `o${o}`)),
        ...orders.map(() => el("span", { class: "count" })),
        ...orders.map(() => el("span", { class: "delta", title: "change since the program was loaded" })),
      );
      group.append(el("h3", {}, `Zone ${z.name}`), bars, labels);
      return group;
    }));
  }
}

/**
 * The legend with live counts, as two tables (free blocks by order; every
 * other state): data-count on each row, data-anon and data-free on the box.
 */
export function renderFrameSummary(box: HTMLElement, map: FrameMap, maxOrder: number): void {
  if (!box.children.length) {
    const table = (caption: string, rows: HTMLElement[]) => {
      const t = el("table", { class: "legend" });
      const head = el("tr");
      head.append(el("th", {}, ""), el("th", {}, caption), el("th", {}, "frames"), el("th", {}, "size"));
      t.append(head, ...rows);
      return t;
    };
    const free = Array.from({ length: maxOrder }, (_, o) => legendRow(`free-${o}`, `order ${o}`, freeColour(o, maxOrder)));
    const other = [];
    for (let s = 0; s < NR_FRAME_STATES; s++) {
      if (s !== FrameState.Free) other.push(legendRow(FRAME_STATE_NAMES[s], FRAME_STATE_NAMES[s], STATE_COLOURS[s]));
    }
    box.replaceChildren(table("in use / reserved", other), table("free, by buddy order", free));
  }
  const set = (key: string, n: number) => {
    const row = box.querySelector<HTMLElement>(`tr[data-state="${key}"]`)!;
    if (row.dataset.count === String(n)) return;
    row.dataset.count = String(n);
    row.children[2].textContent = n.toLocaleString("en-US");
    row.children[3].textContent = n < 256 ? `${n * 4} KiB` : `${(n / 256).toFixed(n % 256 ? 1 : 0)} MiB`;
  };
  for (let s = 0; s < NR_FRAME_STATES; s++) if (s !== FrameState.Free) set(FRAME_STATE_NAMES[s], map.counts[s]);
  for (let o = 0; o < maxOrder; o++) set(`free-${o}`, map.freeByOrder[o]);
  setData(box, "anon", String(anonFrames(map)));
  setData(box, "anonShared", String(map.counts[FrameState.AnonShared]));
  setData(box, "free", String(map.counts[FrameState.Free]));
}

function legendRow(key: string, name: string, colour: string): HTMLElement {
  const row = el("tr", { "data-state": key });
  const sw = el("td");
  sw.append(el("span", { class: "swatch", style: `background:${colour}` }));
  row.append(sw, el("td", {}, name), el("td", { class: "n" }), el("td", { class: "n" }));
  return row;
}

/** CR3 and one row per level read, each entry's bits spelled out. */
export function renderWalk(table: HTMLElement, walk: PageWalk | null, note: string): void {
  const key = walk ? `${walk.va} ${walk.levels.map((l) => l.raw).join(" ")}` : note;
  if (table.dataset.key === key) return;
  table.dataset.key = key;
  const head = el("tr");
  head.append(...["level", "index", "entry at", "entry", "bits", "→ frame"].map((t) => el("th", {}, t)));
  const rows = [head];
  if (!walk || !walk.levels.length) {
    const tr = el("tr");
    tr.append(el("td", { colspan: "6" }, note));
    rows.push(tr);
  } else {
    const cr3 = el("tr");
    cr3.append(el("td", {}, "CR3"), el("td"), el("td"), el("td", {}, hex(walk.cr3, 8)), el("td", {}, "PML4 table"), el("td", {}, hex(walk.cr3 / 4096)));
    rows.push(cr3);
    for (const l of walk.levels) {
      const tr = el("tr", { class: l.present ? "" : "absent" });
      // data-label: the column's name, shown beside each cell where the table stacks (a phone).
      tr.append(
        el("td", {}, l.name), el("td", { "data-label": "index" }, String(l.index)), el("td", { "data-label": "entry at" }, hex(l.entryAddr, 8)),
        el("td", { "data-label": "entry" }, l.raw),
        el("td", { "data-label": "bits" }, l.present ? l.bits.join(" ") : "not present"),
        el("td", { "data-label": "→ frame" }, l.present ? hex(l.pfn) + (l.leaf ? " (page)" : "") : "—"),
      );
      rows.push(tr);
    }
    const tr = el("tr");
    tr.append(el("td", { colspan: "6" }, walk.phys === null ? `${hex(walk.va)} is not mapped: a touch faults`
      : `${hex(walk.va)} → physical ${hex(walk.phys, 8)} (pfn ${hex(Math.floor(walk.phys / 4096))})`));
    rows.push(tr);
  }
  table.replaceChildren(...rows);
}

/**
 * Prepends faults to the log, newest first, keeping the newest `keep`: a
 * summary line each (a button), and the call tree rendered when it is opened.
 * Plain buttons, not <details>: hundreds of those a second cost far more to style.
 */
export function addFaults(
  list: HTMLElement, records: FaultRecord[], narrate: (r: FaultRecord) => string, callTree: (r: FaultRecord) => string,
  show: (r: FaultRecord) => void, keep: number,
): void {
  const items = records.slice(-keep).reverse().map((r) => {
    const li = el("li", { value: String(r.seq), class: r.outcome === "minor" ? "" : "signal", "data-outcome": r.outcome });
    const summary = el("button", { type: "button", class: "fault", "aria-expanded": "false", title: `error code ${decodeErrorCode(r.errorCode)}` },
      narrate(r).replace(/^fault \d+ /, ""));
    summary.addEventListener("click", () => {
      const pre = li.querySelector("pre");
      if (pre) pre.remove();
      else li.append(el("pre", {}, callTree(r)));
      summary.setAttribute("aria-expanded", String(!pre));
      show(r);
    });
    li.append(summary);
    return li;
  });
  list.prepend(...items);
  while (list.children.length > keep) list.lastElementChild!.remove();
}

/**
 * The process list (ps's columns, RSS in pages); each pid is a button that
 * selects the process. The selected row and the running one are marked.
 */
export function renderProcesses(table: HTMLElement, procs: ProcessInfo[], selected: number | null, select: (pid: number) => void): void {
  const key = JSON.stringify([procs, selected]);
  if (table.dataset.key === key) return;
  table.dataset.key = key;
  const head = el("tr");
  head.append(...["pid", "ppid", "state", "comm", "RSS (pages)", ""].map((t) => el("th", {}, t)));
  const rows = [head];
  if (!procs.length) {
    const tr = el("tr");
    tr.append(el("td", { colspan: "6" }, "No process: load a program."));
    rows.push(tr);
  }
  for (const p of procs) {
    const tr = el("tr", { "data-pid": String(p.pid), "aria-selected": String(p.pid === selected) });
    const pick = el("button", { type: "button", title: `Walk pid ${p.pid}'s page tables` }, String(p.pid));
    pick.addEventListener("click", () => select(p.pid));
    const pidCell = el("td");
    pidCell.append(pick);
    tr.append(pidCell, el("td", { class: "n" }, String(p.ppid)), el("td", { "data-name": "state" }, STATE_WORDS[p.state]),
      el("td", {}, p.comm), el("td", { class: "n", "data-name": "rss" }, String(p.rss)), el("td", {}, p.current ? "on the CPU" : ""));
    rows.push(tr);
  }
  table.replaceChildren(...rows);
}

const STATE_WORDS: Record<ProcessInfo["state"], string> = { R: "R (running)", S: "S (sleeping)", Z: "Z (zombie)" };

