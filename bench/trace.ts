// What tracing costs the allocator: alloc/free cycles on build/kernel.wasm
// (no tracers built in), and on build/kernel.trace.wasm with the tracer off,
// on with the counter clock, and on with the host clock (an env.trace_clock
// call per event), as ratios against the traced build's "off" measured in
// the same run. The ring is drained between rounds, as a run drains it
// after each fault.
import { loadKernelModule } from "../src/cli/load.js";
import { GFP, Kernel } from "../src/kernel.js";
import { TraceRing, type TraceClock } from "../src/trace/index.js";
import type { Reporter } from "./report.js";

type Mode = "release" | "off" | TraceClock;

export interface TraceBenchResult {
  mode: Mode;
  nsPerCycle: number;
  ratio: number;   // nsPerCycle / off's
}

const ORDERS = [0, 0, 1, 0, 2, 3, 0, 1];
const LABELS: Record<Mode, string> = {
  release: "kernel.wasm (no tracers)", off: "kernel.trace.wasm, tracing off",
  counter: "tracing on, counter clock", host: "tracing on, host clock",
};

function cycles(k: Kernel, ring: TraceRing, rounds: number): number {
  const pfns = new Array<number>(ORDERS.length);
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < ORDERS.length; i++) pfns[i] = k.exports.alloc_pages(GFP.GFP_KERNEL, ORDERS[i]);
    for (let i = 0; i < ORDERS.length; i++) k.exports.free_pages(pfns[i], ORDERS[i]);
    ring.drain();
  }
  return ((performance.now() - t0) * 1e6) / (rounds * ORDERS.length);
}

export function benchTrace(rounds = 20_000): TraceBenchResult[] {
  const kernels = {
    release: new Kernel(loadKernelModule("release"), { mem: "64M" }),
    trace: new Kernel(loadKernelModule("trace"), { mem: "64M" }),
  };
  const run = (mode: Mode) => {
    const k = mode === "release" ? kernels.release : kernels.trace;
    const ring = new TraceRing(k.exports, k.memory);
    if (mode === "release" || mode === "off") ring.stop(); else ring.start(mode);
    cycles(k, ring, rounds / 4); // warm up
    let best = Infinity;
    for (let i = 0; i < 3; i++) best = Math.min(best, cycles(k, ring, rounds));
    ring.stop();
    return best;
  };
  const off = run("off");
  return (["release", "off", "counter", "host"] as const).map((mode) => {
    const ns = mode === "off" ? off : run(mode);
    return { mode, nsPerCycle: ns, ratio: ns / off };
  });
}

export async function traceBench(r: Reporter): Promise<void> {
  r.section("tracing: alloc+free cycles without tracers, with them off, on (counter clock), on (host clock)");
  for (const t of benchTrace()) {
    r.row(LABELS[t.mode], `${t.nsPerCycle.toFixed(0)} ns/op`, undefined, t.mode === "off" ? "baseline" : `${t.ratio.toFixed(2)}x tracing off`);
  }
}
