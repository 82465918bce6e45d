// The watchdog (test/helpers/watchdog.ts) turns a Wasm loop that never
// returns into a failure naming the test, in a child vitest, so the hang is
// real without hanging this suite.

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const config = new URL("../fixtures/watchdog/vitest.config.ts", import.meta.url).pathname;
const vitest = new URL("../../node_modules/vitest/vitest.mjs", import.meta.url).pathname;

describe("the watchdog", () => {
  it("fails a test stuck in synchronous Wasm, by name, instead of hanging", () => {
    const r = spawnSync(process.execPath, [vitest, "run", "--config", config], {
      encoding: "utf8",
      env: { ...process.env, FAULTLINE_WATCHDOG_MS: "2000", CI: "", FAULTLINE_SKIP_LOG: "" },
      timeout: 50_000, // a broken watchdog leaves the child hanging: kill it, and fail below
    });
    const out = r.stdout + r.stderr;
    expect(r.signal, out).toBe(null);
    expect(r.status, out).not.toBe(0);
    expect(out).toContain('watchdog: "spin.fixture.ts > spins in Wasm forever" made no progress for 2000 ms');
  });
});
