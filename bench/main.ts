// npm run bench: every suite, in one process (the list is bench/suites.ts),
// or those named on the command line.

import { consoleReporter } from "./report.js";
import { SUITES } from "./suites.js";

const only = process.argv.slice(2);
for (const [name, run] of SUITES) {
  if (only.length && !only.includes(name)) continue;
  await run(consoleReporter);
}
