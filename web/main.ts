// The playground: one faultline machine in the page. Runs a guest program
// a slice of instructions per animation frame and redraws the views from
// the kernel's own state (mem_map, free lists, counters, page tables).

import {
  compileKernel, createMachine, MemoryHostFs, classifyFrames, newFrameMap, inspectWalk, buddyinfo, decode, signalEnding,
  renderFault, narrateFault, FRAME_STATE_NAMES, FrameState, ZONE_NAMES, KernelPanic,
  type CpuModelName, type Machine, type MachineOptions, type FaultRecord, type RunEnd, type FrameMap, type PageWalk, type FaultTracer,
} from "../src/index.js";
// The traced build: the playground traces every fault (its narration and fault log).
import kernelUrl from "../build/kernel.trace.wasm?url";
import manifest from "../programs/manifest.json";
import { FrameMapView } from "./frame_map.js";
import { formatInsn } from "./insn_text.js";
import { $, hex, renderCounters, reclaimValues, RegisterView, BuddyBars, renderFrameSummary, renderWalk, renderProcesses, anonFrames, addFaults, setText, setData } from "./views.js";

interface Case { name: string; program: string; args?: string[]; stdin?: string }

const programUrls = import.meta.glob("../programs/bin/*", { query: "?url", import: "default", eager: true }) as Record<string, string>;
const cases = (manifest.cases as Case[]).filter((c) => programUrls[`../programs/bin/${c.program}`]);

const ui = {
  program: $<HTMLSelectElement>("program"), args: $<HTMLInputElement>("args"), elf: $<HTMLInputElement>("elf"),
  mem: $<HTMLSelectElement>("mem"), swap: $<HTMLSelectElement>("swap"), numa: $<HTMLSelectElement>("numa"), cpu: $<HTMLSelectElement>("cpu"), speed: $<HTMLSelectElement>("speed"),
  load: $<HTMLButtonElement>("load"), run: $<HTMLButtonElement>("run"), step: $<HTMLButtonElement>("step"),
  fault: $<HTMLButtonElement>("fault"), reboot: $<HTMLButtonElement>("reboot"),
  status: $("status"), narration: $("narration"), counters: $("counters"), reclaim: $("reclaim"), insn: $("insn"), stdout: $("stdout"), faults: $("faults"),
  walkAddr: $<HTMLInputElement>("walk-addr"), walkFollow: $<HTMLInputElement>("walk-follow"), walk: $("walk"), walkPid: $("walk-pid"),
  procs: $("procs"), guestFiles: $<HTMLInputElement>("guest-files"), fileList: $("file-list"),
  frames: $<HTMLCanvasElement>("frames"),
};

/** One booted machine and the views bound to its RAM size. */
interface Session {
  machine: Machine;
  tracer: FaultTracer;
  map: FrameMap;
  /** One frame map per node (the whole machine's frames on a one-node machine). */
  frames: FrameMapView[];
  buddy: BuddyBars;
  options: MachineOptions;
  /** The guest's file system: the program and the guest files, in /, the guest's working directory. */
  files: MemoryHostFs;
}

let kernelModule: Promise<WebAssembly.Module> | null = null;
let session: Session | null = null;
let running = false;
let argv0 = "";
let lastFault: number | null = null;
let peakAnon = 0;
/** The process whose page tables the walk reads; null: whichever is on the CPU. */
let selectedPid: number | null = null;
/** Faults traced since the last render: the log shows them at the next frame. */
let newFaults: FaultRecord[] = [];
let logShown = 0;
const FAULT_LOG_LENGTH = 200;
const regs = new RegisterView($("regs"));
const decoder = new TextDecoder();
let elfFile: { name: string; bytes: Uint8Array } | null = null;
/** Files dropped on the page (or chosen) for the guest, by name: each machine's file system gets them, in /. */
const guestFiles = new Map<string, Uint8Array>();

function setStatus(text: string, state: string): void {
  ui.status.textContent = text;
  ui.status.className = state === "signal" ? "signal" : "";
  document.body.dataset.state = state;
}

