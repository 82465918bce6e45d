// The playground: one faultline kernel in the page, its physical memory,
// free lists and counters drawn from the kernel's own state (mem_map,
// free_area, vm_stat). Programs arrive with the Machine.

import {
  compileKernel, Kernel, classifyFrames, newFrameMap, buddyinfo, FRAME_STATE_NAMES, FrameState,
  type FrameMap,
} from "../src/index.js";
import kernelUrl from "../build/kernel.wasm?url";
import { FrameMapView } from "./frame_map.js";
import { $, hex, renderCounters, BuddyBars, renderFrameSummary } from "./views.js";

const ui = {
  mem: $<HTMLSelectElement>("mem"), reboot: $<HTMLButtonElement>("reboot"),
  status: $("status"), counters: $("counters"), frames: $<HTMLCanvasElement>("frames"),
};

interface Session { kernel: Kernel; map: FrameMap; frames: FrameMapView; buddy: BuddyBars }

let kernelModule: Promise<WebAssembly.Module> | null = null;
let session: Session | null = null;

function setStatus(text: string, state: string): void {
  ui.status.textContent = text;
  document.body.dataset.state = state;
}

function describeFrame(pfn: number): string {
  if (!session) return "";
  const { map, kernel } = session;
  const s = map.state[pfn];
  const zone = kernel.zones().find((z) => z.present && pfn >= z.startPfn && pfn < z.startPfn + z.spanned);
  const what = s === FrameState.Free ? `free (in an order-${map.order[pfn]} block)` : FRAME_STATE_NAMES[s];
  return `pfn ${hex(pfn)}  phys ${hex(pfn * 4096, 8)}  zone ${zone?.name}: ${what}`;
}

function render(): void {
  if (!session) return;
  const { kernel: k, map, frames, buddy } = session;
  classifyFrames(k, map);
  frames.draw(map);
  renderFrameSummary($("frame-summary"), map, k.maxOrder);
  const zones = k.zones();
  buddy.render(zones);
  $("buddyinfo").textContent = buddyinfo(k);
  const vm = new Map(k.vmstat());
  renderCounters(ui.counters, [
    ["nr_free_pages", vm.get("nr_free_pages") ?? 0],
    ["pcp pages", zones.reduce((s, z) => s + z.pcp.count, 0)],
    ["managed pages", k.totalramPages],
  ]);
}

async function reboot(): Promise<void> {
  setStatus("Booting…", "booting");
  kernelModule ??= compileKernel(kernelUrl);
  const kernel = new Kernel(await kernelModule, { mem: ui.mem.value });
  const frames = new FrameMapView(ui.frames, $("frame-cursor"), $("frame-label"), kernel.maxPfn, kernel.maxOrder, describeFrame);
  $("frame-summary").replaceChildren();
  session = { kernel, map: newFrameMap(kernel), frames, buddy: new BuddyBars($("buddy-bars"), kernel.maxPfn) };
  session.buddy.resetBase(kernel.zones());
  setStatus(`Booted ${ui.mem.value} of RAM.`, "booted");
  render();
}

ui.mem.addEventListener("change", () => void reboot());
ui.reboot.addEventListener("click", () => void reboot());
document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (e.ctrlKey || e.metaKey || e.altKey || ["INPUT", "SELECT", "TEXTAREA"].includes(t.tagName)) return;
  if (e.key.toLowerCase() === "b") ui.reboot.click();
  else if (e.key.toLowerCase() === "m") ui.frames.focus();
  else return;
  e.preventDefault();
});

void reboot().catch((e) => setStatus(`Boot failed: ${e instanceof Error ? e.message : String(e)}`, "error"));
