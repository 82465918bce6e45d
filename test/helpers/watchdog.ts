// The watchdog (a vitest setup file): vitest's timeouts are timers, and a
// timer cannot fire while the kernel spins in synchronous Wasm. A helper
// thread watches instead: each test start and end bumps a shared counter,
// and when it stands still for FAULTLINE_WATCHDOG_MS while a file is running
// the thread names the test on stderr and SIGKILLs this fork, which vitest
// reports as a failed file. test/project/watchdog.test.ts proves it on a looping
// Wasm function.

import { Worker } from "node:worker_threads";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";

const LIMIT = Number(process.env.FAULTLINE_WATCHDOG_MS ?? 150_000);
const state = new Int32Array(new SharedArrayBuffer(8)); // [progress, armed]
const name = new Uint8Array(new SharedArrayBuffer(1024));

const watch = `
const { workerData: { state, name, limit } } = require("node:worker_threads");
const s = new Int32Array(state), n = new Uint8Array(name);
for (;;) {
  const seen = Atomics.load(s, 0);
  if (Atomics.wait(s, 0, seen, limit) === "timed-out" && Atomics.load(s, 1) === 1) {
    const text = Buffer.from(n.slice(0, n.indexOf(0) < 0 ? n.length : n.indexOf(0))).toString();
    require("node:fs").writeSync(2, "\\nwatchdog: \\"" + text + "\\" made no progress for " + limit + " ms (a loop in the kernel?): killing its worker\\n");
    process.kill(process.pid, "SIGKILL");
  }
}`;
new Worker(watch, { eval: true, workerData: { state: state.buffer, name: name.buffer, limit: LIMIT } }).unref();

function arm(what: string): void {
  name.fill(0);
  name.set(new TextEncoder().encode(what).subarray(0, name.length - 1));
  Atomics.store(state, 1, 1);
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
}

interface Task { name: string; suite?: Task; file?: { name: string } }
const fullName = (t: Task): string => (t.suite && t.suite.name && t.suite !== (t.file as unknown) ? `${fullName(t.suite)} > ` : "") + t.name;

arm("loading a test file");
beforeAll(({}, suite) => arm(`${(suite as Task).name}: beforeAll`));
beforeEach((ctx) => arm(`${ctx.task.file.name} > ${fullName(ctx.task as Task)}`));
afterEach((ctx) => arm(`${ctx.task.file.name} > ${fullName(ctx.task as Task)}: afterEach`));
afterAll(() => {
  Atomics.store(state, 1, 0);
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
});