async function boot(): Promise<Session> {
  kernelModule ??= compileKernel(kernelUrl);
  const files = new MemoryHostFs();
  for (const [name, bytes] of guestFiles) files.add(`/${name}`, bytes);
  const options: MachineOptions = {
    mem: ui.mem.value,
    swap: ui.swap.value || undefined,
    ...(ui.numa.value !== "1" ? { numa: Number(ui.numa.value) } : {}),
    cpu: ui.cpu.value as CpuModelName,
    fs: files,
    cwd: "/",
    stdout: (b) => { ui.stdout.textContent += decoder.decode(b, { stream: true }); },
    stderr: (b) => { ui.stdout.textContent += decoder.decode(b, { stream: true }); },
  };
  const machine = await createMachine(await kernelModule, options);
  const k = machine.kernel;
  const frames = nodeMaps(k);
  const s: Session = { machine, tracer: watchFaults(machine), map: newFrameMap(k), frames, buddy: new BuddyBars($("buddy-bars"), k.maxPfn), options, files };
  $("frame-summary").replaceChildren();
  return s;
}

/** Traces every fault from now on (numbered from 1) into the log. */
function watchFaults(machine: Machine): FaultTracer {
  const tracer = machine.observe({ trace: true }).tracer;
  tracer.subscribe((r) => {
    lastFault = r.address;
    newFaults.push(r);
  });
  return tracer;
}

/** The fault in words beside the log, and its page's frame under the map's cursor. */
function showFault(r: FaultRecord): void {
  if (!session) return;
  setText(ui.narration, narrateFault(r, session.tracer.ring.names));
  const page = r.pages[r.pages.length - 1];
  if (page) for (const f of session.frames) f.moveTo(page.pfn);
}

/**
 * The frame maps: the page's one map on a one-node machine; on several
 * nodes, one per node side by side (the first map's box, copied), each
 * with its node's zones marked.
 */
function nodeMaps(k: Machine["kernel"]): FrameMapView[] {
  const first = ui.frames.parentElement!;
  for (const extra of document.querySelectorAll("#frames-panel .extra")) extra.remove();
  const nodes = k.nodes();
  const numa = nodes.length > 1;
  let after = first;
  return nodes.map((nid, i) => {
    const wrap = i === 0 ? first : first.cloneNode(true) as HTMLElement;
    if (i > 0) {
      wrap.classList.add("extra");
      wrap.dataset.node = String(nid);
      for (const e of wrap.querySelectorAll("[id]")) e.removeAttribute("id");
      after.after(wrap);
      after = wrap;
    }
    const span = numa ? k.nodeSpan(nid) : { startPfn: 0, spanned: k.maxPfn };
    if (numa) {
      const caption = document.createElement("p");
      caption.className = "node-caption mono extra";
      caption.textContent = `Node ${nid}: pfn ${hex(span.startPfn)}-${hex(span.startPfn + span.spanned - 1)}, ${(span.spanned * 4) >> 10} MiB`;
      wrap.before(caption);
    }
    const canvas = wrap.querySelector<HTMLCanvasElement>("canvas")!;
    canvas.dataset.node = String(nid);
    // The last machine's cursor does not belong on this one's map.
    const cursor = wrap.querySelector<HTMLElement>(".frame-cursor")!;
    cursor.style.display = "none";
    const view = new FrameMapView(canvas, cursor, $("frame-label"),
      span.spanned, k.maxOrder, describeFrame, span.startPfn);
    view.markZones(wrap.querySelector<HTMLElement>(".zone-marks")!, k.zones(nid).filter((z) => z.present));
    return view;
  });
}

/** Every node's zones, named "DMA32, node 1" when there are several nodes. */
function allZones(k: Machine["kernel"]): ReturnType<Machine["kernel"]["zones"]> {
  const nodes = k.nodes();
  return nodes.flatMap((nid) => k.zones(nid).map((z) => (nodes.length > 1 ? { ...z, name: `${z.name}, node ${nid}` } : z)));
}

function describeFrame(pfn: number): string {
  if (!session) return "";
  const { map, machine } = session;
  const s = map.state[pfn];
  const k = machine.kernel;
  const nid = k.nodes().find((n) => { const sp = k.nodeSpan(n); return pfn >= sp.startPfn && pfn < sp.startPfn + sp.spanned; }) ?? 0;
  const zone = k.zones(nid).find((z) => z.present && pfn >= z.startPfn && pfn < z.startPfn + z.spanned);
  const what = s === FrameState.Free ? `free (in an order-${map.order[pfn]} block)` : FRAME_STATE_NAMES[s];
  return `pfn ${hex(pfn)}  phys ${hex(pfn * 4096, 8)}  ${k.nodes().length > 1 ? `node ${nid} ` : ""}zone ${zone?.name ?? ZONE_NAMES[0]}: ${what}`;
}

