import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

// Where test/helpers/tools.ts logs why a test skips, for the skip reporter.
process.env.FAULTLINE_SKIP_LOG ||= join(tmpdir(), `faultline-skips-${process.pid}.tsv`);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Forks, so the watchdog can kill a worker stuck in a Wasm loop.
    pool: "forks",
    // Two files at once: most of a test's time is a child process (a native
    // run, a faultline run) on one core, and vitest's default on two cores is one.
    maxWorkers: 2,
    setupFiles: ["test/helpers/watchdog.ts"],
    env: { FAULTLINE_SKIP_LOG: process.env.FAULTLINE_SKIP_LOG },
    // The skip line first, vitest's summary last.
    reporters: ["./test/helpers/skip_reporter.ts", "default"],
  },
});
