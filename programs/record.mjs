// Record each case's native stdout and exit status into programs/manifest.json.
// Run by hand on x86-64 Linux after changing a program or a case:
//   node programs/record.mjs
// test/programs/programs.test.ts checks the recorded values against a fresh native run.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runNative } from "./native.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const manifestPath = join(here, "manifest.json");
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));

for (const c of manifest.cases) {
  const r = runNative(c, { siCode: true });
  delete c.signal;
  delete c.si_code;
  delete c.si_addr;
  c.stdout = r.stdout;
  c.status = r.status;
  if (r.signal) {
    c.signal = r.signal;
    c.si_code = r.siCode;
    c.si_addr = r.siAddr;
  }
  console.log(`${c.name}: status ${c.status}${r.signal ? ` (${r.signal} ${r.siCode} at ${r.siAddr})` : ""}`);
}
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