/** The bytes at a user address, through the side-effect-free walk; fewer if a page is absent. */
function readUser(m: Machine, va: number, n: number): Uint8Array {
  const k = m.kernel.exports;
  const ram = new Uint8Array(m.kernel.memory.buffer);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = va + i;
    const e = k.mmu_walk_inspect(a, 0);
    if (e < 4096) return out.subarray(0, i);  // a #PF error code: the page is absent
    out[i] = ram[Math.floor(e / 4096) * 4096 + (a % 4096)];
  }
  return out;
}

function render(): void {
  if (!session) return;
  const { machine: m, map, frames, buddy, tracer } = session;
  // While running, the log (the costliest view to lay out) updates four times a second.
  const now = performance.now();
  if (!running || now - logShown > 250) {
    const names = tracer.ring.names;
    addFaults(ui.faults, newFaults, (r) => narrateFault(r, names), (r) => renderFault(r, names), showFault, FAULT_LOG_LENGTH);
    const last = newFaults[newFaults.length - 1];
    if (last) showFault(last);
    newFaults = [];
    logShown = now;
  } else if (newFaults.length > FAULT_LOG_LENGTH) newFaults = newFaults.slice(-FAULT_LOG_LENGTH);
  const k = m.kernel;
  classifyFrames(k, map);
  for (const f of frames) f.draw(map);
  peakAnon = Math.max(peakAnon, anonFrames(map));
  renderFrameSummary($("frame-summary"), map, k.maxOrder);
  setData($("frame-summary"), "anonPeak", String(peakAnon));
  const zones = allZones(k);
  buddy.render(zones);
  setText($("buddyinfo"), buddyinfo(k));

  const vm = new Map(k.vmstat());
  renderCounters(ui.counters, [
    ["page faults", m.faults],
    ["instructions", m.cpu.retired],  // the last program's, once it has ended
    ["pgfault", vm.get("pgfault") ?? 0],
    ["nr_free_pages", vm.get("nr_free_pages") ?? 0],
    ["nr_anon_pages", vm.get("nr_anon_pages") ?? 0],
    ["nr_page_table_pages", vm.get("nr_page_table_pages") ?? 0],
    ["pcp pages", zones.reduce((s, z) => s + z.pcp.count, 0)],
    ["anon frames, peak", peakAnon],
    ["shared anon frames", map.counts[FrameState.AnonShared]],
  ]);
  renderCounters(ui.reclaim, reclaimValues(vm, k.swapInfo(), m.kthreads.threads, k.nodes().map((nid) => k.nodeStat(nid))));
  const procs = m.processes();
  // A reaped process leaves the list, and the walk follows the CPU again.
  if (selectedPid !== null && !procs.some((p) => p.pid === selectedPid)) selectedPid = null;
  renderProcesses(ui.procs, procs, selectedPid ?? m.current?.pid ?? null, selectProcess);

  if (m.mm) {
    const cpu = m.cpu;
    regs.render(cpu.state.L, cpu.state.H, cpu.rip, cpu.rflags);
    const bytes = readUser(m, cpu.rip, 15);
    const insn = bytes.length ? decode(bytes, bytes.length, cpu.rip) : null;
    setText(ui.insn, `${hex(cpu.rip)}: ${insn ? formatInsn(insn) : "(not mapped yet: fetching it faults)"}`);
  } else {
    setText(ui.insn, "—");
  }
  renderWalkView();
}

function renderWalkView(): void {
  const m = session?.machine;
  if (ui.walkFollow.checked && lastFault !== null) ui.walkAddr.value = hex(lastFault);
  const text = ui.walkAddr.value.trim();
  const pid = selectedPid ?? m?.current?.pid ?? null;
  setText(ui.walkPid, pid === null ? "" : `pid ${pid}'s page tables`);
  if (!m || pid === null) return renderWalk(ui.walk, null, "No process: load a program.");
  if (!text) return renderWalk(ui.walk, null, "Enter an address, or let it follow the faults.");
  const va = Number(text);
  if (!Number.isSafeInteger(va) || va < 0 || va >= 2 ** 47) return renderWalk(ui.walk, null, `"${text}" is not a user address (0 … 0x7fffffffffff).`);
  const walk: PageWalk | null = m.inProcess(pid, () => inspectWalk(m.kernel.exports, m.kernel.memory, va));
  renderWalk(ui.walk, walk, `pid ${pid} has no address space: ${m.kthreads.byPid(pid) ? "a kernel thread uses the kernel's" : "it has exited"}.`);
}

/** The walk reads `pid`'s page tables from now on (choosing the running process again follows the CPU). */
function selectProcess(pid: number): void {
  const m = session?.machine;
  selectedPid = pid === m?.current?.pid ? null : pid;
  render();
  ui.procs.querySelector<HTMLButtonElement>(`tr[data-pid="${pid}"] button`)?.focus();
}

function selectedProgram(): Promise<{ name: string; bytes: Uint8Array; stdin?: string }> {
  if (elfFile) return Promise.resolve(elfFile);
  const c = cases[ui.program.selectedIndex];
  return fetch(programUrls[`../programs/bin/${c.program}`])
    .then((r) => r.arrayBuffer())
    .then((b) => ({ name: c.program, bytes: new Uint8Array(b), stdin: c.stdin }));
}

/** A fresh process for the chosen program (booting a machine first if there is none). */
async function load(): Promise<boolean> {
  pause();
  try {
    session ??= await boot();
    const prog = await selectedProgram();
    const argv = [`./${prog.name}`, ...ui.args.value.split(/\s+/).filter(Boolean)];
    session.options.stdin = prog.stdin ?? "";
    ui.stdout.textContent = "";
    ui.faults.replaceChildren();
    newFaults = [];
    regs.clear();
    lastFault = null;
    peakAnon = 0;
    selectedPid = null;
    // A fresh trace before exec: exec's own faults are the new program's 1, 2, 3…
    session.tracer = watchFaults(session.machine);
    setText(ui.narration, "");
    session.files.add(`/${prog.name}`, prog.bytes);
    session.machine.exec(prog.bytes, argv);
    argv0 = argv.join(" ");
    session.buddy.resetBase(allZones(session.machine.kernel));
    setStatus(`Loaded ${argv0}: run, step, or run to the next fault.`, "ready");
    return true;
  } catch (e) {
    setStatus(e instanceof Error ? e.message : String(e), "error");
    return false;
  } finally {
    render();
  }
}

function finished(end: RunEnd): void {
  pause();
  if (end.kind === "exit") setStatus(`${argv0}: exited with status ${end.status}`, "exited");
  else if (end.kind === "signal") {
    // "faultline: SIGSEGV (SEGV_MAPERR) at address 0x0, rip 0x401005", then bash's "Segmentation fault".
    const [detail, shell] = signalEnding(end.signal).stderr.trimEnd().split("\n");
    setStatus(`${argv0}: ${shell} (${detail.replace(/^faultline: /, "")}); exit status ${end.status}`, "signal");
  }
}

/** Runs `fn` on the current process, loading one first if none is left; reports how it ended. */
async function drive(fn: (m: Machine) => RunEnd | null): Promise<void> {
  if (!session?.machine.mm && !(await load())) return;
  const m = session!.machine;
  try {
    const end = fn(m);
    if (end && end.kind !== "budget") finished(end);
  } catch (e) {
    pause();
    setStatus(e instanceof KernelPanic ? e.message : `host error: ${e instanceof Error ? e.message : String(e)}`, "error");
  }
  render();
}

function tick(): void {
  if (!running) return;
  void drive((m) => m.run(Number(ui.speed.value))).then(() => {
    if (running) requestAnimationFrame(tick);
  });
}

function start(): void {
  running = true;
  ui.run.innerHTML = "Pause (<u>R</u>)";
  setStatus(`Running ${argv0}…`, "running");
  requestAnimationFrame(tick);
}

function pause(): void {
  if (!running) return;
  running = false;
  ui.run.innerHTML = "<u>R</u>un";
  if (session?.machine.mm) setStatus(`Paused ${argv0}.`, "paused");
}

async function toggleRun(): Promise<void> {
  if (running) return pause();
  if (!session?.machine.mm && !(await load())) return;
  start();
}

async function reboot(): Promise<void> {
  pause();
  session = null;
  selectedPid = null;
  ui.stdout.textContent = "";
  ui.faults.replaceChildren();
  newFaults = [];
  regs.clear();
  setStatus("Booting…", "booting");
  session = await boot();
  session.buddy.resetBase(allZones(session.machine.kernel));
  setStatus(`Booted ${ui.mem.value} of RAM${ui.swap.value ? ` and ${ui.swap.value} of swap` : ", no swap"}. Choose a program and load it.`, "booted");
  render();
}

/** The guest files, as the file list shows them. */
function renderFiles(): void {
  const rows = [...guestFiles].sort(([a], [b]) => a.localeCompare(b)).map(([name, bytes]) => {
    const li = document.createElement("li");
    li.dataset.name = name;
    li.textContent = `/${name}  ${bytes.length.toLocaleString("en-US")} bytes`;
    return li;
  });
  if (!rows.length) rows.push(Object.assign(document.createElement("li"), { textContent: "Drop files on the page, or choose them above; the program is /its name." }));
  ui.fileList.replaceChildren(...rows);
}

/** Files the guest can open from now on (in /, its working directory): in this machine's file system and in every later one. */
async function addGuestFiles(list: FileList | null | undefined): Promise<void> {
  for (const f of Array.from(list ?? [])) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    guestFiles.set(f.name, bytes);
    session?.files.add(`/${f.name}`, bytes);
  }
  renderFiles();
}

// ---- wiring ----

for (const c of cases) ui.program.add(new Option(`${c.name}${c.args?.length ? ` (${c.args.join(" ")})` : ""}`, c.name));
const pick = () => { ui.args.value = (cases[ui.program.selectedIndex].args ?? []).join(" "); };
/** Demos that need a machine of their own: thrash's working set (24 MiB) is larger than its RAM, with swap to go to. */
const DEMO_MACHINES: Record<string, { mem: string; swap: string }> = { thrash: { mem: "16M", swap: "64M" } };
ui.program.addEventListener("change", () => {
  elfFile = null;
  ui.elf.value = "";
  pick();
  const demo = DEMO_MACHINES[cases[ui.program.selectedIndex].name];
  if (demo && (ui.mem.value !== demo.mem || ui.swap.value !== demo.swap)) {
    ui.mem.value = demo.mem;
    ui.swap.value = demo.swap;
    void reboot();
  }
});
ui.program.selectedIndex = Math.max(0, cases.findIndex((c) => c.name === "touch_write"));
pick();
ui.elf.addEventListener("change", async () => {
  const f = ui.elf.files?.[0];
  elfFile = f ? { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) } : null;
  if (f) ui.args.value = "";
});
ui.guestFiles.addEventListener("change", () => void addGuestFiles(ui.guestFiles.files));
document.addEventListener("dragover", (e) => e.preventDefault());
document.addEventListener("drop", (e) => {
  e.preventDefault();
  void addGuestFiles(e.dataTransfer?.files);
});
ui.mem.addEventListener("change", () => void reboot());
ui.swap.addEventListener("change", () => void reboot());
ui.load.addEventListener("click", () => void load());
ui.run.addEventListener("click", () => void toggleRun());
ui.step.addEventListener("click", () => {
  pause();
  void drive((m) => {
    const end = m.step();
    if (!end) setStatus(`Paused ${argv0} after one instruction, at ${hex(m.cpu.rip)}.`, "paused");
    return end;
  });
});
ui.fault.addEventListener("click", () => {
  pause();
  void drive((m) => {
    const end = m.runToNextFault(50_000_000);
    if (!end) setStatus(`Paused ${argv0} after fault ${m.faults}.`, "paused");
    else if (end.kind === "budget") setStatus(`Paused ${argv0}: no fault in ${end.retired.toLocaleString("en-US")} instructions.`, "paused");
    return end;
  });
});
ui.reboot.addEventListener("click", () => void reboot());
$("walk-go").addEventListener("click", () => { ui.walkFollow.checked = false; renderWalkView(); });
ui.walkAddr.addEventListener("keydown", (e) => { if (e.key === "Enter") { ui.walkFollow.checked = false; renderWalkView(); } });

const KEYS: Record<string, () => void> = {
  l: () => ui.load.click(), r: () => ui.run.click(), s: () => ui.step.click(), f: () => ui.fault.click(),
  b: () => ui.reboot.click(), w: () => ui.walkAddr.focus(), m: () => ui.frames.focus(),
};
document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (e.ctrlKey || e.metaKey || e.altKey || ["INPUT", "SELECT", "TEXTAREA"].includes(t.tagName)) return;
  const act = KEYS[e.key.toLowerCase()];
  if (act) { e.preventDefault(); act(); }
});

renderFiles();
void reboot().catch((e) => setStatus(`Boot failed: ${e instanceof Error ? e.message : String(e)}`, "error"));
